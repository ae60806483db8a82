import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ContainerImage, SageMakerImageScope } from '../../container-image';
import { S3Access, S3Location } from '../../s3-location';
import type { MetricDefinition, ProcessingInput, ProcessingOutput, TrainingChannel } from '../../steps/common';
import { ConstructValidationError, received } from '../errors';

/** A step's image: exactly one of `image` and `imageUri`. */
export interface ImageChoice {
  readonly image?: ContainerImage;
  readonly imageUri?: string;
}

/**
 * The image URI of a step (or of one of its containers), binding `image` with the role that pulls it.
 *
 * @param field the prop's path in error messages, e.g. `containers[0]`
 */
export function bindImage(scope: Construct, field: string, choice: ImageChoice, role: iam.IGrantable | undefined,
  defaultImageScope: SageMakerImageScope, instanceType?: string): string {
  const prefix = field ? `${field}.` : '';
  if ((choice.image === undefined) === (choice.imageUri === undefined)) {
    throw new ConstructValidationError(scope, 'Step.Image',
      `set exactly one of ${prefix}image and ${prefix}imageUri; received ${choice.image ? 'both' : 'neither'}. Use image, e.g. `
      + 'ContainerImage.fromSageMakerImage(\'sklearn\', \'1.2-1\'), or imageUri for a plain URI.');
  }
  return choice.image ? choice.image.bind(scope, { role, instanceType, defaultImageScope }).imageUri : choice.imageUri!;
}

/** A data location: exactly one of `location` and `s3Uri`. */
export interface LocationChoice {
  readonly location?: S3Location;
  readonly s3Uri?: string;
}

/**
 * The S3 URI of a data location, binding `location` with the role and the access the job needs.
 *
 * @param field the prop's path in error messages, e.g. `inputs[0]`
 * @param uriProp the name of the plain-URI prop, e.g. `s3Uri` or `outputPath`
 * @param locationProp the name of the location prop
 */
export function bindLocation(scope: Construct, field: string, choice: LocationChoice, role: iam.IGrantable, access: S3Access,
  uriProp = 's3Uri', locationProp = 'location'): string {
  const prefix = field ? `${field}.` : '';
  if ((choice.location === undefined) === (choice.s3Uri === undefined)) {
    throw new ConstructValidationError(scope, 'Step.S3Location',
      `set exactly one of ${prefix}${locationProp} and ${prefix}${uriProp}; received ${choice.location ? 'both' : 'neither'}. `
      + `Use ${locationProp}, e.g. S3Location.fromBucket(bucket, 'abalone/train'), or ${uriProp} for a plain URI.`);
  }
  return choice.location ? choice.location.bind(scope, { role, access }).s3Uri : choice.s3Uri!;
}

/** The S3 URIs of processing inputs, with `location`s bound for reading. */
export function bindProcessingInputs(scope: Construct, inputs: ProcessingInput[] | undefined, role: iam.IGrantable): ProcessingInput[] | undefined {
  return inputs?.map((input, i) => ({ ...input, s3Uri: bindLocation(scope, `inputs[${i}]`, input, role, S3Access.READ), location: undefined }));
}

/** The S3 URIs of processing outputs, with `location`s bound for writing. */
export function bindProcessingOutputs(scope: Construct, outputs: ProcessingOutput[] | undefined,
  role: iam.IGrantable): ProcessingOutput[] | undefined {
  return outputs?.map((output, i) => ({ ...output, s3Uri: bindLocation(scope, `outputs[${i}]`, output, role, S3Access.WRITE), location: undefined }));
}

/** The S3 URIs of training channels, with `location`s bound for reading. */
export function bindChannels(scope: Construct, channels: TrainingChannel[] | undefined, role: iam.IGrantable): TrainingChannel[] | undefined {
  return channels?.map((channel, i) => ({ ...channel, s3Uri: bindLocation(scope, `inputs[${i}]`, channel, role, S3Access.READ), location: undefined }));
}

/** What a training step and a tuning step's training jobs take alike. */
export interface TrainingJobChoices extends ImageChoice {
  readonly role: iam.IGrantable;
  readonly instanceType: string;
  readonly inputs?: TrainingChannel[];
  readonly outputPath?: string;
  readonly outputLocation?: S3Location;
  readonly metricDefinitions?: MetricDefinition[];
}

/**
 * The training job's image, channels and output path, with `image` and `location`s bound to the role; its metric
 * definitions validated.
 */
export function bindTrainingJob(scope: Construct, props: TrainingJobChoices): Pick<TrainingJobChoices, 'inputs'> & {
  readonly imageUri: string; readonly outputPath: string;
} {
  validateMetricDefinitions(scope, props.metricDefinitions);
  return {
    imageUri: bindImage(scope, '', props, props.role, SageMakerImageScope.TRAINING, props.instanceType),
    inputs: bindChannels(scope, props.inputs, props.role),
    outputPath: bindLocation(scope, '', { s3Uri: props.outputPath, location: props.outputLocation }, props.role, S3Access.WRITE,
      'outputPath', 'outputLocation'),
  };
}

/**
 * Metric definitions as `CreateTrainingJob` accepts them: at most 40, names of 1 to 255 characters matching
 * `.+`, unique (API_MetricDefinition and API_AlgorithmSpecification).
 */
export function validateMetricDefinitions(scope: Construct, definitions: MetricDefinition[] | undefined): void {
  if (!definitions) return;
  const fail = (message: string): never => {
    throw new ConstructValidationError(scope, 'Step.MetricDefinitions', `metricDefinitions: ${message}`);
  };
  if (definitions.length > 40) fail(`at most 40 metrics; received ${definitions.length}. Remove some.`);
  const seen = new Set<string>();
  definitions.forEach((m, i) => {
    if (Token.isUnresolved(m.name)) return;
    if (m.name.length < 1 || m.name.length > 255) fail(`[${i}].name must be 1 to 255 characters; received ${received(m.name)}.`);
    if (!Token.isUnresolved(m.regex) && (m.regex.length < 1 || m.regex.length > 500)) {
      fail(`[${i}].regex must be 1 to 500 characters; received ${received(m.regex)}.`);
    }
    if (seen.has(m.name)) fail(`metric ${received(m.name)} is defined twice. Define each metric once.`);
    seen.add(m.name);
  });
}
