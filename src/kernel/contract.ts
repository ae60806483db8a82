/**
 * The contract between the constructs (which render configuration) and the handler (which reads it), typed once.
 * Part of the shared kernel: imports nothing from aws-cdk-lib, so the bundled handler can use it.
 */

/**
 * The handler's configuration, deployed by the stack (issue 12): never read from the invocation payload, which is the
 * bare SageMaker event. Each `SelectiveRetry` rule group renders one `HandlerConfigurationDocument` (JSON) into its
 * own SSM String parameter named under `CONFIGURATION_PARAMETER_PREFIX`; the shared function's environment variable
 * `HANDLER_ENV.configurationParameters` lists those parameters' names (`ConfigurationParameterList`). The handler reads them
 * (in parallel with the SageMaker reads, cached per container) and validates each with `parseConfigurationDocument`
 * (configuration.ts). A pipeline no document names is never started.
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
  /** Above SageMaker's 50-step selection limit, start a full (non-selective) re-run instead of skipping. Absent: skip. */
  readonly fullRerunAboveSelectionLimit?: boolean;
  /** Where decisions are announced. Absent: events on the default bus, no SNS. */
  readonly notifications?: NotificationsInput;
  /** The construct's unique id: the `SelectiveRetry` dimension of its metrics. */
  readonly metricsId?: string;
}

/** `ALL`: every failure; `CLASSES`: failures of the listed classes; `MATCHING`: reasons matching a pattern. */
export interface RetryOnInput {
  readonly mode: 'ALL' | 'CLASSES' | 'MATCHING';
  readonly classes?: string[];
  /**
   * RE2 regular expressions (linear-time matching: https://github.com/google/re2/wiki/Syntax), matched
   * case-insensitively against the step's and the job's failure reasons; validated by failure-pattern.ts.
   */
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

/** The retry budget of the CLI when neither the deployed configuration nor `--max-attempts` gives one. */
export const DEFAULT_MAX_ATTEMPTS = 2;

/** The longest configuration document: the value limit of a standard-tier SSM parameter (4 KB). */
export const CONFIGURATION_DOCUMENT_MAX_LENGTH = 4096;

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
  /** Retries stopped by an error (AccessDenied, Validation, Scheduler or configuration errors), not by policy. */
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
  /** A person stopped the execution (it was Stopping when it ended Failed). */
  'STOPPED_BY_PERSON',
  /** The deployed configuration for the pipeline could not be read or is invalid. */
  'CONFIGURATION_ERROR',
  /** SageMaker described another pipeline or execution than the event named. */
  'EVENT_MISMATCH',
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

/**
 * Every configuration parameter is named `CONFIGURATION_PARAMETER_PREFIX + <stack name>/<construct hash>[/<n>]`,
 * so the CLI finds the deployed policy of a pipeline with GetParametersByPath on this prefix.
 */
export const CONFIGURATION_PARAMETER_PREFIX = '/cdk-sagemaker-pipelines/selective-retry/';

/** The version of `HandlerConfigurationDocument` the construct renders. */
export const CONFIGURATION_DOCUMENT_VERSION = 2;

/**
 * The value of `HANDLER_ENV.configurationParameters` (JSON): the parameters' names as one common prefix and each
 * name's remainder, so that a stack's list fits the 4 KB Lambda allows for all of a function's variables
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 100 rule groups take about 1,200 characters.
 */
export interface ConfigurationParameterList {
  /** The names' common prefix, `CONFIGURATION_PARAMETER_PREFIX + <stack name>/`. */
  readonly prefix: string;
  /** Each name without the prefix. */
  readonly names: string[];
}

/** Environment variables the construct gives the handler. */
export const HANDLER_ENV = {
  /** The SSM parameter names holding `HandlerConfigurationDocument`s: a `ConfigurationParameterList` as JSON. */
  configurationParameters: 'SELECTIVE_RETRY_CONFIGURATION_PARAMETERS',
  /**
   * A digest of the deployed configuration documents: a deploy that changes the configuration changes the function's
   * environment, so Lambda replaces warm containers (and their cached configuration).
   */
  configurationDigest: 'SELECTIVE_RETRY_CONFIGURATION_DIGEST',
  schedulerRoleArn: 'SELECTIVE_RETRY_SCHEDULER_ROLE_ARN',
  scheduleGroup: 'SELECTIVE_RETRY_SCHEDULE_GROUP',
  deadLetterQueueArn: 'SELECTIVE_RETRY_DEAD_LETTER_QUEUE_ARN',
} as const;
