import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CacheableStepProps, RetryableStepProps, Step, StepType } from './step';
import { compact } from '../private/dsl/merge';

/** The kind of problem an AutoML job solves. */
export enum AutoMLProblemType {
  /** Two classes. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** More than two classes. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** A number. */
  REGRESSION = 'Regression',
}

/** How an AutoML job trains candidates. */
export enum AutoMLMode {
  /** Ensembling (the only mode the SageMaker Python SDK's AutoMLStep supports). */
  ENSEMBLING = 'ENSEMBLING',
  /** Hyperparameter optimization. */
  HYPERPARAMETER_TUNING = 'HYPERPARAMETER_TUNING',
  /** SageMaker chooses. */
  AUTO = 'AUTO',
}

/** Properties of an AutoML step. */
export interface AutoMLStepProps extends RetryableStepProps, CacheableStepProps {
  /** The role the job runs with (the pipeline role gets `iam:PassRole` on it). */
  readonly role: iam.IRole;
  /** The tabular training data (CSV or Parquet). */
  readonly inputUri: string;
  /** The column to predict. */
  readonly targetAttributeName: string;
  /** Where the job writes its outputs. */
  readonly outputPath: string;
  /**
   * The problem type.
   *
   * @default - inferred by SageMaker
   */
  readonly problemType?: AutoMLProblemType;
  /**
   * The objective metric, e.g. `F1`, `MSE`.
   *
   * @default - SageMaker's default for the problem type
   */
  readonly objectiveMetricName?: string;
  /**
   * The training mode.
   *
   * @default AutoMLMode.ENSEMBLING
   */
  readonly mode?: AutoMLMode;
  /**
   * The most candidates to try.
   *
   * @default - SageMaker's default
   */
  readonly maxCandidates?: number;
  /**
   * The longest the whole job may run.
   *
   * @default - SageMaker's default
   */
  readonly maxRuntime?: Duration;
  /**
   * The input's MIME type, e.g. `text/csv;header=present`.
   *
   * @default - detected
   */
  readonly contentType?: string;
  /**
   * Raw `Arguments` deep-merged over the typed ones (a `CreateAutoMLJob` request without the job name).
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Runs an Autopilot (AutoML) job (`"Type": "AutoML"`).
 *
 * Note that SageMaker never retries `SageMaker.JOB_INTERNAL_ERROR` for AutoML steps, even with a retry policy.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-automl
 */
export class AutoMLStep extends Step {
  private readonly props: AutoMLStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the job
   */
  constructor(scope: Construct, id: string, props: AutoMLStepProps) {
    super(scope, id, StepType.AUTOML, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
  }

  /** The name of the best candidate (`BestCandidate.CandidateName`). */
  public get bestCandidateName(): string {
    return this.property('BestCandidate.CandidateName');
  }

  /** The S3 URI of the best candidate's model insights report. */
  public get modelInsightsReportUri(): string {
    return this.property('BestCandidateProperties.ModelInsightsJsonReportPath');
  }

  /** The S3 URI of the best candidate's explainability report. */
  public get explainabilityReportUri(): string {
    return this.property('BestCandidateProperties.ExplainabilityJsonReportPath');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    const criteria = compact({ MaxCandidates: p.maxCandidates, MaxAutoMLJobRuntimeInSeconds: p.maxRuntime?.toSeconds() });
    const args = compact({
      AutoMLJobConfig: compact({
        CompletionCriteria: Object.keys(criteria).length > 0 ? criteria : undefined,
        Mode: p.mode ?? AutoMLMode.ENSEMBLING,
      }),
      InputDataConfig: [compact({
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: p.inputUri } },
        TargetAttributeName: p.targetAttributeName,
        ContentType: p.contentType,
      })],
      OutputDataConfig: { S3OutputPath: p.outputPath },
      RoleArn: p.role.roleArn,
      ProblemType: p.problemType,
      AutoMLJobObjective: p.objectiveMetricName ? { MetricName: p.objectiveMetricName } : undefined,
    });
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      CacheConfig: this.renderCacheConfig(p.cache),
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
