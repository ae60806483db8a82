/**
 * Validates what the handler is invoked with: a bare EventBridge event from SageMaker, and nothing else. The payload
 * carries no configuration (the policy and the healed pipelines come from the configuration the stack deployed), so
 * anything else — including the `{ event, policy }` wrapper of earlier versions — is ignored. Pure; never throws.
 * Anything that is not a Failed pipeline-execution event comes back as `ignored` with the reason, so foreign or
 * malformed input is logged and dropped instead of failing (and being retried) forever.
 */
import { SAGEMAKER_EVENTS } from '../src/kernel/contract';

/** The event source and detail-type SageMaker uses (automating-sagemaker-with-eventbridge). */
export const SAGEMAKER_SOURCE = SAGEMAKER_EVENTS.source;
export const EXECUTION_STATUS_CHANGE = SAGEMAKER_EVENTS.executionStatusChange;

/** A Failed execution, as the event names it. Whether its pipeline is healed is the configuration's to say. */
export interface FailedExecution {
  readonly kind: 'failed';
  readonly pipelineArn: string;
  /** The pipeline's name as spelled in its ARN (SageMaker may lower-case it). */
  readonly pipelineNameInArn: string;
  readonly pipelineExecutionArn: string;
  readonly eventId?: string;
  /**
   * The execution's status before it failed (`detail.previousPipelineExecutionStatus`). `Stopping` means a person
   * asked to stop it: StopPipelineExecution waits for a running Lambda step, which ends the run `Failed` when it times
   * out, and for a Callback step's consumer to answer
   * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html).
   */
  readonly previousStatus?: string;
  /** When the execution ended (`detail.executionEndTime`, else the event's `time`), when the event says. */
  readonly endedAt?: Date;
}

/** Input the handler does not act on, and why. */
export interface IgnoredInput {
  readonly kind: 'ignored';
  readonly reason: string;
  readonly pipelineExecutionArn?: string;
}

/** Where the function runs: events about pipelines of other accounts or regions are not its to heal. */
export interface HomeLocation {
  readonly account?: string;
  readonly region?: string;
}

const PIPELINE_ARN = /^arn:(aws[a-z-]*):sagemaker:([a-z0-9-]+):([0-9]{12}):pipeline\/([^/]+)$/i;
const EXECUTION_ARN = /^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:pipeline\/[^/]+)\/execution\/[^/]+$/i;

/** Parses the handler's input: a bare SageMaker pipeline-execution status-change event. */
export function parseFailedExecutionEvent(input: unknown, home: HomeLocation = {}): FailedExecution | IgnoredInput {
  if (!isObject(input)) return ignored(`the input is not a JSON object (received ${kindOf(input)})`);
  if ('policy' in input && 'event' in input) {
    return ignored('the input is an {event, policy} wrapper; the handler takes the bare SageMaker event only, and its policy '
      + 'from the configuration the stack deployed');
  }
  if (input.source !== SAGEMAKER_SOURCE) return ignored(`the event source is ${JSON.stringify(input.source)}, not "${SAGEMAKER_SOURCE}"`);
  if (input['detail-type'] !== EXECUTION_STATUS_CHANGE) {
    return ignored(`the detail-type is ${JSON.stringify(input['detail-type'])}, not "${EXECUTION_STATUS_CHANGE}"`);
  }
  const detail = input.detail;
  if (!isObject(detail)) return ignored('the event has no detail object');
  const executionArn = detail.pipelineExecutionArn;
  const executionMatch = typeof executionArn === 'string' ? EXECUTION_ARN.exec(executionArn) : null;
  if (!executionMatch) {
    return ignored(`detail.pipelineExecutionArn is not a pipeline execution ARN (received ${JSON.stringify(executionArn)})`);
  }
  const execution = executionArn as string;
  const status = detail.currentPipelineExecutionStatus;
  if (status !== 'Failed') {
    return ignored(`the execution status is ${JSON.stringify(status)}; only Failed executions are healed`, execution);
  }
  const pipelineArn = detail.pipelineArn;
  const pipelineMatch = typeof pipelineArn === 'string' ? PIPELINE_ARN.exec(pipelineArn) : null;
  if (!pipelineMatch) {
    return ignored(`detail.pipelineArn is not a pipeline ARN (received ${JSON.stringify(pipelineArn)})`, execution);
  }
  // The allow-list is checked against the pipeline, and the retry re-runs the execution: both must be the same
  // pipeline's. SageMaker has reported lower-cased names in ARNs, so the comparison ignores case.
  if (executionMatch[1].toLowerCase() !== (pipelineArn as string).toLowerCase()) {
    return ignored(`detail.pipelineExecutionArn ${execution} is not an execution of detail.pipelineArn ${pipelineArn}`, execution);
  }
  const [, , region, account, nameInArn] = pipelineMatch;
  if (home.region && region !== home.region) {
    return ignored(`the pipeline is in region ${region}; this function heals pipelines of ${home.region} only`, execution);
  }
  if (home.account && account !== home.account) {
    return ignored(`the pipeline is in account ${account}; this function heals pipelines of account ${home.account} only`, execution);
  }
  return {
    kind: 'failed',
    pipelineArn: pipelineArn as string,
    pipelineNameInArn: nameInArn,
    pipelineExecutionArn: execution,
    ...(typeof input.id === 'string' ? { eventId: input.id } : {}),
    ...(typeof detail.previousPipelineExecutionStatus === 'string' ? { previousStatus: detail.previousPipelineExecutionStatus } : {}),
    ...timeOf(detail.executionEndTime, input.time),
  };
}

function timeOf(...candidates: unknown[]): { endedAt?: Date } {
  for (const candidate of candidates) {
    const time = typeof candidate === 'string' ? new Date(candidate) : undefined;
    if (time && !Number.isNaN(time.getTime())) return { endedAt: time };
  }
  return {};
}

function ignored(reason: string, pipelineExecutionArn?: string): IgnoredInput {
  return { kind: 'ignored', reason, ...(pipelineExecutionArn ? { pipelineExecutionArn } : {}) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
