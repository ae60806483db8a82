import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ContainerImage } from '../container-image';
import { S3Location } from '../s3-location';

/** How an S3 URI selects objects (`S3DataType`). */
export enum S3DataType {
  /** Every object under the prefix. */
  S3_PREFIX = 'S3Prefix',
  /** The objects listed in a manifest file. */
  MANIFEST_FILE = 'ManifestFile',
  /** An augmented manifest file (training only). */
  AUGMENTED_MANIFEST_FILE = 'AugmentedManifestFile',
}

/** How a processing job reads its input (`S3InputMode`). */
export enum S3InputMode {
  /** Download before the job starts. */
  FILE = 'File',
  /** Stream while the job runs. */
  PIPE = 'Pipe',
}

/** How input data is distributed over instances (`S3DataDistributionType`). */
export enum S3DataDistributionType {
  /** Every instance gets all the data. */
  FULLY_REPLICATED = 'FullyReplicated',
  /** Each instance gets a share of the objects. */
  SHARDED_BY_S3_KEY = 'ShardedByS3Key',
}

/** Compression of input data (`S3CompressionType`). */
export enum S3CompressionType {
  /** Not compressed. */
  NONE = 'None',
  /** Gzip-compressed. */
  GZIP = 'Gzip',
}

/** When a processing output is uploaded (`S3UploadMode`). */
export enum S3UploadMode {
  /** When the job ends. */
  END_OF_JOB = 'EndOfJob',
  /** While the job runs. */
  CONTINUOUS = 'Continuous',
}

/** How a training job reads a channel (`TrainingInputMode`). */
export enum TrainingInputMode {
  /** Download before training starts. */
  FILE = 'File',
  /** Stream while training. */
  PIPE = 'Pipe',
  /** Stream through a file system interface. */
  FAST_FILE = 'FastFile',
}

/** Properties of steps that run a SageMaker job in a container. */
export interface ContainerJobProps {
  /**
   * The IAM role the job runs with (passed to SageMaker: the pipeline role gets `iam:PassRole` on it). It gets
   * the access the step's `image`, `code` and `location`s need.
   */
  readonly role: iam.IRole;
  /**
   * The container image: a SageMaker framework image by name and version, an ECR repository or a Docker build
   * context of the app (the role gets pull access), or any registry URI. Set this or `imageUri`.
   *
   * @default - `imageUri`
   */
  readonly image?: ContainerImage;
  /**
   * The container image URI as a string. Set this or `image`.
   *
   * @default - `image`
   */
  readonly imageUri?: string;
  /** The ML instance type, e.g. `ml.m5.xlarge`. */
  readonly instanceType: string;
  /**
   * The number of instances; may be `param.valueAsNumber`.
   *
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * The size of each instance's ML storage volume, in GB.
   *
   * @default 30
   */
  readonly volumeSizeInGb?: number;
  /**
   * Environment variables of the container.
   *
   * @default - none
   */
  readonly environment?: { [key: string]: string };
  /**
   * The longest the job may run (`StoppingCondition.MaxRuntimeInSeconds`).
   *
   * @default - the step's default (see each step)
   */
  readonly maxRuntime?: Duration;
  /**
   * Raw `Arguments` deep-merged over the typed ones (objects merge, anything else replaces, `null` removes), for
   * fields this library has no prop for, e.g. `{ NetworkConfig: { EnableNetworkIsolation: true } }`.
   *
   * @default - none
   */
  readonly additionalArguments?: { [key: string]: any };
}

/** An input of a processing job. */
export interface ProcessingInput {
  /** The input's name (`InputName`). */
  readonly inputName: string;
  /**
   * Where the data comes from, as a string: an S3 URI, a parameter, or another step's output (`S3Uri`). Set this
   * or `location`.
   *
   * @default - `location`
   */
  readonly s3Uri?: string;
  /**
   * Where the data comes from, in a bucket of the app: the job's role gets read access to that prefix. Set this or
   * `s3Uri`.
   *
   * @default - `s3Uri`
   */
  readonly location?: S3Location;
  /** Where the job finds it, e.g. `/opt/ml/processing/input` (`LocalPath`). */
  readonly localPath: string;
  /**
   * How the URI selects objects.
   *
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
  /**
   * How the job reads the data.
   *
   * @default S3InputMode.FILE
   */
  readonly s3InputMode?: S3InputMode;
  /**
   * How the data is distributed over instances.
   *
   * @default S3DataDistributionType.FULLY_REPLICATED
   */
  readonly distribution?: S3DataDistributionType;
  /**
   * The data's compression.
   *
   * @default S3CompressionType.NONE
   */
  readonly compression?: S3CompressionType;
}

/** An output of a processing job. */
export interface ProcessingOutput {
  /** The output's name (`OutputName`), used by `outputUri(name)` and property files. */
  readonly outputName: string;
  /** Where the job writes it, e.g. `/opt/ml/processing/train` (`LocalPath`). */
  readonly localPath: string;
  /**
   * Where it is uploaded, as a string (`S3Uri`); may be built with `Join` and `ExecutionVariable`. Set this or
   * `location`.
   *
   * @default - `location`
   */
  readonly s3Uri?: string;
  /**
   * Where it is uploaded, in a bucket of the app: the job's role gets write access to that prefix, and the
   * pipeline role read access to the property files in it. Set this or `s3Uri`.
   *
   * @default - `s3Uri`
   */
  readonly location?: S3Location;
  /**
   * When it is uploaded.
   *
   * @default S3UploadMode.END_OF_JOB
   */
  readonly uploadMode?: S3UploadMode;
}

/** An input channel of a training job. */
export interface TrainingChannel {
  /** The channel's name, e.g. `train` (`ChannelName`). */
  readonly channelName: string;
  /**
   * Where the data is, as a string (`S3Uri`): an S3 URI, a parameter or another step's output. Set this or
   * `location`.
   *
   * @default - `location`
   */
  readonly s3Uri?: string;
  /**
   * Where the data is, in a bucket of the app: the job's role gets read access to that prefix. Set this or `s3Uri`.
   *
   * @default - `s3Uri`
   */
  readonly location?: S3Location;
  /**
   * How the URI selects objects.
   *
   * @default S3DataType.S3_PREFIX
   */
  readonly s3DataType?: S3DataType;
  /**
   * How the data is distributed over instances.
   *
   * @default S3DataDistributionType.FULLY_REPLICATED
   */
  readonly distribution?: S3DataDistributionType;
  /**
   * The data's MIME type, e.g. `text/csv`.
   *
   * @default - none
   */
  readonly contentType?: string;
  /**
   * How this channel is read.
   *
   * @default - the job's input mode
   */
  readonly inputMode?: TrainingInputMode;
  /**
   * The data's compression.
   *
   * @default - not compressed
   */
  readonly compression?: S3CompressionType;
}

/** The type of an output parameter of a Lambda or Callback step (`OutputType`). */
export enum StepOutputType {
  /** A string. */
  STRING = 'String',
  /** An integer. */
  INTEGER = 'Integer',
  /** A boolean. */
  BOOLEAN = 'Boolean',
  /** A floating-point number. */
  FLOAT = 'Float',
}

/** An output parameter of a Lambda or Callback step. */
export interface StepOutputParameter {
  /** The output's name (`OutputName`). */
  readonly outputName: string;
  /**
   * The output's type.
   *
   * @default StepOutputType.STRING
   */
  readonly outputType?: StepOutputType;
}

/** A metric the training container prints, found in its logs with a regular expression. */
export interface MetricDefinition {
  /** The metric's name, e.g. `validation:rmse`. */
  readonly name: string;
  /** The regular expression that finds the value in the logs. */
  readonly regex: string;
}
