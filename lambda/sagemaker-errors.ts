/**
 * Which SageMaker errors are worth retrying. Only four SageMaker exceptions are modeled in the SDK; throttling,
 * validation and access errors arrive as `SageMakerServiceException` whose `name` is the error code
 * (the modeled exceptions of @aws-sdk/client-sagemaker; https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html).
 */

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
  // Too many concurrent executions: capacity frees up as other runs end.
  'ResourceLimitExceeded',
  // A concurrent change to the same resource: StartPipelineExecution may throw it, and it clears on its own
  // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartPipelineExecution.html#API_StartPipelineExecution_Errors).
  'ConflictException',
  // Network-level failures of the SDK.
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** True for throttling, 5xx and network errors: throw them so Lambda's asynchronous retries try again. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && TRANSIENT_NAMES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || status === 429;
  return e.$fault === 'server';
}

/**
 * True when SageMaker rejected a selective execution because its selected steps are not connected. The guide asks for
 * steps "connected in the directed acyclic graph (DAG) of your pipeline"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html); the exact message is not documented,
 * so any validation error that speaks of connected or contiguous steps counts.
 */
export function isNotConnectedRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; message?: string };
  return e.name === 'ValidationException' && /connected|contiguous/i.test(e.message ?? '');
}

/** `Name: message` of an error, for log lines and reasons. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
