import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RetryableStepProps, Step, StepType } from './step';
import { ContainerImage, SageMakerImageScope } from '../container-image';
import { bindImage, bindLocation } from '../private/dsl/job-inputs';
import { compact } from '../private/dsl/merge';
import { S3Access, S3Location } from '../s3-location';

/** Properties of a create-model step. */
export interface CreateModelStepProps extends RetryableStepProps {
  /** The role the model runs with (`ExecutionRoleArn`; the pipeline role gets `iam:PassRole` on it). */
  readonly role: iam.IRole;
  /**
   * The inference image: a SageMaker framework image (inference scope by default), an ECR repository or a Docker
   * build context of the app (the role gets pull access), or any registry URI. Set this or `imageUri`.
   *
   * @default - `imageUri`
   */
  readonly image?: ContainerImage;
  /**
   * The inference image URI as a string (`PrimaryContainer.Image`). Set this or `image`.
   *
   * @default - `image`
   */
  readonly imageUri?: string;
  /**
   * The model artifacts as a string, typically `training.modelArtifactsUri` (`PrimaryContainer.ModelDataUrl`).
   *
   * @default - none, or `modelData`
   */
  readonly modelDataUrl?: string;
  /**
   * The model artifacts, an object in a bucket of the app: the role gets read access to it. Set this or
   * `modelDataUrl`, or neither.
   *
   * @default - none, or `modelDataUrl`
   */
  readonly modelData?: S3Location;
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
  /** The props with the image and locations bound: plain URIs only. */
  private readonly job: CreateModelStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the model
   */
  constructor(scope: Construct, id: string, props: CreateModelStepProps) {
    super(scope, id, StepType.MODEL, props);
    this.validateRetryPolicies(props.retryPolicies);
    this.job = {
      ...props,
      imageUri: bindImage(this, '', props, props.role, SageMakerImageScope.INFERENCE),
      modelDataUrl: props.modelData || props.modelDataUrl !== undefined
        ? bindLocation(this, '', { s3Uri: props.modelDataUrl, location: props.modelData }, props.role, S3Access.READ, 'modelDataUrl', 'modelData')
        : undefined,
    };
  }

  /** The name of the created model, for a transform step (`ModelName`). */
  public get modelName(): string {
    return this.property('ModelName');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.job;
    const args = {
      ExecutionRoleArn: p.role.roleArn,
      PrimaryContainer: compact({ Image: p.imageUri, Environment: p.environment ?? {}, ModelDataUrl: p.modelDataUrl }),
    };
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
