import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  Condition, ConditionStep, CreateModelStep, FailStep, Join, JsonGet, ModelApprovalStatus,
  ParameterFloat, ParameterInteger, ParameterString, PipelineDefinition, ProcessingStep, PropertyFile,
  RegisterModelStep, TrainingStep, TransformStep,
} from '../../src';

const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3';
const XGBOOST = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3';
const BUCKET = 's3://sagemaker-us-east-1-167762637358';

/** Fixture 10 (the Abalone example), rebuilt with the DSL only. */
export function buildAbalone(scope: Construct): { definition: PipelineDefinition; steps: Record<string, any> } {
  const role = iam.Role.fromRoleArn(scope, 'JobRole',
    'arn:aws:iam::167762637358:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole', { mutable: false });
  const processingInstanceCount = new ParameterInteger('ProcessingInstanceCount', { defaultValue: 1 });
  const modelApprovalStatus = new ParameterString('ModelApprovalStatus', { defaultValue: 'PendingManualApproval' });
  const inputData = new ParameterString('InputData', { defaultValue: `${BUCKET}/abalone/abalone-dataset.csv` });
  const batchData = new ParameterString('BatchData', { defaultValue: `${BUCKET}/abalone/abalone-dataset-batch` });
  const mseThreshold = new ParameterFloat('MseThreshold', { defaultValue: 6.0 });

  const processPrefix = `${BUCKET}/AbaloneProcess-94160e00688e34972e58a18a33ec6342`;
  const process = new ProcessingStep(scope, 'AbaloneProcess', {
    role,
    imageUri: SKLEARN,
    instanceType: 'ml.m5.xlarge',
    instanceCount: processingInstanceCount.valueAsNumber,
    entrypoint: ['python3', '/opt/ml/processing/input/code/preprocessing.py'],
    inputs: [
      { inputName: 'input-1', s3Uri: inputData.valueAsString, localPath: '/opt/ml/processing/input' },
      { inputName: 'code', s3Uri: `${processPrefix}/input/code/preprocessing.py`, localPath: '/opt/ml/processing/input/code' },
    ],
    outputs: ['train', 'validation', 'test'].map((name) => ({
      outputName: name, localPath: `/opt/ml/processing/${name}`, s3Uri: `${processPrefix}/output/${name}`,
    })),
  });

  const train = new TrainingStep(scope, 'AbaloneTrain', {
    role,
    imageUri: XGBOOST,
    instanceType: 'ml.m5.xlarge',
    outputPath: `${BUCKET}/AbaloneTrain`,
    inputs: ['train', 'validation'].map((channel) => ({
      channelName: channel, s3Uri: process.outputUri(channel), contentType: 'text/csv',
    })),
    hyperparameters: {
      objective: 'reg:linear', num_round: '50', max_depth: '5', eta: '0.2', gamma: '4', min_child_weight: '6', subsample: '0.7', silent: '0',
    },
    // What the Python SDK adds by default, through the raw-arguments escape hatch.
    additionalArguments: {
      ProfilerRuleConfigurations: [{
        RuleConfigurationName: 'ProfilerReport-1660261695',
        RuleEvaluatorImage: '503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest',
        RuleParameters: { rule_to_invoke: 'ProfilerReport' },
      }],
      ProfilerConfig: { S3OutputPath: `${BUCKET}/AbaloneTrain` },
    },
  });

  const evalPrefix = `${BUCKET}/AbaloneEval-19b131b63656129c86bfecbee4904927`;
  const report = new PropertyFile({ propertyFileName: 'EvaluationReport', outputName: 'evaluation', filePath: 'evaluation.json' });
  const evaluate = new ProcessingStep(scope, 'AbaloneEval', {
    role,
    imageUri: XGBOOST,
    instanceType: 'ml.m5.xlarge',
    entrypoint: ['python3', '/opt/ml/processing/input/code/evaluation.py'],
    inputs: [
      { inputName: 'input-1', s3Uri: train.modelArtifactsUri, localPath: '/opt/ml/processing/model' },
      { inputName: 'input-2', s3Uri: process.outputUri('test'), localPath: '/opt/ml/processing/test' },
      { inputName: 'code', s3Uri: `${evalPrefix}/input/code/evaluation.py`, localPath: '/opt/ml/processing/input/code' },
    ],
    outputs: [{ outputName: 'evaluation', localPath: '/opt/ml/processing/evaluation', s3Uri: `${evalPrefix}/output/evaluation` }],
    propertyFiles: [report],
  });

  const register = new RegisterModelStep(scope, 'AbaloneRegisterModel', {
    stepName: 'AbaloneRegisterModel-RegisterModel',
    modelPackageGroupName: 'AbaloneModelPackageGroupName',
    containers: [{ imageUri: XGBOOST, modelDataUrl: train.modelArtifactsUri }],
    contentTypes: ['text/csv'],
    responseTypes: ['text/csv'],
    inferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.xlarge'],
    transformInstanceTypes: ['ml.m5.xlarge'],
    modelQualityStatistics: { s3Uri: `${evalPrefix}/output/evaluation/evaluation.json` },
    approvalStatus: ModelApprovalStatus.of(modelApprovalStatus.valueAsString),
    additionalArguments: { ModelMetrics: { Bias: {}, Explainability: {} } },
  });
  const createModel = new CreateModelStep(scope, 'AbaloneCreateModel', {
    role,
    imageUri: XGBOOST,
    modelDataUrl: train.modelArtifactsUri,
  });
  const transform = new TransformStep(scope, 'AbaloneTransform', {
    modelName: createModel.modelName,
    inputUri: batchData.valueAsString,
    outputPath: `${BUCKET}/AbaloneTransform`,
    instanceType: 'ml.m5.xlarge',
  });
  const fail = new FailStep(scope, 'AbaloneMSEFail', {
    errorMessage: Join.of(' ', ['Execution failed due to MSE >', mseThreshold.valueAsString]),
  });
  const condition = new ConditionStep(scope, 'AbaloneMSECond', {
    conditions: [Condition.lessThanOrEqualTo(JsonGet.fromPropertyFile(report, 'regression_metrics.mse.value'), mseThreshold.valueAsNumber)],
    ifSteps: [register, createModel, transform],
    elseSteps: [fail],
  });

  const definition = PipelineDefinition.fromSteps([process, train, evaluate, condition], {
    parameters: [processingInstanceCount, modelApprovalStatus, inputData, batchData, mseThreshold],
  });
  return { definition, steps: { process, train, evaluate, condition, register, createModel, transform, fail } };
}
