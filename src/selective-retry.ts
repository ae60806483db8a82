import * as path from 'path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IPipeline } from './pipeline';
import { ConstructValidationError, received } from './private/errors';
import { addNagSuppressions } from './private/nag-suppressions';
import { DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_RANGE, SelectiveRetryPolicyInput } from './private/selective-retry-input';

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
   * The queue that receives events the handler could not process (EventBridge delivery failures and handler
   * errors that outlived their retries), so that no failed execution is lost silently.
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
/** EventBridge's limit on a target's input template is 8,192 characters; leave room for the rest of the input. */
const MAX_PIPELINE_NAMES_LENGTH = 6000;

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
  /** The rule that matches the pipelines' Failed execution events. */
  public readonly rule: events.Rule;
  /** The Lambda function that plans and starts the selective executions (one per stack). */
  public readonly handler: lambda.IFunction;
  /** The queue that receives events that could not be handled. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The policy rendered into the rule target's input. */
  private readonly policy: SelectiveRetryPolicyInput;

  constructor(scope: Construct, id: string, props: SelectiveRetryProps) {
    super(scope, id);
    validateProps(this, props);

    const shared = SharedResources.of(this);
    this.handler = shared.handler;
    this.deadLetterQueue = props.deadLetterQueue ?? shared.deadLetterQueue;
    this.policy = {
      version: 1,
      maxAttempts: props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      pipelineNames: props.pipelines.map((p) => p.pipelineName),
    };

    this.rule = new events.Rule(this, 'Rule', {
      description: `Failed executions of the SageMaker pipelines healed by ${this.node.path}`,
      enabled: props.enabled ?? true,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Building Pipeline Execution Status Change'],
        detail: {
          currentPipelineExecutionStatus: ['Failed'],
          // SageMaker has reported pipeline names lower-cased in ARNs (sagemaker-facts.md pitfall 1).
          pipelineArn: props.pipelines.map((p) => ({ 'equals-ignore-case': p.pipelineArn })),
        },
      },
    });
    this.rule.addTarget(new targets.LambdaFunction(this.handler, {
      event: events.RuleTargetInput.fromObject({ event: events.EventField.fromPath('$'), policy: this.policy }),
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.retryAttempts ?? 8,
      maxEventAge: props.maxEventAge ?? Duration.hours(24),
    }));

    for (const pipeline of props.pipelines) this.grantHandler(pipeline);
  }

  /** Lets the handler read the pipeline's executions and start selective executions of it, and nothing more. */
  private grantHandler(pipeline: IPipeline): void {
    const pipelineArns = withLowerCase(pipeline.pipelineArn);
    const executionArns = withLowerCase(pipeline.pipelineExecutionArnPattern);
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: [
        'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutionSteps',
        'sagemaker:DescribePipelineDefinitionForExecution',
        'sagemaker:ListPipelineParametersForExecution',
      ],
      resources: executionArns,
    }));
    this.handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sagemaker:StartPipelineExecution'],
      resources: pipelineArns,
    }));
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
      reason: 'Execution IDs are generated by SageMaker at run time: the handler may read only the executions of the healed '
        + 'pipelines (pipeline/NAME/execution/*), and write only to its own log group\'s streams.',
      appliesTo: [
        { regex: '/^Resource::.*:pipeline\\/.*\\/execution\\/\\*$/g' },
        { regex: '/^Resource::<CdkSageMakerPipelinesSelectiveRetryLogGroup.*\\.Arn>:\\*$/g' },
      ],
    }]);
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
  const namesLength = props.pipelines.reduce((sum, p) => sum + (Token.isUnresolved(p.pipelineName) ? 64 : p.pipelineName.length + 3), 0);
  if (namesLength > MAX_PIPELINE_NAMES_LENGTH) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.TooManyPipelines',
      `pipelines has ${props.pipelines.length} pipelines whose names take about ${namesLength} characters of the rule target's input, `
      + `more than the ${MAX_PIPELINE_NAMES_LENGTH} that fit in EventBridge's 8,192-character input. Split them across several `
      + 'SelectiveRetry constructs; they share one function.');
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

/** The ARN and, when it differs and is known at synth time, its lower-cased form (SageMaker's ARN casing varies). */
function withLowerCase(arn: string): string[] {
  if (Token.isUnresolved(arn)) {
    // formatArn gives a token for partition/region/account but keeps the resource name as text; lower-case that part.
    return withLowerCaseResource(arn);
  }
  const lower = arn.toLowerCase();
  return lower === arn ? [arn] : [arn, lower];
}

function withLowerCaseResource(arn: string): string[] {
  const marker = ':pipeline/';
  const at = arn.indexOf(marker);
  if (at < 0) return [arn];
  const resource = arn.slice(at + marker.length);
  if (Token.isUnresolved(resource)) return [arn];
  const lower = arn.slice(0, at + marker.length) + resource.toLowerCase();
  return lower === arn ? [arn] : [arn, lower];
}
