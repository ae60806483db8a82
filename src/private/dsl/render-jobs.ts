import { Duration, Token } from 'aws-cdk-lib';
import type { Step } from '../../steps/step';
import { ConstructValidationError, received } from '../errors';
import { compact } from './merge';
import type { ContainerJobProps, ProcessingInput, ProcessingOutput, StepOutputParameter, TrainingChannel } from '../../steps/common';

/** Renders a processing job's arguments (Processing, ClarifyCheck and QualityCheck steps). */
export function renderProcessingArguments(props: ContainerJobProps & {
  readonly entrypoint?: string[];
  readonly containerArguments?: string[];
  readonly inputs?: ProcessingInput[];
  readonly outputs?: ProcessingOutput[];
}): any {
  return compact({
    ProcessingResources: {
      ClusterConfig: {
        InstanceType: props.instanceType,
        InstanceCount: props.instanceCount ?? 1,
        VolumeSizeInGB: props.volumeSizeInGb ?? 30,
      },
    },
    AppSpecification: compact({
      ImageUri: props.imageUri,
      ContainerEntrypoint: props.entrypoint,
      ContainerArguments: props.containerArguments,
    }),
    RoleArn: props.role.roleArn,
    ProcessingInputs: props.inputs?.map((i) => ({
      InputName: i.inputName,
      AppManaged: false,
      S3Input: {
        S3Uri: i.s3Uri,
        LocalPath: i.localPath,
        S3DataType: i.s3DataType ?? 'S3Prefix',
        S3InputMode: i.s3InputMode ?? 'File',
        S3DataDistributionType: i.distribution ?? 'FullyReplicated',
        S3CompressionType: i.compression ?? 'None',
      },
    })),
    ProcessingOutputConfig: props.outputs ? {
      Outputs: props.outputs.map((o) => ({
        OutputName: o.outputName,
        AppManaged: false,
        S3Output: { S3Uri: o.s3Uri, LocalPath: o.localPath, S3UploadMode: o.uploadMode ?? 'EndOfJob' },
      })),
    } : undefined,
    Environment: props.environment,
    StoppingCondition: props.maxRuntime ? { MaxRuntimeInSeconds: props.maxRuntime.toSeconds() } : undefined,
  });
}

/** Renders a training job's input channels. */
export function renderChannels(channels?: TrainingChannel[]): any {
  return channels?.map((c) => compact({
    DataSource: {
      S3DataSource: {
        S3DataType: c.s3DataType ?? 'S3Prefix',
        S3Uri: c.s3Uri,
        S3DataDistributionType: c.distribution ?? 'FullyReplicated',
      },
    },
    ContentType: c.contentType,
    CompressionType: c.compression,
    InputMode: c.inputMode,
    ChannelName: c.channelName,
  }));
}

/** Renders `StoppingCondition` for training-like jobs (SDK default: one day). */
export function renderStoppingCondition(maxRuntime?: Duration, fallback: Duration = Duration.days(1)): any {
  return { MaxRuntimeInSeconds: (maxRuntime ?? fallback).toSeconds() };
}

/** Renders the `OutputParameters` of Lambda and Callback steps. */
export function renderOutputParameters(outputs?: StepOutputParameter[]): any {
  return (outputs ?? []).map((o) => ({ OutputName: o.outputName, OutputType: o.outputType ?? 'String' }));
}

/** Throws when a Lambda/Callback step's output is read but not declared. */
export function checkOutput(step: Step, outputName: string, outputs?: StepOutputParameter[]): void {
  const names = (outputs ?? []).map((o) => o.outputName);
  if (!Token.isUnresolved(outputName) && !names.includes(outputName)) {
    throw new ConstructValidationError(step, 'Step.OutputParameter',
      `outputParameter: ${received(outputName)} is not an output of step "${step.stepName}"; declared outputs are `
      + `${names.map((n) => `"${n}"`).join(', ') || 'none'}. Declare it in the step's outputs.`);
  }
}
