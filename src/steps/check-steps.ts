import { Construct } from 'constructs';
import { ContainerJobProps, ProcessingInput, ProcessingOutput } from './common';
import { CacheableStepProps, Step, StepType } from './step';
import { SageMakerImageScope } from '../container-image';
import { bindImage, bindProcessingInputs, bindProcessingOutputs } from '../private/dsl/job-inputs';
import { renderProcessingArguments } from '../private/dsl/render-jobs';

/** What a Clarify check computes (`CheckType`). */
export enum ClarifyCheckType {
  /** Bias in the training data. */
  DATA_BIAS = 'DATA_BIAS',
  /** Bias in the model's predictions. */
  MODEL_BIAS = 'MODEL_BIAS',
  /** Feature attributions (SHAP). */
  MODEL_EXPLAINABILITY = 'MODEL_EXPLAINABILITY',
}

/** What a quality check computes (`CheckType`). */
export enum QualityCheckType {
  /** Statistics and constraints of the data. */
  DATA_QUALITY = 'DATA_QUALITY',
  /** Quality metrics of the model's predictions. */
  MODEL_QUALITY = 'MODEL_QUALITY',
}

/** Properties shared by Clarify and quality checks: the processing job that computes the baseline, and the check. */
export interface CheckStepProps extends CacheableStepProps, ContainerJobProps {
  /**
   * The job's inputs (the dataset, the analysis configuration, ...).
   *
   * @default - none
   */
  readonly inputs?: ProcessingInput[];
  /**
   * The job's outputs (where the baseline is written).
   *
   * @default - none
   */
  readonly outputs?: ProcessingOutput[];
  /**
   * Arguments passed to the container.
   *
   * @default - none
   */
  readonly containerArguments?: string[];
  /**
   * The model package group whose latest approved baselines are checked against.
   *
   * @default - none
   */
  readonly modelPackageGroupName?: string;
  /**
   * Compute the baseline but skip the check (e.g. on the first run).
   *
   * @default false
   */
  readonly skipCheck?: boolean;
  /**
   * Make the newly computed baseline the one later runs check against.
   *
   * @default false
   */
  readonly registerNewBaseline?: boolean;
  /**
   * Fail the step when the check finds a violation.
   *
   * @default true
   */
  readonly failOnViolation?: boolean;
  /**
   * A baseline constraints file to check against instead of the registered one.
   *
   * @default - the registered baseline
   */
  readonly suppliedBaselineConstraints?: string;
}

/** Properties of a Clarify check step. */
export interface ClarifyCheckStepProps extends CheckStepProps {
  /** What the check computes. */
  readonly checkType: ClarifyCheckType;
  /**
   * The model to analyse (model bias and explainability checks).
   *
   * @default - none
   */
  readonly modelName?: string;
}

/** Properties of a quality check step. */
export interface QualityCheckStepProps extends CheckStepProps {
  /** What the check computes. */
  readonly checkType: QualityCheckType;
  /**
   * A baseline statistics file to check against instead of the registered one.
   *
   * @default - the registered baseline
   */
  readonly suppliedBaselineStatistics?: string;
}

/** Shared rendering and properties of the two check steps. */
abstract class CheckStep extends Step {
  /** The S3 URI of the constraints computed by this run (`CalculatedBaselineConstraints`). */
  public get calculatedBaselineConstraints(): string {
    return this.property('CalculatedBaselineConstraints');
  }

  /** The S3 URI of the constraints this run checked against (`BaselineUsedForDriftCheckConstraints`). */
  public get baselineUsedForDriftCheckConstraints(): string {
    return this.property('BaselineUsedForDriftCheckConstraints');
  }

  /**
   * The props with the image and locations bound: plain URIs only.
   *
   * @internal
   */
  protected _bindJob<P extends CheckStepProps>(props: P): P {
    return {
      ...props,
      imageUri: bindImage(this, '', props, props.role, SageMakerImageScope.PROCESSING, props.instanceType),
      inputs: bindProcessingInputs(this, props.inputs, props.role),
      outputs: bindProcessingOutputs(this, props.outputs, props.role),
    };
  }

  /** Renders the check's top-level fields next to the processing arguments. */
  protected renderCheck(props: CheckStepProps, checkType: string, extra: Record<string, any>): any {
    return this.renderStep(this.renderArguments(renderProcessingArguments(props), props.additionalArguments), {
      CheckType: checkType,
      ModelPackageGroupName: props.modelPackageGroupName,
      SkipCheck: props.skipCheck ?? false,
      FailOnViolation: props.failOnViolation ?? true,
      RegisterNewBaseline: props.registerNewBaseline ?? false,
      SuppliedBaselineConstraints: props.suppliedBaselineConstraints,
      ...extra,
      CacheConfig: this.renderCacheConfig(props.cache),
    });
  }
}

/**
 * A SageMaker Clarify check (`"Type": "ClarifyCheck"`): computes a bias or explainability baseline with a
 * processing job and checks it against the registered one.
 *
 * Rendered like the SageMaker Python SDK's `ClarifyCheckStep` (`sagemaker/workflow/clarify_check_step.py`): a
 * processing request as `Arguments`, plus `CheckType`, `ModelPackageGroupName`, `SkipCheck`, `FailOnViolation`,
 * `RegisterNewBaseline`, `SuppliedBaselineConstraints` and `ModelName`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-clarify-check
 */
export class ClarifyCheckStep extends CheckStep {
  private readonly props: ClarifyCheckStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job and the check
   */
  constructor(scope: Construct, id: string, props: ClarifyCheckStepProps) {
    super(scope, id, StepType.CLARIFY_CHECK, props);
    this.props = this._bindJob(props);
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderCheck(this.props, this.props.checkType, { ModelName: this.props.modelName });
  }
}

/**
 * A data or model quality check (`"Type": "QualityCheck"`): computes statistics and constraints with a
 * processing job (typically the Model Monitor analyzer image) and checks them against the registered baseline.
 *
 * Rendered like the SageMaker Python SDK's `QualityCheckStep` (`sagemaker/workflow/quality_check_step.py`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-quality-check
 */
export class QualityCheckStep extends CheckStep {
  private readonly props: QualityCheckStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job and the check
   */
  constructor(scope: Construct, id: string, props: QualityCheckStepProps) {
    super(scope, id, StepType.QUALITY_CHECK, props);
    this.props = this._bindJob(props);
  }

  /** The S3 URI of the statistics computed by this run (`CalculatedBaselineStatistics`). */
  public get calculatedBaselineStatistics(): string {
    return this.property('CalculatedBaselineStatistics');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderCheck(this.props, this.props.checkType, { SuppliedBaselineStatistics: this.props.suppliedBaselineStatistics });
  }
}
