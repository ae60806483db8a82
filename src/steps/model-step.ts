import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RetryableStepProps, Step, StepType } from './step';
import { compact } from '../private/dsl/merge';

/** Properties of a create-model step. */
export interface CreateModelStepProps extends RetryableStepProps {
  /** The role the model runs with (`ExecutionRoleArn`; the pipeline role gets `iam:PassRole` on it). */
  readonly role: iam.IRole;
  /** The inference image URI (`PrimaryContainer.Image`). */
  readonly imageUri: string;
  /**
   * The model artifacts, typically `training.modelArtifactsUri` (`PrimaryContainer.ModelDataUrl`).
   *
   * @default - none
   */
  readonly modelDataUrl?: string;
  /**
   * Environment variables of the inference container.
   *
   * @default {}
   */
  readonly environment?: { [key: string]: string };
  /**
   * Raw `Arguments` deep-merged over the typed ones (a `CreateModel` request), e.g. `{ VpcConfig: {...} }`.
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Creates a SageMaker model (`"Type": "Model"`; arguments are a `CreateModel` request without `ModelName`).
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-create-model
 */
export class CreateModelStep extends Step {
  private readonly props: CreateModelStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the model
   */
  constructor(scope: Construct, id: string, props: CreateModelStepProps) {
    super(scope, id, StepType.MODEL, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
  }

  /** The name of the created model, for a transform step (`ModelName`). */
  public get modelName(): string {
    return this.property('ModelName');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    const args = {
      ExecutionRoleArn: p.role.roleArn,
      PrimaryContainer: compact({ Image: p.imageUri, Environment: p.environment ?? {}, ModelDataUrl: p.modelDataUrl }),
    };
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
