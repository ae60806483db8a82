import { Annotations, ArnFormat, Lazy, Names, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { PipelineDefinition } from './pipeline-definition';
import { ConstructValidationError, received } from './private/errors';
import { addNagSuppressions } from './private/nag-suppressions';
import { SelectiveRetry, SelectiveRetryOptions } from './selective-retry';

/**
 * A SageMaker pipeline, defined in this app or imported.
 *
 * Extends aws-cdk-lib's `aws_sagemaker.IPipeline`, so it can be used wherever aws-cdk-lib expects one (for example
 * the EventBridge Scheduler target `SageMakerStartPipelineExecution`).
 */
export interface IPipeline extends sagemaker.IPipeline {
  /**
   * The ARN of the pipeline's executions, `arn:…:pipeline/NAME/execution/*`, for IAM policies.
   *
   * @attribute
   */
  readonly pipelineExecutionArnPattern: string;

  /**
   * Grants the given identity the given actions on this pipeline and its executions.
   *
   * @param grantee the principal
   * @param actions the IAM actions, e.g. `sagemaker:DescribePipeline`
   */
  grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant;

  /**
   * Grants read access: describe the pipeline, its definition and its executions, and list executions, their
   * steps and their parameters.
   *
   * @param grantee the principal
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /**
   * Heals this pipeline: when one of its executions fails, a selective execution re-runs the failed steps and
   * everything downstream, reusing what succeeded.
   *
   * @param options the retry policy
   * @returns the construct that does it, created in this pipeline's scope with the id `SelectiveRetry`
   */
  enableSelectiveRetry(options?: SelectiveRetryOptions): SelectiveRetry;
}

/** The IAM actions of `grantRead`. */
const READ_ACTIONS = [
  'sagemaker:DescribePipeline',
  'sagemaker:DescribePipelineDefinitionForExecution',
  'sagemaker:DescribePipelineExecution',
  'sagemaker:ListPipelineExecutions',
  'sagemaker:ListPipelineExecutionSteps',
  'sagemaker:ListPipelineParametersForExecution',
  'sagemaker:ListPipelineVersions',
];

/**
 * SageMaker pipeline names: 1-256 characters, letters, digits and single or repeated hyphens, starting and ending
 * with a letter or digit (API_CreatePipeline `PipelineName` pattern `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}`).
 */
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

/** Shared implementation of owned and imported pipelines. */
abstract class PipelineBase extends Resource implements IPipeline {
  /** The ARN of the pipeline. */
  public abstract readonly pipelineArn: string;
  /** The name of the pipeline. */
  public abstract readonly pipelineName: string;

  /**
   * A reference to this pipeline, its name, in the form aws-cdk-lib's constructs accept one (`IPipelineRef`).
   */
  public get pipelineRef(): sagemaker.PipelineReference {
    return { pipelineName: this.pipelineName };
  }

  /** The ARN pattern of the pipeline's executions, `arn:…:pipeline/NAME/execution/*`. */
  public get pipelineExecutionArnPattern(): string {
    return `${this.pipelineArn}/execution/*`;
  }

  /**
   * Grants the given identity the given actions on this pipeline and its executions.
   *
   * @param grantee the principal
   * @param actions the IAM actions, e.g. `sagemaker:DescribePipeline`
   */
  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.pipelineArn, this.pipelineExecutionArnPattern],
    });
  }

  /**
   * Grants read access to the pipeline and its executions, their steps and their parameters.
   *
   * @param grantee the principal
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ...READ_ACTIONS);
  }

  /**
   * Grants the right to start executions of this pipeline.
   *
   * @param grantee the principal
   */
  public grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:StartPipelineExecution'],
      resourceArns: [this.pipelineArn],
    });
  }

  /**
   * Heals this pipeline with a `SelectiveRetry` created in its scope (id `SelectiveRetry`).
   *
   * @param options the retry policy
   */
  public enableSelectiveRetry(options: SelectiveRetryOptions = {}): SelectiveRetry {
    return new SelectiveRetry(this, 'SelectiveRetry', { ...options, pipelines: [this] });
  }
}

/** Properties of a pipeline. */
export interface PipelineProps {
  /** The pipeline's definition: DSL steps (`PipelineDefinition.fromSteps`), JSON or a file. */
  readonly definition: PipelineDefinition;
  /**
   * The pipeline's name: 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit.
   *
   * @default - a unique name generated from the construct path
   */
  readonly pipelineName?: string;
  /**
   * The name shown in SageMaker Studio (same rules as the name).
   *
   * @default - none
   */
  readonly displayName?: string;
  /**
   * A description, at most 3,072 characters.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * The role SageMaker assumes to run the pipeline's steps.
   *
   * The permissions the steps need are added to it; for an imported immutable role, grant them yourself.
   *
   * @default - a role is created with exactly the permissions the steps need: starting, describing and stopping
   * their jobs, passing the job roles to SageMaker, invoking Lambda functions, sending to callback queues. For a
   * definition read from S3 (`fromBucket`, `fromS3Location`) the steps are not known at synth time: pass a role.
   */
  readonly role?: iam.IRole;
  /**
   * The most steps of one execution that run at the same time (`ParallelismConfiguration.MaxParallelExecutionSteps`).
   *
   * @default - SageMaker's default (50)
   */
  readonly maxParallelExecutionSteps?: number;
  /**
   * Heal the pipeline: when an execution fails, re-run the failed steps and everything downstream as a selective
   * execution, reusing what succeeded. Same as calling `enableSelectiveRetry(options)`.
   *
   * @default - not healed
   */
  readonly selectiveRetry?: SelectiveRetryOptions;
  /**
   * Tags of the pipeline. `Tags.of(pipeline).add(...)` works too.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * An Amazon SageMaker pipeline (`AWS::SageMaker::Pipeline`).
 *
 * ```ts
 * new Pipeline(this, 'Pipeline', { definition: PipelineDefinition.fromSteps([preprocess, train, check]) });
 * ```
 *
 * The definition is validated at synth time (step names, references, cycles, Fail-step dependencies, parameters,
 * size). Use the static `fromPipelineName` / `fromPipelineArn` methods to use a pipeline deployed elsewhere (for
 * example with the SageMaker Python SDK), e.g. to heal it with `SelectiveRetry`.
 */
export class Pipeline extends PipelineBase implements iam.IGrantable {
  /**
   * Imports a pipeline of this stack's account and region by name.
   *
   * @param scope the scope of the imported construct
   * @param id its construct id
   * @param pipelineName the pipeline's name, e.g. `abalone-pipeline`
   */
  public static fromPipelineName(scope: Construct, id: string, pipelineName: string): IPipeline {
    const stack = Stack.of(scope);
    const pipelineArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: pipelineName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const imported = new ImportedPipeline(scope, id, pipelineName, pipelineArn);
    validatePipelineName(imported, 'pipelineName', pipelineName);
    return imported;
  }

  /**
   * Imports a pipeline by ARN, possibly of another account or region.
   *
   * @param scope the scope of the imported construct
   * @param id its construct id
   * @param pipelineArn `arn:${Partition}:sagemaker:${Region}:${Account}:pipeline/${PipelineName}`
   */
  public static fromPipelineArn(scope: Construct, id: string, pipelineArn: string): IPipeline {
    const stack = Stack.of(scope);
    if (!Token.isUnresolved(pipelineArn)) {
      const parts = pipelineArnParts(pipelineArn);
      if (!parts) {
        throw new ConstructValidationError(scope, 'Pipeline.PipelineArn',
          'pipelineArn must be a SageMaker pipeline ARN of the form arn:<partition>:sagemaker:<region>:<account>:pipeline/<name>; '
          + `received ${received(pipelineArn)}. Pass the ARN of the pipeline itself, not of one of its executions.`, id);
      }
      const imported = new ImportedPipeline(scope, id, parts.name, pipelineArn);
      validatePipelineName(imported, 'pipelineArn', parts.name);
      return imported;
    }
    const name = stack.splitArn(pipelineArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    return new ImportedPipeline(scope, id, name, pipelineArn);
  }

  /** The name of the pipeline. */
  public readonly pipelineName: string;
  /** The ARN of the pipeline, built with `Stack.formatArn` (the resource has no ARN attribute). */
  public readonly pipelineArn: string;
  /** The role SageMaker assumes to run the steps. */
  public readonly role: iam.IRole;
  /** The principal of the role, to grant it more. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The definition this pipeline was created with. */
  public readonly definition: PipelineDefinition;
  private readonly resource: sagemaker.CfnPipeline;

  /**
   * @param scope the scope
   * @param id the construct id
   * @param props the definition and settings
   */
  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id, {
      physicalName: props.pipelineName ?? Lazy.string({ produce: () => generatePipelineName(this) }),
    });
    if (props.pipelineName !== undefined) validatePipelineName(this, 'pipelineName', props.pipelineName);
    if (props.displayName !== undefined) validatePipelineName(this, 'displayName', props.displayName, 'Pipeline.DisplayName');
    if (props.description !== undefined && !Token.isUnresolved(props.description) && props.description.length > 3072) {
      throw new ConstructValidationError(this, 'Pipeline.Description',
        `description must be at most 3,072 characters; received ${props.description.length}. Shorten it.`);
    }
    if (props.maxParallelExecutionSteps !== undefined && !Token.isUnresolved(props.maxParallelExecutionSteps)
      && (!Number.isInteger(props.maxParallelExecutionSteps) || props.maxParallelExecutionSteps < 1)) {
      throw new ConstructValidationError(this, 'Pipeline.MaxParallelExecutionSteps',
        `maxParallelExecutionSteps must be an integer of at least 1; received ${received(props.maxParallelExecutionSteps)}.`);
    }

    this.definition = props.definition;
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: sageMakerPrincipalOfThisAccount(this),
      description: `Runs the steps of SageMaker pipeline ${this.node.path}`,
    });
    this.grantPrincipal = this.role;

    const config = props.definition.bind(this);
    for (const statement of config.policyStatements ?? []) this.role.addToPrincipalPolicy(statement);
    if (!props.role) acknowledgeGeneratedNames(this.role);
    if (config.stepsKnown === false && props.role === undefined) {
      Annotations.of(this).addWarningV2('cdk-sagemaker-pipelines:roleForS3Definition',
        'The definition is read from S3 at deploy time, so the permissions its steps need are unknown and the created role '
        + 'can only read the definition. Pass `role` (or add statements with addToRolePolicy) so that the steps can run.');
    }

    this.resource = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: this.physicalName,
      pipelineDisplayName: props.displayName,
      pipelineDescription: props.description,
      roleArn: this.role.roleArn,
      pipelineDefinition: config.pipelineDefinition,
      parallelismConfiguration: props.maxParallelExecutionSteps !== undefined
        ? { MaxParallelExecutionSteps: props.maxParallelExecutionSteps } // typed `any`: PascalCase, like pipelineDefinition
        : undefined,
      tags: props.tags ? Object.entries(props.tags).map(([key, value]) => ({ key, value })) : undefined,
    });
    // Create the role and its policy first, so an execution started right after the deployment has its permissions.
    this.resource.node.addDependency(this.role);

    this.pipelineName = this.getResourceNameAttribute(this.resource.ref);
    this.pipelineArn = this.getResourceArnAttribute(
      Stack.of(this).formatArn({
        service: 'sagemaker',
        resource: 'pipeline',
        resourceName: this.resource.ref,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
      {
        service: 'sagemaker',
        resource: 'pipeline',
        resourceName: this.physicalName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
    );

    this.node.addValidation({ validate: () => props.definition._validate() });

    if (props.selectiveRetry) this.enableSelectiveRetry(props.selectiveRetry);
  }

  /**
   * Grants the given identity the right to complete this pipeline's Callback steps
   * (`SendPipelineExecutionStepSuccess` / `SendPipelineExecutionStepFailure` on its executions), e.g. the worker
   * that consumes the callback queue.
   *
   * @param grantee the principal
   */
  public grantSendCallbackResult(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:SendPipelineExecutionStepSuccess', 'sagemaker:SendPipelineExecutionStepFailure'],
      resourceArns: [this.pipelineExecutionArnPattern],
    });
  }

  /**
   * Adds a statement to the pipeline role's policy, e.g. for a `CustomStep` whose needs this library cannot infer.
   *
   * @param statement the statement
   */
  public addToRolePolicy(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }
}

/**
 * SageMaker as the principal that assumes the pipeline role, limited to SageMaker resources of this account and
 * region (cross-service confused-deputy prevention:
 * https://docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html). The same role is
 * assumed on behalf of the pipeline's executions and, when steps pass it, of their jobs (`processing-job/...`,
 * `training-job/...`, ...), each with its own source ARN, so `aws:SourceArn` matches any SageMaker resource of the
 * account and region rather than one resource type; `aws:SourceAccount` pins the account as the page recommends.
 */
function sageMakerPrincipalOfThisAccount(scope: Construct): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('sagemaker.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'sagemaker', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) },
    },
  });
}

/**
 * SageMaker Pipelines names the jobs and models its steps create at run time (a maintainer: pipeline-created
 * resources "are given names generated by the pipeline execution to avoid name collision",
 * https://github.com/aws/sagemaker-python-sdk/issues/2122), so the role's statements on them name every resource of
 * that type in this account and region: the narrowest ARN the Service Authorization Reference allows for these
 * actions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html).
 * cdk-nag AwsSolutions-IAM5 reports each such wildcard; we acknowledge exactly these ARNs, and only on roles we create.
 */
const GENERATED_NAME_RESOURCES = [
  'processing-job', 'training-job', 'hyper-parameter-tuning-job', 'automl-job', 'transform-job', 'model', 'model-package',
];

function acknowledgeGeneratedNames(role: iam.IRole): void {
  const stack = Stack.of(role);
  addNagSuppressions(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'SageMaker Pipelines generates the names of the jobs and models a pipeline execution creates '
      + '(https://github.com/aws/sagemaker-python-sdk/issues/2122), so the pipeline role may act on any resource of '
      + 'those types in this account and region, the narrowest ARN the Service Authorization Reference allows '
      + '(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html).',
    appliesTo: GENERATED_NAME_RESOURCES.map((resource) => `Resource::${stack.formatArn({
      service: 'sagemaker', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    })}`),
  }]);
}

/** A unique pipeline name from the construct path, within SageMaker's pattern (letters, digits, hyphens). */
function generatePipelineName(scope: Construct): string {
  const name = Names.uniqueResourceName(scope, { maxLength: 256, separator: '-' })
    .replace(/[^A-Za-z0-9-]/g, '')
    .replace(/^-+|-+$/g, '');
  return name.length > 0 ? name : 'Pipeline';
}

class ImportedPipeline extends PipelineBase {
  public readonly pipelineName: string;
  public readonly pipelineArn: string;

  constructor(scope: Construct, id: string, pipelineName: string, pipelineArn: string) {
    super(scope, id, { environmentFromArn: pipelineArn });
    this.pipelineName = pipelineName;
    this.pipelineArn = pipelineArn;
  }
}

/** Splits a resolved pipeline ARN, or returns undefined when it is not one. */
function pipelineArnParts(arn: string): { name: string; account: string; region: string } | undefined {
  const match = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]*):([0-9]{12}):pipeline\/([^/]+)$/.exec(arn);
  return match ? { region: match[1], account: match[2], name: match[3] } : undefined;
}

/** Throws a construct-path error when a resolved pipeline name breaks SageMaker's naming rule. */
function validatePipelineName(scope: Construct, prop: string, name: string, code = 'Pipeline.PipelineName'): void {
  if (Token.isUnresolved(name)) return;
  if (!PIPELINE_NAME.test(name)) {
    throw new ConstructValidationError(scope, code,
      `${prop} must name a SageMaker pipeline: 1 to 256 letters, digits and hyphens, starting and ending with a letter `
      + `or digit (no underscores or dots); received ${received(name)}.`);
  }
}
