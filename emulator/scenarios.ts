/**
 * Scenarios shared by the emulator tests, the end-to-end tests and the demo.
 *
 * `abaloneDefinition()` is modelled on fixture 10 (`../shared/fixtures/definitions/10-abalone-condition-register-
 * transform-fail.json`, the classic Abalone pipeline): preprocess -> train -> evaluate (also fed by preprocess) ->
 * condition on the evaluation's MSE (a `Std:JsonGet` on a property file) -> register the model, or fail.
 */
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { SageMakerEmulator } from './sagemaker-emulator';

export const ABALONE_PIPELINE = 'AbalonePipeline';
const BUCKET = 's3://sagemaker-us-east-1-111122223333/abalone';
const SKLEARN = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const XGBOOST = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole';

/** Simulated durations (seconds) of the Abalone steps: what the demo's "saved" numbers are made of. */
export const ABALONE_DURATIONS: Record<string, number> = {
  AbalonePreprocess: 18 * 60,
  AbaloneTrain: 52 * 60,
  AbaloneEval: 7 * 60,
  AbaloneMSECond: 1,
  AbaloneRegisterModel: 25,
  AbaloneMSEFail: 1,
};

export interface AbaloneOptions {
  /** Insert a step `AbaloneFeatureSelect` between preprocess and train (a "v2" of the pipeline). */
  readonly withFeatureSelect?: boolean;
  /** Rename the training step (another kind of drift between versions). */
  readonly trainStepName?: string;
}

/** The Abalone pipeline definition (a real-shaped `"Version": "2020-12-01"` definition). */
export function abaloneDefinition(options: AbaloneOptions = {}): Record<string, unknown> {
  const train = options.trainStepName ?? 'AbaloneTrain';
  const trainInput = options.withFeatureSelect
    ? { Get: 'Steps.AbaloneFeatureSelect.ProcessingOutputConfig.Outputs[\'selected\'].S3Output.S3Uri' }
    : { Get: 'Steps.AbalonePreprocess.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' };
  const processing = (name: string, code: string, inputs: unknown[], outputs: string[], count: unknown) => ({
    Name: name,
    Type: 'Processing',
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: count, VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: SKLEARN, ContainerEntrypoint: ['python3', `/opt/ml/processing/input/code/${code}`] },
      RoleArn: ROLE,
      ProcessingInputs: inputs,
      ProcessingOutputConfig: {
        Outputs: outputs.map((o) => ({
          OutputName: o,
          AppManaged: false,
          S3Output: { S3Uri: `${BUCKET}/${o}`, LocalPath: `/opt/ml/processing/${o}`, S3UploadMode: 'EndOfJob' },
        })),
      },
    },
  });
  const steps: unknown[] = [
    processing('AbalonePreprocess', 'preprocessing.py', [
      { InputName: 'input-1', AppManaged: false, S3Input: { S3Uri: { Get: 'Parameters.InputData' }, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
    ], ['train', 'validation', 'test'], { Get: 'Parameters.ProcessingInstanceCount' }),
  ];
  if (options.withFeatureSelect) {
    steps.push(processing('AbaloneFeatureSelect', 'features.py', [
      { InputName: 'train', AppManaged: false, S3Input: { S3Uri: { Get: 'Steps.AbalonePreprocess.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' }, LocalPath: '/opt/ml/processing/train', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
    ], ['selected'], 1));
  }
  steps.push(
    {
      Name: train,
      Type: 'Training',
      Arguments: {
        AlgorithmSpecification: { TrainingImage: XGBOOST, TrainingInputMode: 'File' },
        OutputDataConfig: { S3OutputPath: `${BUCKET}/model` },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 2, InstanceType: { Get: 'Parameters.TrainingInstanceType' } },
        RoleArn: ROLE,
        InputDataConfig: [{
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: trainInput, S3DataDistributionType: 'FullyReplicated' } },
          ContentType: 'text/csv',
          ChannelName: 'train',
        }],
        HyperParameters: { objective: 'reg:linear', num_round: '50', max_depth: '5' },
      },
    },
    {
      Name: 'AbaloneEval',
      Type: 'Processing',
      Arguments: {
        ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
        AppSpecification: { ImageUri: XGBOOST, ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/evaluation.py'] },
        RoleArn: ROLE,
        ProcessingInputs: [
          { InputName: 'input-1', AppManaged: false, S3Input: { S3Uri: { Get: `Steps.${train}.ModelArtifacts.S3ModelArtifacts` }, LocalPath: '/opt/ml/processing/model', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
          { InputName: 'input-2', AppManaged: false, S3Input: { S3Uri: { Get: 'Steps.AbalonePreprocess.ProcessingOutputConfig.Outputs[\'test\'].S3Output.S3Uri' }, LocalPath: '/opt/ml/processing/test', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
        ],
        ProcessingOutputConfig: { Outputs: [{ OutputName: 'evaluation', AppManaged: false, S3Output: { S3Uri: `${BUCKET}/evaluation`, LocalPath: '/opt/ml/processing/evaluation', S3UploadMode: 'EndOfJob' } }] },
      },
      PropertyFiles: [{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }],
    },
    {
      Name: 'AbaloneMSECond',
      Type: 'Condition',
      Arguments: {
        Conditions: [{
          Type: 'LessThanOrEqualTo',
          LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.AbaloneEval.PropertyFiles.EvaluationReport' }, Path: 'regression_metrics.mse.value' } },
          RightValue: { Get: 'Parameters.MseThreshold' },
        }],
        IfSteps: [{
          Name: 'AbaloneRegisterModel',
          Type: 'RegisterModel',
          Arguments: {
            ModelPackageGroupName: 'AbaloneModelPackageGroup',
            ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `${BUCKET}/evaluation/evaluation.json` } } },
            InferenceSpecification: {
              Containers: [{ Image: XGBOOST, ModelDataUrl: { Get: `Steps.${train}.ModelArtifacts.S3ModelArtifacts` } }],
              SupportedContentTypes: ['text/csv'],
              SupportedResponseMIMETypes: ['text/csv'],
              SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.xlarge'],
              SupportedTransformInstanceTypes: ['ml.m5.xlarge'],
            },
            ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' },
          },
        }],
        ElseSteps: [{
          Name: 'AbaloneMSEFail',
          Type: 'Fail',
          Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['Execution failed due to MSE >', { Get: 'Parameters.MseThreshold' }] } } },
        }],
      },
    },
  );
  return {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [
      { Name: 'ProcessingInstanceCount', Type: 'Integer', DefaultValue: 2 },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.m5.2xlarge' },
      { Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval' },
      { Name: 'InputData', Type: 'String', DefaultValue: `${BUCKET}/abalone-dataset.csv` },
      { Name: 'MseThreshold', Type: 'Float', DefaultValue: 6.0 },
    ],
    PipelineExperimentConfig: {
      ExperimentName: { Get: 'Execution.PipelineName' },
      TrialName: { Get: 'Execution.PipelineExecutionId' },
    },
    Steps: steps,
  };
}

/** Loads the Abalone pipeline into an emulator with its simulated durations and an evaluation result. */
export function installAbalone(emulator: SageMakerEmulator, options: AbaloneOptions & {
  name?: string;
  /** MSE the evaluation reports (default 3.1, under the default threshold 6.0 -> register). */
  mse?: number;
  parallelism?: number;
} = {}): { pipelineName: string; pipelineArn: string; versionId: number } {
  const name = options.name ?? ABALONE_PIPELINE;
  for (const [step, seconds] of Object.entries(ABALONE_DURATIONS)) emulator.script.setDuration(step, seconds);
  if (options.trainStepName) emulator.script.setDuration(options.trainStepName, ABALONE_DURATIONS.AbaloneTrain);
  emulator.script.setDuration('AbaloneFeatureSelect', 9 * 60);
  emulator.script.setOutputs('AbaloneEval', { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: options.mse ?? 3.1, standard_deviation: 1.8 } } } } });
  const r = emulator.loadPipeline({
    name,
    definition: abaloneDefinition(options),
    ...(options.parallelism ? { parallelism: { MaxParallelExecutionSteps: options.parallelism } } : {}),
  });
  return { pipelineName: name, ...r };
}

/**
 * A pipeline with two parallel training branches that join at an evaluation step:
 * Prepare -> TrainA, TrainB (both read Prepare) -> Compare (reads both) -> Publish.
 */
export function parallelDefinition(): Record<string, unknown> {
  const training = (name: string) => ({
    Name: name,
    Type: 'Training',
    Arguments: {
      AlgorithmSpecification: { TrainingImage: XGBOOST, TrainingInputMode: 'File' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.g5.xlarge', VolumeSizeInGB: 50 },
      RoleArn: ROLE,
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: 'Steps.Prepare.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' } } } }],
    },
  });
  return {
    Version: '2020-12-01',
    Parameters: [{ Name: 'Seed', Type: 'Integer', DefaultValue: 7 }],
    Steps: [
      {
        Name: 'Compare',
        Type: 'Processing',
        Arguments: {
          ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
          ProcessingInputs: [
            { InputName: 'a', S3Input: { S3Uri: { Get: 'Steps.TrainA.ModelArtifacts.S3ModelArtifacts' } } },
            { InputName: 'b', S3Input: { S3Uri: { Get: 'Steps.TrainB.ModelArtifacts.S3ModelArtifacts' } } },
          ],
        },
      },
      training('TrainB'),
      { Name: 'Publish', Type: 'RegisterModel', DependsOn: ['Compare'], Arguments: { ModelPackageGroupName: 'Champions' } },
      training('TrainA'),
      {
        Name: 'Prepare',
        Type: 'Processing',
        Arguments: {
          ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
          ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', S3Output: { S3Uri: 's3://bucket/train' } }] },
        },
      },
    ],
  };
}

/** Directory of the shared real-world fixtures (DESIGN.md: `../shared/fixtures/` next to the repository). */
export const FIXTURES_DIR = path.resolve(__dirname, '..', '..', 'shared', 'fixtures');

/** Reads a fixture as text; throws a clear error when the shared fixtures are not checked out next to the repo. */
export function readFixture(relative: string): string {
  const file = path.join(FIXTURES_DIR, relative);
  if (!existsSync(file)) throw new Error(`fixture ${relative} not found under ../shared/fixtures (DESIGN.md: real-world inputs live there)`);
  return readFileSync(file, 'utf8');
}
