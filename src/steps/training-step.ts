import { Construct } from 'constructs';
import { ContainerJobProps, TrainingChannel, TrainingInputMode } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { compact } from '../private/dsl/merge';
import { renderChannels, renderStoppingCondition } from '../private/dsl/render-jobs';

/** Properties of a training step. */
export interface TrainingStepProps extends RetryableStepProps, CacheableStepProps, ContainerJobProps {
  /** Where the model artifacts are written (`OutputDataConfig.S3OutputPath`). */
  readonly outputPath: string;
  /**
   * The input channels, e.g. `{ channelName: 'train', s3Uri: preprocess.outputUri('train') }`.
   *
   * @default - none
   */
  readonly inputs?: TrainingChannel[];
  /**
   * Hyperparameters; values are strings (use `param.valueAsString` for a parameter).
   *
   * @default - none
   */
  readonly hyperparameters?: { [key: string]: string };
  /**
   * How channels are read by default.
   *
   * @default TrainingInputMode.FILE
   */
  readonly inputMode?: TrainingInputMode;
}

/**
 * Runs a SageMaker training job (`"Type": "Training"`; arguments are a `CreateTrainingJob` request).
 *
 * `maxRuntime` defaults to one day, like the SageMaker Python SDK's estimators.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-training
 */
export class TrainingStep extends Step {
  private readonly props: TrainingStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job
   */
  constructor(scope: Construct, id: string, props: TrainingStepProps) {
    super(scope, id, StepType.TRAINING, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
  }

  /** The S3 URI of the trained model (`ModelArtifacts.S3ModelArtifacts`), for model and evaluation steps. */
  public get modelArtifactsUri(): string {
    return this.property('ModelArtifacts.S3ModelArtifacts');
  }

  /** The name of the training job, known when the step runs. */
  public get trainingJobName(): string {
    return this.property('TrainingJobName');
  }

  /** The ARN of the training job, known when the step runs. */
  public get trainingJobArn(): string {
    return this.property('TrainingJobArn');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    const args = compact({
      AlgorithmSpecification: { TrainingInputMode: p.inputMode ?? TrainingInputMode.FILE, TrainingImage: p.imageUri },
      OutputDataConfig: { S3OutputPath: p.outputPath },
      StoppingCondition: renderStoppingCondition(p.maxRuntime),
      ResourceConfig: { VolumeSizeInGB: p.volumeSizeInGb ?? 30, InstanceCount: p.instanceCount ?? 1, InstanceType: p.instanceType },
      RoleArn: p.role.roleArn,
      InputDataConfig: renderChannels(p.inputs),
      HyperParameters: p.hyperparameters,
      Environment: p.environment,
    });
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      CacheConfig: this.renderCacheConfig(p.cache),
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
