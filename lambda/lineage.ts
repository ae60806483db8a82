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
  const marker = retryMarkerOf(description);
  return marker ? { attempt: marker.attempt, rootExecutionArn: marker.rootExecutionArn } : { attempt: 0, rootExecutionArn: executionArn };
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

/** SageMaker's limit on `PipelineExecutionDescription` (API_StartPipelineExecution: 0-3072 characters). */
export const MAX_DESCRIPTION_LENGTH = 3072;

/** Our sentence (with the execution id in it) and our marker, as `retryDescription` writes them. */
const OUR_TEXT = /\s*Selective retry \d+ of \d+ started by cdk-sagemaker-pipelines after execution \S+ failed\.\s*|\s*\[cdk-sagemaker-pipelines:selective-retry [^\]]*\]\s*/gi;

/**
 * The description of the retry: the description the person gave the original run (kept across retries, shortened
 * to fit when needed), then a sentence for people and the marker for the next failure. Within 3,072 characters.
 */
export function retryDescription(
  attempt: number, maxAttempts: number, rootExecutionArn: string, failedExecutionArn: string, failedDescription?: string,
): string {
  const ours = `Selective retry ${attempt} of ${maxAttempts} started by cdk-sagemaker-pipelines after execution `
    + `${executionId(failedExecutionArn)} failed. `
    + `[cdk-sagemaker-pipelines:selective-retry attempt=${attempt} root=${rootExecutionArn} source=${failedExecutionArn}]`;
  const own = usersDescription(failedDescription);
  if (!own) return ours;
  const room = MAX_DESCRIPTION_LENGTH - ours.length - 1;
  if (room <= 1) return ours;
  return `${own.length > room ? `${own.slice(0, room - 1)}…` : own} ${ours}`;
}

/** A description without what `retryDescription` added: the person's own text, or '' when there is none. */
export function usersDescription(description: string | undefined): string {
  return (description ?? '').replace(OUR_TEXT, ' ').trim();
}

/** Whether an execution with this description is our retry of `failedExecutionArn` (ARNs compared case-insensitively). */
export function isRetryOf(description: string | undefined, failedExecutionArn: string): boolean {
  const source = retryMarkerOf(description)?.sourceExecutionArn;
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
 * SageMaker starts one execution however many duplicate events arrive (SageMaker "may send multiple events to EventBridge
 * for each state change": https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html). 64 hex
 * characters, within the 32-128 allowed. ARNs are lower-cased first because SageMaker's ARN casing varies.
 */
export function clientRequestToken(failedExecutionArn: string, variant?: 'connected'): string {
  // A second request for the same failure with another body (the connected fallback) needs a token of its own:
  // reusing a token with a different request is an error, or returns the first execution.
  const key = `cdk-sagemaker-pipelines/selective-retry/${failedExecutionArn.toLowerCase()}${variant ? `/${variant}` : ''}`;
  return createHash('sha256').update(key).digest('hex');
}

/** The last path segment of an execution ARN. */
export function executionId(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf('/') + 1);
}
