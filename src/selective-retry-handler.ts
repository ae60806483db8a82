import { createHash } from 'crypto';
import * as path from 'path';
import { Annotations, ArnFormat, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { ConfigurationParameterList, DECISION_EVENT_SOURCE, HANDLER_ENV, HandlerConfigurationDocument } from './kernel/contract';
import type { IPipeline } from './pipeline';
import { ConstructValidationError, received } from './private/errors';
import { addNagSuppressions } from './private/nag-suppressions';
import { configurationParameterPrefix } from './private/selective-retry/configuration-parameter';
import { allowEventBridgeDeadLetters, allowLogsEncryption, grantProducer } from './private/selective-retry/key-grants';
import { PipelineStatements, pipelineArnsOf } from './private/selective-retry/pipeline-arns';

/** Configuration of the Lambda function, log group and dead-letter queue that every `SelectiveRetry` of a stack shares. */
export interface SelectiveRetryHandlerProps {
  /**
   * The function's memory, in MB. From 128 to 10,240.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long one invocation may run. From 1 second to 15 minutes.
   *
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;

  /**
   * How long the function's log lines (one JSON line per decision) are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * AWS X-Ray tracing of the function.
   *
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;

  /**
   * A customer-managed KMS key that encrypts the function's log group. A key of this app gets the key-policy statement
   * CloudWatch Logs needs; for an imported key, a synth warning gives the statement to add.
   *
   * @default - encrypted by CloudWatch Logs with its own key
   */
  readonly logGroupEncryptionKey?: kms.IKey;

  /**
   * A customer-managed KMS key that encrypts the shared dead-letter queue. The function's role, the scheduler role and
   * EventBridge (for events it could not deliver) get exactly `kms:GenerateDataKey` and `kms:Decrypt` on it.
   *
   * @default - SQS-managed encryption (SSE-SQS)
   */
  readonly deadLetterQueueEncryptionKey?: kms.IKey;

  /**
   * Create an alarm that fires when an event waits in the shared dead-letter queue: a failure nobody healed or
   * reported. On by default, because nothing else tells an operator about it.
   *
   * @default true
   */
  readonly alarmOnDeadLetterQueue?: boolean;
}

/** The construct id of the per-stack handler, directly under the stack (kept stable: it names the resources). */
const SHARED_ID = 'CdkSageMakerPipelinesSelectiveRetry';

/**
 * Lambda caps a function's environment variables at 4 KB in all
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); the list of configuration parameters
 * may take this much of it, the rest is for the other variables.
 */
const MAX_PARAMETER_LIST_CHARS = 3300;

/** Configuration parameters per `ssm:GetParameters` statement: about 2,500 characters of ARNs. */
const PARAMETERS_PER_STATEMENT = 20;

/** From this many healed pipelines in one stack on, warn about the role's managed-policy quota. */
const MANY_PIPELINES = 80;

/**
 * The Lambda function that plans and starts selective executions, with its role, log group and dead-letter queue:
 * one per stack, shared by every `SelectiveRetry` in it.
 *
 * It is created with defaults by the first `SelectiveRetry` of the stack. To configure it, call
 * `SelectiveRetryHandler.configure(stack, props)` before the first `SelectiveRetry` (or pipeline with
 * `selectiveRetry`) of the stack.
 *
 * @example
 * // in a Stack, before its first SelectiveRetry
 * SelectiveRetryHandler.configure(this, {
 *   memorySize: 512,
 *   timeout: Duration.minutes(2),
 * });
 */
export class SelectiveRetryHandler extends Construct {
  /**
   * Creates the stack's handler with this configuration. Call it before the first `SelectiveRetry` of the stack.
   *
   * @param scope any construct of the stack
   * @param props the configuration
   */
  public static configure(scope: IConstruct, props: SelectiveRetryHandlerProps = {}): SelectiveRetryHandler {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SHARED_ID);
    if (existing instanceof SelectiveRetryHandler) {
      throw new ConstructValidationError(scope, 'SelectiveRetryHandler.AlreadyCreated',
        `the stack's SelectiveRetryHandler was already created, with defaults, for ${existing.createdFor}. Call `
        + 'SelectiveRetryHandler.configure() once per stack, before the first SelectiveRetry (or pipeline with selectiveRetry) '
        + 'of the stack.');
    }
    return new SelectiveRetryHandler(stack, scope.node.path, props);
  }

  /**
   * The handler of the stack of `scope`: the configured one, or one with defaults, created now.
   *
   * @param scope any construct of the stack
   */
  public static of(scope: IConstruct): SelectiveRetryHandler {
    const existing = Stack.of(scope).node.tryFindChild(SHARED_ID);
    return existing instanceof SelectiveRetryHandler ? existing : new SelectiveRetryHandler(Stack.of(scope), scope.node.path, {});
  }

  /** The function. */
  public readonly lambdaFunction: lambda.IFunction;
  /** The function's role. */
  public readonly role: iam.IRole;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /**
   * The stack's shared dead-letter queue: events the function failed on after Lambda's retries, delayed retries the
   * scheduler could not start, and events EventBridge could not deliver for constructs without a queue of their own.
   */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The alarm on the shared dead-letter queue.
   *
   * @default - unless `alarmOnDeadLetterQueue` is false
   */
  public readonly deadLetterQueueAlarm?: cloudwatch.Alarm;

  private readonly handler: lambda.Function;
  private readonly createdFor: string;
  private readonly pipelineStatements: PipelineStatements;
  private readonly configurations: Array<{ parameterName: string; document: HandlerConfigurationDocument }> = [];
  private configurationReads?: iam.PolicyStatement;
  private jobReads?: iam.PolicyStatement;
  private eventPuts?: iam.PolicyStatement;
  private schedulerRole?: iam.Role;
  private readonly deadLetterKeyConsumers = new Set<string>();
  private pipelineCount = 0;

  private constructor(scope: Stack, createdFor: string, props: SelectiveRetryHandlerProps) {
    super(scope, SHARED_ID);
    this.createdFor = createdFor;
    validateProps(this, props);

    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(props.deadLetterQueueEncryptionKey
        ? { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: props.deadLetterQueueEncryptionKey }
        : { encryption: sqs.QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueue = queue;
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logGroupEncryptionKey,
    });
    if (props.logGroupEncryptionKey) allowLogsEncryption(this, props.logGroupEncryptionKey);
    this.logGroup = logGroup;
    // A role of our own, so the function gets write access to its log group only (instead of the
    // AWSLambdaBasicExecutionRole managed policy's logs:* on every log group).
    const role = new iam.Role(this, 'ServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads failed SageMaker pipeline executions and starts selective executions of them',
    });
    this.role = role;
    this.handler = new lambda.Function(this, 'Handler', {
      description: 'Heals failed SageMaker pipeline executions with selective executions (cdk-sagemaker-pipelines)',
      // The newest Node.js runtime the app's aws-cdk-lib knows for the stack's region (Node.js 24 from aws-cdk-lib
      // 2.269.0, our floor, on): cdk-nag's AwsSolutions-L1 asks for the newest runtime of the family. The bundle's
      // esbuild target is older (node22), so it runs on any of them.
      runtime: lambda.determineLatestNodeRuntime(this),
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'assets', 'selective-retry-handler')),
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      tracing: props.tracing,
      // One event at a time (Lambda queues the others): duplicate deliveries of one failure, which SageMaker may
      // send at once, are then handled in turn, and every one after the first finds the retry already started.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
      // Errors the function throws (throttled SageMaker calls) are retried twice by Lambda, then parked here.
      deadLetterQueue: queue,
      retryAttempts: 2,
      environment: {
        // The function reads its allow-list and policies from these parameters only, never from its payload.
        [HANDLER_ENV.configurationParameters]: Lazy.string({ produce: () => this.renderParameterList() }),
        [HANDLER_ENV.configurationDigest]: Lazy.string({ produce: () => this.renderDigest() }),
      },
    });
    this.lambdaFunction = this.handler;
    logGroup.grantWrite(role);
    // Lambda sends to an asynchronous dead-letter queue with the execution role
    // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).
    this.grantDeadLetterKey(role);
    this.pipelineStatements = new PipelineStatements((statement) => this.handler.addToRolePolicy(statement));
    this.node.addValidation({ validate: () => this.validateParameterList() });

    if (props.alarmOnDeadLetterQueue ?? true) {
      this.deadLetterQueueAlarm = queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
        .createAlarm(this, 'DeadLetterQueueAlarm', {
          alarmDescription: 'Events that the stack\'s SelectiveRetry handler could not handle are waiting in its dead-letter queue.',
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
    }

    addNagSuppressions(queue, [
      { id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the SelectiveRetry rule targets and handler.' },
    ]);
    addNagSuppressions(role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Execution ARNs are generated at run time: the handler reads only the executions of the healed pipelines '
        + '(arn:...:pipeline/NAME/execution/*, the pattern of ARNs SageMaker gives them).',
      appliesTo: [{ regex: '/^Resource::.*:pipeline\\/.*\\/execution\\/\\*$/g' }],
    }]);
    if (props.tracing === lambda.Tracing.ACTIVE) {
      addNagSuppressions(role, [{
        id: 'AwsSolutions-IAM5',
        reason: 'X-Ray tracing (asked for with tracing: ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords support no '
          + 'resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).',
        appliesTo: ['Resource::*'],
      }]);
    }
  }

  /**
   * Adds one rendered configuration document: the function may read its parameter, lists it in its environment, and
   * changes its environment (so warm containers drop their caches) when the document changes.
   *
   * @internal
   */
  public _addConfiguration(parameter: ssm.IStringParameter, parameterName: string, document: HandlerConfigurationDocument): void {
    // Exactly the named parameters, and only GetParameters: the handler never lists or writes parameters. A few
    // parameters per statement, so that aws-cdk-lib can spread many over its overflow policies (a managed policy
    // holds 6,144 characters, and one statement is never split).
    if (!this.configurationReads || this.configurations.length % PARAMETERS_PER_STATEMENT === 0) {
      this.configurationReads = new iam.PolicyStatement({ actions: ['ssm:GetParameters'] });
      this.handler.addToRolePolicy(this.configurationReads);
    }
    this.configurationReads.addResources(parameter.parameterArn);
    this.configurations.push({ parameterName, document });
  }

  /**
   * Lets the function read the healed pipeline's executions and start selective executions of it, and nothing more.
   *
   * @internal
   */
  public _allowPipeline(pipeline: IPipeline): void {
    this.pipelineStatements.allow(pipeline);
    if (++this.pipelineCount === MANY_PIPELINES) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:manyPipelines',
        `This stack heals ${MANY_PIPELINES} or more pipelines. The shared handler's role grows with their ARNs (two per pipeline, `
        + 'four when a name has capitals) and aws-cdk-lib spreads it over overflow managed policies: about 90 pipelines with '
        + 'capitalised names fit the default quota of 10 managed policies per role. Beyond that, heal the pipelines from '
        + 'several stacks or raise the quota.');
    }
  }

  /**
   * Lets the function read why the jobs behind failed steps failed.
   *
   * SageMaker Pipelines names the jobs it starts at run time, and no AWS documentation defines that name (observed:
   * `pipelines-<execution id>-<step name>-<random>`) or a tag the jobs are guaranteed to carry, so neither a narrower
   * ARN nor an `aws:ResourceTag` condition can be relied on; the function asks only for the job ARNs the pipeline
   * execution's steps report (ListPipelineExecutionSteps `Metadata`).
   *
   * @internal
   */
  public _allowJobReads(): void {
    if (this.jobReads) return;
    const stack = Stack.of(this);
    this.jobReads = new iam.PolicyStatement({
      actions: ['sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTransformJob'],
      resources: ['processing-job', 'training-job', 'transform-job'].map((resource) =>
        stack.formatArn({ service: 'sagemaker', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
    });
    this.handler.addToRolePolicy(this.jobReads);
    addNagSuppressions(this.role, [{
      id: 'AwsSolutions-IAM5',
      reason: 'Describe{Processing,Training,Transform}Job on the jobs of this account and region: SageMaker Pipelines names '
        + 'the jobs it starts at run time, and AWS documents neither the name pattern nor a tag the jobs carry, so no narrower '
        + 'ARN or tag condition is reliable. The function only reads the jobs a failed execution\'s steps report; the calls '
        + 'return job descriptions, never data.',
      appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:sagemaker:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):(processing|training|transform)-job\\/\\*$/g' }],
    }]);
  }

  /**
   * Lets the function put its decision events on the default bus, with `source` `cdk-sagemaker-pipelines` only:
   * `events:source` is multivalued (one per entry), so every entry must carry it and none may be missing
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html,
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html).
   *
   * @internal
   */
  public _allowPublishEvents(): void {
    if (this.eventPuts) return;
    this.eventPuts = new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      conditions: {
        'ForAllValues:StringEquals': { 'events:source': DECISION_EVENT_SOURCE },
        'Null': { 'events:source': 'false' },
      },
    });
    this.handler.addToRolePolicy(this.eventPuts);
  }

  /**
   * Lets the function publish to the topic: `sns:Publish`, and on a KMS-encrypted topic exactly the two key actions a
   * publisher needs (aws-cdk-lib's `grantPublish` grants `kms:GenerateDataKey*`).
   *
   * @internal
   */
  public _allowNotifications(topic: sns.ITopic): void {
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topic.masterKey) grantProducer(topic.masterKey, this.role);
  }

  /**
   * Lets EventBridge put undeliverable events of a rule into `queue`, encrypted with its key when it has one.
   *
   * @internal
   */
  public _allowEventBridgeDeadLetters(queue: sqs.IQueue): void {
    if (queue.encryptionMasterKey) allowEventBridgeDeadLetters(this, queue.encryptionMasterKey);
  }

  /**
   * Creates, once, what delayed retries need: a schedule group, and a role EventBridge Scheduler assumes to start
   * the selective executions; then lets that role start the given pipelines.
   *
   * @internal
   */
  public _enableDelayedRetries(pipelines: IPipeline[]): void {
    if (!this.schedulerRole) {
      const stack = Stack.of(this);
      const group = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', {});
      this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
        // Confused-deputy protection: only schedules of this account's group may assume the role
        // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnEquals: { 'aws:SourceArn': group.attrArn },
          },
        }),
        description: 'Starts delayed selective retries of SageMaker pipelines',
      });
      // Scheduler sends a schedule's undeliverable invocations to the dead-letter queue with this role
      // (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
      this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
      this.grantDeadLetterKey(this.schedulerRole);
      this.handler.addEnvironment(HANDLER_ENV.schedulerRoleArn, this.schedulerRole.roleArn);
      this.handler.addEnvironment(HANDLER_ENV.scheduleGroup, group.ref);
      this.handler.addEnvironment(HANDLER_ENV.deadLetterQueueArn, this.deadLetterQueue.queueArn);
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [stack.formatArn({
          service: 'scheduler', resource: 'schedule', resourceName: `${group.ref}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        })],
      }));
      // The function may hand this role to EventBridge Scheduler only
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService).
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }));
      addNagSuppressions(this.role, [{
        id: 'AwsSolutions-IAM5',
        reason: 'One-time schedules are named at run time (one per delayed retry): the handler may create them only in the '
          + 'stack\'s own schedule group (schedule/GROUP/*).',
        appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:scheduler:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):schedule\\/<CdkSageMakerPipelinesSelectiveRetryScheduleGroup[0-9A-F]{8}>\\/\\*$/g' }],
      }]);
    }
    for (const pipeline of pipelines) {
      this.schedulerRole.addToPolicy(new iam.PolicyStatement({
        actions: ['sagemaker:StartPipelineExecution'],
        resources: pipelineArnsOf(pipeline),
      }));
    }
  }

  /** Lets a role produce into the shared dead-letter queue when a customer-managed key encrypts it. */
  private grantDeadLetterKey(grantee: iam.IRole): void {
    const key = this.deadLetterQueue.encryptionMasterKey;
    if (!key || this.deadLetterKeyConsumers.has(grantee.node.path)) return;
    this.deadLetterKeyConsumers.add(grantee.node.path);
    grantProducer(key, grantee);
  }

  private renderParameterList(): string {
    return Stack.of(this).toJsonString(this.parameterList());
  }

  /** The configuration parameters' names, compactly: every name starts with the stack's prefix. */
  private parameterList(): ConfigurationParameterList {
    const prefix = configurationParameterPrefix(this);
    return { prefix, names: this.configurations.map((c) => c.parameterName.slice(prefix.length)) };
  }

  /** A digest of the resolved documents (tokens as their CloudFormation expressions). */
  private renderDigest(): string {
    const resolved = Stack.of(this).resolve(this.configurations.map((c) => c.document));
    return createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 32);
  }

  private validateParameterList(): string[] {
    const list = this.parameterList();
    if (Token.isUnresolved(list.prefix)) return []; // a nested stack's name: known at deploy time only
    const duplicated = list.names.filter((name, i) => list.names.indexOf(name) !== i);
    if (duplicated.length > 0) {
      return [`${this.node.path}: two SelectiveRetry constructs of the stack have the same configuration parameter name `
        + `(${list.prefix}${duplicated[0]}): their construct paths hash alike. Give one of them another id. `
        + '[SelectiveRetryHandler.ConfigurationNameClash]'];
    }
    const chars = JSON.stringify(list).length;
    return chars <= MAX_PARAMETER_LIST_CHARS ? [] : [
      `${this.node.path}: the stack has ${list.names.length} SelectiveRetry rule groups; the list of their configuration `
      + `parameters takes ${chars} characters of the function's environment, more than ${MAX_PARAMETER_LIST_CHARS} (Lambda allows `
      + '4 KB for all its variables). Heal the pipelines with fewer SelectiveRetry constructs (one construct heals many '
      + 'pipelines) or from several stacks. [SelectiveRetryHandler.TooManyConfigurations]',
    ];
  }
}

function validateProps(scope: Construct, props: SelectiveRetryHandlerProps): void {
  const memorySize = props.memorySize;
  if (memorySize !== undefined && !Token.isUnresolved(memorySize) && (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240)) {
    throw new ConstructValidationError(scope, 'SelectiveRetryHandler.MemorySize',
      `memorySize must be a whole number of MB from 128 to 10,240 (Lambda's limits); received ${received(memorySize)}.`);
  }
  const timeout = props.timeout;
  if (timeout !== undefined && !timeout.isUnresolved()) {
    const seconds = timeout.toSeconds();
    if (seconds < 1 || seconds > 900) {
      throw new ConstructValidationError(scope, 'SelectiveRetryHandler.Timeout',
        `timeout must be from 1 second to 15 minutes (Lambda's limits); received ${timeout.toHumanString()}.`);
    }
  }
}
