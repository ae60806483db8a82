/**
 * Reads the handler's deployed configuration: the SSM parameters named in the function's environment
 * (`SELECTIVE_RETRY_CONFIGURATION_PARAMETERS`, a prefix and the names' remainders), with GetParameters — at most 10 names per call
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html), the calls in parallel —
 * and keeps the result for `CONFIGURATION_MAX_AGE_MS` per container. The remediation starts this read together with
 * the SageMaker reads, so it adds no sequential round trip. A deploy that changes the configuration also changes the
 * function (the construct sets a digest of the documents in its environment), so warm containers and their caches
 * are replaced; the maximum age bounds staleness for changes made outside CloudFormation.
 *
 * Powertools Parameters (`@aws-lambda-powertools/parameters`) was considered: its `getParametersByName` batches and
 * caches too, but it would add a package and its own error handling around these ~40 lines.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ConfigurationSource, HandlerConfiguration } from './handler-configuration';
import { ConfigurationParameterList, HANDLER_ENV } from '../src/kernel/contract';

/** How long a container reuses the configuration it read: 5 minutes. */
export const CONFIGURATION_MAX_AGE_MS = 5 * 60 * 1000;

/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

/** What the remediation needs to know its configuration. */
export interface ConfigurationPort {
  /** The current configuration. Rejects when it cannot be read (SSM errors); never for invalid documents. */
  load(): Promise<HandlerConfiguration>;
}

/** A configuration that heals nothing, and says why on every lookup. */
export function emptyConfiguration(reason: string): HandlerConfiguration {
  return { problems: [], lookup: () => ({ kind: 'unconfigured', reason }) };
}

/** A configuration port that always answers `configuration` (tests, the CLI). */
export function fixedConfigurationPort(configuration: HandlerConfiguration): ConfigurationPort {
  return { load: async () => configuration };
}

/**
 * The parameter names of the environment variable's value (a `ConfigurationParameterList`: a prefix and each name's
 * remainder), or a sentence saying why there are none. Every name must be a fully qualified SSM parameter name.
 */
export function configurationParameterNames(value: string | undefined): string[] | string {
  const variable = HANDLER_ENV.configurationParameters;
  if (value === undefined || value === '') return `the function has no ${variable} environment variable`;
  let list: Partial<ConfigurationParameterList> | undefined;
  try {
    list = JSON.parse(value);
  } catch {
    return `${variable} is not JSON (received ${JSON.stringify(value.slice(0, 200))})`;
  }
  const { prefix, names } = list ?? {};
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || !Array.isArray(names) || names.length === 0
    || names.some((n) => typeof n !== 'string' || n === '')) {
    return `${variable} must be JSON {"prefix": "/...", "names": [...]}, the names of SSM parameters without their common `
      + `prefix (received ${JSON.stringify(value.slice(0, 200))})`;
  }
  return [...new Set(names.map((name) => prefix + name))];
}

/**
 * The SSM implementation. `parameterNames` (the names, or why there are none) is asked on each read, `client` is
 * created on first use (off the cold-start path of the SageMaker client).
 */
export function ssmConfigurationPort(
  parameterNames: () => string[] | string,
  client: () => Promise<SSMClient>,
  options: { maxAgeMs?: number; now?: () => number } = {},
): ConfigurationPort {
  const maxAgeMs = options.maxAgeMs ?? CONFIGURATION_MAX_AGE_MS;
  const now = options.now ?? (() => Date.now());
  let cached: { readAt: number; configuration: Promise<HandlerConfiguration> } | undefined;

  const read = async (): Promise<HandlerConfiguration> => {
    const names = parameterNames();
    if (typeof names === 'string') return emptyConfiguration(names);
    // The SSM client, the parser and the RE2 engine load here, in parallel with the SageMaker reads.
    const [ssm, { GetParametersCommand }, { configurationFrom }] = await Promise.all([
      client(), import('@aws-sdk/client-ssm'), import('./handler-configuration.js'),
    ]);
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += NAMES_PER_CALL) batches.push(names.slice(i, i + NAMES_PER_CALL));
    const responses = await Promise.all(batches.map((Names) => ssm.send(new GetParametersCommand({ Names }))));
    const values = new Map<string, string>();
    for (const response of responses) {
      for (const p of response.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) values.set(p.Name, p.Value);
    }
    // Names SSM reports in InvalidParameters (or leaves out) are missing: configurationFrom says so.
    const sources: ConfigurationSource[] = names.map((name) => ({ name, ...(values.has(name) ? { value: values.get(name) } : {}) }));
    return configurationFrom(sources);
  };

  return {
    load() {
      if (!cached || now() - cached.readAt >= maxAgeMs) {
        const entry = { readAt: now(), configuration: read() };
        // A failed read is not kept: the next invocation tries again.
        entry.configuration.catch(() => {
          if (cached === entry) cached = undefined;
        });
        cached = entry;
      }
      return cached.configuration;
    },
  };
}
