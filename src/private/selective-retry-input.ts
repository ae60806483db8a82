/**
 * The input the EventBridge rule target sends to the handler: the SageMaker event plus the policy of the
 * `SelectiveRetry` construct whose rule matched it. Shared by the construct (which renders it) and the handler
 * (which parses it), so both sides agree on one shape.
 */
export interface SelectiveRetryPolicyInput {
  /** Format version of this object, so a newer handler can still read what an older construct rendered. */
  readonly version: 1;
  /** Selective executions allowed, in total, for one original failed execution. */
  readonly maxAttempts: number;
  /** The healed pipelines' names; events of other pipelines are ignored (compared case-insensitively). */
  readonly pipelineNames: string[];
}

/** The rule target's input: `{ event: <the EventBridge event>, policy: {...} }`. */
export interface SelectiveRetryTargetInput {
  readonly event: unknown;
  readonly policy: SelectiveRetryPolicyInput;
}

/** Bounds of `maxAttempts`, enforced by the construct at synth time and by the handler at run time. */
export const MAX_ATTEMPTS_RANGE = { min: 1, max: 10 } as const;

/** The policy used when the handler is invoked with a bare EventBridge event. */
export const DEFAULT_MAX_ATTEMPTS = 2;
