// Every public path of the README, as a consumer writes it: imports by name and by ARN, a DSL pipeline healed with
// the `selectiveRetry` prop, a `Pipeline` passed to `SelectiveRetry`, and every retry-policy option, with a
// KMS-encrypted notification topic; job inputs from the app (a script as an asset, a SageMaker image by name, bucket
// locations that grant the job role). Compiled with `strict` and `skipLibCheck: false`, synthesized, and checked with
// cdk-nag by each app of compat/apps/.
import * as path from 'path';
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ContainerImage,
  FailureClass,
  ParameterOverride,
  ParameterString,
  Pipeline,
  PipelineDefinition,
  ProcessingCode,
  ProcessingStep,
  RetryDelay,
  RetryableFailures,
  S3Location,
  SelectiveRetry,
  TrainingStep,
} from 'cdk-sagemaker-pipelines';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

export class CompatStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // A pipeline defined with the DSL, healed with the prop.
    const jobRole = new iam.Role(this, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const input = new ParameterString('InputData', { defaultValue: 's3://my-bucket/abalone.csv' });
    const preprocess = new ProcessingStep(this, 'Preprocess', {
      role: jobRole,
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      entrypoint: ['python3', '/opt/ml/processing/input/code/preprocessing.py'],
      inputs: [{ inputName: 'raw', s3Uri: input.valueAsString, localPath: '/opt/ml/processing/input' }],
      outputs: [{ outputName: 'train', localPath: '/opt/ml/processing/train', s3Uri: 's3://my-bucket/train' }],
    });
    const train = new TrainingStep(this, 'Train', {
      role: jobRole,
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      outputPath: 's3://my-bucket/models',
      inputs: [{ channelName: 'train', s3Uri: preprocess.outputUri('train'), contentType: 'text/csv' }],
      hyperparameters: { num_round: '50' },
    });
    const abalone = new Pipeline(this, 'Abalone', {
      pipelineName: 'abalone',
      definition: PipelineDefinition.fromSteps([preprocess, train]),
      maxParallelExecutionSteps: 10,
      selectiveRetry: { maxAttempts: 2 },
    });

    // A pipeline defined from JSON, passed to SelectiveRetry with every policy option, beside imported pipelines.
    const churn = new Pipeline(this, 'Churn', {
      pipelineName: 'churn',
      definition: PipelineDefinition.fromJson({
        Version: '2020-12-01',
        Parameters: [{ Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.g5.2xlarge' }],
        Steps: [{
          Name: 'Train',
          Type: 'Training',
          Arguments: {
            AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
            OutputDataConfig: { S3OutputPath: 's3://my-bucket/churn' },
            ResourceConfig: { InstanceCount: 1, InstanceType: { Get: 'Parameters.TrainingInstanceType' }, VolumeSizeInGB: 30 },
            RoleArn: jobRole.roleArn,
            StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          },
        }],
      }),
    });
    const key = new kms.Key(this, 'AlertsKey', { enableKeyRotation: true });
    const alerts = new sns.Topic(this, 'Alerts', { masterKey: key, enforceSSL: true });
    const heal = new SelectiveRetry(this, 'Heal', {
      pipelines: [
        churn,
        Pipeline.fromPipelineName(this, 'Forecast', 'forecast-pipeline'),
        Pipeline.fromPipelineArn(this, 'Fraud', `arn:aws:sagemaker:${this.region}:${this.account}:pipeline/fraud`),
      ],
      maxAttempts: 3,
      retryAttempts: 8,
      maxEventAge: Duration.hours(24),
      retryOn: RetryableFailures.transientOnly(),
      delay: RetryDelay.exponential({ initialDelay: Duration.minutes(5), factor: 3, maxDelay: Duration.hours(1), jitter: true }),
      parameterOverrides: [
        ParameterOverride.fallbackValues('TrainingInstanceType', ['ml.g5.2xlarge', 'ml.g5.4xlarge'], {
          onFailureClasses: [FailureClass.CAPACITY],
        }),
      ],
      notificationTopic: alerts,
      publishEvents: true,
      dryRun: false,
      alarmOnBudgetExhausted: true,
      alarmOnDeadLetterQueue: true,
    });
    heal.metricRetriesStarted();
    heal.metricFailedSteps(FailureClass.CAPACITY);

    // Job inputs from the app: the script beside this file (compiled to build/), a SageMaker image by name, bucket
    // locations. The job role's prefix grants are acknowledged for cdk-nag by the library, the whole-bucket one is not.
    const data = new s3.Bucket(this, 'Data', {
      enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, serverAccessLogsPrefix: 'access-logs/',
    });
    const features = new ProcessingStep(this, 'Features', {
      role: jobRole,
      image: ContainerImage.fromSageMakerImage('sklearn', '1.2-1'),
      instanceType: 'ml.m5.xlarge',
      code: ProcessingCode.fromFile(path.join(__dirname, '..', 'preprocess.py')),
      inputs: [{ inputName: 'raw', localPath: '/opt/ml/processing/input', location: S3Location.fromObject(data, 'raw/abalone.csv') }],
      outputs: [{ outputName: 'features', localPath: '/opt/ml/processing/features', location: S3Location.fromBucket(data, 'features') }],
    });
    new Pipeline(this, 'FeaturesPipeline', { definition: PipelineDefinition.fromSteps([features]) });

    // Our pipelines are aws-cdk-lib's IPipeline (with its pipelineRef), and grant what they are asked to.
    const operator = new iam.Role(this, 'Operator', { assumedBy: new iam.AccountPrincipal(this.account) });
    const asCdkPipeline: sagemaker.IPipeline = abalone;
    asCdkPipeline.grantStartPipelineExecution(operator);
    if (asCdkPipeline.pipelineRef.pipelineName !== abalone.pipelineName) throw new Error('pipelineRef names another pipeline');
  }
}
