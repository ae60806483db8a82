import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { DefinitionProblem, formatProblem } from './kernel/problems';
import { Parameter } from './parameters';
import { derivePolicyStatements } from './private/dsl/permissions';
import { RenderContext, renderDslValue } from './private/dsl/references';
import { AnalysedDefinition, analyseDefinition } from './private/dsl/analysis';
import { RenderedSteps, renderSteps } from './private/dsl/render';
import { validateDefinition } from './private/dsl/validate';
import { ConstructValidationError } from './private/errors';
import { Step } from './steps/step';

/** Where the rendered definition goes. */
export enum PipelineDefinitionStorage {
  /**
   * Inline (`PipelineDefinitionBody`), unless it is larger than 100 KiB and has no CDK tokens, then an S3 asset.
   */
  AUTO = 'AUTO',
  /** Always inline in the template (`PipelineDefinitionBody`). CDK tokens are resolved by CloudFormation. */
  INLINE = 'INLINE',
  /**
   * Always an S3 asset (`PipelineDefinitionS3Location`). The definition must not contain CDK tokens (such as the
   * ARN of a role created in the same app), because an uploaded file is not resolved by CloudFormation.
   */
  S3_ASSET = 'S3_ASSET',
}

/** Options of every definition source. */
export interface PipelineDefinitionOptions {
  /**
   * Where the rendered definition goes.
   *
   * @default PipelineDefinitionStorage.AUTO
   */
  readonly storage?: PipelineDefinitionStorage;
}

/** Options of `PipelineDefinition.fromSteps`. */
export interface PipelineDefinitionFromStepsOptions extends PipelineDefinitionOptions {
  /**
   * Parameters to declare even if no step uses them (the ones steps use are declared automatically), in this order.
   *
   * @default - only the parameters the steps use
   */
  readonly parameters?: Parameter[];
  /**
   * The experiment executions are tracked under (`PipelineExperimentConfig.ExperimentName`).
   *
   * @default - the pipeline's name (`Execution.PipelineName`), like the SageMaker Python SDK
   */
  readonly experimentName?: string;
  /**
   * The trial of each execution (`PipelineExperimentConfig.TrialName`).
   *
   * @default - the execution id (`Execution.PipelineExecutionId`), like the SageMaker Python SDK
   */
  readonly trialName?: string;
  /**
   * Leave out `PipelineExperimentConfig`: executions are not tracked as experiments.
   *
   * @default false
   */
  readonly disableExperimentTracking?: boolean;
}

/** Where a definition stored in S3 is. */
export interface PipelineDefinitionS3Location {
  /** The bucket's name. */
  readonly bucket: string;
  /** The object's key. */
  readonly key: string;
  /**
   * The object's version.
   *
   * @default - the latest version
   */
  readonly version?: string;
}

/** What a definition gives the pipeline it is bound to. */
export interface PipelineDefinitionConfig {
  /**
   * The value of `AWS::SageMaker::Pipeline`'s `PipelineDefinition` property:
   * `{ PipelineDefinitionBody }` or `{ PipelineDefinitionS3Location: { Bucket, Key, Version } }`.
   */
  readonly pipelineDefinition: any;
  /**
   * The statements the pipeline's role needs to run the steps.
   *
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];
  /**
   * Whether the steps are known at synth time, so that `policyStatements` covers what they need. False for a
   * definition read from S3 at deploy time.
   *
   * @default true
   */
  readonly stepsKnown?: boolean;
}

/**
 * The definition of a pipeline: its parameters and steps.
 *
 * Build it with the step DSL (`fromSteps`), or from JSON such as the SageMaker Python SDK's
 * `pipeline.definition()` (`fromJson`, `fromFile`), or point at one in S3 (`fromBucket`).
 */
export abstract class PipelineDefinition {
  /**
   * Definitions of at least this many UTF-8 bytes (100 KiB) go to S3 under `PipelineDefinitionStorage.AUTO`: the
   * threshold at which the SageMaker Python SDK uploads a definition to S3 (`sagemaker/workflow/pipeline.py`). It also
   * keeps big definitions from bloating the CloudFormation template.
   */
  public static readonly INLINE_DEFINITION_LIMIT_BYTES: number = 100 * 1024;

  /**
   * A definition built from DSL steps.
   *
   * List the top-level steps; steps inside a ConditionStep's branches are rendered inside it. Parameters used by
   * the steps are declared automatically.
   *
   * @param steps the top-level steps, in the order they should appear
   * @param options parameters, experiment tracking and storage
   */
  public static fromSteps(steps: Step[], options: PipelineDefinitionFromStepsOptions = {}): PipelineDefinition {
    return new StepsDefinition(steps, options);
  }

  /**
   * A definition given as JSON: an object, or a string holding it.
   *
   * Typed `any` because raw definition JSON is the point: the `{"Version": "2020-12-01", "Parameters": [...],
   * "Steps": [...]}` object (for example the SageMaker Python SDK's `pipeline.definition()`), or its text. CDK tokens
   * (e.g. `role.roleArn`) and DSL references (parameters, step properties) inside it are rendered too.
   *
   * @param definition the definition JSON: an object, or a string holding it
   * @param options storage
   */
  public static fromJson(definition: any, options: PipelineDefinitionOptions = {}): PipelineDefinition {
    if (typeof definition === 'string' && Token.isUnresolved(definition)) {
      throw new Error('PipelineDefinition.fromJson: the definition is a string that contains CDK tokens, so it cannot be '
        + 'parsed at synth time. Pass the definition as an object (tokens may appear in its values).');
    }
    const parsed = typeof definition === 'string' ? parseJsonOrThrow(definition, 'fromJson') : definition;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('PipelineDefinition.fromJson: a definition is a JSON object ({"Version": "2020-12-01", "Steps": [...]}); '
        + `received ${JSON.stringify(parsed)?.slice(0, 80)}.`);
    }
    return new JsonDefinition(parsed, options);
  }

  /**
   * A definition read from a JSON file, e.g. the output of the SageMaker Python SDK's `pipeline.definition()`.
   *
   * @param file the file's path
   * @param options storage
   */
  public static fromFile(file: string, options: PipelineDefinitionOptions = {}): PipelineDefinition {
    if (!fs.existsSync(file)) {
      throw new Error(`PipelineDefinition.fromFile: no file at ${JSON.stringify(file)}. Pass the path of the JSON definition `
        + '(relative paths are resolved from the current directory).');
    }
    return new JsonDefinition(parseJsonOrThrow(fs.readFileSync(file, 'utf-8'), `fromFile(${JSON.stringify(file)})`), options);
  }

  /**
   * A definition already stored in S3; it is not read or validated at synth time.
   *
   * @param bucket the bucket
   * @param key the object key
   * @param version the object version
   */
  public static fromBucket(bucket: s3.IBucket, key: string, version?: string): PipelineDefinition {
    return new BucketDefinition(bucket, key, version);
  }

  /**
   * A definition already stored in S3, given by bucket name (e.g. a bucket of another stack or account); it is not
   * read or validated at synth time.
   *
   * @param location the bucket, key and optional version
   */
  public static fromS3Location(location: PipelineDefinitionS3Location): PipelineDefinition {
    return new BucketDefinition(location.bucket, location.key, location.version);
  }

  /**
   * Renders the definition for a pipeline.
   *
   * @param scope the pipeline (assets are created in its scope)
   */
  public abstract bind(scope: Construct): PipelineDefinitionConfig;

  /**
   * Problems that make the definition invalid, for the pipeline's synth-time validation.
   *
   * @internal
   */
  public _validate(): string[] {
    return this._problems().map(formatProblem);
  }

  /**
   * The problems of `_validate`, as data.
   *
   * @internal
   */
  public _problems(): DefinitionProblem[] {
    return [];
  }

  /**
   * The rendered definition and the kernel's model of it, when it is known at synth time. Computed once.
   *
   * @internal
   */
  public _analyse(): AnalysedDefinition | undefined {
    return undefined;
  }

  /**
   * The rendered definition JSON (with CDK tokens unresolved), when it is known at synth time.
   *
   * @internal
   */
  public _renderJson(): any {
    return this._analyse()?.json;
  }
}

/** Shared by definitions whose JSON is known at synth time: rendered once, storage choice and role statements. */
abstract class RenderedDefinition extends PipelineDefinition {
  private analysed?: AnalysedDefinition;

  constructor(private readonly options: PipelineDefinitionOptions) {
    super();
  }

  public _analyse(): AnalysedDefinition {
    this.analysed ??= analyseDefinition(this.render());
    return this.analysed;
  }

  public bind(scope: Construct): PipelineDefinitionConfig {
    const stack = Stack.of(scope);
    const { json, text, model } = this._analyse();
    const hasTokens = Token.isUnresolved(text);
    const bytes = Buffer.byteLength(text, 'utf-8');
    const storage = this.options.storage ?? PipelineDefinitionStorage.AUTO;
    // An invalid definition fails synth in `_validate`; until then it needs no statements.
    const policyStatements = model ? derivePolicyStatements(scope, model) : [];
    const limit = PipelineDefinition.INLINE_DEFINITION_LIMIT_BYTES;

    const useS3 = storage === PipelineDefinitionStorage.S3_ASSET
      || (storage === PipelineDefinitionStorage.AUTO && bytes >= limit && !hasTokens);
    if (useS3) {
      if (hasTokens) {
        throw new ConstructValidationError(scope, 'Pipeline.S3DefinitionTokens',
          'storage is S3_ASSET but the definition contains CDK tokens (e.g. the ARN of a role or the name of a bucket '
          + 'defined in this app), which CloudFormation cannot resolve inside an uploaded file. Use '
          + 'PipelineDefinitionStorage.INLINE (or AUTO), or replace the tokens with literal values.');
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sagemaker-pipeline-definition-'));
      const file = path.join(dir, 'definition.json');
      fs.writeFileSync(file, text);
      const asset = new s3_assets.Asset(scope, 'DefinitionAsset', { path: file });
      // Who reads the object (the CloudFormation caller or the pipeline role) is not documented; granting the role
      // read access to exactly this object makes either work.
      policyStatements.push(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)],
      }));
      return {
        pipelineDefinition: { PipelineDefinitionS3Location: { Bucket: asset.s3BucketName, Key: asset.s3ObjectKey } },
        policyStatements,
      };
    }
    if (bytes >= limit) {
      Annotations.of(scope).addWarningV2('cdk-sagemaker-pipelines:largeInlineDefinition',
        `The pipeline definition is ${bytes} bytes and is written inline into the template`
        + `${hasTokens ? ' because it contains CDK tokens' : ''}. CloudFormation templates are limited to 1 MB.`);
    }
    return {
      pipelineDefinition: {
        PipelineDefinitionBody: Lazy.string({ produce: () => stack.toJsonString(json) }),
      },
      policyStatements,
    };
  }

  /** Renders the definition JSON; called once. */
  protected abstract render(): any;
}

class StepsDefinition extends RenderedDefinition {
  private rendered?: RenderedSteps;

  constructor(private readonly steps: Step[], private readonly stepOptions: PipelineDefinitionFromStepsOptions) {
    super(stepOptions);
  }

  public bind(scope: Construct): PipelineDefinitionConfig {
    const all = this.renderedSteps().steps;
    all.forEach((s) => s._bindToPipeline(scope));
    const config = super.bind(scope);
    const extra = all.flatMap((s) => s._policyStatements());
    return { ...config, policyStatements: [...(config.policyStatements ?? []), ...extra] };
  }

  public _problems(): DefinitionProblem[] {
    const { problems: dslProblems } = this.renderedSteps();
    // A reference to a step outside the pipeline is reported once, by the DSL check that names construct paths; a DSL
    // problem (e.g. a step placed twice) also explains why the JSON cannot be modelled.
    const reportedByDsl = new Set(dslProblems.map((p) => p.code));
    const graphProblems = validateDefinition(this._analyse()).filter((p) =>
      !(p.code === 'Pipeline.UnknownStepReference' && reportedByDsl.has(p.code))
      && !(p.code === 'Pipeline.InvalidDefinition' && dslProblems.length > 0));
    return [...dslProblems, ...graphProblems];
  }

  protected render(): any {
    return this.renderedSteps().definition;
  }

  private renderedSteps(): RenderedSteps {
    this.rendered ??= renderSteps(this.steps, {
      parameters: this.stepOptions.parameters,
      experimentName: this.stepOptions.experimentName,
      trialName: this.stepOptions.trialName,
      disableExperiment: this.stepOptions.disableExperimentTracking,
    });
    return this.rendered;
  }
}

class JsonDefinition extends RenderedDefinition {
  constructor(private readonly json: any, options: PipelineDefinitionOptions) {
    super(options);
  }

  public _problems(): DefinitionProblem[] {
    return validateDefinition(this._analyse());
  }

  protected render(): any {
    return renderDslValue(this.json, new RenderContext());
  }
}

class BucketDefinition extends PipelineDefinition {
  constructor(private readonly bucket: s3.IBucket | string, private readonly key: string, private readonly version?: string) {
    super();
  }

  public bind(scope: Construct): PipelineDefinitionConfig {
    const bucket = typeof this.bucket === 'string' ? s3.Bucket.fromBucketName(scope, 'DefinitionBucket', this.bucket) : this.bucket;
    return {
      pipelineDefinition: {
        PipelineDefinitionS3Location: {
          Bucket: bucket.bucketName,
          Key: this.key,
          ...(this.version ? { Version: this.version } : {}),
        },
      },
      // Who reads the object (the CloudFormation caller or the pipeline role) is not documented: allow the role.
      policyStatements: [new iam.PolicyStatement({
        actions: ['s3:GetObject', ...(this.version ? ['s3:GetObjectVersion'] : [])],
        resources: [bucket.arnForObjects(this.key)],
      })],
      stepsKnown: false,
    };
  }
}

function parseJsonOrThrow(text: string, where: string): any {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`PipelineDefinition.${where}: the definition is not valid JSON (${(e as Error).message}). Export it with `
      + 'the SageMaker Python SDK\'s `pipeline.definition()` or check the file.');
  }
}
