import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RetryableStepProps, Step, StepType } from './step';
import { ContainerImage, SageMakerImageScope } from '../container-image';
import { bindImage } from '../private/dsl/job-inputs';
import { compact } from '../private/dsl/merge';

/** Properties of a notebook job step. */
export interface NotebookJobStepProps extends RetryableStepProps {
  /** The role the job runs with (the pipeline role gets `iam:PassRole` on it). */
  readonly role: iam.IRole;
  /**
   * The image with the notebook's kernel: an ECR repository or a Docker build context of the app (the role gets
   * pull access), or a registry URI (e.g. a SageMaker Distribution image of this region). Set this or `imageUri`.
   *
   * @default - `imageUri`
   */
  readonly image?: ContainerImage;
  /**
   * The image URI as a string (e.g. a SageMaker Distribution image of this region). Set this or `image`.
   *
   * @default - `image`
   */
  readonly imageUri?: string;
  /** The kernel to run the notebook with, e.g. `python3`. */
  readonly kernelName: string;
  /**
   * The S3 folder holding the notebook and its dependencies (the Python SDK uploads them there), e.g. an
   * `aws-s3-deployment` destination.
   */
  readonly inputFolderUri: string;
  /** The notebook's file name inside that folder, e.g. `train.ipynb`. */
  readonly notebookName: string;
  /** Where the executed notebook and its outputs are written. */
  readonly outputPath: string;
  /**
   * The ML instance type.
   *
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
  /**
   * The size of the storage volume, in GB.
   *
   * @default 30
   */
  readonly volumeSizeInGb?: number;
  /**
   * The longest the job may run.
   *
   * @default Duration.days(2)
   */
  readonly maxRuntime?: Duration;
  /**
   * How often the training job service retries the job itself.
   *
   * @default 1
   */
  readonly maxRetryAttempts?: number;
  /**
   * Notebook parameters (papermill), passed as the job's hyperparameters.
   *
   * @default - none
   */
  readonly parameters?: { [key: string]: string };
  /**
   * Environment variables of the job.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };
  /**
   * A script in the input folder run before the notebook.
   *
   * @default - none
   */
  readonly initializationScriptName?: string;
  /**
   * Raw `Arguments` deep-merged over the typed ones (objects merge, anything else replaces, `null` removes).
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Runs a Jupyter notebook as a job (the SageMaker Python SDK's `NotebookJobStep`), rendered as a `Training` step
 * whose container is the headless notebook scheduler (`amazon_sagemaker_scheduler`), as the SDK does
 * (`sagemaker/workflow/notebook_job_step.py`). The notebook must already be in S3 (`inputFolderUri`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-notebook-job
 */
export class NotebookJobStep extends Step {
  private readonly props: NotebookJobStepProps;
  private readonly imageUri: string;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the notebook and its job
   */
  constructor(scope: Construct, id: string, props: NotebookJobStepProps) {
    super(scope, id, StepType.TRAINING, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
    this.imageUri = bindImage(this, '', props, props.role, SageMakerImageScope.TRAINING, props.instanceType);
  }

  /** The S3 prefix under which the executed notebook is written (`OutputDataConfig.S3OutputPath`). */
  public get outputLocationPrefix(): string {
    return this.property('OutputDataConfig.S3OutputPath');
  }

  /** The name of the underlying training job. */
  public get jobName(): string {
    return this.property('TrainingJobName');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    // The SDK derives the job prefix from the notebook job name: leading non-alphanumerics removed, others -> '-'.
    const prefix = this.stepName.replace(/^[^a-zA-Z0-9]+/, '').replace(/[^a-zA-Z0-9-]/g, '-');
    const args = compact({
      RoleArn: p.role.roleArn,
      RetryStrategy: { MaximumRetryAttempts: p.maxRetryAttempts ?? 1 },
      StoppingCondition: { MaxRuntimeInSeconds: (p.maxRuntime ?? Duration.days(2)).toSeconds() },
      EnableInterContainerTrafficEncryption: true,
      AlgorithmSpecification: { TrainingImage: this.imageUri, TrainingInputMode: 'File', ContainerEntrypoint: ['amazon_sagemaker_scheduler'] },
      InputDataConfig: [{
        ChannelName: 'sagemaker_headless_execution_pipelinestep',
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: p.inputFolderUri, S3DataDistributionType: 'FullyReplicated' } },
      }],
      OutputDataConfig: { S3OutputPath: p.outputPath },
      ResourceConfig: { VolumeSizeInGB: p.volumeSizeInGb ?? 30, InstanceCount: 1, InstanceType: p.instanceType ?? 'ml.m5.large' },
      Tags: [
        { Key: 'sagemaker:name', Value: this.stepName },
        { Key: 'sagemaker:notebook-name', Value: p.notebookName },
        { Key: 'sagemaker:notebook-job-origin', Value: 'PIPELINE_STEP' },
        { Key: 'sagemaker:is-studio-archived', Value: 'false' },
      ],
      Environment: {
        ...(p.environment ?? {}),
        AWS_DEFAULT_REGION: Stack.of(this).region,
        SM_JOB_DEF_VERSION: '1.0',
        SM_ENV_NAME: 'sagemaker-default-env',
        SM_SKIP_EFS_SIMULATION: 'true',
        SM_EXECUTION_INPUT_PATH: '/opt/ml/input/data/sagemaker_headless_execution_pipelinestep',
        SM_KERNEL_NAME: p.kernelName,
        SM_INPUT_NOTEBOOK_NAME: p.notebookName,
        SM_OUTPUT_NOTEBOOK_NAME: `${prefix}.ipynb`,
        ...(p.initializationScriptName ? { SM_INIT_SCRIPT: p.initializationScriptName } : {}),
      },
      HyperParameters: p.parameters,
    });
    return this.renderStep(this.renderArguments(args, p.additionalArguments), { RetryPolicies: this.renderRetryPolicies(p.retryPolicies) });
  }
}
