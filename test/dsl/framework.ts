import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CreateModelStep, ExecutionVariable, Join, ModelApprovalStatus, PipelineDefinition, ProcessingStep,
  PropertyFile, RegisterModelStep, TrainingInputMode, TrainingStep, TransformStep,
} from '../../src';

const ACCOUNT_BUCKET = 'sagemaker-us-east-1-327206644775';
const CODE = `s3://${ACCOUNT_BUCKET}/calhousing-test/code`;
const NETWORK = { NetworkConfig: { EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true } };
const CACHE = { enabled: true, expireAfter: Duration.days(10) };
const PYTORCH = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.0.0-cpu-py310-ubuntu20.04-sagemaker';
const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const TF_INFERENCE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.11.0-cpu';
const INFERENCE_ENV = { SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code', SAGEMAKER_PROGRAM: 'inference', SAGEMAKER_REQUIREMENTS: 'requirements.txt' };
const DEBUG = {
  DebugHookConfig: { S3OutputPath: `s3://${ACCOUNT_BUCKET}/`, CollectionConfigurations: [] },
  ProfilerConfig: { S3OutputPath: `s3://${ACCOUNT_BUCKET}/`, DisableProfiler: false },
};

/** `s3://<bucket>/calhousing-test/<execution id>/<step>/...`, built at run time like the framework does. */
function executionPath(...parts: string[]): string {
  return Join.of('/', ['s3:/', ACCOUNT_BUCKET, 'calhousing-test', ExecutionVariable.PIPELINE_EXECUTION_ID, ...parts]);
}

/** Fixture 11 (aws-samples dynamic-sagemaker-pipelines-framework): two independent chains, rebuilt with the DSL only. */
export function buildFramework(scope: Construct): PipelineDefinition {
  const role = iam.Role.fromRoleArn(scope, 'JobRole',
    'arn:aws:iam::327206644775:role/service-role/AmazonSageMaker-ExecutionRole-20221003T003950', { mutable: false });

  // Chain 1: falcon
  const falconPre = new ProcessingStep(scope, 'falcon-text-summarization-preprocess', {
    role,
    imageUri: PYTORCH,
    instanceType: 'ml.m5.2xlarge',
    volumeSizeInGb: 32,
    entrypoint: ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'],
    inputs: [
      { inputName: 'code', s3Uri: `${CODE}/10162a72a70ea73cfc521c8d9a940a1e/sourcedir.tar.gz`, localPath: '/opt/ml/processing/input/code/' },
      { inputName: 'entrypoint', s3Uri: `${CODE}/b99be1bf860d1dd9ef0da2f5e99d6005/runproc.sh`, localPath: '/opt/ml/processing/input/entrypoint' },
    ],
    outputs: ['training', 'testing'].map((name) => ({
      outputName: name,
      localPath: `/opt/ml/processing/output/${name}`,
      s3Uri: executionPath('falcon-text-summarization-preprocess', 'output', name),
    })),
    maxRuntime: Duration.seconds(3000),
    additionalArguments: NETWORK,
    cache: CACHE,
  });
  const falconTune = new TrainingStep(scope, 'falcon-text-summarization-tuning', {
    role,
    imageUri: PYTORCH,
    instanceType: 'ml.g5.12xlarge',
    volumeSizeInGb: 1024,
    outputPath: `s3://${ACCOUNT_BUCKET}/`,
    inputs: ['training', 'testing'].map((name) => ({
      channelName: `falcon-text-summarization-preprocess-${name}`,
      s3Uri: falconPre.outputUri(name),
      inputMode: TrainingInputMode.FILE,
    })),
    hyperparameters: {
      sagemaker_submit_directory: `"${CODE}/3fbcabc20b3e5c7a4186176db6d9b74a/sourcedir.tar.gz"`,
      sagemaker_program: '"training.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: '"us-east-1"',
    },
    additionalArguments: DEBUG,
    dependsOn: [falconPre],
    cache: CACHE,
  });
  const falconRegister = new RegisterModelStep(scope, 'falcon-text-summarization-register-RegisterModel', {
    modelPackageGroupName: 'test-falcon40b-finetuneable',
    modelPackageDescription: 'Default Model Package Description. Please add custom descriptioon in your conf.yaml file',
    customerMetadata: { PIPELINE_ARN: ExecutionVariable.PIPELINE_EXECUTION_ARN },
    containers: [{
      imageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04',
      environment: { SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code', SAGEMAKER_PROGRAM: 'transform.inference', SAGEMAKER_REQUIREMENTS: 'requirements.txt' },
      modelDataUrl: falconTune.modelArtifactsUri,
    }],
    contentTypes: ['application/json'],
    responseTypes: ['application/json'],
    inferenceInstanceTypes: ['ml.m5.2xlarge'],
    transformInstanceTypes: ['ml.m5.2xlarge'],
    approvalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
    additionalArguments: { SkipModelValidation: 'None' },
    dependsOn: [falconTune],
  });

  // Chain 2: calhousing, with a diamond (Preprocessing feeds Training, Transform and Metrics)
  const pre = new ProcessingStep(scope, 'calhousing-Preprocessing', {
    role,
    imageUri: SKLEARN,
    instanceType: 'ml.m5.2xlarge',
    volumeSizeInGb: 32,
    entrypoint: ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'],
    inputs: [
      { inputName: 'raw_data', s3Uri: `s3://${ACCOUNT_BUCKET}/tf2-california-housing-pipelines/traindata`, localPath: '/opt/ml/processing/input/raw_data' },
      { inputName: 'code', s3Uri: `${CODE}/601361f018d558aff5f6d5e5aa268a99/sourcedir.tar.gz`, localPath: '/opt/ml/processing/input/code/' },
      { inputName: 'entrypoint', s3Uri: `${CODE}/906d832cb8d78a79db7aca5f0e90b4df/runproc.sh`, localPath: '/opt/ml/processing/input/entrypoint' },
    ],
    outputs: [{ outputName: 'train', localPath: '/opt/ml/processing/output/train', s3Uri: executionPath('calhousing-Preprocessing', 'output', 'train') }],
    maxRuntime: Duration.seconds(3000),
    additionalArguments: NETWORK,
    cache: CACHE,
  });
  const train = new TrainingStep(scope, 'calhousing-Training', {
    role,
    imageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.11.0-cpu-py39',
    instanceType: 'ml.m5.2xlarge',
    volumeSizeInGb: 32,
    outputPath: `s3://${ACCOUNT_BUCKET}/`,
    maxRuntime: Duration.seconds(3000),
    inputs: [{ channelName: 'calhousing-Preprocessing-train', s3Uri: pre.outputUri('train'), inputMode: TrainingInputMode.FILE }],
    hyperparameters: {
      sagemaker_submit_directory: `"${CODE}/2b2bed1653f6e5820c3ed4eac9f4c094/sourcedir.tar.gz"`,
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: '"us-east-1"',
    },
    additionalArguments: DEBUG,
    dependsOn: [pre],
    cache: CACHE,
  });
  const createModel = new CreateModelStep(scope, 'calhousing-CreateModel-CreateModel', {
    role,
    imageUri: TF_INFERENCE,
    environment: INFERENCE_ENV,
    modelDataUrl: train.modelArtifactsUri,
    dependsOn: [train],
  });
  const transform = new TransformStep(scope, 'calhousing-Transform', {
    modelName: createModel.modelName,
    inputUri: Join.of('/', [pre.outputUri('train'), 'test/x_test.csv']),
    contentType: 'text/csv',
    outputPath: executionPath('calhousing-Transform'),
    accept: 'text/csv',
    instanceType: 'ml.m5.2xlarge',
    dependsOn: [createModel],
    cache: { enabled: false, expireAfter: Duration.days(10) },
  });
  const metricsPath = `s3://${ACCOUNT_BUCKET}/sklearn-2023-10-20-01-19-23-238/output/model_evaluation_metrics`;
  const metrics = new ProcessingStep(scope, 'calhousing-Metrics', {
    role,
    imageUri: SKLEARN,
    instanceType: 'ml.m5.2xlarge',
    volumeSizeInGb: 50,
    entrypoint: ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'],
    inputs: [
      { inputName: 'calhousing-Preprocessing-input', s3Uri: pre.outputUri('train'), localPath: '/opt/ml/processing/input/calhousing-Preprocessing-train' },
      { inputName: 'calhousing-Transform-input', s3Uri: transform.outputUri, localPath: '/opt/ml/processing/input/calhousing-Transform-train' },
      { inputName: 'code', s3Uri: `${CODE}/f650f30a4e4548c8e803ea6d1a6df415/sourcedir.tar.gz`, localPath: '/opt/ml/processing/input/code/' },
      { inputName: 'entrypoint', s3Uri: `${CODE}/3fb09322e97ad9af120c0c082586efcb/runproc.sh`, localPath: '/opt/ml/processing/input/entrypoint' },
    ],
    outputs: [{ outputName: 'model_evaluation_metrics', localPath: '/opt/ml/processing/output/', s3Uri: metricsPath }],
    propertyFiles: [new PropertyFile({ propertyFileName: 'EvaluationReport', outputName: 'model_evaluation_metrics', filePath: 'model_evaluation_metrics.json' })],
    maxRuntime: Duration.hours(1),
    additionalArguments: NETWORK,
    dependsOn: [transform],
    cache: { enabled: false, expireAfter: Duration.days(10) },
  });
  const register = new RegisterModelStep(scope, 'calhousing-Register-RegisterModel', {
    modelPackageGroupName: 'test-calhousing',
    modelPackageDescription: 'Default Model Package Description. Please add custom descriptioon in your conf.yaml file',
    modelQualityStatistics: { s3Uri: `${metricsPath}model_evaluation_metrics.json` },
    customerMetadata: { PIPELINE_ARN: ExecutionVariable.PIPELINE_EXECUTION_ARN },
    containers: [{ imageUri: TF_INFERENCE, environment: INFERENCE_ENV, modelDataUrl: train.modelArtifactsUri }],
    contentTypes: ['application/json'],
    responseTypes: ['application/json'],
    inferenceInstanceTypes: ['ml.m5.2xlarge'],
    transformInstanceTypes: ['ml.m5.2xlarge'],
    approvalStatus: ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
    additionalArguments: { SkipModelValidation: 'None', ModelMetrics: { Bias: {}, Explainability: {} } },
    dependsOn: [metrics],
  });

  return PipelineDefinition.fromSteps([falconPre, falconTune, falconRegister, pre, train, createModel, transform, metrics, register]);
}
