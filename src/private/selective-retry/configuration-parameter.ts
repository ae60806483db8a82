import { createHash } from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CONFIGURATION_DOCUMENT_MAX_LENGTH, CONFIGURATION_PARAMETER_PREFIX, HandlerConfigurationDocument } from '../../kernel/contract';
import { ConstructValidationError } from '../errors';

/**
 * A standard-tier parameter value holds at most 4,096 characters
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
 */
export const MAX_DOCUMENT_CHARS = CONFIGURATION_DOCUMENT_MAX_LENGTH;

/**
 * The longest text a token of the document resolves to: pipeline names have at most 256 characters, and an SNS topic
 * ARN at most about 310 (a 256-character name plus partition, region and account).
 */
const TOKEN_CHARS = 320;

/** The prefix of every configuration parameter of `scope`'s stack: `/cdk-sagemaker-pipelines/selective-retry/<stack name>/`. */
export function configurationParameterPrefix(scope: Construct): string {
  return `${CONFIGURATION_PARAMETER_PREFIX}${Stack.of(scope).stackName}/`;
}

/**
 * The name of the parameter holding the configuration of one rule group of `healer`: the stack's prefix, then 10 hex
 * characters of a hash of the construct path (short, because the function's environment lists every name; the
 * parameter's description names the construct), then `/<n>` (from 1) only when the construct has several rule groups.
 */
export function configurationParameterName(healer: Construct, group: number, groups: number): string {
  const suffix = groups > 1 ? `/${group + 1}` : '';
  const id = createHash('sha256').update(healer.node.path).digest('hex').slice(0, 10);
  return `${configurationParameterPrefix(healer)}${id}${suffix}`;
}

/**
 * Renders one configuration document into its own SSM String parameter. Tokens (pipeline names from CloudFormation
 * parameters, topic ARNs) resolve at deploy time: the value is `Stack.toJsonString(document)`. Fails at synth when
 * the document could exceed a standard parameter's 4,096 characters once its tokens resolve.
 */
export function renderConfigurationParameter(
  healer: Construct, id: string, parameterName: string, document: HandlerConfigurationDocument,
): ssm.StringParameter {
  const chars = worstCaseLength(document);
  if (chars > MAX_DOCUMENT_CHARS) {
    throw new ConstructValidationError(healer, 'SelectiveRetry.ConfigurationSize',
      `the configuration of ${document.pipelineNames.length} pipeline(s) could take ${chars} characters once its tokens `
      + `resolve, more than the ${MAX_DOCUMENT_CHARS} an SSM parameter holds. Heal these pipelines with several SelectiveRetry `
      + 'constructs (fewer pipelines each), or shorten the policy (fewer parameter override values or patterns).');
  }
  return new ssm.StringParameter(healer, id, {
    parameterName,
    simpleName: false,
    tier: ssm.ParameterTier.STANDARD,
    description: `Pipelines healed by ${healer.node.path} and their retry policy (cdk-sagemaker-pipelines)`.slice(0, 1024),
    stringValue: Stack.of(healer).toJsonString(document),
  });
}

/** The length of the document's JSON text when every token resolves to the longest value it can have. */
export function worstCaseLength(document: HandlerConfigurationDocument): number {
  return JSON.stringify(document, (_key, value) =>
    (typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(TOKEN_CHARS) : value)).length;
}
