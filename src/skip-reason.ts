/**
 * Why `SelectiveRetry` did not retry a failed execution: the `SkipReason` dimension of its `RetriesSkipped` metric
 * (`SelectiveRetry.metricRetriesSkippedFor`). The decision's `reason` says the same in a sentence.
 */
export enum SkipReason {
  /** The retry budget of the chain is spent (`maxAttempts` selective retries of the original run already ran). */
  BUDGET_EXHAUSTED = 'BUDGET_EXHAUSTED',
  /** The retry policy (`retryOn`) does not retry this failure's class or reason. */
  NOT_RETRYABLE = 'NOT_RETRYABLE',
  /** A Fail step failed the run on purpose. */
  FAIL_STEP = 'FAIL_STEP',
  /** Every step succeeded or was legitimately skipped: nothing to run. */
  NOTHING_TO_RETRY = 'NOTHING_TO_RETRY',
  /** The selection would exceed SageMaker's limit of 50 selected steps per selective execution. */
  TOO_MANY_STEPS = 'TOO_MANY_STEPS',
  /** The execution's pipeline definition could not be read as a valid graph of steps. */
  INVALID_DEFINITION = 'INVALID_DEFINITION',
  /** The execution was no longer Failed when the handler read it (e.g. retried or stopped by a person). */
  NOT_FAILED = 'NOT_FAILED',
  /** The failed execution could not be read (e.g. access denied, or it does not exist). */
  UNREADABLE_EXECUTION = 'UNREADABLE_EXECUTION',
  /** SageMaker or EventBridge Scheduler rejected the retry. */
  START_REJECTED = 'START_REJECTED',
  /** The policy delays retries, but the handler has no scheduler configuration. */
  NO_SCHEDULER = 'NO_SCHEDULER',
  /** A person stopped the execution: it was Stopping when it ended Failed (a stop waits for Lambda and Callback steps). */
  STOPPED_BY_PERSON = 'STOPPED_BY_PERSON',
  /** The configuration the stack deployed for the pipeline could not be read or is invalid. */
  CONFIGURATION_ERROR = 'CONFIGURATION_ERROR',
  /** SageMaker described another pipeline or execution than the event named; nothing was started. */
  EVENT_MISMATCH = 'EVENT_MISMATCH',
}
