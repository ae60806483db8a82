import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { IPipeline } from '../../pipeline';
import { ConstructValidationError } from '../errors';
import { literalName } from './event-pattern-groups';

/** Who heals what, per app: pipeline key -> path of the SelectiveRetry that heals it. */
const registries = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Records that `healer` heals `pipeline`, and fails when another construct of the app already heals it: two healers
 * would start two retries (with two budgets) for every failure. The pipeline is recognised by its construct, and by
 * its name (compared case-insensitively, as SageMaker does) within one account and region.
 */
export function registerHealedPipeline(healer: IConstruct, pipeline: IPipeline): void {
  const root = healer.node.root;
  let registry = registries.get(root);
  if (!registry) {
    registry = new Map();
    registries.set(root, registry);
  }
  const name = literalName(pipeline) ?? pipeline.pipelineName;
  const keys = [`construct:${pipeline.node.path}`, `name:${environmentKey(healer)}:${name.toLowerCase()}`];
  for (const key of keys) {
    const previous = registry.get(key);
    if (previous !== undefined && previous !== healer.node.path) {
      throw new ConstructValidationError(healer, 'SelectiveRetry.PipelineHealedTwice',
        `pipeline ${pipeline.node.path} (name "${name}") is already healed by ${previous}. Two healers would `
        + 'start two retries, with two budgets, for every failure. Heal each pipeline with one SelectiveRetry: remove it from '
        + 'one of the two (or drop the pipeline\'s selectiveRetry prop / enableSelectiveRetry() call).');
    }
  }
  for (const key of keys) registry.set(key, healer.node.path);
}

/** The account and region events are published in, or the stack itself when its environment is not known at synth time. */
function environmentKey(scope: IConstruct): string {
  const { account, region } = Stack.of(scope);
  return Token.isUnresolved(account) || Token.isUnresolved(region) ? `stack:${Stack.of(scope).node.path}` : `${account}/${region}`;
}
