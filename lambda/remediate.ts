/**
 * The handler's logic, free of Lambda and of the SDK (both are injected): validate the input, read the failed
 * execution, check the attempt budget, plan, start the selective execution, report one decision.
 */
import { StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { FailedExecution, parseHandlerInput } from './failed-execution-event';
import { clientRequestToken, lineageOf, retryDescription, retryDisplayName } from './lineage';
import { FailedStep, planRetry } from './planner';
import { describeError, isTransientError } from './sagemaker-errors';
import { ExecutionSnapshot, SageMakerPort } from './sagemaker-port';

/** What the handler did with one input. */
export type Outcome = 'started' | 'planned' | 'skipped' | 'ignored';

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
  /** The attempt number of the retry (1 for the first retry of an original run). */
  readonly attempt?: number;
  readonly maxAttempts?: number;
  readonly rootExecutionArn?: string;
  readonly selectedSteps?: string[];
  readonly failedSteps?: FailedStep[];
  readonly warnings?: string[];
  /** The StartPipelineExecution request: sent (`started`), to send (`planned`), or rejected by SageMaker. */
  readonly request?: StartPipelineExecutionCommandInput;
  readonly eventId?: string;
}

/** One structured log record. */
export type LogRecord = Record<string, unknown> & { level: 'INFO' | 'WARN' | 'ERROR'; message: string };

/** Dependencies of `remediate`. */
export interface RemediationDependencies {
  readonly sagemaker: SageMakerPort;
  readonly log: (record: LogRecord) => void;
}

/** Options of `remediate`. */
export interface RemediationOptions {
  /** Decide and report, but start nothing (outcome `planned`). @default false */
  readonly dryRun?: boolean;
}

/**
 * Handles one delivery. Resolves with the decision for anything it can decide (including input it ignores and
 * failures it will not retry); rejects only for transient SageMaker errors, so the event is delivered again.
 */
export async function remediate(
  input: unknown,
  deps: RemediationDependencies,
  options: RemediationOptions = {},
): Promise<RemediationResult> {
  const parsed = parseHandlerInput(input);
  if (parsed.kind === 'ignored') {
    return report(deps, 'INFO', { outcome: 'ignored', reason: `Ignored: ${parsed.reason}.`, failedExecutionArn: parsed.pipelineExecutionArn });
  }
  const base = {
    pipelineName: parsed.pipelineName,
    failedExecutionArn: parsed.pipelineExecutionArn,
    ...(parsed.eventId ? { eventId: parsed.eventId } : {}),
  };

  let snapshot: ExecutionSnapshot;
  try {
    snapshot = await deps.sagemaker.readExecution(parsed.pipelineExecutionArn);
  } catch (error) {
    if (isTransientError(error)) throw error;
    return report(deps, 'ERROR', { ...base, outcome: 'skipped', reason: `Could not read the failed execution: ${describeError(error)}.` });
  }
  return decideAndStart(parsed, snapshot, deps, options, base);
}

async function decideAndStart(
  failed: FailedExecution,
  snapshot: ExecutionSnapshot,
  deps: RemediationDependencies,
  options: RemediationOptions,
  base: Partial<RemediationResult>,
): Promise<RemediationResult> {
  const { execution } = snapshot;
  const status = execution.PipelineExecutionStatus;
  if (status !== 'Failed') {
    return report(deps, 'INFO', { ...base, outcome: 'skipped', reason: `The execution is now ${status ?? 'in an unknown state'}, not Failed; nothing to heal.` });
  }

  const sourceArn = execution.PipelineExecutionArn ?? failed.pipelineExecutionArn;
  const lineage = lineageOf(sourceArn, execution.PipelineExecutionDescription);
  const attempt = lineage.attempt + 1;
  const maxAttempts = failed.policy.maxAttempts;
  const budget = { attempt, maxAttempts, rootExecutionArn: lineage.rootExecutionArn };
  if (attempt > maxAttempts) {
    return report(deps, 'WARN', {
      ...base,
      ...budget,
      outcome: 'skipped',
      reason: `Retry budget exhausted: ${lineage.attempt} of ${maxAttempts} selective retries of ${lineage.rootExecutionArn} already ran.`,
    });
  }

  const plan = planRetry(snapshot.definition, snapshot.steps);
  const planned = { ...base, ...budget, failedSteps: plan.failedSteps, warnings: plan.warnings };
  if (plan.decision === 'skip') {
    return report(deps, 'WARN', { ...planned, outcome: 'skipped', reason: plan.reason });
  }

  const request: StartPipelineExecutionCommandInput = {
    PipelineName: execution.PipelineArn ?? failed.pipelineArn,
    PipelineExecutionDisplayName: retryDisplayName(attempt, lineage.rootExecutionArn),
    PipelineExecutionDescription: retryDescription(attempt, maxAttempts, lineage.rootExecutionArn, sourceArn),
    // SageMaker would apply the defaults to any parameter left out (pitfall 10): carry the failed run's values.
    PipelineParameters: snapshot.parameters.map((p) => ({ Name: p.Name, Value: p.Value })),
    ClientRequestToken: clientRequestToken(sourceArn),
    ...(execution.ParallelismConfiguration ? { ParallelismConfiguration: execution.ParallelismConfiguration } : {}),
    // Retry what failed, not what was deployed since (pitfall 11).
    ...(execution.PipelineVersionId !== undefined ? { PipelineVersionId: execution.PipelineVersionId } : {}),
    SelectiveExecutionConfig: {
      SourcePipelineExecutionArn: sourceArn,
      SelectedSteps: plan.selectedSteps.map((StepName) => ({ StepName })),
    },
  };
  const decided = { ...planned, selectedSteps: plan.selectedSteps, request };

  if (options.dryRun) {
    return report(deps, 'INFO', { ...decided, outcome: 'planned', reason: `Dry run: would start selective retry ${attempt} of ${maxAttempts}. ${plan.reason}` });
  }
  try {
    const pipelineExecutionArn = await deps.sagemaker.startPipelineExecution(request);
    return report(deps, 'INFO', {
      ...decided,
      outcome: 'started',
      pipelineExecutionArn,
      reason: `Started selective retry ${attempt} of ${maxAttempts}. ${plan.reason}`,
    });
  } catch (error) {
    if (isTransientError(error)) {
      deps.log({ level: 'WARN', message: 'selective-retry start failed transiently; rethrowing for redelivery', ...decided, error: describeError(error) });
      throw error;
    }
    return report(deps, 'ERROR', {
      ...decided,
      outcome: 'skipped',
      reason: `SageMaker rejected the selective execution: ${describeError(error)}. The request is logged; it is not retried.`,
    });
  }
}

function report(deps: RemediationDependencies, level: LogRecord['level'], result: RemediationResult): RemediationResult {
  const clean = Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as unknown as RemediationResult;
  deps.log({ level, message: 'selective-retry decision', ...clean });
  return clean;
}
