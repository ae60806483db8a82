/**
 * Stateless retry lineage: each selective execution we start carries a machine-readable marker in its
 * `PipelineExecutionDescription` (executions cannot be tagged at start: StartPipelineExecution has no Tags), naming
 * its attempt number and the root execution. When that retry fails in turn, its description tells us which attempt
 * the next one would be: one DescribePipelineExecution call, no database. A run a person started has no marker and
 * starts a fresh budget.
 */
import { createHash } from 'crypto';

/** Where a failed execution sits in a chain of selective retries. */
export interface Lineage {
  /** The attempt number of the failed execution itself: 0 for an original run. */
  readonly attempt: number;
  /** The execution that started the chain. */
  readonly rootExecutionArn: string;
}

const MARKER = /\[cdk-sagemaker-pipelines:selective-retry attempt=(\d+) root=(arn:[^\s\]]+)(?: source=(arn:[^\s\]]+))?\]/i;

/** Reads the lineage of a failed execution from its description. */
export function lineageOf(executionArn: string, description: string | undefined): Lineage {
  const match = description ? MARKER.exec(description) : null;
  if (!match) return { attempt: 0, rootExecutionArn: executionArn };
  return { attempt: Number(match[1]), rootExecutionArn: match[2] };
}

/** The marker of a selective retry started by this library, or undefined for any other execution. */
export interface RetryMarker {
  /** The retry's attempt number: 1 for the first retry of the original run. */
  readonly attempt: number;
  /** The run a person started, at the top of the chain. */
  readonly rootExecutionArn: string;
  /** The failed execution this retry heals (absent in markers written before it was recorded). */
  readonly sourceExecutionArn?: string;
}

/** Reads the retry marker from an execution's description. */
export function retryMarkerOf(description: string | undefined): RetryMarker | undefined {
  const match = description ? MARKER.exec(description) : null;
  if (!match) return undefined;
  return { attempt: Number(match[1]), rootExecutionArn: match[2], ...(match[3] ? { sourceExecutionArn: match[3] } : {}) };
}

/** The description of the retry: a sentence for people, then the marker for the next failure. */
export function retryDescription(attempt: number, maxAttempts: number, rootExecutionArn: string, failedExecutionArn: string): string {
  return `Selective retry ${attempt} of ${maxAttempts} started by cdk-sagemaker-pipelines after execution `
    + `${executionId(failedExecutionArn)} failed. `
    + `[cdk-sagemaker-pipelines:selective-retry attempt=${attempt} root=${rootExecutionArn} source=${failedExecutionArn}]`;
}

/** Whether an execution with this description is our retry of `failedExecutionArn` (ARNs compared case-insensitively). */
export function isRetryOf(description: string | undefined, failedExecutionArn: string): boolean {
  const source = description ? MARKER.exec(description)?.[3] : undefined;
  return source !== undefined && source.toLowerCase() === failedExecutionArn.toLowerCase();
}

/**
 * The retry's display name: `selective-retry-<attempt>-<root execution id>`, within SageMaker's pattern
 * `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}` (API_StartPipelineExecution).
 */
export function retryDisplayName(attempt: number, rootExecutionArn: string): string {
  const id = executionId(rootExecutionArn).replace(/[^a-zA-Z0-9]/g, '').slice(0, 60);
  return `selective-retry-${attempt}-${id}`.replace(/-+$/, '');
}

/**
 * The idempotency token of the retry of `failedExecutionArn`: the same for every delivery of the same failure, so
 * SageMaker starts one execution however many duplicate events arrive (sagemaker-facts.md pitfall 4). 64 hex
 * characters, within the 32-128 allowed. ARNs are lower-cased first because SageMaker's ARN casing varies.
 */
export function clientRequestToken(failedExecutionArn: string): string {
  return createHash('sha256').update(`cdk-sagemaker-pipelines/selective-retry/${failedExecutionArn.toLowerCase()}`).digest('hex');
}

/** The last path segment of an execution ARN. */
export function executionId(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf('/') + 1);
}
