import { Stack, Token } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { IPipeline } from '../../pipeline';

/**
 * EventBridge's default quota on an event pattern's size is 2,048 characters; keep each rule's pattern below it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
 */
const MAX_EVENT_PATTERN_CHARS = 1800;
/** The fixed part of the pattern, and an upper estimate of one pipeline's entry beyond its name (tokens resolve later). */
const PATTERN_BASE_CHARS = 200;
const PATTERN_ENTRY_CHARS = 100;
/** SageMaker's longest pipeline name (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePipeline.html). */
export const MAX_PIPELINE_NAME_CHARS = 256;

/** Splits the pipelines into groups whose event pattern stays within EventBridge's size quota: one rule per group. */
export function groupsForEventPatterns(pipelines: IPipeline[]): IPipeline[][] {
  const groups: IPipeline[][] = [[]];
  let size = PATTERN_BASE_CHARS;
  for (const pipeline of pipelines) {
    const entry = PATTERN_ENTRY_CHARS + (literalName(pipeline)?.length ?? MAX_PIPELINE_NAME_CHARS);
    if (groups[groups.length - 1].length > 0 && size + entry > MAX_EVENT_PATTERN_CHARS) {
      groups.push([]);
      size = PATTERN_BASE_CHARS;
    }
    groups[groups.length - 1].push(pipeline);
    size += entry;
  }
  return groups;
}

/** The pipeline's name when known at synth time: given as text, or a pipeline of this app with a literal or generated name. */
export function literalName(pipeline: IPipeline): string | undefined {
  if (!Token.isUnresolved(pipeline.pipelineName)) return pipeline.pipelineName;
  const resource = pipeline.node.defaultChild;
  if (resource instanceof sagemaker.CfnPipeline) {
    const resolved = Stack.of(pipeline).resolve(resource.pipelineName);
    if (typeof resolved === 'string') return resolved;
  }
  return undefined;
}
