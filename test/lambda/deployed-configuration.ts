import { ConfigurationPort, fixedConfigurationPort } from '../../lambda/configuration-port';
import { configurationFrom } from '../../lambda/handler-configuration';

/**
 * What a stack deploys for one `SelectiveRetry`: one configuration document naming `pipelineNames`, with `policy`
 * over a default budget of 2 — served as the handler's configuration port would serve it.
 */
export function deployedConfiguration(pipelineNames: string[], policy: Record<string, unknown> = {}): ConfigurationPort {
  return fixedConfigurationPort(configurationFrom([{
    name: '/cdk-sagemaker-pipelines/selective-retry/Stack/Heal',
    value: JSON.stringify({ version: 2, pipelineNames, policy: { maxAttempts: 2, ...policy } }),
  }]));
}
