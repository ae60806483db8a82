import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConstructValidationError, received } from './private/errors';
import { addNagSuppressions } from './private/nag-suppressions';

/** What a job does with an S3 location. */
export enum S3Access {
  /** Reads the objects (an input, a channel, model artifacts). */
  READ = 'READ',
  /** Writes objects under it (an output, a model output path). */
  WRITE = 'WRITE',
}

/** How a step uses an S3 location. */
export interface S3LocationBindOptions {
  /** The role the job runs with; it gets the access, scoped to the location. */
  readonly role: iam.IGrantable;
  /** Read or write. */
  readonly access: S3Access;
}

/** An S3 location bound to a step. */
export interface S3LocationConfig {
  /** The `s3://` URI for the job's request. */
  readonly s3Uri: string;
}

/**
 * Where a job reads or writes data in S3: a bucket of the app (with a key prefix, or one object), which grants
 * the job's role exactly the access it needs there, or any URI (a literal, a pipeline parameter, another step's
 * output), which grants nothing.
 */
export abstract class S3Location {
  /**
   * The objects under a key prefix ("folder") of a bucket.
   *
   * Read access: `s3:GetObject` on `PREFIX/*` and `s3:ListBucket` with the condition `s3:prefix` like `PREFIX/*`
   * (the job lists the prefix); the URI ends with `/`, so that `train` does not also select `training/`. Write
   * access: `s3:PutObject` and `s3:AbortMultipartUpload` on `PREFIX/*`. A bucket encrypted with a KMS key also
   * gets `kms:Decrypt` (read) or `kms:GenerateDataKey` and `kms:Decrypt` (write) on that key.
   *
   * Objects under a prefix can only be named with a wildcard, which cdk-nag's AwsSolutions-IAM5 reports; the grant
   * acknowledges that one finding (`Resource::<bucket ARN>/PREFIX/*`) on the role's policy, with the prefix as the
   * reason, so the role stays clean. The whole bucket (an empty prefix) is not acknowledged: review it yourself.
   *
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
   * @param bucket the bucket
   * @param keyPrefix the prefix, without a leading `/`, fixed at deploy time; empty for the whole bucket
   */
  public static fromBucket(bucket: s3.IBucket, keyPrefix: string = ''): S3Location {
    return new BucketLocation(bucket, keyPrefix.replace(/\/+$/, ''), false);
  }

  /**
   * One object of a bucket, e.g. model artifacts or a manifest file; grants read or write on that object only.
   *
   * @param bucket the bucket
   * @param key the object's key, fixed at deploy time
   */
  public static fromObject(bucket: s3.IBucket, key: string): S3Location {
    return new BucketLocation(bucket, key, true);
  }

  /**
   * Any S3 URI: a literal, a pipeline parameter (`param.valueAsString`) or another step's output. Grants nothing:
   * grant the role access yourself.
   *
   * @param s3Uri the URI
   */
  public static fromUri(s3Uri: string): S3Location {
    return new UriLocation(s3Uri);
  }

  /**
   * Renders the location for a step and grants the role the access it needs.
   *
   * @param scope the step
   * @param options the role and the access
   */
  public abstract bind(scope: Construct, options: S3LocationBindOptions): S3LocationConfig;

  /**
   * Grants read access to this location, e.g. to the role of a later step that reads it through a step property.
   * Grants nothing for a URI.
   *
   * @param grantee the principal
   */
  public abstract grantRead(grantee: iam.IGrantable): void;

  /**
   * Grants write access to this location. Grants nothing for a URI.
   *
   * @param grantee the principal
   */
  public abstract grantWrite(grantee: iam.IGrantable): void;

  /**
   * The ARN of the object at `relativePath` below this location and the key that decrypts it, for the property
   * files the pipeline role reads; undefined when the location is not a bucket prefix.
   *
   * @internal
   */
  public _objectBelow(_relativePath: string): { readonly objectArn: string; readonly key?: string } | undefined {
    return undefined;
  }
}

class UriLocation extends S3Location {
  constructor(private readonly s3Uri: string) {
    super();
  }

  public bind(): S3LocationConfig {
    return { s3Uri: this.s3Uri };
  }

  public grantRead(): void {}

  public grantWrite(): void {}
}

class BucketLocation extends S3Location {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string, private readonly isObject: boolean) {
    super();
  }

  public bind(scope: Construct, options: S3LocationBindOptions): S3LocationConfig {
    this.validate(scope);
    if (options.access === S3Access.READ) this.grantRead(options.role);
    else this.grantWrite(options.role);
    const path = this.isObject ? this.key : this.key && options.access === S3Access.READ ? `${this.key}/` : this.key;
    return { s3Uri: `s3://${this.bucket.bucketName}/${path}` };
  }

  public grantRead(grantee: iam.IGrantable): void {
    this.validate(this.bucket);
    const { bucket, key } = this;
    this.grant(grantee, ['s3:GetObject'], [this.objectsArn()]);
    const listed = this.isObject ? key : key ? `${key}/*` : undefined;
    this.grant(grantee, ['s3:ListBucket'], [bucket.bucketArn], listed ? { StringLike: { 's3:prefix': listed } } : undefined);
    bucket.encryptionKey?.grantDecrypt(grantee);
  }

  public grantWrite(grantee: iam.IGrantable): void {
    this.validate(this.bucket);
    this.grant(grantee, ['s3:PutObject', 's3:AbortMultipartUpload'], [this.objectsArn()]);
    this.bucket.encryptionKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  public _objectBelow(relativePath: string): { readonly objectArn: string; readonly key?: string } | undefined {
    if (this.isObject) return undefined;
    const key = [this.key, relativePath.replace(/^\/+/, '')].filter((p) => p).join('/');
    return { objectArn: this.bucket.arnForObjects(key), key: this.bucket.encryptionKey?.keyArn };
  }

  private objectsArn(): string {
    return this.isObject ? this.bucket.arnForObjects(this.key) : this.bucket.arnForObjects(this.key ? `${this.key}/*` : '*');
  }

  private grant(grantee: iam.IGrantable, actions: string[], resourceArns: string[], conditions?: Record<string, any>): void {
    iam.Grant.addToPrincipal({ grantee, actions, resourceArns, conditions });
    const principal = grantee.grantPrincipal;
    // The wildcard of a non-empty prefix is the narrowest ARN for its objects, and exactly what the app asked for.
    const wildcards = resourceArns.filter((arn) => arn.endsWith('/*'));
    if (this.isObject || !this.key || wildcards.length === 0 || !Construct.isConstruct(principal)) return;
    addNagSuppressions(principal, [{
      id: 'AwsSolutions-IAM5',
      reason: `S3Location.fromBucket grants ${actions.join(', ')} on the objects under the prefix '${this.key}/' that the `
        + 'app chose, and nothing else in the bucket; objects under a prefix can only be named with a wildcard.',
      appliesTo: wildcards.map((arn) => `Resource::${arn}`),
    }]);
  }

  private validate(scope: Construct): void {
    const what = this.isObject ? 'key' : 'keyPrefix';
    if (Token.isUnresolved(this.key)) {
      throw new ConstructValidationError(scope, 'S3Location.Key',
        `${what} must be a literal string, fixed at deploy time, so that the role is granted exactly that prefix; received `
        + `${received(this.key)}. For a location chosen at run time, use S3Location.fromUri and grant the role yourself.`);
    }
    if (this.key.startsWith('/') || (this.isObject && (this.key.length === 0 || this.key.endsWith('/')))) {
      throw new ConstructValidationError(scope, 'S3Location.Key',
        `${what} must be an S3 key${this.isObject ? ' of an object' : ' prefix'} without a leading '/'`
        + `${this.isObject ? ' or a trailing \'/\'' : ''}; received ${received(this.key)}.`);
    }
  }
}
