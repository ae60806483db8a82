/**
 * Validates what the rule target delivers: `{ event, policy }`, or a bare EventBridge event. Pure; never throws.
 * Anything that is not a Failed pipeline-execution event of a healed pipeline comes back as `ignored` with the
 * reason, so foreign or malformed input is logged and dropped instead of failing (and being retried) forever.
 */
import { DEFAULT_POLICY, RetryPolicy, parsePolicy } from './retry-policy';

/** The event source and detail-type SageMaker uses (automating-sagemaker-with-eventbridge). */
export const SAGEMAKER_SOURCE = 'aws.sagemaker';
export const EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';

/** A Failed execution of a healed pipeline. */
export interface FailedExecution {
  readonly kind: 'failed';
  readonly pipelineArn: string;
  readonly pipelineName: string;
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
  readonly policy: RetryPolicy;
}

/** Input the handler does not act on, and why. */
export interface IgnoredInput {
  readonly kind: 'ignored';
  readonly reason: string;
  readonly pipelineExecutionArn?: string;
}

const PIPELINE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:pipeline\/([^/]+)$/i;
const EXECUTION_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:pipeline\/([^/]+)\/execution\/[^/]+$/i;

/** Parses the handler's input. */
export function parseHandlerInput(input: unknown): FailedExecution | IgnoredInput {
  if (!isObject(input)) return ignored(`the input is not a JSON object (received ${kindOf(input)})`);
  const wrapped = 'event' in input && 'policy' in input;
  const event = wrapped ? input.event : input;
  const policy = wrapped ? parsePolicy(input.policy) : DEFAULT_POLICY;
  if (typeof policy === 'string') return ignored(policy);
  if (!isObject(event)) return ignored(`the event is not a JSON object (received ${kindOf(event)})`);
  if (event.source !== SAGEMAKER_SOURCE) return ignored(`the event source is ${JSON.stringify(event.source)}, not "${SAGEMAKER_SOURCE}"`);
  if (event['detail-type'] !== EXECUTION_STATUS_CHANGE) {
    return ignored(`the detail-type is ${JSON.stringify(event['detail-type'])}, not "${EXECUTION_STATUS_CHANGE}"`);
  }
  const detail = event.detail;
  if (!isObject(detail)) return ignored('the event has no detail object');
  const executionArn = detail.pipelineExecutionArn;
  if (typeof executionArn !== 'string' || !EXECUTION_ARN.test(executionArn)) {
    return ignored(`detail.pipelineExecutionArn is not a pipeline execution ARN (received ${JSON.stringify(executionArn)})`);
  }
  const status = detail.currentPipelineExecutionStatus;
  if (status !== 'Failed') {
    return ignored(`the execution status is ${JSON.stringify(status)}; only Failed executions are healed`, executionArn);
  }
  // The pipeline ARN in the event, or else the prefix of the execution ARN.
  const pipelineArn = typeof detail.pipelineArn === 'string' && PIPELINE_ARN.test(detail.pipelineArn)
    ? detail.pipelineArn
    : executionArn.replace(/\/execution\/[^/]+$/, '');
  const nameInArn = PIPELINE_ARN.exec(pipelineArn)![1];
  // SageMaker has reported lower-cased names in ARNs (sagemaker-facts.md pitfall 1): compare case-insensitively, and
  // report the name as deployed, so that logs and metric dimensions do not depend on the ARN's casing.
  const configured = policy.pipelineNames?.get(nameInArn.toLowerCase());
  if (policy.pipelineNames && configured === undefined) {
    return ignored(`pipeline "${nameInArn}" is not one of the healed pipelines (${[...policy.pipelineNames.values()].join(', ')})`, executionArn);
  }
  const pipelineName = configured ?? nameInArn;
  return {
    kind: 'failed',
    pipelineArn,
    pipelineName,
    pipelineExecutionArn: executionArn,
    ...(typeof event.id === 'string' ? { eventId: event.id } : {}),
    ...(typeof detail.previousPipelineExecutionStatus === 'string' ? { previousStatus: detail.previousPipelineExecutionStatus } : {}),
    ...timeOf(detail.executionEndTime, event.time),
    policy,
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
