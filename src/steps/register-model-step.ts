import { Construct } from 'constructs';
import { RetryableStepProps, Step, StepType } from './step';
import { ContainerImage, SageMakerImageScope } from '../container-image';
import { bindImage } from '../private/dsl/job-inputs';
import { compact } from '../private/dsl/merge';

/**
 * The approval status of a registered model package version.
 *
 * The service's three values, plus `of()` for a run-time value such as a parameter (`param.valueAsString`).
 */
export class ModelApprovalStatus {
  /** Approved: may be deployed. */
  public static readonly APPROVED = new ModelApprovalStatus('Approved');
  /** Rejected. */
  public static readonly REJECTED = new ModelApprovalStatus('Rejected');
  /** Waiting for a person to approve or reject it. */
  public static readonly PENDING_MANUAL_APPROVAL = new ModelApprovalStatus('PendingManualApproval');

  /**
   * A status given as a string, typically a pipeline parameter.
   *
   * @param value e.g. `approvalParameter.valueAsString`
   */
  public static of(value: string): ModelApprovalStatus {
    return new ModelApprovalStatus(value);
  }

  /** The status string, e.g. `Approved`, or a token. */
  public readonly value: string;

  /** @param value the status string */
  private constructor(value: string) {
    this.value = value;
  }
}

/** A container of a model package. */
export interface ModelPackageContainer {
  /**
   * The inference image: a SageMaker framework image (inference scope by default), an ECR repository, a Docker
   * build context of the app, or any registry URI. Nothing is granted: the models created from the package pull
   * it with their own role. Set this or `imageUri`.
   *
   * @default - `imageUri`
   */
  readonly image?: ContainerImage;
  /**
   * The inference image URI as a string (`Image`). Set this or `image`.
   *
   * @default - `image`
   */
  readonly imageUri?: string;
  /**
   * The model artifacts, typically `training.modelArtifactsUri` (`ModelDataUrl`).
   *
   * @default - none
   */
  readonly modelDataUrl?: string;
  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };
}

/** A metrics file attached to a model package (`ModelMetrics.*.Statistics/Constraints`). */
export interface MetricsSource {
  /** The file's S3 URI. */
  readonly s3Uri: string;
  /**
   * The file's MIME type.
   *
   * @default 'application/json'
   */
  readonly contentType?: string;
}

/** Properties of a register-model step. */
export interface RegisterModelStepProps extends RetryableStepProps {
  /** The model package group to add a version to (`ModelPackageGroupName`). */
  readonly modelPackageGroupName: string;
  /** The inference containers. */
  readonly containers: ModelPackageContainer[];
  /** The request MIME types the model accepts (`SupportedContentTypes`). */
  readonly contentTypes: string[];
  /** The response MIME types the model returns (`SupportedResponseMIMETypes`). */
  readonly responseTypes: string[];
  /**
   * Instance types for real-time inference.
   *
   * @default - none
   */
  readonly inferenceInstanceTypes?: string[];
  /**
   * Instance types for batch transform.
   *
   * @default - none
   */
  readonly transformInstanceTypes?: string[];
  /**
   * The version's approval status.
   *
   * @default - SageMaker's default, PendingManualApproval
   */
  readonly approvalStatus?: ModelApprovalStatus;
  /**
   * A description of the model package version (`ModelPackageDescription`).
   *
   * @default - none
   */
  readonly modelPackageDescription?: string;
  /**
   * Model quality statistics (`ModelMetrics.ModelQuality.Statistics`).
   *
   * @default - none
   */
  readonly modelQualityStatistics?: MetricsSource;
  /**
   * Model quality constraints (`ModelMetrics.ModelQuality.Constraints`).
   *
   * @default - none
   */
  readonly modelQualityConstraints?: MetricsSource;
  /**
   * Data quality statistics (`ModelMetrics.ModelDataQuality.Statistics`).
   *
   * @default - none
   */
  readonly dataQualityStatistics?: MetricsSource;
  /**
   * Data quality constraints (`ModelMetrics.ModelDataQuality.Constraints`).
   *
   * @default - none
   */
  readonly dataQualityConstraints?: MetricsSource;
  /**
   * Custom metadata (`CustomerMetadataProperties`).
   *
   * @default - none
   */
  readonly customerMetadata?: { [key: string]: string };
  /**
   * Raw `Arguments` deep-merged over the typed ones (a `CreateModelPackage` request), e.g. `{ DriftCheckBaselines: {...} }`.
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/**
 * Registers a model package version (`"Type": "RegisterModel"`; arguments are a `CreateModelPackage` request).
 *
 * The SageMaker Python SDK names these steps `<name>-RegisterModel`; pass `stepName` to keep such a name.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-register-model
 */
export class RegisterModelStep extends Step {
  private readonly props: RegisterModelStepProps;
  /** The containers' image URIs. */
  private readonly imageUris: string[];

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the model package
   */
  constructor(scope: Construct, id: string, props: RegisterModelStepProps) {
    super(scope, id, StepType.REGISTER_MODEL, props);
    this.props = props;
    this.validateRetryPolicies(props.retryPolicies);
    this.imageUris = props.containers.map((c, i) => bindImage(this, `containers[${i}]`, c, undefined, SageMakerImageScope.INFERENCE));
  }

  /** The ARN of the registered model package version (`ModelPackageArn`). */
  public get modelPackageArn(): string {
    return this.property('ModelPackageArn');
  }

  /** Renders the step object. */
  public toStepJson(): any {
    const p = this.props;
    const source = (s?: MetricsSource) => (s ? { ContentType: s.contentType ?? 'application/json', S3Uri: s.s3Uri } : undefined);
    const quality = compact({ Statistics: source(p.modelQualityStatistics), Constraints: source(p.modelQualityConstraints) });
    const dataQuality = compact({ Statistics: source(p.dataQualityStatistics), Constraints: source(p.dataQualityConstraints) });
    const metrics = compact({
      ModelQuality: Object.keys(quality).length > 0 ? quality : undefined,
      ModelDataQuality: Object.keys(dataQuality).length > 0 ? dataQuality : undefined,
    });
    const args = compact({
      ModelPackageGroupName: p.modelPackageGroupName,
      ModelPackageDescription: p.modelPackageDescription,
      ModelMetrics: Object.keys(metrics).length > 0 ? metrics : undefined,
      CustomerMetadataProperties: p.customerMetadata,
      InferenceSpecification: compact({
        Containers: p.containers.map((c, i) => compact({ Image: this.imageUris[i], Environment: c.environment, ModelDataUrl: c.modelDataUrl })),
        SupportedContentTypes: p.contentTypes,
        SupportedResponseMIMETypes: p.responseTypes,
        SupportedRealtimeInferenceInstanceTypes: p.inferenceInstanceTypes,
        SupportedTransformInstanceTypes: p.transformInstanceTypes,
      }),
      ModelApprovalStatus: p.approvalStatus?.value,
    });
    return this.renderStep(this.renderArguments(args, p.additionalArguments), {
      RetryPolicies: this.renderRetryPolicies(p.retryPolicies),
    });
  }
}
