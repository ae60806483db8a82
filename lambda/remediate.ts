/**
 * The handler's logic, free of Lambda and of the SDK (both are injected): validate the event, look its pipeline up
 * in the deployed configuration (never in the payload) while reading the failed execution, check the attempt budget, plan, apply the retry policy (classification, parameter overrides, delay,
 * dry run), start or schedule the selective execution, and report one decision (log line, metrics, events, SNS).
 */
import { StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { ConfigurationPort } from './configuration-port';
import { connectedSuperset, isConnected } from './connected-selection';
import { FailedExecution, HomeLocation, parseFailedExecutionEvent } from './failed-execution-event';
import { FailureClass, classifyFailureReason, classifyStepFailure } from './failure-classification';
import { PipelineLookup } from './handler-configuration';
import { clientRequestToken, isRetryOf, lineageOf, retryDescription, retryDisplayName } from './lineage';
import { MetricsPort } from './metrics-port';
import { NotifierPort, detailTypeOf } from './notifier-port';
import { ExecutionStepRecord, FailedStep, planRetry, sourceRunToRead, withConditionOutcomesFrom } from './planner';
import { ClassifiedFailure, ParameterChange, RetryPolicy, applyParameterOverrides, delaySeconds, needsJobReason, retryableVerdict } from './retry-policy';
import { describeError, isNotConnectedRejection, isTransientError } from './sagemaker-errors';
import { ExecutionSnapshot, SageMakerPort } from './sagemaker-port';
import { RetrySavings, retrySavings } from './savings';
import { SchedulerPort, scheduleName } from './scheduler-port';
import type { Outcome, SkipReason } from '../src/kernel/contract';
import { DefinitionModel, InvalidDefinitionError, parseDefinition } from '../src/kernel/definition-model';

/** What the handler did with one input (typed once, in the contract). */
export type { Outcome };

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
  /** True when a person stopped the execution: it is not retried. */
  readonly stoppedByPerson?: boolean;
  /**
   * How the retry runs: `selective` (the selected steps), or `full` (every step, with the same parameters and
   * version: the opt-in above SageMaker's 50-step selection limit).
   */
  readonly mode?: 'selective' | 'full';
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
  /** The configuration parameter whose policy was applied. */
  readonly configuration?: string;
  /**
   * Set when an error an operator must fix stopped the retry (counted in `RemediationErrors`): `Configuration`,
   * `AccessDenied`, `Validation`, `Scheduler`, or the name of another error SageMaker answered.
   */
  readonly remediationError?: string;
}

/** One structured log record. */
export type LogRecord = Record<string, unknown> & { level: 'INFO' | 'WARN' | 'ERROR'; message: string };

/** Dependencies of `remediate`. `sagemaker`, `configuration` and `log` are required; the rest enable policy features. */
export interface RemediationDependencies {
  readonly sagemaker: SageMakerPort;
  /** The deployed configuration: the only source of the healed pipelines and their policies. */
  readonly configuration: ConfigurationPort;
  readonly log: (record: LogRecord) => void;
  /** The function's account and region: events about pipelines elsewhere are ignored. @default not checked */
  readonly home?: HomeLocation;
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
  const event = parseFailedExecutionEvent(input, deps.home);
  if (event.kind === 'ignored') {
    // Foreign or malformed input: logged, never announced (it is not a decision about a healed pipeline).
    return log(deps, 'INFO', { outcome: 'ignored', reason: `Ignored: ${event.reason}.`, failedExecutionArn: event.pipelineExecutionArn });
  }
  // The configuration and the execution are read at once (one round trip); the execution read is only used once the
  // configuration says the pipeline is healed. The pipeline ARN names the pipeline whatever the casing of its name.
  // A run a person stopped is not read at all (see below).
  const reading = event.previousStatus === 'Stopping'
    ? undefined
    : deps.sagemaker.readExecution(event.pipelineExecutionArn, event.pipelineArn, event.endedAt);
  reading?.catch(() => undefined);
  const base = {
    failedExecutionArn: event.pipelineExecutionArn,
    ...(event.eventId ? { eventId: event.eventId } : {}),
  };

  let lookup: PipelineLookup;
  try {
    lookup = (await deps.configuration.load()).lookup(event.pipelineNameInArn);
  } catch (error) {
    if (isTransientError(error)) throw error;
    lookup = { kind: 'misconfigured', reason: `the configuration could not be read: ${describeError(error)}` };
  }
  if (lookup.kind === 'unconfigured') {
    return log(deps, 'INFO', { ...base, outcome: 'ignored', pipelineName: event.pipelineNameInArn, reason: `Ignored: ${lookup.reason}.` });
  }
  if (lookup.kind === 'misconfigured') {
    const target = { pipelineName: event.pipelineNameInArn };
    return report(deps, target, 'ERROR', {
      ...base, ...target, outcome: 'skipped', skipReason: 'CONFIGURATION_ERROR', remediationError: 'Configuration', reason: `Not retried: ${lookup.reason}.`,
    });
  }
  const failed: HealedExecution = { ...event, pipelineName: lookup.pipelineName, policy: lookup.policy };
  const healed = { ...base, pipelineName: lookup.pipelineName, configuration: lookup.source };

  if (event.previousStatus === 'Stopping') {
    // StopPipelineExecution waits for a running Lambda step (the run ends Failed if it times out) or a Callback
    // step's consumer (which often answers with a failure): the run failed because a person stopped it.
    return report(deps, failed, 'INFO', {
      ...healed,
      outcome: 'skipped',
      skipReason: 'STOPPED_BY_PERSON',
      stoppedByPerson: true,
      reason: 'A person stopped this execution (it was Stopping when it ended Failed, as a stop does while a Lambda or Callback '
        + 'step runs); a stopped run is not retried.',
    });
  }

  let snapshot: ExecutionSnapshot;
  try {
    snapshot = await reading!;
  } catch (error) {
    if (isTransientError(error)) throw error;
    return report(deps, failed, 'ERROR', {
      ...healed, outcome: 'skipped', skipReason: 'UNREADABLE_EXECUTION', remediationError: errorKind(error), reason: `Could not read the failed execution: ${describeError(error)}.`,
    });
  }
  return decide(failed, snapshot, deps, options, healed);
}

/** A failed execution of a pipeline the configuration heals, with its deployed name and policy. */
interface HealedExecution extends FailedExecution {
  readonly pipelineName: string;
  readonly policy: RetryPolicy;
}

/** The category of a non-transient error that stopped a retry. */
function errorKind(error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  if (/AccessDenied|NotAuthorized|Unauthorized|Forbidden/i.test(name)) return 'AccessDenied';
  if (/Validation/i.test(name)) return 'Validation';
  return name;
}

async function decide(
  failed: HealedExecution,
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
  // The retry re-runs this execution of this pipeline only: SageMaker's answer must name what the event named.
  if ((execution.PipelineArn !== undefined && execution.PipelineArn.toLowerCase() !== failed.pipelineArn.toLowerCase())
    || (execution.PipelineExecutionArn !== undefined && execution.PipelineExecutionArn.toLowerCase() !== failed.pipelineExecutionArn.toLowerCase())) {
    return report(deps, failed, 'ERROR', {
      ...base,
      outcome: 'skipped',
      skipReason: 'EVENT_MISMATCH',
      remediationError: 'Validation',
      reason: `SageMaker describes execution ${execution.PipelineExecutionArn} of pipeline ${execution.PipelineArn}, not the event's; nothing is started.`,
    });
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

  // Parsed once: the planner, the parameter defaults and the connected fallback read the same model.
  const model = modelOf(snapshot.definition);
  const runSelection = execution.SelectiveExecutionConfig?.SelectedSteps?.flatMap((s) => (s.StepName ? [s.StepName] : []));
  const sourceSteps = await sourceStepsIfNeeded(model, snapshot, deps);
  const plan = planRetry(model ?? snapshot.definition, snapshot.steps, {
    ...(runSelection && runSelection.length > 0 ? { runSelection } : {}),
    ...(sourceSteps ? { sourceSteps } : {}),
  });
  const failures = await classifyFailures(plan.failedSteps, snapshot.steps, failed, deps);
  const failedSteps = plan.failedSteps.map((f) => ({ ...f, ...classOf(failures, f.stepName) }));
  const planned = { ...base, ...budget, failedSteps, warnings: [...plan.warnings] };
  // Above SageMaker's selection limit, the policy may ask for a full re-run instead of giving up.
  let full = plan.decision === 'skip' && plan.overLimitSelection !== undefined && policy.fullRerunAboveSelectionLimit === true;
  if (plan.decision === 'skip' && !full) {
    return report(deps, failed, 'WARN', { ...planned, outcome: 'skipped', skipReason: plan.skipReason, reason: plan.reason });
  }
  const planReason = full
    ? `${plan.reason.replace(/\.$/, '')}; the policy re-runs the whole pipeline instead (fullRerunAboveSelectionLimit), with the same `
      + 'parameters and pipeline version.'
    : plan.reason;
  const verdict = retryableVerdict(policy.retryOn, failures);
  if (!verdict.retry) {
    return report(deps, failed, 'WARN', { ...planned, outcome: 'skipped', skipReason: 'NOT_RETRYABLE', reason: verdict.reason });
  }

  const overridden = applyParameterOverrides(
    policy.parameterOverrides, snapshot.parameters, parameterDefaults(model), new Set(failures.map((f) => f.failureClass)));
  planned.warnings.push(...overridden.warnings);
  const wait = delaySeconds(policy.delay, attempt, sourceArn);
  // A scheduled start cannot fall back when SageMaker finds the selection not connected: schedule a connected one.
  let selectedSteps = plan.selectedSteps;
  let selectionNote = '';
  if (wait > 0 && !full) {
    const widened = connectedSelection(model!, selectedSteps);
    if (widened?.full) {
      selectionNote = ' Every step must run and no connected selection holds them, so the whole pipeline is scheduled (a scheduled start cannot fall back).';
      full = true;
    } else if (widened) {
      selectionNote = ` The selection was widened to be connected, as a scheduled start cannot fall back: added ${quoted(widened.added)}.`;
      selectedSteps = widened.steps;
    }
  }
  const request: StartPipelineExecutionCommandInput = {
    // SageMaker's own ARN for the pipeline of this execution (StartPipelineExecution accepts a name or an ARN). Not
    // the configured name: a pipeline imported by name may be spelled in another case than it was created with.
    PipelineName: execution.PipelineArn ?? failed.pipelineArn,
    PipelineExecutionDisplayName: retryDisplayName(attempt, lineage.rootExecutionArn),
    // The person's own description is kept, and the marker added.
    PipelineExecutionDescription: retryDescription(
      attempt, policy.maxAttempts, lineage.rootExecutionArn, sourceArn, execution.PipelineExecutionDescription),
    // SageMaker would apply the defaults to any parameter left out: carry the failed run's values. Except empty ones:
    // StartPipelineExecution rejects "" (`string "" is too short`, https://github.com/aws/sagemaker-python-sdk/issues/4016);
    // a run can only have had "" as its declared default, which the pinned version below applies when it is left out.
    PipelineParameters: overridden.parameters.filter((p) => p.Value !== ''),
    ClientRequestToken: clientRequestToken(sourceArn),
    ...(execution.ParallelismConfiguration ? { ParallelismConfiguration: execution.ParallelismConfiguration } : {}),
    // Retry what failed, not what was deployed since.
    ...(execution.PipelineVersionId !== undefined ? { PipelineVersionId: execution.PipelineVersionId } : {}),
    // The failed run's MLflow experiment (DescribePipelineExecution's MLflowConfig), so the retry's runs land beside it.
    ...(execution.MLflowConfig?.MlflowExperimentName ? { MlflowExperimentName: execution.MLflowConfig.MlflowExperimentName } : {}),
    ...(full ? {} : {
      SelectiveExecutionConfig: {
        SourcePipelineExecutionArn: sourceArn,
        SelectedSteps: selectedSteps.map((StepName) => ({ StepName })),
      },
    }),
  };
  const at = new Date((deps.now ?? (() => new Date()))().getTime() + wait * 1000);
  const decided = {
    ...planned,
    mode: full ? 'full' as const : 'selective' as const,
    selectedSteps: full ? plan.overLimitSelection ?? selectedSteps : selectedSteps,
    // From the step list already read: no SageMaker call of its own. A full re-run reuses nothing.
    ...(full ? {} : { savings: retrySavings(snapshot.steps, selectedSteps) }),
    ...(overridden.changes.length ? { parameterChanges: overridden.changes } : {}),
    ...(wait > 0 ? { scheduledFor: at.toISOString() } : {}),
    request,
  };
  const what = `${full ? 'full re-run' : 'selective retry'} ${attempt} of ${policy.maxAttempts}${wait > 0 ? ` at ${at.toISOString()} (in ${wait} s)` : ''}`;
  const why = `${planReason}${selectionNote}`;

  const existing = snapshot.executionsSinceFailure?.find((e) => isRetryOf(e.PipelineExecutionDescription, sourceArn));
  if (existing?.PipelineExecutionArn) {
    return report(deps, failed, 'INFO', {
      ...decided,
      outcome: 'started',
      pipelineExecutionArn: existing.PipelineExecutionArn,
      duplicate: true,
      reason: `Already started (duplicate delivery): ${full ? 'full re-run' : 'selective retry'} ${attempt} of ${policy.maxAttempts} is `
        + `${existing.PipelineExecutionArn}; nothing new was started.`,
    });
  }
  if (options.dryRun || policy.dryRun) {
    return report(deps, failed, 'INFO', { ...decided, outcome: 'planned', reason: `Dry run: would start ${what}. ${why}` });
  }
  try {
    if (wait > 0) {
      if (!deps.scheduler) {
        return await report(deps, failed, 'ERROR', {
          ...decided, outcome: 'skipped', skipReason: 'NO_SCHEDULER', remediationError: 'Configuration', reason: 'The policy delays retries, but the handler has no scheduler configuration.',
        });
      }
      const name = scheduleName(sourceArn);
      const created = await deps.scheduler.scheduleStart({ name, at, request, partition: sourceArn.split(':')[1] });
      return await report(deps, failed, 'INFO', {
        ...decided,
        outcome: 'scheduled',
        scheduleName: name,
        ...(created === 'exists' ? { duplicate: true } : {}),
        reason: created === 'created' ? `Scheduled ${what}. ${why}` : `Already scheduled (duplicate delivery): ${what}.`,
      });
    }
    const pipelineExecutionArn = await deps.sagemaker.startPipelineExecution(request);
    return await report(deps, failed, 'INFO', { ...decided, outcome: 'started', pipelineExecutionArn, reason: `Started ${what}. ${why}` });
  } catch (error) {
    const widened = !full && isNotConnectedRejection(error) ? connectedSelection(model!, selectedSteps) : undefined;
    if (widened) {
      const savings = widened.full ? undefined : retrySavings(snapshot.steps, widened.steps);
      return startConnected(failed, deps, decided, widened, savings, sourceArn, what, why, error);
    }
    if (isTransientError(error)) {
      deps.log({ level: 'WARN', message: 'selective-retry start failed transiently; rethrowing for redelivery', ...decided, error: describeError(error) });
      throw error;
    }
    return report(deps, failed, 'ERROR', {
      ...decided,
      outcome: 'skipped',
      skipReason: 'START_REJECTED',
      remediationError: wait > 0 ? 'Scheduler' : errorKind(error),
      reason: `${wait > 0 ? 'EventBridge Scheduler' : 'SageMaker'} rejected the selective execution: ${describeError(error)}. `
        + 'The request is logged; it is not retried.'
        + (!full && isNotConnectedRejection(error)
          ? ' No connected selection holds these steps (they share no path in the pipeline): re-run each part by hand.'
          : ''),
    });
  }
}

/**
 * Starts, once, the connected superset of a selection SageMaker rejected as not connected, with a token of its own
 * (the rejected request's token must not be reused with another body).
 */
async function startConnected(
  failed: HealedExecution,
  deps: RemediationDependencies,
  decided: Omit<RemediationResult, 'outcome' | 'reason'> & { request: StartPipelineExecutionCommandInput },
  widened: ConnectedSelection,
  savings: RetrySavings | undefined,
  sourceArn: string,
  what: string,
  why: string,
  rejection: unknown,
): Promise<RemediationResult> {
  const { SelectiveExecutionConfig: minimal, ...rest } = decided.request;
  const request: StartPipelineExecutionCommandInput = {
    ...rest,
    ClientRequestToken: clientRequestToken(sourceArn, 'connected'),
    ...(widened.full ? {} : { SelectiveExecutionConfig: { ...minimal, SelectedSteps: widened.steps.map((StepName) => ({ StepName })) } }),
  };
  const fallback = {
    ...decided,
    ...(widened.full ? { mode: 'full' as const } : {}),
    selectedSteps: widened.steps,
    savings,
    request,
    warnings: [...decided.warnings ?? [], `SageMaker rejected the minimal selection as not connected (${describeError(rejection)}).`],
  };
  const note = widened.full
    ? 'SageMaker rejected the selection as not connected, and no connected selection holds it (its steps share no path); '
      + 'as every step must run, the whole pipeline was started instead, with the same parameters and version.'
    : `SageMaker rejected the minimal selection as not connected; started the smallest connected superset instead, adding ${quoted(widened.added)}.`;
  try {
    const pipelineExecutionArn = await deps.sagemaker.startPipelineExecution(request);
    return await report(deps, failed, 'INFO', { ...fallback, outcome: 'started', pipelineExecutionArn, reason: `Started ${what}. ${why} ${note}` });
  } catch (error) {
    if (isTransientError(error)) {
      deps.log({ level: 'WARN', message: 'selective-retry start failed transiently; rethrowing for redelivery', ...fallback, error: describeError(error) });
      throw error;
    }
    return report(deps, failed, 'ERROR', {
      ...fallback,
      outcome: 'skipped',
      skipReason: 'START_REJECTED',
      reason: `SageMaker rejected the selective execution, also with a connected selection: ${describeError(error)}. `
        + 'The request is logged; it is not retried.',
    });
  }
}

/** What replaces a selection SageMaker finds not connected: a connected superset, or the whole pipeline. */
interface ConnectedSelection {
  readonly steps: string[];
  readonly added: string[];
  /** No superset is connected, but every step must run: a full (non-selective) execution does exactly that. */
  readonly full: boolean;
}

/**
 * The connected superset of a selection, with the steps it adds; undefined when the selection is connected already,
 * or when no superset is connected and not every step must run (nothing SageMaker would accept fits then).
 */
function connectedSelection(graph: DefinitionModel, selected: string[]): ConnectedSelection | undefined {
  if (isConnected(graph, selected)) return undefined;
  const steps = connectedSuperset(graph, selected);
  if (steps) return { steps, added: steps.filter((n) => !selected.includes(n)), full: false };
  return selected.length === graph.steps.size ? { steps: selected, added: [], full: true } : undefined;
}

/** How many runs back a reused Condition's outcome is looked for, along a chain of selective runs. */
const MAX_SOURCE_RUNS = 5;

/**
 * The source run's steps, read only when a reused Condition in the failed run's step list lacks its outcome (one
 * extra read, in that case only). When the source reused that Condition too, without its outcome (a selective run of
 * a selective run), its own source is read, and so on, at most `MAX_SOURCE_RUNS` runs back: the outcomes found fill
 * the chain from its end. A failure to read a run leaves what it would have told unknown, as before.
 */
async function sourceStepsIfNeeded(
  model: DefinitionModel | undefined, snapshot: ExecutionSnapshot, deps: RemediationDependencies,
): Promise<readonly ExecutionStepRecord[] | undefined> {
  if (!model) return undefined;
  const chain: Array<readonly ExecutionStepRecord[]> = [];
  const read = new Set<string>();
  for (let source = sourceRunToRead(model, snapshot.steps); source !== undefined && !read.has(source) && chain.length < MAX_SOURCE_RUNS;
    source = sourceRunToRead(model, chain[chain.length - 1])) {
    read.add(source);
    try {
      chain.push(await deps.sagemaker.listExecutionSteps(source));
    } catch (error) {
      if (isTransientError(error)) throw error;
      deps.log({ level: 'WARN', message: 'could not read the source run\'s steps for a Condition outcome', source, error: describeError(error) });
      break;
    }
  }
  if (chain.length === 0) return undefined;
  return chain.reduceRight((deeper, steps) => withConditionOutcomesFrom(model, steps, deeper));
}

function quoted(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Classifies each failed step from its own reason and, only when the policy needs more to decide, from the reason of
 * the job behind it (DescribeProcessingJob / DescribeTrainingJob / DescribeTransformJob), read in parallel.
 */
async function classifyFailures(
  failedSteps: FailedStep[], records: ExecutionStepRecord[], failed: HealedExecution, deps: RemediationDependencies,
): Promise<ClassifiedFailure[]> {
  const onlyFailed = failedSteps.filter((f) => f.status === 'Failed');
  return Promise.all(onlyFailed.map(async (step) => {
    const reasons = step.failureReason ? [step.failureReason] : [];
    const first: ClassifiedFailure = { stepName: step.stepName, failureClass: classifyStepFailure(step.stepType, step.failureReason), reasons };
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

/** The definition's model, or undefined when it is invalid (the planner then skips and says why). */
function modelOf(definition: string): DefinitionModel | undefined {
  try {
    return parseDefinition(definition);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) return undefined;
    throw e;
  }
}

function parameterDefaults(model: DefinitionModel | undefined): Map<string, string> {
  return new Map((model?.parameters ?? [])
    .filter((p) => p.defaultValue !== undefined)
    .map((p) => [p.name, String(p.defaultValue)]));
}

/**
 * Logs the decision, then counts and announces it; announcement failures are logged, never thrown. Without a policy
 * (the configuration is broken for this pipeline) the decision is logged and counted per pipeline, not announced.
 */
async function report(
  deps: RemediationDependencies, failed: { pipelineName: string; policy?: RetryPolicy }, level: LogRecord['level'], result: RemediationResult,
): Promise<RemediationResult> {
  const clean = log(deps, level, result);
  // A repeated delivery was counted and announced the first time.
  if (clean.duplicate) return clean;
  const failureClasses = (clean.failedSteps ?? []).flatMap((f) => (f.failureClass ? [f.failureClass] : []));
  const tasks: Array<[string, Promise<void>]> = [];
  if (deps.metrics) {
    tasks.push(['metrics', deps.metrics.record({
      pipelineName: failed.pipelineName,
      ...(failed.policy?.metricsId ? { metricsId: failed.policy.metricsId } : {}),
      outcome: clean.outcome,
      budgetExhausted: clean.budgetExhausted === true,
      remediationError: clean.remediationError !== undefined,
      failureClasses,
      ...(clean.skipReason ? { skipReason: clean.skipReason } : {}),
      // Counted when the retry will run: started now, or scheduled (EventBridge Scheduler starts it, not the handler).
      ...(clean.savings && (clean.outcome === 'started' || clean.outcome === 'scheduled')
        ? { stepsReused: clean.savings.reusedSteps.length, stepSecondsReused: clean.savings.stepSecondsReused }
        : {}),
    })]);
  }
  const policy = failed.policy;
  if (deps.notifier && policy) {
    const { request, ...detail } = clean;
    const announcement = {
      detailType: detailTypeOf(clean.outcome, clean.budgetExhausted === true),
      resource: clean.failedExecutionArn,
      subject: `SageMaker pipeline ${failed.pipelineName}: ${detailTypeOf(clean.outcome, clean.budgetExhausted === true).toLowerCase()}`,
      detail: { ...detail, ...(request ? { selectedSteps: clean.selectedSteps } : {}) } as Record<string, unknown>,
    };
    if (policy.notifications.events) tasks.push(['event', deps.notifier.putEvent(announcement)]);
    const topic = policy.notifications.topicArn;
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
