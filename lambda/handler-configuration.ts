/**
 * The handler's configuration: which pipelines it heals and with which policy, built from the configuration
 * documents the stack deployed (one per `SelectiveRetry` rule group). Pure: the documents are read by
 * configuration-port.ts (the handler) or by the CLI, and each is validated by the kernel's one parser.
 *
 * A pipeline the configuration does not name is never healed. A pipeline named by two documents, or one that is
 * missing while some document is unusable, is a configuration error: nothing is started for it, and it is counted.
 */
import { emptyConfiguration } from './configuration-port';
import { RetryPolicy } from './retry-policy';
import { parseConfigurationDocument } from '../src/kernel/configuration';
import { RetryPolicyConfiguration } from '../src/kernel/contract';
import { compileFailurePattern } from '../src/kernel/failure-pattern';

/** One deployed document: the SSM parameter's name and its value (undefined when the parameter does not exist). */
export interface ConfigurationSource {
  readonly name: string;
  readonly value?: string;
}

/** What the configuration says about one pipeline. */
export type PipelineLookup =
  /** Healed with this policy; `pipelineName` is the name as deployed, `source` the document's parameter name. */
  | { readonly kind: 'configured'; readonly pipelineName: string; readonly policy: RetryPolicy; readonly source: string }
  /** Not healed by this function (foreign or forged input): ignored. */
  | { readonly kind: 'unconfigured'; readonly reason: string }
  /** The configuration is broken for this pipeline: nothing is started, and it is an error an operator must fix. */
  | { readonly kind: 'misconfigured'; readonly reason: string };

/** The handler's configuration. */
export interface HandlerConfiguration {
  /** Every document that could not be used, one sentence each. */
  readonly problems: readonly string[];
  /** Looks a pipeline up by its name as spelled in an ARN (compared ignoring case). */
  lookup(pipelineName: string): PipelineLookup;
}

/**
 * A policy with these settings and, for the rest, the defaults: every failure, at once, no overrides, no dry run,
 * events on. `MATCHING` patterns are compiled (RE2); the settings must have been validated.
 */
export function retryPolicy(policy: RetryPolicyConfiguration): RetryPolicy {
  const retryOn = policy.retryOn ?? { mode: 'ALL' };
  const patterns = (retryOn.mode === 'MATCHING' ? retryOn.patterns ?? [] : []).map((source) => {
    const pattern = compileFailurePattern(source);
    if (typeof pattern === 'string') throw new Error(`unvalidated failure pattern: ${pattern}`);
    return pattern;
  });
  return {
    maxAttempts: policy.maxAttempts,
    retryOn: retryOn.mode === 'MATCHING' ? { ...retryOn, matches: (reason) => patterns.some((p) => p.matches(reason)) } : retryOn,
    ...(policy.delay ? { delay: policy.delay } : {}),
    parameterOverrides: policy.parameterOverrides ?? [],
    dryRun: policy.dryRun === true,
    ...(policy.fullRerunAboveSelectionLimit ? { fullRerunAboveSelectionLimit: true } : {}),
    notifications: policy.notifications ?? { events: true },
    ...(policy.metricsId !== undefined ? { metricsId: policy.metricsId } : {}),
  };
}

/** Builds the configuration from the deployed documents. */
export function configurationFrom(sources: readonly ConfigurationSource[]): HandlerConfiguration {
  if (sources.length === 0) return emptyConfiguration('the handler has no configuration documents');
  const problems: string[] = [];
  const byName = new Map<string, Array<{ pipelineName: string; policy: RetryPolicy; source: string }>>();
  for (const source of sources) {
    if (source.value === undefined) {
      problems.push(`configuration parameter ${source.name} does not exist`);
      continue;
    }
    const document = parseConfigurationDocument(source.value);
    if (typeof document === 'string') {
      problems.push(`configuration parameter ${source.name} is unusable: ${document}`);
      continue;
    }
    const policy = retryPolicy(document.policy);
    for (const pipelineName of document.pipelineNames) {
      const key = pipelineName.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), { pipelineName, policy, source: source.name }]);
    }
  }
  return {
    problems,
    lookup(pipelineName) {
      const found = byName.get(pipelineName.toLowerCase()) ?? [];
      if (found.length > 1) {
        return {
          kind: 'misconfigured',
          reason: `pipeline "${pipelineName}" is named by ${found.length} configuration documents (${found.map((f) => f.source).join(', ')}); `
            + 'heal each pipeline with one SelectiveRetry only',
        };
      }
      if (found.length === 1) return { kind: 'configured', ...found[0] };
      if (problems.length > 0) {
        return { kind: 'misconfigured', reason: `pipeline "${pipelineName}" is named by no usable configuration document, and ${problems.join('; ')}` };
      }
      const healed = [...byName.values()].map((f) => f[0].pipelineName);
      return { kind: 'unconfigured', reason: `pipeline "${pipelineName}" is not one of the healed pipelines (${healed.join(', ')})` };
    },
  };
}
