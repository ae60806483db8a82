import { Construct } from 'constructs';
import { CacheableStepProps, Step, StepType } from './step';
import { compact } from '../private/dsl/merge';

/** Properties of an EMR step. */
export interface EmrStepProps extends CacheableStepProps {
  /** The id of the running EMR cluster, e.g. `j-1ABCDEFGHIJKL` (the pipeline role may add steps to it). */
  readonly clusterId: string;
  /** The JAR to run (`HadoopJarStep.Jar`), e.g. `command-runner.jar`. */
  readonly jar: string;
  /**
   * Arguments of the JAR's main function.
   *
   * @default - none
   */
  readonly args?: string[];
  /**
   * The main class, if the JAR's manifest names none.
   *
   * @default - from the JAR's manifest
   */
  readonly mainClass?: string;
  /**
   * Java properties set when the step runs.
   *
   * @default - none
   */
  readonly properties?: { [key: string]: string };
  /**
   * Raw `Arguments` deep-merged over the typed ones (objects merge, anything else replaces, `null` removes).
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Runs a step on a running Amazon EMR cluster (`"Type": "EMR"`).
 *
 * Rendered like the SageMaker Python SDK's `EMRStep` (`sagemaker/workflow/emr_step.py`):
 * `Arguments: {ClusterId, StepConfig: {HadoopJarStep: {Jar, Args, MainClass, Properties}}}`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-emr
 */
export class EmrStep extends Step {
  private readonly props: EmrStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the cluster and the JAR step
   */
  constructor(scope: Construct, id: string, props: EmrStepProps) {
    super(scope, id, StepType.EMR, props);
    this.props = props;
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    return this.renderStep(this.renderArguments({
      ClusterId: p.clusterId,
      StepConfig: {
        HadoopJarStep: compact({
          Jar: p.jar,
          Args: p.args,
          MainClass: p.mainClass,
          Properties: p.properties ? Object.entries(p.properties).map(([Key, Value]) => ({ Key, Value })) : undefined,
        }),
      },
    }, p.additionalArguments), { CacheConfig: this.renderCacheConfig(p.cache) });
  }
}
