import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ContainerJobProps, ProcessingInput, ProcessingOutput } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { PropertyFile } from '../expressions';
import { renderProcessingArguments } from '../private/dsl/render-jobs';
import { ConstructValidationError, received } from '../private/errors';

/** Properties of a processing step. */
export interface ProcessingStepProps extends RetryableStepProps, CacheableStepProps, ContainerJobProps {
  /**
   * The container's entrypoint, e.g. `['python3', '/opt/ml/processing/input/code/preprocessing.py']`.
   *
   * @default - the image's entrypoint
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
    const outputNames = (props.outputs ?? []).map((o) => o.outputName);
    for (const file of this.propertyFiles) {
      if (!Token.isUnresolved(file.outputName) && !outputNames.includes(file.outputName)) {
        throw new ConstructValidationError(this, 'ProcessingStep.PropertyFile',
          `propertyFiles: "${file.propertyFileName}" is in output ${received(file.outputName)}, which is not one of this `
          + `step's outputs (${outputNames.map((n) => `"${n}"`).join(', ') || 'none'}). Add that output or fix outputName.`);
      }
      file._bind(this);
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
      this.renderArguments(renderProcessingArguments(this.props), this.props.additionalArguments),
      {
        CacheConfig: this.renderCacheConfig(this.props.cache),
        RetryPolicies: this.renderRetryPolicies(this.props.retryPolicies),
        PropertyFiles: this.propertyFiles.length > 0 ? this.propertyFiles.map((f) => f._toJson()) : undefined,
      },
    );
  }
}
