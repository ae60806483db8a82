import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { compact, mergeArguments } from '../private/dsl/merge';
import { StepPropertyExpression } from '../private/dsl/references';
import { ConstructValidationError, received } from '../private/errors';

/**
 * The `Type` of a step in the pipeline definition.
 *
 * An open set: SageMaker adds step types over time, so use `StepType.of('NewType')` (with a `CustomStep`) for one
 * this library does not know yet. Values from the SageMaker Python SDK's `StepTypeEnum`
 * (`sagemaker/workflow/steps.py`).
 */
export class StepType {
  /** A processing job. */
  public static readonly PROCESSING = new StepType('Processing');
  /** A training job (also used by notebook jobs and `@step` functions). */
  public static readonly TRAINING = new StepType('Training');
  /** A hyperparameter tuning job. */
  public static readonly TUNING = new StepType('Tuning');
  /** An AutoML job. */
  public static readonly AUTOML = new StepType('AutoML');
  /** Creates a SageMaker model. */
  public static readonly MODEL = new StepType('Model');
  /** Registers a model package version in a model package group. */
  public static readonly REGISTER_MODEL = new StepType('RegisterModel');
  /** A batch transform job. */
  public static readonly TRANSFORM = new StepType('Transform');
  /** Evaluates conditions and runs one of two branches. */
  public static readonly CONDITION = new StepType('Condition');
  /** Stops the execution with a failure. */
  public static readonly FAIL = new StepType('Fail');
  /** Invokes an AWS Lambda function. */
  public static readonly LAMBDA = new StepType('Lambda');
  /** Sends a message to an SQS queue and waits for a callback. */
  public static readonly CALLBACK = new StepType('Callback');
  /** A SageMaker Clarify check (bias or explainability). */
  public static readonly CLARIFY_CHECK = new StepType('ClarifyCheck');
  /** A data or model quality check. */
  public static readonly QUALITY_CHECK = new StepType('QualityCheck');
  /** An Amazon EMR step. */
  public static readonly EMR = new StepType('EMR');

  /**
   * A step type by its definition string.
   *
   * @param value e.g. `EndpointConfig`
   */
  public static of(value: string): StepType {
    return new StepType(value);
  }

  /** The `Type` string, e.g. `Processing`. */
  public readonly value: string;

  /** @param value the `Type` string */
  private constructor(value: string) {
    this.value = value;
  }

  /** The `Type` string. */
  public toString(): string {
    return this.value;
  }
}

/**
 * The failure classes a step retry policy can retry, as named in the definition's `RetryPolicies[].ExceptionType`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html
 */
export enum StepExceptionType {
  /** An internal error of the Pipelines service. Retried by default; a policy overrides the default. */
  SERVICE_FAULT = 'Step.SERVICE_FAULT',
  /** Throttling by the Pipelines service. Retried by default; a policy overrides the default. */
  THROTTLING = 'Step.THROTTLING',
  /** An internal error of the job. Never retried for Tuning and AutoML steps, even with a policy. */
  JOB_INTERNAL_ERROR = 'SageMaker.JOB_INTERNAL_ERROR',
  /** Not enough capacity to start the job. */
  CAPACITY_ERROR = 'SageMaker.CAPACITY_ERROR',
  /** A resource limit (quota) was hit. */
  RESOURCE_LIMIT = 'SageMaker.RESOURCE_LIMIT',
}

/**
 * How SageMaker retries a step that failed (the step's `RetryPolicies`).
 *
 * Named `StepRetryPolicy` to tell it from this library's selective retry of whole executions. Set either
 * `maxAttempts` or `expireAfter`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-retry-policy.html
 */
export interface StepRetryPolicy {
  /** The failures this policy retries. */
  readonly exceptionTypes: StepExceptionType[];
  /**
   * The wait before the first retry.
   *
   * @default Duration.seconds(1)
   */
  readonly interval?: Duration;
  /**
   * The factor by which the wait grows after each retry.
   *
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * The maximum number of attempts, 1 to 20.
   *
   * @default - limited by `expireAfter` instead
   */
  readonly maxAttempts?: number;
  /**
   * How long to keep retrying, at most 14,400 minutes (10 days); whole minutes.
   *
   * @default - limited by `maxAttempts` instead
   */
  readonly expireAfter?: Duration;
}

/**
 * Step caching: reuse the result of a previous successful run of the same step with the same arguments.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-caching.html
 */
export interface CacheConfig {
  /**
   * Whether caching is on.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How long a cached result may be reused; rendered as an ISO 8601 duration (`P30D`).
   *
   * @default - SageMaker's default expiry
   */
  readonly expireAfter?: Duration;
}

/** Properties common to all steps. */
export interface StepProps {
  /**
   * The step's name in the definition (`Name`), `^[A-Za-z0-9\-_]{1,64}$`. Step names of the SageMaker Python SDK
   * such as `AbaloneRegisterModel-RegisterModel` are allowed.
   *
   * @default - the construct id
   */
  readonly stepName?: string;
  /**
   * The name shown in SageMaker Studio (`DisplayName`).
   *
   * @default - none
   */
  readonly displayName?: string;
  /**
   * A description of the step (`Description`).
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Steps this one must wait for although it uses none of their outputs (`DependsOn`). Using a step's output (a
   * property reference) creates the dependency by itself.
   *
   * @default - only the dependencies implied by references
   */
  readonly dependsOn?: Step[];
}

/** Properties of steps that support step retry policies. */
export interface RetryableStepProps extends StepProps {
  /**
   * How SageMaker retries the step when it fails.
   *
   * @default - SageMaker's default: only service faults and throttling are retried
   */
  readonly retryPolicies?: StepRetryPolicy[];
}

/** Properties of steps that support caching. */
export interface CacheableStepProps extends StepProps {
  /**
   * Step caching.
   *
   * @default - no caching
   */
  readonly cache?: CacheConfig;
}

/** Step names allowed by the definition schema. */
const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * A step of a SageMaker pipeline.
 *
 * A step is a construct: create it in any scope, then pass it (or the Condition step that holds it) to
 * `PipelineDefinition.fromSteps`. Subclasses implement `toStepJson()` with the protected `renderXxx()` helpers.
 */
export abstract class Step extends Construct {
  /** The step's name in the definition. */
  public readonly stepName: string;
  /** The step's `Type`. */
  public readonly stepType: StepType;
  /** The name shown in SageMaker Studio, if set. */
  public readonly displayName?: string;
  /** The step's description, if set. */
  public readonly description?: string;

  private readonly explicitDependencies: Step[] = [];
  private readonly policyStatements: iam.PolicyStatement[] = [];
  private owner?: IConstruct;

  /**
   * @param scope the scope
   * @param id the construct id (also the default step name)
   * @param stepType the step's `Type`
   * @param props the common step properties
   */
  protected constructor(scope: Construct, id: string, stepType: StepType, props: StepProps = {}) {
    super(scope, id);
    this.stepName = props.stepName ?? id;
    this.stepType = stepType;
    this.displayName = props.displayName;
    this.description = props.description;
    if (Token.isUnresolved(this.stepName) || !STEP_NAME.test(this.stepName)) {
      throw new ConstructValidationError(this, 'Step.StepName',
        'stepName must be 1 to 64 letters, digits, \'-\' or \'_\' (^[A-Za-z0-9\\-_]{1,64}$), written literally; '
        + `received ${received(this.stepName)}. Pass a valid stepName (or a construct id that is one).`);
    }
    this.addDependsOn(...(props.dependsOn ?? []));
  }

  /** The steps this one explicitly depends on (`DependsOn`). */
  public get dependsOn(): Step[] {
    return [...this.explicitDependencies];
  }

  /**
   * Makes this step wait for other steps (`DependsOn`) although it uses none of their outputs.
   *
   * @param steps the steps to wait for
   */
  public addDependsOn(...steps: Step[]): void {
    if (this.owner) {
      throw new ConstructValidationError(this, 'Step.DependsOn',
        `step "${this.stepName}" is already part of pipeline ${this.owner.node.path}, whose definition is rendered when the `
        + 'pipeline is created. Add dependencies (dependsOn or addDependsOn) before creating the Pipeline.');
    }
    for (const step of steps) {
      if (step === this) {
        throw new ConstructValidationError(this, 'Step.DependsOn',
          `step "${this.stepName}" cannot depend on itself. Remove it from its own dependsOn.`);
      }
      if (!this.explicitDependencies.includes(step)) this.explicitDependencies.push(step);
    }
  }

  /**
   * A reference to a property of this step's result, for paths this library has no typed accessor for.
   * Using it in another step creates the data dependency.
   *
   * @param path the property path after `Steps.<name>.`, e.g. `ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`
   * @returns a string token rendering as `{"Get": "Steps.<name>.<path>"}`
   */
  public property(path: string): string {
    return new StepPropertyExpression(this, path).asString();
  }

  /**
   * Like `property`, as a number token, for numeric props.
   *
   * @param path the property path after `Steps.<name>.`
   */
  public propertyAsNumber(path: string): number {
    return new StepPropertyExpression(this, path).asNumber();
  }

  /**
   * Renders the step's object for the definition's `Steps` list (or a Condition branch). References are still
   * tokens here; the definition renderer turns them into `{"Get": ...}` objects.
   */
  public abstract toStepJson(): any;

  /**
   * The steps nested in this step (a Condition's branches), rendered inside it rather than at the top level.
   *
   * @internal
   */
  public _nestedSteps(): Step[] {
    return [];
  }

  /**
   * The IAM statements the pipeline's role needs for this step beyond what its rendered JSON implies.
   *
   * @internal
   */
  public _policyStatements(): iam.PolicyStatement[] {
    return [...this.policyStatements];
  }

  /**
   * Records the pipeline this step belongs to; a step belongs to one pipeline.
   *
   * @internal
   */
  public _bindToPipeline(pipeline: IConstruct): void {
    if (this.owner && this.owner !== pipeline) {
      throw new ConstructValidationError(pipeline, 'Step.OnePipeline',
        `step "${this.stepName}" (${this.node.path}) is already part of pipeline ${this.owner.node.path}; a step `
        + 'belongs to one pipeline. Create a second step for the second pipeline.');
    }
    this.owner = pipeline;
  }

  /**
   * Adds a statement to the pipeline role's policy when this step is part of a pipeline.
   *
   * @param statement the statement, e.g. `lambda:InvokeFunction` on a function
   */
  protected registerPolicyStatement(statement: iam.PolicyStatement): void {
    this.policyStatements.push(statement);
  }

  /**
   * Renders the step object: `Name`, `Type`, `Arguments`, `DependsOn`, `DisplayName`, `Description`, then `extra`.
   *
   * @param args the step's `Arguments` (omitted when undefined)
   * @param extra further top-level fields (`CacheConfig`, `RetryPolicies`, `PropertyFiles`, ...)
   */
  protected renderStep(args: any, extra: Record<string, any> = {}): any {
    const dependsOn = this.explicitDependencies.map((s) => s.stepName);
    return compact({
      Name: this.stepName,
      Type: this.stepType.value,
      Arguments: args,
      DependsOn: dependsOn.length > 0 ? dependsOn : undefined,
      DisplayName: this.displayName,
      Description: this.description,
      ...compact(extra),
    });
  }

  /**
   * Applies the raw-arguments escape hatch: deep-merges `overrides` into the typed `Arguments`.
   *
   * @param args the typed arguments
   * @param overrides the user's `additionalArguments`
   */
  protected renderArguments(args: any, overrides?: { [key: string]: any }): any {
    return mergeArguments(args, overrides);
  }

  /**
   * Renders `CacheConfig`, or undefined.
   *
   * @param cache the cache configuration
   */
  protected renderCacheConfig(cache?: CacheConfig): any {
    if (!cache) return undefined;
    return compact({
      Enabled: cache.enabled ?? true,
      ExpireAfter: cache.expireAfter?.toIsoString(),
    });
  }

  /**
   * Renders `RetryPolicies`, or undefined.
   *
   * @param policies the step retry policies
   */
  protected renderRetryPolicies(policies?: StepRetryPolicy[]): any {
    if (!policies || policies.length === 0) return undefined;
    return policies.map((p) => compact({
      ExceptionType: p.exceptionTypes,
      IntervalSeconds: (p.interval ?? Duration.seconds(1)).toSeconds(),
      BackoffRate: p.backoffRate ?? 2,
      MaxAttempts: p.maxAttempts,
      ExpireAfterMin: p.expireAfter?.toMinutes(),
    }));
  }

  /**
   * Validates step retry policies eagerly (limits from the SageMaker Python SDK's `retry.py`).
   *
   * @param policies the policies to check
   */
  protected validateRetryPolicies(policies?: StepRetryPolicy[]): void {
    (policies ?? []).forEach((p, i) => {
      const where = `retryPolicies[${i}]`;
      const fail = (message: string) => {
        throw new ConstructValidationError(this, 'Step.RetryPolicy', `${where}: ${message}`);
      };
      if (p.exceptionTypes.length === 0) {
        fail('exceptionTypes is empty. List the StepExceptionType values to retry, e.g. [StepExceptionType.CAPACITY_ERROR].');
      }
      if (p.maxAttempts !== undefined && p.expireAfter !== undefined) {
        fail(`set either maxAttempts or expireAfter, not both; received maxAttempts ${p.maxAttempts} and expireAfter `
          + `${p.expireAfter.toHumanString()}. Remove one.`);
      }
      if (p.maxAttempts === undefined && p.expireAfter === undefined) {
        fail('set maxAttempts (1 to 20) or expireAfter (up to 14,400 minutes) to bound the retries.');
      }
      if (p.maxAttempts !== undefined && !Token.isUnresolved(p.maxAttempts)
        && (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 || p.maxAttempts > 20)) {
        fail(`maxAttempts must be an integer from 1 to 20; received ${p.maxAttempts}.`);
      }
      if (p.expireAfter !== undefined) {
        const minutes = p.expireAfter.toMinutes({ integral: false });
        if (!Number.isInteger(minutes) || minutes < 0 || minutes > 14400) {
          fail(`expireAfter must be whole minutes from 0 to 14,400 (10 days); received ${p.expireAfter.toHumanString()}.`);
        }
      }
      if (p.backoffRate !== undefined && p.backoffRate < 0) fail(`backoffRate must not be negative; received ${p.backoffRate}.`);
      if (p.interval !== undefined && p.interval.toSeconds({ integral: false }) < 0) {
        fail(`interval must not be negative; received ${p.interval.toHumanString()}.`);
      }
    });
  }
}
