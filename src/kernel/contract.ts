/**
 * The contract between the constructs (which render configuration) and the handler (which reads it), typed once.
 * Part of the shared kernel: imports nothing from aws-cdk-lib, so the bundled handler can use it.
 */

/**
 * PLANNED (issue 12, being built): the handler's configuration moves out of the invocation payload into
 * configuration the stack deploys. Each `SelectiveRetry` rule group renders one `HandlerConfigurationDocument`
 * (JSON) into its own SSM String parameter; the shared function's environment variable
 * `HANDLER_ENV.configurationParameters` lists those parameters' names (JSON array of strings). The handler reads them
 * (in parallel with the SageMaker reads, cached per container) and never reads policy from the payload.
 */
export interface HandlerConfigurationDocument {
  /** Format version of this document. */
  readonly version: 2;
  /** The healed pipelines' names as deployed (compared case-insensitively). */
  readonly pipelineNames: string[];
  /** The policy applied to failures of these pipelines. */
  readonly policy: RetryPolicyConfiguration;
}

/** The policy of one `SelectiveRetry` construct, as deployed. */
export type RetryPolicyConfiguration = Omit<SelectiveRetryPolicyInput, 'version' | 'pipelineNames'>;

/**
 * The version-1 input the EventBridge rule target sent to the handler (policy in the payload). Being replaced by
 * `HandlerConfigurationDocument` (issue 12). New fields are optional, so a newer handler still reads what an older
 * construct rendered.
 */
export interface SelectiveRetryPolicyInput {
  /** Format version of this object. */
  readonly version: 1;
  /** Selective executions allowed, in total, for one original failed execution. */
  readonly maxAttempts: number;
  /** The healed pipelines' names; events of other pipelines are ignored (compared case-insensitively). */
  readonly pipelineNames: string[];
  /** Which failures are retried. Absent: every failure. */
  readonly retryOn?: RetryOnInput;
  /** Wait before starting the retry. Absent: start at once. */
  readonly delay?: DelayInput;
  /** Parameter values changed on retry. */
  readonly parameterOverrides?: ParameterOverrideInput[];
  /** Decide and report, start nothing. */
  readonly dryRun?: boolean;
  /** Where decisions are announced. Absent: events on the default bus, no SNS. */
  readonly notifications?: NotificationsInput;
  /** The construct's unique id: the `SelectiveRetry` dimension of its metrics. */
  readonly metricsId?: string;
}

/** `ALL`: every failure; `CLASSES`: failures of the listed classes; `MATCHING`: reasons matching a pattern. */
export interface RetryOnInput {
  readonly mode: 'ALL' | 'CLASSES' | 'MATCHING';
  readonly classes?: string[];
  /** JavaScript regular expressions, matched case-insensitively against the step's and the job's failure reasons. */
  readonly patterns?: string[];
}

/** Delay before attempt n: `FIXED` waits baseSeconds; `EXPONENTIAL` baseSeconds * factor^(n-1), capped at maxSeconds. */
export interface DelayInput {
  readonly strategy: 'FIXED' | 'EXPONENTIAL';
  readonly baseSeconds: number;
  readonly factor?: number;
  readonly maxSeconds?: number;
  /** Spread the delay uniformly over [delay/2, delay] ("equal jitter"). */
  readonly jitter?: boolean;
}

/** On a failure of one of `failureClasses`, move parameter `parameterName` to the next value of `values`. */
export interface ParameterOverrideInput {
  readonly parameterName: string;
  readonly values: string[];
  readonly failureClasses: string[];
}

/** Announcements of each decision. */
export interface NotificationsInput {
  /** SNS topic that receives every decision. */
  readonly topicArn?: string;
  /** Put `cdk-sagemaker-pipelines` events on the default event bus. */
  readonly events: boolean;
}

/** Bounds of `maxAttempts`, enforced by the construct at synth time and by the handler at run time. */
export const MAX_ATTEMPTS_RANGE = { min: 1, max: 10 } as const;

/** The policy used when the handler is invoked with a bare EventBridge event. */
export const DEFAULT_MAX_ATTEMPTS = 2;

/** Bounds of a retry delay: EventBridge Scheduler's one-time schedules have minute precision. */
export const DELAY_SECONDS_RANGE = { min: 60, max: 7 * 24 * 3600 } as const;

/** The `source` of the events SelectiveRetry puts on the default bus, and their detail-types. */
export const DECISION_EVENT_SOURCE = 'cdk-sagemaker-pipelines';
export const EVENT_DETAIL_TYPES = {
  started: 'Selective Retry Started',
  scheduled: 'Selective Retry Scheduled',
  planned: 'Selective Retry Planned',
  skipped: 'Selective Retry Skipped',
  exhausted: 'Selective Retry Budget Exhausted',
} as const;

/** CloudWatch namespace and metric names of the handler's EMF metrics. */
export const METRICS = {
  namespace: 'CdkSageMakerPipelines',
  service: 'SelectiveRetry',
  retriesStarted: 'RetriesStarted',
  retriesScheduled: 'RetriesScheduled',
  retriesSkipped: 'RetriesSkipped',
  budgetExhausted: 'RetryBudgetExhausted',
  failedSteps: 'FailedSteps',
  /** Steps a started or scheduled retry reuses from the failed run (value: the count). */
  stepsReused: 'StepsReused',
  /** The step time, in seconds, those steps took in the failed run (value: the seconds). */
  stepSecondsReused: 'StepSecondsReused',
  /** Inputs the handler could not handle (emitted by the handler's error path). */
  remediationErrors: 'RemediationErrors',
} as const;

/**
 * Why a failed execution was not retried: the `SkipReason` dimension of `RetriesSkipped`, a fixed list so the
 * metric's cardinality stays low (the sentence for people is the decision's `reason`).
 */
export const SKIP_REASONS = [
  /** The retry budget of the chain is spent. */
  'BUDGET_EXHAUSTED',
  /** The retry policy does not retry this failure (its class or reason). */
  'NOT_RETRYABLE',
  /** A Fail step failed the run on purpose. */
  'FAIL_STEP',
  /** Every step succeeded or was legitimately skipped. */
  'NOTHING_TO_RETRY',
  /** The selection would exceed SageMaker's limit of selected steps. */
  'TOO_MANY_STEPS',
  /** The execution's pipeline definition could not be read as a valid graph. */
  'INVALID_DEFINITION',
  /** The execution is no longer Failed (e.g. retried or stopped by a person). */
  'NOT_FAILED',
  /** The failed execution could not be read. */
  'UNREADABLE_EXECUTION',
  /** SageMaker (or EventBridge Scheduler) rejected the retry. */
  'START_REJECTED',
  /** The policy delays retries but the handler has no scheduler configuration. */
  'NO_SCHEDULER',
] as const;
export type SkipReason = typeof SKIP_REASONS[number];

/** Why a step failed. The jsii enum `FailureClass` of the constructs has exactly these values (a test checks it). */
export const FAILURE_CLASSES = [
  'CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT', 'ALGORITHM_ERROR', 'CLIENT_ERROR', 'UNKNOWN',
] as const;
export type FailureClassName = typeof FAILURE_CLASSES[number];

/** What the handler did with one input. */
export const OUTCOMES = ['started', 'scheduled', 'planned', 'skipped', 'ignored'] as const;
export type Outcome = typeof OUTCOMES[number];

/** The events SageMaker sends (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html). */
export const SAGEMAKER_EVENTS = {
  source: 'aws.sagemaker',
  executionStatusChange: 'SageMaker Model Building Pipeline Execution Status Change',
} as const;

/** Environment variables the construct gives the handler. */
export const HANDLER_ENV = {
  /** JSON array of the SSM parameter names holding `HandlerConfigurationDocument`s (issue 12, being built). */
  configurationParameters: 'SELECTIVE_RETRY_CONFIGURATION_PARAMETERS',
  schedulerRoleArn: 'SELECTIVE_RETRY_SCHEDULER_ROLE_ARN',
  scheduleGroup: 'SELECTIVE_RETRY_SCHEDULE_GROUP',
  deadLetterQueueArn: 'SELECTIVE_RETRY_DEAD_LETTER_QUEUE_ARN',
} as const;
