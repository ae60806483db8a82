import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ContainerJobProps, MetricDefinition, TrainingChannel, TrainingInputMode } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { bindTrainingJob } from '../private/dsl/job-inputs';
import { compact } from '../private/dsl/merge';
import { renderChannels, renderStoppingCondition } from '../private/dsl/render-jobs';
import { ConstructValidationError, received } from '../private/errors';
import { S3Location } from '../s3-location';

/** Properties of a training step. */
export interface TrainingStepProps extends RetryableStepProps, CacheableStepProps, ContainerJobProps {
  /**
   * Where the model artifacts are written, as a string (`OutputDataConfig.S3OutputPath`). Set this or
   * `outputLocation`.
   *
   * @default - `outputLocation`
   */
  readonly outputPath?: string;
  /**
   * Where the model artifacts are written, in a bucket of the app: the job's role gets write access to that
   * prefix. Set this or `outputPath`.
   *
   * @default - `outputPath`
   */
  readonly outputLocation?: S3Location;
  /**
   * How the metrics the training container prints are found in its logs (`AlgorithmSpecification.MetricDefinitions`);
   * read their final values with `finalMetricValue`. SageMaker's built-in algorithms report their own metrics
   * without definitions.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/training-metrics.html
   * @default - none: the algorithm's built-in metrics only
   */
  readonly metricDefinitions?: MetricDefinition[];
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
  /** The props with the image and locations bound: plain URIs only. */
  private readonly job: TrainingStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job
   */
  constructor(scope: Construct, id: string, props: TrainingStepProps) {
    super(scope, id, StepType.TRAINING, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
    this.job = { ...props, ...bindTrainingJob(this, props) };
  }

  /**
   * The final value of a metric of the training job, for a `Condition`: SageMaker's `DescribeTrainingJob` returns
   * the last value of each metric in `FinalMetricDataList`, which a pipeline reads by metric name, e.g.
   * `{"Get": "Steps.Train.FinalMetricDataList['validation:rmse'].Value"}`.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeTrainingJob.html#sagemaker-DescribeTrainingJob-response-FinalMetricDataList
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html
   * @param metricName a metric of `metricDefinitions`, or one the algorithm reports itself (e.g. XGBoost's `validation:rmse`)
   * @returns a number token rendering as that property reference
   */
  public finalMetricValue(metricName: string): number {
    const defined = (this.props.metricDefinitions ?? []).map((m) => m.name);
    if (!Token.isUnresolved(metricName) && (metricName.length === 0 || metricName.includes('\''))) {
      throw new ConstructValidationError(this, 'TrainingStep.MetricName',
        `finalMetricValue: metric name must be non-empty and without "'"; received ${received(metricName)}.`
        + (defined.length ? ` Defined metrics: ${defined.map((n) => `"${n}"`).join(', ')}.` : ''));
    }
    return this.propertyAsNumber(`FinalMetricDataList['${metricName}'].Value`);
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
    const p = this.job;
    const args = compact({
      AlgorithmSpecification: compact({
        TrainingInputMode: p.inputMode ?? TrainingInputMode.FILE,
        TrainingImage: p.imageUri,
        MetricDefinitions: p.metricDefinitions?.map((m) => ({ Name: m.name, Regex: m.regex })),
      }),
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
