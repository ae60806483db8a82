import {
  CallbackExpression,
  ExecutionVariableExpression,
  IStepLike,
  JoinExpression,
  StepPropertyExpression,
} from './private/dsl/references';

/**
 * Values SageMaker knows about the running execution, rendered as `{"Get": "Execution.<name>"}`.
 *
 * Each member is a string token usable in any step prop.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html
 * (names from the SageMaker Python SDK's `sagemaker/workflow/execution_variables.py`)
 */
export class ExecutionVariable {
  /** The time the execution started. */
  public static readonly START_DATE_TIME = new ExecutionVariableExpression('StartDateTime').asString();
  /** The current time. */
  public static readonly CURRENT_DATE_TIME = new ExecutionVariableExpression('CurrentDateTime').asString();
  /** The pipeline's name. */
  public static readonly PIPELINE_NAME = new ExecutionVariableExpression('PipelineName').asString();
  /** The pipeline's ARN. */
  public static readonly PIPELINE_ARN = new ExecutionVariableExpression('PipelineArn').asString();
  /** The execution's id. */
  public static readonly PIPELINE_EXECUTION_ID = new ExecutionVariableExpression('PipelineExecutionId').asString();
  /** The execution's ARN. */
  public static readonly PIPELINE_EXECUTION_ARN = new ExecutionVariableExpression('PipelineExecutionArn').asString();
  /** The name of the training job of the current step (training steps only). */
  public static readonly TRAINING_JOB_NAME = new ExecutionVariableExpression('TrainingJobName').asString();
  /** The name of the processing job of the current step (processing steps only). */
  public static readonly PROCESSING_JOB_NAME = new ExecutionVariableExpression('ProcessingJobName').asString();

  /**
   * Any execution variable by name, for variables newer than this library.
   *
   * @param variableName e.g. `PipelineExecutionId`
   */
  public static of(variableName: string): string {
    return new ExecutionVariableExpression(variableName).asString();
  }

  private constructor() {}
}

/**
 * `Std:Join`: joins values (literals, parameters, step properties, execution variables) at run time.
 *
 * A string that simply concatenates a literal with a reference (`` `${uri}/test.csv` ``) is rendered as a
 * `Std:Join` with an empty separator automatically; use this class for an explicit separator.
 */
export class Join {
  /**
   * Joins `values` with `separator` when the pipeline runs.
   *
   * @param separator the separator, e.g. `/`
   * @param values the values: strings, numbers and references
   * @returns a string token rendering as `{"Std:Join": {"On": separator, "Values": [...]}}`
   */
  public static of(separator: string, values: any[]): string {
    return new JoinExpression(separator, values).asString();
  }

  private constructor() {}
}

/** Properties of a property file. */
export interface PropertyFileProps {
  /** The name the definition gives the file (`PropertyFileName`), e.g. `EvaluationReport`. */
  readonly propertyFileName: string;
  /** The name of the processing output that holds the file (`OutputName`). */
  readonly outputName: string;
  /** The file's path inside that output (`FilePath`), e.g. `evaluation.json`. */
  readonly filePath: string;
}

/**
 * A JSON file written by a processing step, read at run time with `JsonGet.fromPropertyFile` (typically to feed a
 * Condition).
 *
 * Attach it to the step that writes it with the step's `propertyFiles` prop.
 */
export class PropertyFile {
  /** The name the definition gives the file. */
  public readonly propertyFileName: string;
  /** The name of the processing output that holds the file. */
  public readonly outputName: string;
  /** The file's path inside that output. */
  public readonly filePath: string;
  private owner?: IStepLike;

  /** @param props the file's name, output and path */
  constructor(props: PropertyFileProps) {
    this.propertyFileName = props.propertyFileName;
    this.outputName = props.outputName;
    this.filePath = props.filePath;
  }

  /**
   * Records the step that writes this file; a file belongs to one step.
   *
   * @internal
   */
  public _bind(step: IStepLike): void {
    if (this.owner && this.owner !== step) {
      throw new Error(`${step.node.path}: PropertyFile "${this.propertyFileName}" is already attached to step `
        + `"${this.owner.stepName}" (${this.owner.node.path}); a property file belongs to one step. Create another PropertyFile.`);
    }
    this.owner = step;
  }

  /**
   * The step that writes this file, if attached.
   *
   * @internal
   */
  public get _step(): IStepLike | undefined {
    return this.owner;
  }

  /**
   * The entry in the step's `PropertyFiles` list.
   *
   * @internal
   */
  public _toJson(): any {
    return { PropertyFileName: this.propertyFileName, OutputName: this.outputName, FilePath: this.filePath };
  }
}

/**
 * `Std:JsonGet`: reads a value from a JSON file at run time.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html
 */
export class JsonGet {
  /**
   * Reads `jsonPath` from a property file written by a processing step. Using it creates a data dependency on
   * that step.
   *
   * @param propertyFile the file, attached to its processing step with `propertyFiles`
   * @param jsonPath the JSONPath inside the file, e.g. `regression_metrics.mse.value`
   * @returns a string token; it may be compared with numbers in a `Condition`
   */
  public static fromPropertyFile(propertyFile: PropertyFile, jsonPath: string): string {
    return new CallbackExpression((context) => {
      const step = propertyFile._step;
      if (!step) {
        context.addProblem('Pipeline.PropertyFile', `PropertyFile "${propertyFile.propertyFileName}" is read with JsonGet `
          + 'but is not attached to any step. Pass it in the propertyFiles prop of the ProcessingStep that writes it.');
        return { 'Std:JsonGet': { PropertyFile: { Get: `Steps.?.PropertyFiles.${propertyFile.propertyFileName}` }, Path: jsonPath } };
      }
      return {
        'Std:JsonGet': {
          PropertyFile: new StepPropertyExpression(step, `PropertyFiles.${propertyFile.propertyFileName}`),
          Path: jsonPath,
        },
      };
    }).asString();
  }

  /**
   * Reads `jsonPath` from a JSON file at an S3 URI (which may itself be built from step properties with `Join`).
   *
   * @param s3Uri the file's S3 URI
   * @param jsonPath the JSONPath inside the file
   */
  public static fromS3Uri(s3Uri: string, jsonPath: string): string {
    return new CallbackExpression(() => ({ 'Std:JsonGet': { S3Uri: s3Uri, Path: jsonPath } })).asString();
  }

  private constructor() {}
}
