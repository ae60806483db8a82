/**
 * For the integration tests: a Lambda function that fails on its first invocation and succeeds on every later one
 * (a Lambda step fails when its function does). It remembers the failure as an object in a bucket of the test.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface FailsOnceFunctionOptions {
  /** Construct id of the bucket that holds the marker. */
  readonly bucketId: string;
  /** Construct id of the function. */
  readonly functionId: string;
  /** Key of the marker object. */
  readonly markerKey: string;
  /** What the function returns once it succeeds. */
  readonly result: string;
  /** The message of the injected error. */
  readonly errorMessage: string;
}

export function failsOnceFunction(scope: Construct, options: FailsOnceFunctionOptions): lambda.Function {
  const state = new s3.Bucket(scope, options.bucketId, { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true });
  const fn = new lambda.Function(scope, options.functionId, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    timeout: Duration.seconds(30),
    environment: { BUCKET: state.bucketName },
    code: lambda.Code.fromInline(`
const { S3Client, HeadObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
const s3 = new S3Client({});
exports.handler = async () => {
  const marker = { Bucket: process.env.BUCKET, Key: '${options.markerKey}' };
  try {
    await s3.send(new HeadObjectCommand(marker));
    return { result: '${options.result}' };
  } catch (e) {
    if (e.$metadata?.httpStatusCode !== 404) throw e;
  }
  await s3.send(new PutObjectCommand({ ...marker, Body: 'failed once' }));
  throw new Error('${options.errorMessage}');
};`),
  });
  state.grantReadWrite(fn);
  return fn;
}
