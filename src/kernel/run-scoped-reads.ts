/**
 * Which steps read a value built from the identity of the run, so that a selective execution can break them.
 *
 * A selective execution is a new execution: `Execution.PipelineExecutionId`, `Execution.PipelineExecutionArn` and
 * `Execution.StartDateTime` are the new run's, while the steps it reuses keep what they wrote during the failed run
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html: "for non-selected steps ... the
 * selective execution reuses the outputs from the reference pipeline execution"). Data passed with step properties
 * (`Get: Steps.X...`) follows the reused step to where it wrote; a path rebuilt from the run's identity does not.
 *
 * The rule, as precisely as the definition allows: a step *reads a run-scoped value* when one of those variables
 * sits in the step's own values (see `definition-model.ts`), except where the value cannot be used to read data:
 * - the step's own output locations, where its job writes (the S3 URIs of `ProcessingOutputConfig.Outputs`,
 *   `OutputDataConfig`, `TransformOutput`, checkpoints, debugger and profiler output): a retried step writes under the
 *   new run and later steps find it through its properties;
 * - text meant for people: a Fail step's `ErrorMessage`, a step's `DisplayName`/`Description`, `Tags`, a registered
 *   model version's `CustomerMetadataProperties` and `ModelPackageDescription`;
 * - anything outside the steps, such as `PipelineExperimentConfig` (the trial name is the execution id by default).
 * Everything else (inputs, environment variables, hyperparameters, container arguments, Lambda and Callback inputs,
 * Condition operands) may be how the step finds data another step wrote under the run's identity, so it counts.
 * Job code the definition does not show (a processing script composing the path itself) cannot be seen.
 */
import { DefinitionModel, DefinitionReference, JsonPath } from './definition-model';

/** Execution variables whose value is different in a selective execution than in the run it retries. */
export const RUN_SCOPED_VARIABLES: readonly string[] = ['PipelineExecutionId', 'PipelineExecutionArn', 'StartDateTime'];

/** A step's use of a run-scoped execution variable in a value it may read data with. */
export interface RunScopedRead {
  /** The step. */
  readonly step: string;
  /** The variable, e.g. `PipelineExecutionId`. */
  readonly variable: string;
  /** Where the `Get` sits in the step's object. */
  readonly path: JsonPath;
}

/** `*` matches any list index or key. */
type PathPattern = ReadonlyArray<string>;

/**
 * Output locations per step type, from the job APIs: ProcessingS3Output.S3Uri
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProcessingS3Output.html), OutputDataConfig.S3OutputPath
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_OutputDataConfig.html), CheckpointConfig.S3Uri,
 * DebugHookConfig/ProfilerConfig/TensorBoardOutputConfig S3OutputPath (API_CreateTrainingJob),
 * TransformOutput.S3OutputPath (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformOutput.html),
 * AutoMLOutputDataConfig.S3OutputPath (API_CreateAutoMLJob).
 */
const PROCESSING_OUTPUTS: PathPattern[] = [['Arguments', 'ProcessingOutputConfig', 'Outputs', '*', 'S3Output', 'S3Uri']];
const TRAINING_OUTPUTS: PathPattern[] = [
  ['Arguments', 'OutputDataConfig', 'S3OutputPath'],
  ['Arguments', 'CheckpointConfig', 'S3Uri'],
  ['Arguments', 'DebugHookConfig', 'S3OutputPath'],
  ['Arguments', 'ProfilerConfig', 'S3OutputPath'],
  ['Arguments', 'TensorBoardOutputConfig', 'S3OutputPath'],
];
const OUTPUT_LOCATIONS: Readonly<Record<string, PathPattern[]>> = {
  Processing: PROCESSING_OUTPUTS,
  ClarifyCheck: PROCESSING_OUTPUTS,
  QualityCheck: PROCESSING_OUTPUTS,
  Training: TRAINING_OUTPUTS,
  Tuning: [
    ['Arguments', 'TrainingJobDefinition', 'OutputDataConfig', 'S3OutputPath'],
    ['Arguments', 'TrainingJobDefinition', 'CheckpointConfig', 'S3Uri'],
    ['Arguments', 'TrainingJobDefinitions', '*', 'OutputDataConfig', 'S3OutputPath'],
    ['Arguments', 'TrainingJobDefinitions', '*', 'CheckpointConfig', 'S3Uri'],
  ],
  Transform: [['Arguments', 'TransformOutput', 'S3OutputPath']],
  AutoML: [['Arguments', 'OutputDataConfig', 'S3OutputPath']],
};

/** Text for people, in every step type. */
const DESCRIPTIVE: PathPattern[] = [['DisplayName'], ['Description'], ['Arguments', 'Tags']];
const DESCRIPTIVE_BY_TYPE: Readonly<Record<string, PathPattern[]>> = {
  Fail: [['Arguments', 'ErrorMessage']],
  // Recorded on the model package version for people and catalogues (API_CreateModelPackage), not read by a step.
  RegisterModel: [['Arguments', 'CustomerMetadataProperties'], ['Arguments', 'ModelPackageDescription']],
};

/** Every read of a run-scoped value by a step, in document order (see the module comment for the rule). */
export function runScopedReads(model: DefinitionModel): RunScopedRead[] {
  const reads: RunScopedRead[] = [];
  for (const reference of model.references) {
    if (!isRunScoped(reference) || reference.step === undefined) continue;
    const type = model.steps.get(reference.step)!.type;
    const exempt = [...(OUTPUT_LOCATIONS[type] ?? []), ...DESCRIPTIVE, ...(DESCRIPTIVE_BY_TYPE[type] ?? [])];
    if (exempt.some((pattern) => startsWith(reference.path, pattern))) continue;
    reads.push({ step: reference.step, variable: reference.name, path: reference.path });
  }
  return reads;
}

function isRunScoped(reference: DefinitionReference): boolean {
  return reference.namespace === 'Execution' && RUN_SCOPED_VARIABLES.includes(reference.name);
}

function startsWith(path: JsonPath, pattern: PathPattern): boolean {
  if (path.length < pattern.length) return false;
  return pattern.every((segment, i) => segment === '*' || segment === path[i]);
}
