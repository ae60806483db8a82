// The abalone example of the README ("Define and heal a new pipeline") as a deployable stack: its scripts are in
// ./scripts (the README names them relative to the app's root), its images are SageMaker's own, its data comes from
// AWS's public sample bucket. Keep it equal to the README snippet (the linter formats this copy);
// test/dsl/example-abalone.test.ts synthesizes it.
import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  Condition, ConditionStep, ContainerImage, FailStep, JsonGet, ParameterFloat, Pipeline, PipelineDefinition,
  ProcessingCode, ProcessingStep, PropertyFile, S3Location, TrainingStep,
} from '../../src';

export class AbaloneStack extends Stack {
  public readonly pipeline: Pipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const bucket = new s3.Bucket(this, 'Data', {
      enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, serverAccessLogsPrefix: 'access-logs/',
    });
    const samples = s3.Bucket.fromBucketName(this, 'Samples', `sagemaker-example-files-prod-${this.region}`);
    const jobRole = new iam.Role(this, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const scripts = path.join(__dirname, 'scripts');
    const sklearn = ContainerImage.fromSageMakerImage('sklearn', '1.2-1');
    const xgboost = ContainerImage.fromSageMakerImage('xgboost', '1.7-1');

    const preprocess = new ProcessingStep(this, 'Preprocess', {
      role: jobRole,
      image: sklearn,
      instanceType: 'ml.m5.xlarge',
      code: ProcessingCode.fromDirectory(scripts, 'preprocess.py'),
      containerArguments: ['--train-ratio', '0.7'],
      inputs: [{
        inputName: 'raw',
        localPath: '/opt/ml/processing/input',
        location: S3Location.fromObject(samples, 'datasets/tabular/uci_abalone/abalone.csv'),
      }],
      outputs: [
        { outputName: 'train', localPath: '/opt/ml/processing/train', location: S3Location.fromBucket(bucket, 'abalone/train') },
        { outputName: 'validation', localPath: '/opt/ml/processing/validation', location: S3Location.fromBucket(bucket, 'abalone/validation') },
        { outputName: 'test', localPath: '/opt/ml/processing/test', location: S3Location.fromBucket(bucket, 'abalone/test') },
      ],
    });

    const train = new TrainingStep(this, 'Train', {
      role: jobRole,
      image: xgboost,
      instanceType: 'ml.m5.xlarge',
      outputLocation: S3Location.fromBucket(bucket, 'abalone/models'),
      inputs: [
        { channelName: 'train', s3Uri: preprocess.outputUri('train'), contentType: 'text/csv' },
        { channelName: 'validation', s3Uri: preprocess.outputUri('validation'), contentType: 'text/csv' },
      ],
      hyperparameters: { objective: 'reg:squarederror', num_round: '50', max_depth: '5', eta: '0.2' },
    });

    const report = new PropertyFile({ propertyFileName: 'Evaluation', outputName: 'evaluation', filePath: 'evaluation.json' });
    const evaluate = new ProcessingStep(this, 'Evaluate', {
      role: jobRole,
      image: xgboost,
      instanceType: 'ml.m5.xlarge',
      code: ProcessingCode.fromDirectory(scripts, 'evaluate.py'),
      inputs: [
        { inputName: 'model', s3Uri: train.modelArtifactsUri, localPath: '/opt/ml/processing/model' },
        { inputName: 'test', s3Uri: preprocess.outputUri('test'), localPath: '/opt/ml/processing/test' },
      ],
      outputs: [{
        outputName: 'evaluation',
        localPath: '/opt/ml/processing/evaluation',
        location: S3Location.fromBucket(bucket, 'abalone/evaluation'),
      }],
      propertyFiles: [report],
    });
    // Training and evaluation read what earlier steps wrote, through step properties: grant that prefix.
    S3Location.fromBucket(bucket, 'abalone').grantRead(jobRole);

    const threshold = new ParameterFloat('MseThreshold', { defaultValue: 6.0 });
    const gate = new ConditionStep(this, 'CheckMse', {
      conditions: [
        Condition.lessThanOrEqualTo(JsonGet.fromPropertyFile(report, 'regression_metrics.mse.value'), threshold.valueAsNumber),
        Condition.lessThanOrEqualTo(train.finalMetricValue('validation:rmse'), 3),
      ],
      ifSteps: [],
      elseSteps: [new FailStep(this, 'TooInaccurate', { errorMessage: 'The model is less accurate than the thresholds' })],
    });

    this.pipeline = new Pipeline(this, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([preprocess, train, evaluate, gate]),
      selectiveRetry: { maxAttempts: 2 },
    });
  }
}
