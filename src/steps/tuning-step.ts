import { Construct } from 'constructs';
import { ContainerJobProps, MetricDefinition, TrainingChannel, TrainingInputMode } from './common';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { Join } from '../expressions';
import { bindTrainingJob } from '../private/dsl/job-inputs';
import { compact } from '../private/dsl/merge';
import { renderChannels, renderStoppingCondition } from '../private/dsl/render-jobs';
import { ConstructValidationError } from '../private/errors';
import { S3Location } from '../s3-location';

/** How a hyperparameter's range is searched (`ScalingType`). */
export enum HyperparameterScalingType {
  /** SageMaker chooses. */
  AUTO = 'Auto',
  /** Linear scale. */
  LINEAR = 'Linear',
  /** Logarithmic scale (positive ranges only). */
  LOGARITHMIC = 'Logarithmic',
  /** Reverse logarithmic scale (continuous ranges within [0, 1) only). */
  REVERSE_LOGARITHMIC = 'ReverseLogarithmic',
}

/** Whether the objective metric is maximized or minimized. */
export enum TuningObjectiveType {
  /** Higher is better. */
  MAXIMIZE = 'Maximize',
  /** Lower is better. */
  MINIMIZE = 'Minimize',
}

/** The search strategy of a tuning job. */
export enum TuningStrategy {
  /** Bayesian optimization. */
  BAYESIAN = 'Bayesian',
  /** Random search. */
  RANDOM = 'Random',
  /** Hyperband. */
  HYPERBAND = 'Hyperband',
  /** Grid search (categorical ranges only). */
  GRID = 'Grid',
}

/** The range a tuning job searches for one hyperparameter. */
export abstract class HyperparameterRange {
  /**
   * Integer values from `minValue` to `maxValue`.
   *
   * @param name the hyperparameter
   * @param minValue the lowest value
   * @param maxValue the highest value
   * @param scaling how the range is searched
   */
  public static integer(name: string, minValue: number, maxValue: number, scaling?: HyperparameterScalingType): HyperparameterRange {
    return new NumericRange('IntegerParameterRanges', name, minValue, maxValue, scaling);
  }

  /**
   * Real values from `minValue` to `maxValue`.
   *
   * @param name the hyperparameter
   * @param minValue the lowest value
   * @param maxValue the highest value
   * @param scaling how the range is searched
   */
  public static continuous(name: string, minValue: number, maxValue: number, scaling?: HyperparameterScalingType): HyperparameterRange {
    return new NumericRange('ContinuousParameterRanges', name, minValue, maxValue, scaling);
  }

  /**
   * One of the given values.
   *
   * @param name the hyperparameter
   * @param values the candidates
   */
  public static categorical(name: string, values: string[]): HyperparameterRange {
    return new CategoricalRange(name, values);
  }

  /** The hyperparameter's name. */
  public abstract readonly name: string;

  /**
   * The `ParameterRanges` key and entry.
   *
   * @internal
   */
  public abstract _render(): { key: string; json: any };
}

class NumericRange extends HyperparameterRange {
  constructor(private readonly key: string, public readonly name: string, private readonly minValue: number,
    private readonly maxValue: number, private readonly scaling?: HyperparameterScalingType) {
    super();
  }

  public _render() {
    return {
      key: this.key,
      json: { Name: this.name, MinValue: String(this.minValue), MaxValue: String(this.maxValue), ScalingType: this.scaling ?? 'Auto' },
    };
  }
}

class CategoricalRange extends HyperparameterRange {
  constructor(public readonly name: string, private readonly values: string[]) {
    super();
  }

  public _render() {
    return { key: 'CategoricalParameterRanges', json: { Name: this.name, Values: this.values } };
  }
}

/** Properties of a tuning step. */
export interface TuningStepProps extends RetryableStepProps, CacheableStepProps, ContainerJobProps {
  /**
   * Where the training jobs write their models, as a string (`OutputDataConfig.S3OutputPath`). Set this or
   * `outputLocation`.
   *
   * @default - `outputLocation`
   */
  readonly outputPath?: string;
  /**
   * Where the training jobs write their models, in a bucket of the app: the job's role gets write access to that
   * prefix. Set this or `outputPath`.
   *
   * @default - `outputPath`
   */
  readonly outputLocation?: S3Location;
  /** The metric to optimize, as named in `metricDefinitions` (or by a built-in algorithm). */
  readonly objectiveMetricName: string;
  /**
   * Whether to maximize or minimize the metric.
   *
   * @default TuningObjectiveType.MAXIMIZE
   */
  readonly objectiveType?: TuningObjectiveType;
  /** The hyperparameters to tune. */
  readonly ranges: HyperparameterRange[];
  /** The most training jobs the tuning job starts. */
  readonly maxTrainingJobs: number;
  /**
   * The most training jobs that run at the same time.
   *
   * @default 1
   */
  readonly maxParallelTrainingJobs?: number;
  /**
   * The search strategy.
   *
   * @default TuningStrategy.BAYESIAN
   */
  readonly strategy?: TuningStrategy;
  /**
   * How metrics are found in the logs (custom containers).
   *
   * @default - none: the algorithm's built-in metrics
   */
  readonly metricDefinitions?: MetricDefinition[];
  /**
   * Hyperparameters that are not tuned.
   *
   * @default - none
   */
  readonly staticHyperparameters?: { [key: string]: string };
  /**
   * The input channels.
   *
   * @default - none
   */
  readonly inputs?: TrainingChannel[];
}

/**
 * Runs a hyperparameter tuning job (`"Type": "Tuning"`; arguments are a `CreateHyperParameterTuningJob` request
 * without the job name).
 *
 * Note that SageMaker never retries `SageMaker.JOB_INTERNAL_ERROR` for tuning steps, even with a retry policy.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-tuning
 */
export class TuningStep extends Step {
  /** The props with the image and locations bound: plain URIs only. */
  private readonly job: TuningStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the tuning job
   */
  constructor(scope: Construct, id: string, props: TuningStepProps) {
    super(scope, id, StepType.TUNING, props);
    this.validateRetryPolicies(props.retryPolicies);
    if (props.ranges.length === 0) {
      throw new ConstructValidationError(this, 'TuningStep.Ranges',
        'ranges is empty. Give at least one HyperparameterRange, e.g. HyperparameterRange.continuous(\'eta\', 0.1, 0.5).');
    }
    this.job = { ...props, ...bindTrainingJob(this, props) };
  }

  /** The name of the best training job (`BestTrainingJob.TrainingJobName`). */
  public get bestTrainingJobName(): string {
    return this.property('BestTrainingJob.TrainingJobName');
  }

  /**
   * The S3 URI of the model of the `rank`-th best training job (0 is the best), like the SageMaker Python SDK's
   * `TuningStep.get_top_model_s3_uri`: `<outputPath>/<training job name>/output/model.tar.gz`.
   *
   * @param rank 0 for the best model
   */
  public topModelUri(rank: number): string {
    const prefix = this.job.outputPath!.replace(/\/+$/, '');
    return Join.of('/', [prefix, this.property(`TrainingJobSummaries[${rank}].TrainingJobName`), 'output/model.tar.gz']);
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.job;
    const ranges: Record<string, any[]> = { IntegerParameterRanges: [], ContinuousParameterRanges: [], CategoricalParameterRanges: [] };
    for (const r of p.ranges) {
      const { key, json } = r._render();
      ranges[key].push(json);
    }
    const args = {
      HyperParameterTuningJobConfig: {
        Strategy: p.strategy ?? TuningStrategy.BAYESIAN,
        HyperParameterTuningJobObjective: { Type: p.objectiveType ?? TuningObjectiveType.MAXIMIZE, MetricName: p.objectiveMetricName },
        ResourceLimits: { MaxNumberOfTrainingJobs: p.maxTrainingJobs, MaxParallelTrainingJobs: p.maxParallelTrainingJobs ?? 1 },
        ParameterRanges: ranges,
        TrainingJobEarlyStoppingType: 'Off',
      },
      TrainingJobDefinition: compact({
        StaticHyperParameters: p.staticHyperparameters,
        RoleArn: p.role.roleArn,
        OutputDataConfig: { S3OutputPath: p.outputPath },
        StoppingCondition: renderStoppingCondition(p.maxRuntime),
        ResourceConfig: { InstanceCount: p.instanceCount ?? 1, InstanceType: p.instanceType, VolumeSizeInGB: p.volumeSizeInGb ?? 30 },
        AlgorithmSpecification: compact({
          TrainingInputMode: TrainingInputMode.FILE,
          TrainingImage: p.imageUri,
          MetricDefinitions: p.metricDefinitions?.map((m) => ({ Name: m.name, Regex: m.regex })),
        }),
        InputDataConfig: renderChannels(p.inputs),
        Environment: p.environment,
      }),
    };
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      CacheConfig: this.renderCacheConfig(p.cache),
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
