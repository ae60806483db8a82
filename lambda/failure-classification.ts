/**
 * Classifies why a step failed, from the step's `FailureReason` and, when that is not conclusive, the underlying
 * job's. The transient classes are the ones SageMaker's own step retry policies treat as retryable
 * (pipelines-retry-policy: SageMaker.CAPACITY_ERROR, SageMaker.JOB_INTERNAL_ERROR, SageMaker.RESOURCE_LIMIT,
 * Step.THROTTLING, Step.SERVICE_FAULT); AlgorithmError and ClientError are the container's or the caller's fault and
 * normally reproduce with the same inputs (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html).
 */
import { FAILURE_CLASSES, FailureClassName } from '../src/kernel/contract';

/** Why a step failed: the contract's list, which the construct's jsii enum `FailureClass` equals (a test checks it). */
export type FailureClass = FailureClassName;
export { FAILURE_CLASSES };

/**
 * Ordered: the first rule that matches wins. Observed prefixes: `CapacityError: Unable to provision requested ML
 * compute capacity` (https://github.com/DIAGNijmegen/rse-grand-challenge/issues/2631), `InternalServerError: We
 * encountered an internal error` (https://github.com/aws/sagemaker-python-sdk/issues/70), `AlgorithmError: ...`
 * (https://github.com/aws/amazon-sagemaker-examples/issues/1740), `ClientError: Data download failed`
 * (https://github.com/aws/amazon-sagemaker-examples/issues/4384).
 */
const RULES: ReadonlyArray<{ readonly failureClass: FailureClass; readonly pattern: RegExp }> = [
  { failureClass: 'CAPACITY', pattern: /CapacityError|InsufficientCapacity|Unable to provision requested ML compute capacity/i },
  { failureClass: 'THROTTLING', pattern: /Throttl|Rate exceeded|TooManyRequests|SlowDown/i },
  { failureClass: 'RESOURCE_LIMIT', pattern: /ResourceLimitExceeded|ResourceLimit|LimitExceeded|service quota|account-level service limit/i },
  { failureClass: 'INTERNAL_ERROR', pattern: /InternalServerError|InternalFailure|internal (server )?error|ServiceUnavailable|ServiceFault/i },
  { failureClass: 'ALGORITHM_ERROR', pattern: /^\s*AlgorithmError/i },
  { failureClass: 'CLIENT_ERROR', pattern: /^\s*ClientError|ValidationException|AccessDenied/i },
];

/** The class of one failure reason; `UNKNOWN` when it says nothing we recognise (or nothing at all). */
export function classifyFailureReason(reason: string | undefined): FailureClass {
  if (!reason) return 'UNKNOWN';
  return RULES.find((rule) => rule.pattern.test(reason))?.failureClass ?? 'UNKNOWN';
}

/**
 * The class of a failed step. A Callback step fails only when its consumer answers SendPipelineExecutionStepFailure
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-callback): the consumer
 * decided, whatever its message says, so the failure is the caller's (`CLIENT_ERROR`) and never a transient class
 * that `transientOnly()` would retry.
 */
export function classifyStepFailure(stepType: string, reason: string | undefined): FailureClass {
  if (stepType === 'Callback') return 'CLIENT_ERROR';
  return classifyFailureReason(reason);
}
