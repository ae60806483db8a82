import * as path from 'path';
import { Annotations, ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IPipeline } from './pipeline';
import { ConstructValidationError, received } from './private/errors';
import { addNagSuppressions } from './private/nag-suppressions';
import {
  DEFAULT_MAX_ATTEMPTS,
  HANDLER_ENV,
  MAX_ATTEMPTS_RANGE,
  METRICS,
  SelectiveRetryPolicyInput,
} from './kernel/contract';
import { FailureClass, ParameterOverride, RetryDelay, RetryableFailures } from './retry-policy';
import { SelectiveRetryDashboardSegment, SelectiveRetryDashboardSegmentProps } from './selective-retry-dashboard';
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
   * always go to the stack's shared queue, because the function is shared by the whole stack.
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
   * Create an alarm that fires when a failure is left unhealed because the retry budget is spent.
   *
   * @default false
   */
  readonly alarmOnBudgetExhausted?: boolean;

  /**
   * Create an alarm that fires when an event lands in a dead-letter queue: this construct's, and the stack's shared
   * queue when `deadLetterQueue` is another one.
   *
   * @default false
   */
  readonly alarmOnDeadLetterQueue?: boolean;
}

/** Properties of `SelectiveRetry`. */
export interface SelectiveRetryProps extends SelectiveRetryOptions {
  /**
   * The pipelines to heal: defined in this app (`new Pipeline(...)`) or imported (`Pipeline.fromPipelineName`).
   * They must be in this stack's account and region, where SageMaker publishes their events.
   */
  readonly pipelines: IPipeline[];
}

/** The construct id of the per-stack resources shared by every `SelectiveRetry`. */
const SHARED_ID = 'CdkSageMakerPipelinesSelectiveRetry';

/**
 * Heals SageMaker pipelines: when an execution of one of `pipelines` fails, starts a selective execution of the
 * failed steps and everything downstream, with the failed run as `SourcePipelineExecutionArn`, so every step that
 * succeeded is reused rather than run and paid for again.
 *
 * Consists of an EventBridge rule (Failed executions of exactly these pipelines, ARNs matched case-insensitively)
 * targeting a Lambda function shared by the whole stack, with delivery retries and a dead-letter queue. Retries are
 * bounded (`maxAttempts`), idempotent (duplicate events start one execution), carry the failed run's parameters,
 * parallelism and pipeline version, and every decision is logged as one JSON line.
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
  /** The Lambda function that plans and starts the selective executions (one per stack). */
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
   * The alarm on the dead-letter queue.
   *
   * @default - only with `alarmOnDeadLetterQueue`
   */
  public readonly deadLetterQueueAlarm?: cloudwatch.Alarm;
  /** The policy rendered into each rule target's input, which adds the names of that rule's pipelines. */
  private readonly policy: Omit<SelectiveRetryPolicyInput, 'pipelineNames'>;

  constructor(scope: Construct, id: string, props: SelectiveRetryProps) {
    super(scope, id);
    validateProps(this, props);

    const shared = SharedResources.of(this);
    this.handler = shared.handler;
    this.deadLetterQueue = props.deadLetterQueue ?? shared.deadLetterQueue;
    const retryOn = (props.retryOn ?? RetryableFailures.all())._render(this);
    const delay = props.delay?._render(this);
    const parameterOverrides = (props.parameterOverrides ?? []).map((o) => o._render(this));
    this.policy = {
      version: 1,
      maxAttempts: props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      ...(retryOn.mode !== 'ALL' ? { retryOn } : {}),
      ...(delay ? { delay } : {}),
      ...(parameterOverrides.length ? { parameterOverrides } : {}),
      ...(props.dryRun ? { dryRun: true } : {}),
      notifications: {
        events: props.publishEvents ?? true,
        ...(props.notificationTopic ? { topicArn: props.notificationTopic.topicArn } : {}),
      },
      metricsId: Names.uniqueId(this),
    };

    this.rules = groupsForEventPatterns(props.pipelines).map((group, index) => new events.Rule(this, index === 0 ? 'Rule' : `Rule${index + 1}`, {
      description: `Failed executions of the SageMaker pipelines healed by ${this.node.path}`,
      enabled: props.enabled ?? true,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Building Pipeline Execution Status Change'],
        detail: {
          currentPipelineExecutionStatus: ['Failed'],
          // SageMaker has reported pipeline names lower-cased in ARNs (sagemaker-facts.md pitfall 1).
          pipelineArn: group.map((p) => ({ 'equals-ignore-case': p.pipelineArn })),
        },
      },
      targets: [new targets.LambdaFunction(this.handler, {
        // Each rule's input names only its own pipelines, so it stays far below EventBridge's 8,192 characters.
        event: events.RuleTargetInput.fromObject({
          event: events.EventField.fromPath('$'),
          policy: this.policyFor(group),
        }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 8,
        maxEventAge: props.maxEventAge ?? Duration.hours(24),
      })],
    }));
    this.rule = this.rules[0];

    for (const pipeline of props.pipelines) {
      this.grantHandler(pipeline);
      warnOnExecutionIdPaths(this, pipeline);
    }
    // The job's failure reason decides what is retried, and which class-based parameter override applies.
    if (retryOn.mode !== 'ALL' || parameterOverrides.length > 0) this.grantJobReads();
    if (delay) shared.enableDelayedRetries(props.pipelines);
    if (this.policy.notifications?.events) {
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      }));
    }
    props.notificationTopic?.grantPublish(this.handler);

    if (props.alarmOnBudgetExhausted) {
      this.budgetExhaustedAlarm = this.metricRetryBudgetExhausted().createAlarm(this, 'BudgetExhaustedAlarm', {
        alarmDescription: `A failed execution of a pipeline healed by ${this.node.path} was left unhealed: its retry budget is spent.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (props.alarmOnDeadLetterQueue) {
      const waiting = (queue: sqs.IQueue) => queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
      const metric = this.deadLetterQueue === shared.deadLetterQueue
        ? waiting(this.deadLetterQueue)
        : new cloudwatch.MathExpression({
          expression: 'own + shared',
          usingMetrics: { own: waiting(this.deadLetterQueue), shared: waiting(shared.deadLetterQueue) },
          label: 'Events waiting in the dead-letter queues',
          period: Duration.minutes(5),
        });
      this.deadLetterQueueAlarm = metric.createAlarm(this, 'DeadLetterQueueAlarm', {
        alarmDescription: `Events that ${this.node.path} could not handle are waiting in a dead-letter queue.`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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
   * A metric the handler emits for this construct, in namespace `CdkSageMakerPipelines`.
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
      dimensionsMap: { service: METRICS.service, SelectiveRetry: this.policy.metricsId!, ...props?.dimensionsMap },
    });
  }

  /** Lets the handler read why the jobs behind failed steps failed (their names are generated at run time). */
  private grantJobReads(): void {
    const stack = Stack.of(this);
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTransformJob'],
      resources: ['processing-job', 'training-job', 'transform-job'].map((resource) =>
        stack.formatArn({ service: 'sagemaker', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
    }));
  }

  /** The policy of one rule: the construct's, naming the rule's own pipelines (key order kept stable for snapshots). */
  private policyFor(pipelines: IPipeline[]): SelectiveRetryPolicyInput {
    const { version, maxAttempts, ...rest } = this.policy;
    return { version, maxAttempts, pipelineNames: pipelines.map((p) => p.pipelineName), ...rest };
  }

  /** Lets the handler read the pipeline's executions and start selective executions of it, and nothing more. */
  private grantHandler(pipeline: IPipeline): void {
    SharedResources.of(this).allowPipeline(pipelineArnsOf(pipeline), pipelineArnsOf(pipeline, true));
  }
}

/** The function, its role, log group and dead-letter queue: created once per stack, shared by every SelectiveRetry. */
class SharedResources extends Construct {
  public static of(scope: Construct): SharedResources {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SHARED_ID);
    return existing instanceof SharedResources ? existing : new SharedResources(stack, SHARED_ID);
  }

  public readonly handler: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  private schedulerRole?: iam.Role;
  private pipelineStatements?: { reads: iam.PolicyStatement; starts: iam.PolicyStatement };
  private pipelinesInStatements = 0;
  private pipelineCount = 0;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR });
    // A role of our own, so the function gets write access to its log group only (instead of the
    // AWSLambdaBasicExecutionRole managed policy's logs:* on every log group).
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads failed SageMaker pipeline executions and starts selective executions of them',
    });
    this.handler = new lambda.Function(this, 'Handler', {
      description: 'Heals failed SageMaker pipeline executions with selective executions (cdk-sagemaker-pipelines)',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'selective-retry-handler')),
      memorySize: 256,
      timeout: Duration.minutes(1),
      // One event at a time (Lambda queues the others): duplicate deliveries of one failure, which SageMaker may
      // send at once, are then handled in turn, and every one after the first finds the retry already started.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
      // Errors the function throws (throttled SageMaker calls) are retried twice by Lambda, then parked here.
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
    });
    logGroup.grantWrite(role);

    addNagSuppressions(this.deadLetterQueue, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the SelectiveRetry rule targets and handler.' },
    ]);
    addNagSuppressions(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Names generated at run time: the handler may read only the executions of the healed pipelines '
        + '(pipeline/NAME/execution/*), describe the SageMaker jobs whose failures it classifies (job names are generated by '
        + 'SageMaker Pipelines), create schedules only in its own schedule group, and write only to its own log group\'s streams.',
      appliesTo: [
        { regex: '/^Resource::.*:pipeline\\/.*\\/execution\\/\\*$/g' },
        { regex: '/^Resource::.*:(processing|training|transform)-job\\/\\*$/g' },
        { regex: '/^Resource::.*:schedule\\/.*\\/\\*$/g' },
        { regex: '/^Resource::<CdkSageMakerPipelinesSelectiveRetryLogGroup.*\\.Arn>:\\*$/g' },
      ],
    }]);
  }

  /**
   * Adds a pipeline to what the handler may read and start. ARNs go into shared statements, a few pipelines each, so
   * that the role's policy grows by ARNs only (not by repeated actions) and CDK can spread large policies over
   * overflow managed policies, which it splits by statement.
   */
  public allowPipeline(pipelineArns: string[], executionArns: string[]): void {
    if (!this.pipelineStatements || this.pipelinesInStatements >= PIPELINES_PER_STATEMENT) {
      this.pipelineStatements = {
        reads: new iam.PolicyStatement({
          actions: [
            'sagemaker:DescribePipelineExecution',
            'sagemaker:ListPipelineExecutionSteps',
            'sagemaker:DescribePipelineDefinitionForExecution',
            'sagemaker:ListPipelineParametersForExecution',
          ],
        }),
        // ListPipelineExecutions recognises a retry already started by an earlier delivery of the same event.
        starts: new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'] }),
      };
      this.pipelinesInStatements = 0;
      this.handler.addToRolePolicy(this.pipelineStatements.reads);
      this.handler.addToRolePolicy(this.pipelineStatements.starts);
    }
    this.pipelineStatements.reads.addResources(...executionArns);
    this.pipelineStatements.starts.addResources(...pipelineArns);
    this.pipelinesInStatements++;
    if (++this.pipelineCount === MANY_PIPELINES) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:many-pipelines',
        `This stack heals ${MANY_PIPELINES} or more pipelines. The shared handler's role grows with their ARNs (two per pipeline, `
        + 'four when a name has capitals) and aws-cdk-lib spreads it over overflow managed policies: about 90 pipelines with '
        + 'capitalised names fit the default quota of 10 managed policies per role. Beyond that, heal the pipelines from '
        + 'several stacks or raise the quota.');
    }
  }

  /**
   * Creates, once, what delayed retries need: a schedule group, and a role EventBridge Scheduler assumes to start
   * the selective executions; then lets that role start the given pipelines.
   */
  public enableDelayedRetries(pipelines: IPipeline[]): void {
    if (!this.schedulerRole) {
      const stack = Stack.of(this);
      const group = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', {});
      this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
        description: 'Starts delayed selective retries of SageMaker pipelines',
      });
      this.deadLetterQueue.grantSendMessages(this.schedulerRole);
      this.handler.addEnvironment(HANDLER_ENV.schedulerRoleArn, this.schedulerRole.roleArn);
      this.handler.addEnvironment(HANDLER_ENV.scheduleGroup, group.ref);
      this.handler.addEnvironment(HANDLER_ENV.deadLetterQueueArn, this.deadLetterQueue.queueArn);
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${group.ref}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      }));
      this.schedulerRole.grantPassRole(this.handler.grantPrincipal);
      addNagSuppressions(this.schedulerRole, [{
        id: 'AwsSolutions-IAM5',
        reason: 'Only used to send undeliverable scheduled retries to the dead-letter queue; no wildcard beyond the queue.',
        appliesTo: [{ regex: '/^Action::sqs:.*$/g' }],
      }]);
    }
    for (const pipeline of pipelines) {
      this.schedulerRole.addToPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:StartPipelineExecution'],
        resources: pipelineArnsOf(pipeline),
      }));
    }
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

/**
 * Warns when a pipeline of this app builds values from `Execution.PipelineExecutionId` (sagemaker-facts.md pitfall
 * 12): in a selective execution that is the new execution's id, so a selected step looking for data a reused step
 * wrote under the failed run's id finds nothing. Data passed with step properties (`Get: Steps.X...`) is fine.
 */
function warnOnExecutionIdPaths(scope: Construct, pipeline: IPipeline): void {
  const resource = pipeline.node.defaultChild;
  if (!(resource instanceof sagemaker.CfnPipeline)) return;
  let definition: string;
  try {
    definition = JSON.stringify(Stack.of(pipeline).resolve(resource.pipelineDefinition));
  } catch {
    return; // not resolvable yet: nothing to say
  }
  if (definition.includes('Execution.PipelineExecutionId')) {
    Annotations.of(scope).addWarningV2('cdk-sagemaker-pipelines:execution-id-paths',
      `Pipeline ${pipeline.node.path} uses Execution.PipelineExecutionId. A selective execution has a new execution id, so `
      + 'a retried step that reads data a reused step wrote under the failed run\'s id will not find it. Pass data between '
      + 'steps with step properties (e.g. step.outputUri(...)) rather than paths built from the execution id.');
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

/** From this many healed pipelines in one stack on, warn about the role's managed-policy quota. */
const MANY_PIPELINES = 80;

/** Pipelines whose ARNs share one pair of IAM statements: about 2,000 characters, well under a managed policy's 6,144. */
const PIPELINES_PER_STATEMENT = 8;

/** EventBridge's default quota on an event pattern's size is 2,048 characters; keep each rule's pattern below it. */
const MAX_EVENT_PATTERN_CHARS = 1800;
/** The fixed part of the pattern, and an upper estimate of one pipeline's entry beyond its name (tokens resolve later). */
const PATTERN_BASE_CHARS = 200;
const PATTERN_ENTRY_CHARS = 100;

/** Splits the pipelines into groups whose event pattern stays within EventBridge's size quota. */
function groupsForEventPatterns(pipelines: IPipeline[]): IPipeline[][] {
  const groups: IPipeline[][] = [[]];
  let size = PATTERN_BASE_CHARS;
  for (const pipeline of pipelines) {
    const entry = PATTERN_ENTRY_CHARS + (literalName(pipeline)?.length ?? 256);
    if (groups[groups.length - 1].length > 0 && size + entry > MAX_EVENT_PATTERN_CHARS) {
      groups.push([]);
      size = PATTERN_BASE_CHARS;
    }
    groups[groups.length - 1].push(pipeline);
    size += entry;
  }
  return groups;
}

/**
 * The pipeline's ARN and, when its name has capitals and is known at synth time, the ARN with the name lower-cased:
 * SageMaker has reported lower-cased names in ARNs (sagemaker-facts.md pitfall 1), and IAM compares resource ARNs
 * case-sensitively. With `executions`, the ARN pattern of the pipeline's executions instead.
 */
function pipelineArnsOf(pipeline: IPipeline, executions = false): string[] {
  const suffix = executions ? '/execution/*' : '';
  const exact = executions ? pipeline.pipelineExecutionArnPattern : pipeline.pipelineArn;
  const name = literalName(pipeline);
  if (name === undefined || name === name.toLowerCase()) return [exact];
  if (!Token.isUnresolved(exact)) return [exact, exact.replace(`:pipeline/${name}`, `:pipeline/${name.toLowerCase()}`)];
  const lower = Stack.of(pipeline).formatArn({
    service: 'sagemaker', resource: 'pipeline', resourceName: name.toLowerCase(), arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return [exact, `${lower}${suffix}`];
}

/** The pipeline's name when known at synth time: given as text, or a pipeline of this app with a literal or generated name. */
function literalName(pipeline: IPipeline): string | undefined {
  if (!Token.isUnresolved(pipeline.pipelineName)) return pipeline.pipelineName;
  const resource = pipeline.node.defaultChild;
  if (resource instanceof sagemaker.CfnPipeline) {
    const resolved = Stack.of(pipeline).resolve(resource.pipelineName);
    if (typeof resolved === 'string') return resolved;
  }
  return undefined;
}
