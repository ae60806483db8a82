/**
 * The handler's logic, free of Lambda and of the SDK (both are injected): validate the input, read the failed
 * execution, check the attempt budget, plan, apply the retry policy (classification, parameter overrides, delay,
 * dry run), start or schedule the selective execution, and report one decision (log line, metrics, events, SNS).
 */
import { StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { FailedExecution, parseHandlerInput } from './failed-execution-event';
import { FailureClass, classifyFailureReason } from './failure-classification';
import { clientRequestToken, isRetryOf, lineageOf, retryDescription, retryDisplayName } from './lineage';
import { MetricsPort } from './metrics-port';
import { NotifierPort, detailTypeOf } from './notifier-port';
import { ExecutionStepRecord, FailedStep, planRetry } from './planner';
import { ClassifiedFailure, ParameterChange, applyParameterOverrides, delaySeconds, needsJobReason, retryableVerdict } from './retry-policy';
import { describeError, isTransientError } from './sagemaker-errors';
import { ExecutionSnapshot, SageMakerPort } from './sagemaker-port';
import { RetrySavings, retrySavings } from './savings';
import { SchedulerPort, scheduleName } from './scheduler-port';
import type { SkipReason } from '../src/kernel/contract';
import { parseDefinition } from '../src/kernel/definition-graph';

/** What the handler did with one input. */
export type Outcome = 'started' | 'scheduled' | 'planned' | 'skipped' | 'ignored';

/** A failed step with the class of its failure. */
export interface ClassifiedFailedStep extends FailedStep {
  readonly failureClass?: FailureClass;
}

/** The decision, as returned and logged. */
export interface RemediationResult {
  readonly outcome: Outcome;
  /** One sentence: why. */
  readonly reason: string;
  readonly pipelineName?: string;
  /** The failed execution the input was about. */
  readonly failedExecutionArn?: string;
  /** The selective execution started (`started`). */
  readonly pipelineExecutionArn?: string;
  /** When a delayed retry will start (`scheduled`, or `planned` with a delay). */
  readonly scheduledFor?: string;
  readonly scheduleName?: string;
  /** The attempt number of the retry (1 for the first retry of an original run). */
  readonly attempt?: number;
  readonly maxAttempts?: number;
  readonly rootExecutionArn?: string;
  /** Why the retry was skipped, as a fixed code (`skipped` only); `reason` says it in a sentence. */
  readonly skipReason?: SkipReason;
  /** True when the skip is because the retry budget is spent. */
  readonly budgetExhausted?: boolean;
  /**
   * True when this delivery repeats one already handled (SageMaker may send several events per state change): the
   * retry was already started or scheduled, nothing new was, and the decision is logged but not announced again.
   */
  readonly duplicate?: boolean;
  readonly selectedSteps?: string[];
  /** What the retry reuses from the failed run instead of running it again (whenever a retry was decided). */
  readonly savings?: RetrySavings;
  readonly failedSteps?: ClassifiedFailedStep[];
  readonly parameterChanges?: ParameterChange[];
  readonly warnings?: string[];
  /** The StartPipelineExecution request: sent, scheduled, to send (`planned`), or rejected by SageMaker. */
  readonly request?: StartPipelineExecutionCommandInput;
  readonly eventId?: string;
}

/** One structured log record. */
export type LogRecord = Record<string, unknown> & { level: 'INFO' | 'WARN' | 'ERROR'; message: string };

/** Dependencies of `remediate`. Only `sagemaker` and `log` are required; the rest enable policy features. */
export interface RemediationDependencies {
  readonly sagemaker: SageMakerPort;
  readonly log: (record: LogRecord) => void;
  /** Needed for delayed retries. */
  readonly scheduler?: SchedulerPort;
  readonly notifier?: NotifierPort;
  readonly metrics?: MetricsPort;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Options of `remediate`. */
export interface RemediationOptions {
  /** Decide and report, but start nothing (outcome `planned`), whatever the policy says. @default false */
  readonly dryRun?: boolean;
}

/**
 * Handles one delivery. Resolves with the decision for anything it can decide (including input it ignores and
 * failures it will not retry); rejects only for transient errors, so the event is delivered again.
 */
export async function remediate(
  input: unknown,
  deps: RemediationDependencies,
  options: RemediationOptions = {},
): Promise<RemediationResult> {
  const parsed = parseHandlerInput(input);
  if (parsed.kind === 'ignored') {
    // Foreign or malformed input: logged, never announced (it is not a decision about a healed pipeline).
    return log(deps, 'INFO', { outcome: 'ignored', reason: `Ignored: ${parsed.reason}.`, failedExecutionArn: parsed.pipelineExecutionArn });
  }
  const base = {
    pipelineName: parsed.pipelineName,
    failedExecutionArn: parsed.pipelineExecutionArn,
    ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
  };

  let snapshot: ExecutionSnapshot;
  try {
    snapshot = await deps.sagemaker.readExecution(parsed.pipelineExecutionArn, parsed.pipelineName);
  } catch (error) {
    if (isTransientError(error)) throw error;
    return report(deps, parsed, 'ERROR', { ...base, outcome: 'skipped', skipReason: 'UNREADABLE_EXECUTION', reason: `Could not read the failed execution: ${describeError(error)}.` });
  }
  return decide(parsed, snapshot, deps, options, base);
}

async function decide(
  failed: FailedExecution,
  snapshot: ExecutionSnapshot,
  deps: RemediationDependencies,
  options: RemediationOptions,
  base: Partial<RemediationResult>,
): Promise<RemediationResult> {
  const { execution } = snapshot;
  const { policy } = failed;
  const status = execution.PipelineExecutionStatus;
  if (status !== 'Failed') {
    return report(deps, failed, 'INFO', { ...base, outcome: 'skipped', skipReason: 'NOT_FAILED', reason: `The execution is now ${status ?? 'in an unknown state'}, not Failed; nothing to heal.` });
  }

  const sourceArn = execution.PipelineExecutionArn ?? failed.pipelineExecutionArn;
  const lineage = lineageOf(sourceArn, execution.PipelineExecutionDescription);
  const attempt = lineage.attempt + 1;
  const budget = { attempt, maxAttempts: policy.maxAttempts, rootExecutionArn: lineage.rootExecutionArn };
  if (attempt > policy.maxAttempts) {
    return report(deps, failed, 'WARN', {
      ...base,
      ...budget,
      outcome: 'skipped',
      skipReason: 'BUDGET_EXHAUSTED',
      budgetExhausted: true,
      reason: `Retry budget exhausted: ${lineage.attempt} of ${policy.maxAttempts} selective retries of ${lineage.rootExecutionArn} already ran.`,
    });
  }

  const plan = planRetry(snapshot.definition, snapshot.steps);
  const failures = await classifyFailures(plan.failedSteps, snapshot.steps, failed, deps);
  const failedSteps = plan.failedSteps.map((f) => ({ ...f, ...classOf(failures, f.stepName) }));
  const planned = { ...base, ...budget, failedSteps, warnings: [...plan.warnings] };
  if (plan.decision === 'skip') {
    return report(deps, failed, 'WARN', { ...planned, outcome: 'skipped', skipReason: plan.skipReason, reason: plan.reason });
  }
  const verdict = retryableVerdict(policy.retryOn, failures);
  if (!verdict.retry) {
    return report(deps, failed, 'WARN', { ...planned, outcome: 'skipped', skipReason: 'NOT_RETRYABLE', reason: verdict.reason });
  }

  const overridden = applyParameterOverrides(
    policy.parameterOverrides, snapshot.parameters, parameterDefaults(snapshot.definition), new Set(failures.map((f) => f.failureClass)));
  planned.warnings.push(...overridden.warnings);
  const request: StartPipelineExecutionCommandInput = {
    // SageMaker's own ARN for the pipeline of this execution (StartPipelineExecution accepts a name or an ARN). Not
    // the configured name: a pipeline imported by name may be spelled in another case than it was created with.
    PipelineName: execution.PipelineArn ?? failed.pipelineArn,
    PipelineExecutionDisplayName: retryDisplayName(attempt, lineage.rootExecutionArn),
    PipelineExecutionDescription: retryDescription(attempt, policy.maxAttempts, lineage.rootExecutionArn, sourceArn),
    // SageMaker would apply the defaults to any parameter left out (pitfall 10): carry the failed run's values.
    PipelineParameters: overridden.parameters,
    ClientRequestToken: clientRequestToken(sourceArn),
    ...(execution.ParallelismConfiguration ? { ParallelismConfiguration: execution.ParallelismConfiguration } : {}),
    // Retry what failed, not what was deployed since (pitfall 11).
    ...(execution.PipelineVersionId !== undefined ? { PipelineVersionId: execution.PipelineVersionId } : {}),
    SelectiveExecutionConfig: {
      SourcePipelineExecutionArn: sourceArn,
      SelectedSteps: plan.selectedSteps.map((StepName) => ({ StepName })),
    },
  };
  const wait = delaySeconds(policy.delay, attempt, sourceArn);
  const at = new Date((deps.now ?? (() => new Date()))().getTime() + wait * 1000);
  const decided = {
    ...planned,
    selectedSteps: plan.selectedSteps,
    // From the step list already read: no SageMaker call of its own.
    savings: retrySavings(snapshot.steps, plan.selectedSteps),
    ...(overridden.changes.length ? { parameterChanges: overridden.changes } : {}),
    ...(wait > 0 ? { scheduledFor: at.toISOString() } : {}),
    request,
  };
  const what = `selective retry ${attempt} of ${policy.maxAttempts}${wait > 0 ? ` at ${at.toISOString()} (in ${wait} s)` : ''}`;

  const existing = snapshot.recentExecutions?.find((e) => isRetryOf(e.PipelineExecutionDescription, sourceArn));
  if (existing?.PipelineExecutionArn) {
    return report(deps, failed, 'INFO', {
      ...decided,
      outcome: 'started',
      pipelineExecutionArn: existing.PipelineExecutionArn,
      duplicate: true,
      reason: `Already started (duplicate delivery): ${what} is ${existing.PipelineExecutionArn}; nothing new was started.`,
    });
  }
  if (options.dryRun || policy.dryRun) {
    return report(deps, failed, 'INFO', { ...decided, outcome: 'planned', reason: `Dry run: would start ${what}. ${plan.reason}` });
  }
  try {
    if (wait > 0) {
      if (!deps.scheduler) {
        return await report(deps, failed, 'ERROR', { ...decided, outcome: 'skipped', skipReason: 'NO_SCHEDULER', reason: 'The policy delays retries, but the handler has no scheduler configuration.' });
      }
      const name = scheduleName(sourceArn);
      const created = await deps.scheduler.scheduleStart({ name, at, request, partition: sourceArn.split(':')[1] });
      return await report(deps, failed, 'INFO', {
        ...decided,
        outcome: 'scheduled',
        scheduleName: name,
        ...(created === 'exists' ? { duplicate: true } : {}),
        reason: created === 'created' ? `Scheduled ${what}. ${plan.reason}` : `Already scheduled (duplicate delivery): ${what}.`,
      });
    }
    const pipelineExecutionArn = await deps.sagemaker.startPipelineExecution(request);
    return await report(deps, failed, 'INFO', { ...decided, outcome: 'started', pipelineExecutionArn, reason: `Started ${what}. ${plan.reason}` });
  } catch (error) {
    if (isTransientError(error)) {
      deps.log({ level: 'WARN', message: 'selective-retry start failed transiently; rethrowing for redelivery', ...decided, error: describeError(error) });
      throw error;
    }
    return report(deps, failed, 'ERROR', {
      ...decided,
      outcome: 'skipped',
      skipReason: 'START_REJECTED',
      reason: `SageMaker rejected the selective execution: ${describeError(error)}. The request is logged; it is not retried.`,
    });
  }
}

/**
 * Classifies each failed step from its own reason and, only when the policy needs more to decide, from the reason of
 * the job behind it (DescribeProcessingJob / DescribeTrainingJob / DescribeTransformJob), read in parallel.
 */
async function classifyFailures(
  failedSteps: FailedStep[], records: ExecutionStepRecord[], failed: FailedExecution, deps: RemediationDependencies,
): Promise<ClassifiedFailure[]> {
  const onlyFailed = failedSteps.filter((f) => f.status === 'Failed');
  return Promise.all(onlyFailed.map(async (step) => {
    const reasons = step.failureReason ? [step.failureReason] : [];
    const first: ClassifiedFailure = { stepName: step.stepName, failureClass: classifyFailureReason(step.failureReason), reasons };
    const jobArn = jobArnOf(records.find((r) => r.StepName === step.stepName));
    if (!jobArn || !needsJobReason(failed.policy, first)) return first;
    let jobReason: string | undefined;
    try {
      jobReason = await deps.sagemaker.describeJobFailureReason(jobArn);
    } catch (error) {
      if (isTransientError(error)) throw error;
      deps.log({ level: 'WARN', message: 'could not read the failed job', jobArn, error: describeError(error) });
    }
    if (!jobReason) return first;
    const jobClass = classifyFailureReason(jobReason);
    return { ...first, failureClass: first.failureClass === 'UNKNOWN' ? jobClass : first.failureClass, reasons: [...reasons, jobReason] };
  }));
}

function classOf(failures: ClassifiedFailure[], stepName: string): { failureClass?: FailureClass } {
  const failure = failures.find((f) => f.stepName === stepName);
  return failure ? { failureClass: failure.failureClass } : {};
}

function jobArnOf(record: ExecutionStepRecord | undefined): string | undefined {
  const metadata = record?.Metadata as Record<string, { Arn?: string } | undefined> | undefined;
  return metadata?.ProcessingJob?.Arn ?? metadata?.TrainingJob?.Arn ?? metadata?.TransformJob?.Arn;
}

function parameterDefaults(definition: string): Map<string, string> {
  try {
    return new Map(parseDefinition(definition).parameters
      .filter((p) => p.defaultValue !== undefined)
      .map((p) => [p.name, String(p.defaultValue)]));
  } catch {
    return new Map();
  }
}

/** Logs the decision, then counts and announces it; announcement failures are logged, never thrown. */
async function report(
  deps: RemediationDependencies, failed: FailedExecution, level: LogRecord['level'], result: RemediationResult,
): Promise<RemediationResult> {
  const clean = log(deps, level, result);
  // A repeated delivery was counted and announced the first time.
  if (clean.duplicate) return clean;
  const failureClasses = (clean.failedSteps ?? []).flatMap((f) => (f.failureClass ? [f.failureClass] : []));
  const tasks: Array<[string, Promise<void>]> = [];
  if (deps.metrics) {
    tasks.push(['metrics', deps.metrics.record({
      pipelineName: failed.pipelineName,
      ...(failed.policy.metricsId ? { metricsId: failed.policy.metricsId } : {}),
      outcome: clean.outcome,
      budgetExhausted: clean.budgetExhausted === true,
      failureClasses,
      ...(clean.skipReason ? { skipReason: clean.skipReason } : {}),
      // Counted when the retry will run: started now, or scheduled (EventBridge Scheduler starts it, not the handler).
      ...(clean.savings && (clean.outcome === 'started' || clean.outcome === 'scheduled')
        ? { stepsReused: clean.savings.reusedSteps.length, stepSecondsReused: clean.savings.stepSecondsReused }
        : {}),
    })]);
  }
  if (deps.notifier) {
    const { request, ...detail } = clean;
    const announcement = {
      detailType: detailTypeOf(clean.outcome, clean.budgetExhausted === true),
      resource: clean.failedExecutionArn,
      subject: `SageMaker pipeline ${failed.pipelineName}: ${detailTypeOf(clean.outcome, clean.budgetExhausted === true).toLowerCase()}`,
      detail: { ...detail, ...(request ? { selectedSteps: clean.selectedSteps } : {}) } as Record<string, unknown>,
    };
    if (failed.policy.notifications.events) tasks.push(['event', deps.notifier.putEvent(announcement)]);
    const topic = failed.policy.notifications.topicArn;
    if (topic) tasks.push(['sns', deps.notifier.publishToTopic(topic, announcement)]);
  }
  const settled = await Promise.allSettled(tasks.map(([, task]) => task));
  settled.forEach((s, i) => {
    if (s.status === 'rejected') {
      deps.log({ level: 'WARN', message: `could not publish the decision (${tasks[i][0]})`, error: describeError(s.reason), failedExecutionArn: clean.failedExecutionArn });
    }
  });
  return clean;
}

function log(deps: RemediationDependencies, level: LogRecord['level'], result: RemediationResult): RemediationResult {
  const clean = Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as unknown as RemediationResult;
  deps.log({ level, message: 'selective-retry decision', ...clean });
  return clean;
}
