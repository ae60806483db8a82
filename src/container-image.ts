import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecr_assets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { ConstructValidationError } from './private/errors';
import { findSageMakerImage, registryAccount, SageMakerImage } from './private/sagemaker-image-uri';

/** The kind of job a SageMaker image is built for (the SageMaker Python SDK's `image_scope`). */
export enum SageMakerImageScope {
  /** Training (also used by processing steps that run a framework, like the SDK's `SKLearnProcessor`). */
  TRAINING = 'training',
  /** Inference: models, model packages and batch transform. */
  INFERENCE = 'inference',
  /** Processing-only images, such as `clarify`. */
  PROCESSING = 'processing',
  /** Model Monitor's analyzer (`model-monitor`). */
  MONITORING = 'monitoring',
}

/** Options of `ContainerImage.fromSageMakerImage`. */
export interface SageMakerImageOptions {
  /**
   * The kind of job the image is for.
   *
   * @default - the image's only scope, else the step's kind: `TRAINING` for processing, training and tuning steps,
   * `INFERENCE` for model and register-model steps
   */
  readonly imageScope?: SageMakerImageScope;
  /**
   * The processor variant, e.g. `cpu` or `gpu`, for images published in several.
   *
   * @default - the only one published, else chosen from the step's instance type (`ml.p*` and `ml.g*`: `gpu`,
   * others: `cpu`) like the SageMaker Python SDK
   */
  readonly processor?: string;
  /**
   * The Python version in the tag, e.g. `py312`, for images published for several.
   *
   * @default - the only one published
   */
  readonly pythonVersion?: string;
  /**
   * The region whose registry to pull from: SageMaker pulls images from the job's own region.
   *
   * @default - the stack's region; for a region-agnostic stack, the account is looked up at deploy time from a
   * `CfnMapping` of every region the image is published in
   */
  readonly region?: string;
}

/** Where and for whom a container image is used. */
export interface ContainerImageBindOptions {
  /**
   * The role the job or model runs with: SageMaker pulls private images with it.
   *
   * @default - no grant (e.g. a model package, whose models pull with their own role)
   */
  readonly role?: iam.IGrantable;
  /**
   * The job's instance type, to choose a SageMaker image's processor variant.
   *
   * @default - none
   */
  readonly instanceType?: string;
  /**
   * The scope of a SageMaker image with several, when none is set.
   *
   * @default SageMakerImageScope.TRAINING
   */
  readonly defaultImageScope?: SageMakerImageScope;
}

/** A container image bound to a step. */
export interface ContainerImageConfig {
  /** The image URI for the job's request. */
  readonly imageUri: string;
}

/**
 * The container image a step runs: any registry URI, an ECR repository of the app (the job's role gets pull
 * access), a Docker build context in the app (a CDK image asset, built and pushed when the app is published), or
 * one of SageMaker's framework and algorithm images by name and version.
 */
export abstract class ContainerImage {
  /**
   * An image by URI, e.g. one in another account. Grants nothing.
   *
   * @param imageUri `registry/repository[:tag]` or `registry/repository@digest`
   */
  public static fromRegistry(imageUri: string): ContainerImage {
    return new RegistryImage(imageUri);
  }

  /**
   * An image in an ECR repository; the role the step's job runs with gets pull access to it.
   *
   * @param repository the repository
   * @param tagOrDigest a tag, or a digest (`sha256:...`); `latest` when omitted
   */
  public static fromEcrRepository(repository: ecr.IRepository, tagOrDigest: string = 'latest'): ContainerImage {
    return new EcrImage(repository, tagOrDigest);
  }

  /**
   * An image built from a Docker build context in the app, as a CDK image asset: synth needs no Docker, the image
   * is built and pushed to the bootstrap repository when the app is published (`cdk deploy`). The role the step's
   * job runs with gets pull access.
   *
   * @param directory the build context, with a `Dockerfile`
   * @param options the asset's build options (build args, file, platform, ...)
   */
  public static fromAsset(directory: string, options: ecr_assets.DockerImageAssetOptions = {}): ContainerImage {
    return new AssetImage(directory, options);
  }

  /**
   * One of SageMaker's prebuilt framework or built-in algorithm images, e.g. `('sklearn', '1.2-1')` or
   * `('xgboost', '1.7-1')`, resolved like the SageMaker Python SDK's `image_uris.retrieve` from the registry
   * accounts AWS publishes per region. An unknown name, version or region is a synth error that lists the
   * alternatives. SageMaker pulls these with its own credentials, so nothing is granted.
   *
   * Covered: `xgboost`, `sklearn`, `pytorch`, `tensorflow`, `clarify`, `model-monitor` and the built-in
   * algorithms (`linear-learner`, `kmeans`, `knn`, `pca`, `lda`, `ntm`, `factorization-machines`,
   * `forecasting-deepar`, `blazingtext`, `image-classification`, `object-detection`, `semantic-segmentation`,
   * `seq2seq`, `ipinsights`, `object2vec`, `randomcutforest`).
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html
   * @param name the framework or algorithm, as the SDK names it
   * @param version the version, exactly as published, e.g. `1.2-1`
   * @param options scope, processor, Python version and region
   */
  public static fromSageMakerImage(name: string, version: string, options: SageMakerImageOptions = {}): ContainerImage {
    return new SageMakerFrameworkImage(name, version, options);
  }

  /**
   * Resolves the image for a step, creating what it needs in the step's scope and granting the role pull access.
   *
   * @param scope the step
   * @param options the role that pulls the image and the job's instance type
   */
  public abstract bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig;
}

class RegistryImage extends ContainerImage {
  constructor(private readonly imageUri: string) {
    super();
  }

  public bind(): ContainerImageConfig {
    return { imageUri: this.imageUri };
  }
}

class EcrImage extends ContainerImage {
  constructor(private readonly repository: ecr.IRepository, private readonly tagOrDigest: string) {
    super();
  }

  public bind(_scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    // The job's role pulls private images: https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
    if (options.role) this.repository.grantPull(options.role);
    return { imageUri: this.repository.repositoryUriForTagOrDigest(this.tagOrDigest) };
  }
}

class AssetImage extends ContainerImage {
  private asset?: ecr_assets.DockerImageAsset;

  constructor(private readonly directory: string, private readonly options: ecr_assets.DockerImageAssetOptions) {
    super();
  }

  public bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    // One asset however many steps run the image.
    this.asset ??= new ecr_assets.DockerImageAsset(scope, 'ImageAsset', { ...this.options, directory: this.directory });
    if (options.role) this.asset.repository.grantPull(options.role);
    return { imageUri: this.asset.imageUri };
  }
}

class SageMakerFrameworkImage extends ContainerImage {
  constructor(private readonly name: string, private readonly version: string, private readonly options: SageMakerImageOptions) {
    super();
  }

  public bind(scope: Construct, options: ContainerImageBindOptions): ContainerImageConfig {
    const fail = (message: string): never => {
      throw new ConstructValidationError(scope, 'ContainerImage.SageMakerImage', `image: ${message}`);
    };
    let image: SageMakerImage;
    try {
      image = findSageMakerImage({
        name: this.name,
        version: this.version,
        scope: this.options.imageScope,
        defaultScope: options.defaultImageScope ?? SageMakerImageScope.TRAINING,
        processor: this.options.processor,
        pythonVersion: this.options.pythonVersion,
        instanceType: options.instanceType !== undefined && !Token.isUnresolved(options.instanceType) ? options.instanceType : undefined,
      });
    } catch (e) {
      return fail((e as Error).message);
    }
    const repository = `${image.repository}${image.tag ? `:${image.tag}` : ''}`;
    const stack = Stack.of(scope);
    const region = this.options.region ?? stack.region;
    if (!Token.isUnresolved(region)) {
      let account: string;
      try {
        account = registryAccount(image, region);
      } catch (e) {
        return fail(`${(e as Error).message} Deploy to one of them, or set region to pull from another.`);
      }
      const suffix = RegionInfo.get(region).domainSuffix ?? 'amazonaws.com';
      return { imageUri: `${account}.dkr.ecr.${region}.${suffix}/${repository}` };
    }
    // A region-agnostic stack: look the account up at deploy time, as aws-cdk-lib does for region facts. A region
    // the image is not published in fails the deployment at this lookup, before any job runs.
    const id = `SageMakerImageRegistries${image.registriesId.toUpperCase()}`;
    const mapping = (stack.node.tryFindChild(id) as CfnMapping | undefined) ?? new CfnMapping(stack, id, {
      mapping: Object.fromEntries(Object.entries(image.registries).map(([r, account]) => [r, { account }])),
    });
    return { imageUri: `${mapping.findInMap(region, 'account')}.dkr.ecr.${region}.${Aws.URL_SUFFIX}/${repository}` };
  }
}
