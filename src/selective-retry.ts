import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  CONFIGURATION_DOCUMENT_VERSION,
  DEFAULT_MAX_ATTEMPTS,
  HandlerConfigurationDocument,
  MAX_ATTEMPTS_RANGE,
  METRICS,
  RetryPolicyConfiguration,
  SAGEMAKER_EVENTS,
} from './kernel/contract';
import type { IPipeline } from './pipeline';
import { ConstructValidationError, received } from './private/errors';
import { warnOnExecutionIdPaths } from './private/execution-id-warning';
import { configurationParameterName, renderConfigurationParameter } from './private/selective-retry/configuration-parameter';
import { groupsForEventPatterns } from './private/selective-retry/event-pattern-groups';
import { registerHealedPipeline } from './private/selective-retry/healed-pipelines';
import { FailureClass, ParameterOverride, RetryDelay, RetryableFailures } from './retry-policy';
import { SelectiveRetryDashboardSegment, SelectiveRetryDashboardSegmentProps } from './selective-retry-dashboard';
import { SelectiveRetryHandler } from './selective-retry-handler';
import { SkipReason } from './skip-reason';

/** The retry policy of `SelectiveRetry`, also accepted by `IPipeline.enableSelectiveRetry`. */
export interface SelectiveRetryOptions {
  /**
   * How many selective executions may be started, in total, to heal one original failed execution.
   *
   * A retry that fails is itself retried, until this many retries have run; then the failure is reported and left
   * alone. Must be from 1 to 10.
   *
   * @default 2
   */
  readonly maxAttempts?: number;

  /**
   * The queue that receives the events EventBridge could not deliver to the handler, so that no failed execution is
   * lost silently. Handler errors that outlive Lambda's retries, and delayed retries the scheduler could not start,
   * always go to the stack's shared queue, because the function is shared by the whole stack. A queue encrypted with
   * a customer-managed key of this app gets the key-policy statement EventBridge needs to write to it.
   *
   * @default - one encrypted queue per stack, shared by every `SelectiveRetry` in it
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * How many times EventBridge retries delivering an event to the handler. From 0 to 185.
   *
   * @default 8
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge keeps trying to deliver an event to the handler. From 1 minute to 24 hours.
   *
   * @default Duration.hours(24)
   */
  readonly maxEventAge?: Duration;

  /**
   * Whether the rule is enabled. Disable it to pause healing without removing anything.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Which failures are retried. A retry starts only when every failed step's failure is retryable; the class of each
   * failure is read from the step's `FailureReason` and, when that is not conclusive, from the underlying job's
   * (DescribeProcessingJob / DescribeTrainingJob / DescribeTransformJob).
   *
   * @default RetryableFailures.all()
   */
  readonly retryOn?: RetryableFailures;

  /**
   * How long to wait before each retry. Delays run on a one-time EventBridge Scheduler schedule that deletes itself;
   * still exactly one retry per failed execution.
   *
   * @default RetryDelay.none()
   */
  readonly delay?: RetryDelay;

  /**
   * Parameter values to change on retry, e.g. a fallback list of instance types on capacity errors. Every other
   * parameter keeps the failed run's value.
   *
   * @default - the failed run's parameter values, unchanged
   */
  readonly parameterOverrides?: ParameterOverride[];

  /**
   * Decide and report (log line, metrics, events, notifications with the exact request), but start nothing.
   * Useful to watch what the policy would do before letting it act.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * When healing a failure needs more steps than one selective execution may select (SageMaker allows at most 50
   * `SelectedSteps`), re-run the whole pipeline instead: a normal (non-selective) execution with the failed run's
   * parameters and pipeline version, counted against `maxAttempts` like a selective retry. Off, such a failure is
   * skipped and reported.
   *
   * @default false
   */
  readonly fullRerunAboveSelectionLimit?: boolean;

  /**
   * An SNS topic that receives every decision: retry started or scheduled, skipped with its reason, budget exhausted.
   *
   * @default - no SNS notification
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Put an event on the account's default event bus for every decision (source `cdk-sagemaker-pipelines`,
   * detail-types `Selective Retry Started`, `Selective Retry Scheduled`, `Selective Retry Planned`,
   * `Selective Retry Skipped`, `Selective Retry Budget Exhausted`), so that rules can route them anywhere.
   *
   * @default true
   */
  readonly publishEvents?: boolean;

  /**
   * Create an alarm that fires when a failure is left unhealed because the retry budget is spent. Off by default:
   * an exhausted budget is the policy working as configured, announced by events and notifications; turn it on to be
   * paged for it.
   *
   * @default false
   */
  readonly alarmOnBudgetExhausted?: boolean;

  /**
   * Create an alarm that fires when an event waits in `deadLetterQueue`, if it is a queue of yours. The stack's shared
   * queue has one alarm of its own (see `SelectiveRetryHandlerProps.alarmOnDeadLetterQueue`).
   *
   * @default true
   */
  readonly alarmOnDeadLetterQueue?: boolean;

  /**
   * Create an alarm that fires when an error stopped a retry the policy wanted: access denied, a request SageMaker
   * rejected, a schedule that could not be created, or a configuration the handler could not read. On by default,
   * because such a failure stays unhealed until someone fixes the cause.
   *
   * @default true
   */
  readonly alarmOnRemediationErrors?: boolean;
}

/** Properties of `SelectiveRetry`. */
export interface SelectiveRetryProps extends SelectiveRetryOptions {
  /**
   * The pipelines to heal: defined in this app (`new Pipeline(...)`) or imported (`Pipeline.fromPipelineName`).
   * They must be in this stack's account and region, where SageMaker publishes their events.
   */
  readonly pipelines: IPipeline[];
}

/**
 * Heals SageMaker pipelines: when an execution of one of `pipelines` fails, starts a selective execution of the
 * failed steps and everything downstream, with the failed run as `SourcePipelineExecutionArn`, so every step that
 * succeeded is reused rather than run and paid for again.
 *
 * Consists of an EventBridge rule (Failed executions of exactly these pipelines, ARNs matched case-insensitively)
 * targeting the stack's `SelectiveRetryHandler` with delivery retries and a dead-letter queue, and an SSM parameter
 * holding the pipelines and their policy: the handler reads its configuration from there, never from its payload, so
 * whoever can invoke the function cannot widen what it does. Retries are bounded (`maxAttempts`), idempotent
 * (duplicate events start one execution), carry the failed run's parameters, parallelism and pipeline version, and
 * every decision is logged as one JSON line.
 *
 * @example
 * declare const pipeline: Pipeline;
 * new SelectiveRetry(this, 'Heal', {
 *   pipelines: [pipeline, Pipeline.fromPipelineName(this, 'Legacy', 'abalone-pipeline')],
 *   maxAttempts: 2,
 * });
 */
export class SelectiveRetry extends Construct {
  /** The rule that matches the pipelines' Failed execution events (the first of `rules`). */
  public readonly rule: events.Rule;
  /**
   * Every rule of this construct. One rule matches up to about 15 pipelines: EventBridge limits an event pattern to
   * 2,048 characters by default, so larger sets of pipelines are spread over several rules with the same target.
   */
  public readonly rules: events.Rule[];
  /**
   * The SSM parameters holding this construct's configuration, one per rule: the rule's pipelines and the policy.
   * Named `/cdk-sagemaker-pipelines/selective-retry/<stack name>/<hash of the construct path>[/<n>]`.
   */
  public readonly configurationParameters: ssm.IStringParameter[];
  /** The Lambda function that plans and starts the selective executions (one per stack, see `SelectiveRetryHandler`). */
  public readonly handler: lambda.IFunction;
  /** The queue that receives events that could not be handled. */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The alarm on exhausted retry budgets.
   *
   * @default - only with `alarmOnBudgetExhausted`
   */
  public readonly budgetExhaustedAlarm?: cloudwatch.Alarm;
  /**
   * The alarm on `deadLetterQueue` when it is a queue of yours.
   *
   * @default - only with a `deadLetterQueue` of yours and `alarmOnDeadLetterQueue` not false
   */
  public readonly deadLetterQueueAlarm?: cloudwatch.Alarm;
  /**
   * The alarm on errors that stopped a retry.
   *
   * @default - unless `alarmOnRemediationErrors` is false
   */
  public readonly remediationErrorsAlarm?: cloudwatch.Alarm;
  /** The construct's unique id: the `SelectiveRetry` dimension of its metrics. */
  private readonly metricsId: string;

  constructor(scope: Construct, id: string, props: SelectiveRetryProps) {
    // Checked before the construct exists: otherwise a pipeline's selectiveRetry prop followed by
    // enableSelectiveRetry() fails with the constructs library's bare "There is already a Construct with name ...".
    assertNotHealedByPipelineAlready(scope, id);
    super(scope, id);
    validateProps(this, props);
    for (const pipeline of props.pipelines) registerHealedPipeline(this, pipeline);

    const shared = SelectiveRetryHandler.of(this);
    this.handler = shared.lambdaFunction;
    this.deadLetterQueue = props.deadLetterQueue ?? shared.deadLetterQueue;
    this.metricsId = Names.uniqueId(this);
    const retryOn = (props.retryOn ?? RetryableFailures.all())._render(this);
    const delay = props.delay?._render(this);
    const parameterOverrides = (props.parameterOverrides ?? []).map((o) => o._render(this));
    const policy: RetryPolicyConfiguration = {
      maxAttempts: props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      ...(retryOn.mode !== 'ALL' ? { retryOn } : {}),
      ...(delay ? { delay } : {}),
      ...(parameterOverrides.length ? { parameterOverrides } : {}),
      ...(props.dryRun ? { dryRun: true } : {}),
      ...(props.fullRerunAboveSelectionLimit ? { fullRerunAboveSelectionLimit: true } : {}),
      notifications: {
        events: props.publishEvents ?? true,
        ...(props.notificationTopic ? { topicArn: props.notificationTopic.topicArn } : {}),
      },
      metricsId: this.metricsId,
    };

    const groups = groupsForEventPatterns(props.pipelines);
    this.configurationParameters = [];
    this.rules = groups.map((group, index) => {
      const suffix = index === 0 ? '' : `${index + 1}`;
      const document: HandlerConfigurationDocument = {
        version: CONFIGURATION_DOCUMENT_VERSION,
        pipelineNames: group.map((p) => p.pipelineName),
        policy,
      };
      const parameterName = configurationParameterName(this, index, groups.length);
      const parameter = renderConfigurationParameter(this, `Configuration${suffix}`, parameterName, document);
      shared._addConfiguration(parameter, parameterName, document);
      this.configurationParameters.push(parameter);
      return new events.Rule(this, `Rule${suffix}`, {
        description: `Failed executions of the SageMaker pipelines healed by ${this.node.path}`,
        enabled: props.enabled ?? true,
        eventPattern: {
          source: [SAGEMAKER_EVENTS.source],
          detailType: [SAGEMAKER_EVENTS.executionStatusChange],
          detail: {
            currentPipelineExecutionStatus: ['Failed'],
            // SageMaker has reported pipeline names lower-cased in ARNs; EventBridge compares exactly unless told
            // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
            pipelineArn: group.map((p) => ({ 'equals-ignore-case': p.pipelineArn })),
          },
        },
        // The target receives the bare event: the policy is deployed configuration, not payload.
        targets: [new targets.LambdaFunction(this.handler, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: props.retryAttempts ?? 8,
          maxEventAge: props.maxEventAge ?? Duration.hours(24),
        })],
      });
    });
    this.rule = this.rules[0];
    shared._allowEventBridgeDeadLetters(this.deadLetterQueue);

    for (const pipeline of props.pipelines) {
      shared._allowPipeline(pipeline);
      warnOnExecutionIdPaths(this, pipeline);
    }
    // The job's failure reason decides what is retried, and which class-based parameter override applies.
    if (retryOn.mode !== 'ALL' || parameterOverrides.length > 0) shared._allowJobReads();
    if (delay) shared._enableDelayedRetries(props.pipelines);
    if (policy.notifications?.events) shared._allowPublishEvents();
    if (props.notificationTopic) shared._allowNotifications(props.notificationTopic);

    const alarmProps = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    if (props.alarmOnRemediationErrors ?? true) {
      this.remediationErrorsAlarm = this.metricRemediationErrors().createAlarm(this, 'RemediationErrorsAlarm', {
        ...alarmProps,
        alarmDescription: `An error stopped a retry of a pipeline healed by ${this.node.path} (access denied, rejected request, `
          + 'schedule or configuration error); the handler\'s log line for the execution says which.',
      });
    }
    if (props.alarmOnBudgetExhausted) {
      this.budgetExhaustedAlarm = this.metricRetryBudgetExhausted().createAlarm(this, 'BudgetExhaustedAlarm', {
        ...alarmProps,
        alarmDescription: `A failed execution of a pipeline healed by ${this.node.path} was left unhealed: its retry budget is spent.`,
      });
    }
    if (this.deadLetterQueue !== shared.deadLetterQueue && (props.alarmOnDeadLetterQueue ?? true)) {
      this.deadLetterQueueAlarm = this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
        .createAlarm(this, 'DeadLetterQueueAlarm', {
          ...alarmProps,
          alarmDescription: `Events that ${this.node.path} could not deliver to its handler are waiting in its dead-letter queue.`,
        });
    }
  }

  /**
   * Selective executions started by this construct (not counting scheduled ones until they start).
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRetriesStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.retriesStarted, props);
  }

  /**
   * Retries scheduled for later (with a `delay`).
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRetriesScheduled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.retriesScheduled, props);
  }

  /**
   * Failed executions this construct decided not to retry (any reason: budget, policy, Fail step, nothing to do).
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRetriesSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.retriesSkipped, props);
  }

  /**
   * Failed executions left unhealed because their retry budget was spent.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRetryBudgetExhausted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.budgetExhausted, props);
  }

  /**
   * Retries an error stopped: AccessDenied, a request SageMaker rejected (validation), a schedule EventBridge Scheduler
   * would not create, or a configuration the handler could not read.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRemediationErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.remediationErrors, props);
  }

  /**
   * Failed steps seen by this construct, of one failure class.
   *
   * @param failureClass the class
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricFailedSteps(failureClass: FailureClass, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.failedSteps, { ...props, dimensionsMap: { ...props?.dimensionsMap, FailureClass: failureClass } });
  }

  /**
   * Failed executions this construct decided not to retry, for one reason.
   *
   * @param reason the reason
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricRetriesSkippedFor(reason: SkipReason, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.retriesSkipped, { ...props, dimensionsMap: { ...props?.dimensionsMap, SkipReason: reason } });
  }

  /**
   * Steps that retries started or scheduled by this construct reuse from the failed run instead of running again.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricStepsReused(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.stepsReused, props);
  }

  /**
   * The step time, in seconds, that the steps reused by this construct's retries took in the failed runs: work kept
   * rather than redone. Steps a failed run had itself reused from an earlier run are counted once, in that run.
   *
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metricStepSecondsReused(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRICS.stepSecondsReused, props);
  }

  /**
   * Adds this construct's widgets (retries, skips by reason, remediation errors, step time reused) to a dashboard,
   * below what it already shows. For other layouts, see `SelectiveRetryDashboardSegment`.
   *
   * @param dashboard the dashboard
   * @param props title of the widgets
   */
  public addToDashboard(dashboard: cloudwatch.Dashboard, props?: SelectiveRetryDashboardSegmentProps): void {
    for (const row of new SelectiveRetryDashboardSegment(this, props).widgets()) dashboard.addWidgets(row);
  }

  /**
   * A metric the handler emits for this construct, in namespace `CdkSageMakerPipelines`, in this construct's account
   * and region.
   *
   * @param metricName e.g. `RetriesStarted`
   * @param props metric options
   * @default - sum over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName,
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
      dimensionsMap: { service: METRICS.service, SelectiveRetry: this.metricsId, ...props?.dimensionsMap },
    }).attachTo(this);
  }
}

/**
 * A pipeline's `selectiveRetry` prop and its `enableSelectiveRetry()` both create a `SelectiveRetry` with the id
 * `SelectiveRetry` in the pipeline's scope: say so, rather than let the constructs library report a name clash.
 */
function assertNotHealedByPipelineAlready(scope: Construct, id: string): void {
  const existing = scope.node.tryFindChild(id);
  if (existing instanceof SelectiveRetry) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.PipelineHealedTwice',
      `${scope.node.path} is already healed by ${existing.node.path} (created by the pipeline's selectiveRetry prop or an `
      + 'earlier enableSelectiveRetry() call). Heal a pipeline once: pass the options either in the selectiveRetry prop or to '
      + 'enableSelectiveRetry(), not both.');
  }
}

function validateProps(scope: Construct, props: SelectiveRetryProps): void {
  if (!props.pipelines || props.pipelines.length === 0) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.Pipelines',
      'pipelines must list at least one pipeline to heal; received an empty list. Pass pipelines defined in this app '
      + 'or imported with Pipeline.fromPipelineName / Pipeline.fromPipelineArn.');
  }
  const seen = new Map<string, string>();
  for (const pipeline of props.pipelines) {
    const key = Token.isUnresolved(pipeline.pipelineName) ? pipeline.node.path : pipeline.pipelineName.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new ConstructValidationError(scope, 'SelectiveRetry.DuplicatePipeline',
        `pipelines lists pipeline "${pipeline.pipelineName}" more than once (${previous} and ${pipeline.node.path}); `
        + 'SageMaker pipeline names are compared case-insensitively. List each pipeline once.');
    }
    seen.set(key, pipeline.node.path);
    checkSameEnvironment(scope, pipeline);
  }
  const maxAttempts = props.maxAttempts;
  if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < MAX_ATTEMPTS_RANGE.min || maxAttempts > MAX_ATTEMPTS_RANGE.max)) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.MaxAttempts',
      `maxAttempts must be a whole number from ${MAX_ATTEMPTS_RANGE.min} to ${MAX_ATTEMPTS_RANGE.max}; received ${received(maxAttempts)}. `
      + 'It counts the selective executions started to heal one failed run.');
  }
  const retryAttempts = props.retryAttempts;
  if (retryAttempts !== undefined && (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185)) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.RetryAttempts',
      `retryAttempts must be a whole number from 0 to 185 (EventBridge's limit); received ${received(retryAttempts)}.`);
  }
  const maxEventAge = props.maxEventAge;
  if (maxEventAge !== undefined && !maxEventAge.isUnresolved()) {
    const seconds = maxEventAge.toSeconds();
    if (seconds < 60 || seconds > 86400) {
      throw new ConstructValidationError(scope, 'SelectiveRetry.MaxEventAge',
        `maxEventAge must be from 1 minute to 24 hours (EventBridge's limits); received ${maxEventAge.toHumanString()}.`);
    }
  }
}

/** SageMaker publishes a pipeline's events on the default bus of the pipeline's own account and region. */
function checkSameEnvironment(scope: Construct, pipeline: IPipeline): void {
  const stack = Stack.of(scope);
  const { account, region } = pipeline.env;
  const differs = (a: string, b: string) => !Token.isUnresolved(a) && !Token.isUnresolved(b) && a !== b;
  if (differs(account, stack.account) || differs(region, stack.region)) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.PipelineEnvironment',
      `pipeline "${pipeline.pipelineName}" is in account ${account}, region ${region}, but this stack deploys to account `
      + `${stack.account}, region ${stack.region}. SageMaker publishes execution events only in the pipeline's own account and `
      + 'region: create this SelectiveRetry in a stack of that environment.');
  }
}

