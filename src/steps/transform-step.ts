import { Construct } from 'constructs';
import { S3DataType } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { compact } from '../private/dsl/merge';

/** How a transform job splits input files into records (`SplitType`). */
export enum TransformSplitType {
  /** Do not split. */
  NONE = 'None',
  /** One record per line. */
  LINE = 'Line',
  /** RecordIO records. */
  RECORD_IO = 'RecordIO',
  /** TFRecord records. */
  TF_RECORD = 'TFRecord',
}

/** Properties of a transform step. */
export interface TransformStepProps extends RetryableStepProps, CacheableStepProps {
  /** The model to run, typically `createModel.modelName` (`ModelName`). */
  readonly modelName: string;
  /** The input data (`TransformInput.DataSource.S3DataSource.S3Uri`). */
  readonly inputUri: string;
  /** Where results are written (`TransformOutput.S3OutputPath`). */
  readonly outputPath: string;
  /** The ML instance type, e.g. `ml.m5.xlarge`. */
  readonly instanceType: string;
  /**
   * The number of instances.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * How the input URI selects objects.
   *
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
  /**
   * The input's MIME type.
   *
   * @default - none
   */
  readonly contentType?: string;
  /**
   * How input files are split into records.
   *
   * @default - not split
   */
  readonly splitType?: TransformSplitType;
  /**
   * The MIME type of the results (`TransformOutput.Accept`).
   *
   * @default - none
   */
  readonly accept?: string;
  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };
  /**
   * Raw `Arguments` deep-merged over the typed ones (a `CreateTransformJob` request).
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Runs a batch transform job (`"Type": "Transform"`; arguments are a `CreateTransformJob` request).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-transform
 */
export class TransformStep extends Step {
  private readonly props: TransformStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job
   */
  constructor(scope: Construct, id: string, props: TransformStepProps) {
    super(scope, id, StepType.TRANSFORM, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
  }

  /** Where the results are (`TransformOutput.S3OutputPath`). */
  public get outputUri(): string {
    return this.property('TransformOutput.S3OutputPath');
  }

  /** The name of the transform job, known when the step runs. */
  public get transformJobName(): string {
    return this.property('TransformJobName');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    const args = compact({
      ModelName: p.modelName,
      TransformInput: compact({
        DataSource: { S3DataSource: { S3DataType: p.s3DataType ?? S3DataType.S3_PREFIX, S3Uri: p.inputUri } },
        ContentType: p.contentType,
        SplitType: p.splitType,
      }),
      TransformOutput: compact({ S3OutputPath: p.outputPath, Accept: p.accept }),
      TransformResources: { InstanceCount: p.instanceCount ?? 1, InstanceType: p.instanceType },
      Environment: p.environment,
    });
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      CacheConfig: this.renderCacheConfig(p.cache),
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
