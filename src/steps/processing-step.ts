import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ContainerJobProps, ProcessingInput, ProcessingOutput } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { SageMakerImageScope } from '../container-image';
import { PropertyFile } from '../expressions';
import { bindImage, bindProcessingInputs, bindProcessingOutputs } from '../private/dsl/job-inputs';
import { renderProcessingArguments } from '../private/dsl/render-jobs';
import { ConstructValidationError, received } from '../private/errors';
import { ProcessingCode } from '../processing-code';

/** Properties of a processing step. */
export interface ProcessingStepProps extends RetryableStepProps, CacheableStepProps, ContainerJobProps {
  /**
   * The script the job runs, from the app (the SageMaker Python SDK's `code=`): uploaded as an asset, mounted at
   * `/opt/ml/processing/input/code` as an input named `code`, and run by the default entrypoint. The job's role
   * gets read access to it.
   *
   * @default - none: the image's own program runs
   */
  readonly code?: ProcessingCode;
  /**
   * The container's entrypoint, e.g. `['python3', '/opt/ml/processing/input/code/preprocessing.py']`.
   *
   * @default - the one that runs `code`, else the image's entrypoint
   */
  readonly entrypoint?: string[];
  /**
   * Arguments passed to the container.
   *
   * @default - none
   */
  readonly containerArguments?: string[];
  /**
   * The job's inputs.
   *
   * @default - none
   */
  readonly inputs?: ProcessingInput[];
  /**
   * The job's outputs; reference them downstream with `outputUri(name)`.
   *
   * @default - none
   */
  readonly outputs?: ProcessingOutput[];
  /**
   * JSON files among the outputs that later steps read with `JsonGet.fromPropertyFile`.
   *
   * @default - none
   */
  readonly propertyFiles?: PropertyFile[];
}

/**
 * Runs a SageMaker processing job (`"Type": "Processing"`; arguments are a `CreateProcessingJob` request).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-processing
 */
export class ProcessingStep extends Step {
  /** The property files attached to this step. */
  public readonly propertyFiles: PropertyFile[];
  private readonly props: ProcessingStepProps;
  /** The props with the image, code and locations bound: plain URIs only. */
  private readonly job: ProcessingStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job
   */
  constructor(scope: Construct, id: string, props: ProcessingStepProps) {
    super(scope, id, StepType.PROCESSING, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
    this.propertyFiles = props.propertyFiles ?? [];
    const code = props.code?.bind(this, props.role);
    const inputs = bindProcessingInputs(this, props.inputs, props.role);
    const outputs = bindProcessingOutputs(this, props.outputs, props.role);
    if (code && inputs?.some((i) => i.inputName === 'code')) {
      throw new ConstructValidationError(this, 'ProcessingStep.CodeInput',
        'inputs: an input is named "code", the name of the input that mounts the step\'s code. Rename that input.');
    }
    this.job = {
      ...props,
      imageUri: bindImage(this, '', props, props.role, SageMakerImageScope.TRAINING, props.instanceType),
      entrypoint: props.entrypoint ?? code?.entrypoint,
      inputs: code ? [...inputs ?? [], { inputName: 'code', s3Uri: code.s3Uri, localPath: '/opt/ml/processing/input/code' }] : inputs,
      outputs,
    };
    const outputNames = (props.outputs ?? []).map((o) => o.outputName);
    for (const file of this.propertyFiles) {
      if (!Token.isUnresolved(file.outputName) && !outputNames.includes(file.outputName)) {
        throw new ConstructValidationError(this, 'ProcessingStep.PropertyFile',
          `propertyFiles: "${file.propertyFileName}" is in output ${received(file.outputName)}, which is not one of this `
          + `step's outputs (${outputNames.map((n) => `"${n}"`).join(', ') || 'none'}). Add that output or fix outputName.`);
      }
      file._bind(this);
      this.grantPropertyFileRead(file);
    }
  }

  /**
   * The S3 URI of one of the job's outputs, for a later step's input.
   *
   * @param outputName the output's `outputName`
   * @returns a token rendering as `{"Get": "Steps.<name>.ProcessingOutputConfig.Outputs['<output>'].S3Output.S3Uri"}`
   */
  public outputUri(outputName: string): string {
    const names = (this.props.outputs ?? []).map((o) => o.outputName);
    if (!Token.isUnresolved(outputName) && !names.includes(outputName)) {
      throw new ConstructValidationError(this, 'ProcessingStep.OutputName',
        `outputUri: ${received(outputName)} is not an output of step "${this.stepName}"; its outputs are `
        + `${names.map((n) => `"${n}"`).join(', ') || 'none'}. Use one of them or add the output.`);
    }
    return this.property(`ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`);
  }

  /** The name of the processing job, known when the step runs. */
  public get processingJobName(): string {
    return this.property('ProcessingJobName');
  }

  /** The ARN of the processing job, known when the step runs. */
  public get processingJobArn(): string {
    return this.property('ProcessingJobArn');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderStep(
      this.renderArguments(renderProcessingArguments(this.job), this.props.additionalArguments),
      {
        CacheConfig: this.renderCacheConfig(this.props.cache),
        RetryPolicies: this.renderRetryPolicies(this.props.retryPolicies),
        PropertyFiles: this.propertyFiles.length > 0 ? this.propertyFiles.map((f) => f._toJson()) : undefined,
      },
    );
  }

  /**
   * The pipeline role reads property files (`Std:JsonGet` is evaluated by the service with it), at
   * `<output S3Uri>/<FilePath>`. A location in a bucket of the app renders with tokens that the definition-derived
   * statements cannot scope, so the step grants that one object itself.
   */
  private grantPropertyFileRead(file: PropertyFile): void {
    const index = (this.props.outputs ?? []).findIndex((o) => o.outputName === file.outputName);
    const object = index >= 0 ? this.props.outputs![index].location?._objectBelow(file.filePath) : undefined;
    if (!object || !Token.isUnresolved(this.job.outputs![index].s3Uri)) return;
    this.registerPolicyStatement(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [object.objectArn] }));
    if (object.key) this.registerPolicyStatement(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [object.key] }));
  }
}
