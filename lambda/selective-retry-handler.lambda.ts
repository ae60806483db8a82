/**
 * Lambda entry point of SelectiveRetry: the EventBridge rule's target. Thin on purpose: it wires the AWS clients and
 * a JSON logger into `remediate`, where the logic lives. Only the SageMaker client is built at cold start; the SSM
 * client (the deployed configuration, read in parallel with the SageMaker reads), the Scheduler, EventBridge and SNS
 * clients and Powertools Metrics are loaded when first needed.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { configurationParameterNames, ssmConfigurationPort } from './configuration-port';
import { powertoolsMetricsPort } from './metrics-port';
import { notifierPort } from './notifier-port';
import { LogRecord, RemediationResult, remediate } from './remediate';
import { sageMakerPort } from './sagemaker-port';
import { SchedulerPort, schedulerPort } from './scheduler-port';
import { HANDLER_ENV } from '../src/kernel/contract';

const USER_AGENT = 'cdk-sagemaker-pipelines/selective-retry';

// Region, credentials and endpoint come from the environment (AWS_REGION, the execution role, and
// AWS_ENDPOINT_URL_SAGEMAKER when pointed at the local emulator).
const sagemaker = sageMakerPort(new SageMakerClient({ customUserAgent: USER_AGENT }));

/** Creates a client on first use and keeps it for the container's life. */
function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => (client ??= create());
}

const scheduler: SchedulerPort | undefined = process.env[HANDLER_ENV.schedulerRoleArn] && process.env[HANDLER_ENV.scheduleGroup]
  ? schedulerPort({
    roleArn: process.env[HANDLER_ENV.schedulerRoleArn]!,
    groupName: process.env[HANDLER_ENV.scheduleGroup]!,
    deadLetterQueueArn: process.env[HANDLER_ENV.deadLetterQueueArn],
  }, lazy(async () => new (await import('@aws-sdk/client-scheduler')).SchedulerClient({ customUserAgent: USER_AGENT })))
  : undefined;

const notifier = notifierPort(
  lazy(async () => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient({ customUserAgent: USER_AGENT })),
  lazy(async () => new (await import('@aws-sdk/client-sns')).SNSClient({ customUserAgent: USER_AGENT })),
);

// The only source of the healed pipelines and their policies; the invocation payload is the event and nothing else.
const configuration = ssmConfigurationPort(
  () => configurationParameterNames(process.env[HANDLER_ENV.configurationParameters]),
  lazy(async () => new (await import('@aws-sdk/client-ssm')).SSMClient({ customUserAgent: USER_AGENT })),
);

const metrics = powertoolsMetricsPort();

/** One JSON object per line, so CloudWatch Logs Insights can query every field. */
function log(record: LogRecord): void {
  console.log(JSON.stringify({ timestamp: new Date().toISOString(), ...record }));
}

/**
 * Handles one SageMaker event from the rule (the bare event: anything else is ignored). The function heals pipelines
 * of its own account (from the invoked ARN) and region only.
 */
export async function handler(input: unknown, context?: Pick<Context, 'invokedFunctionArn'>): Promise<RemediationResult> {
  const home = { account: context?.invokedFunctionArn?.split(':')[4], region: process.env.AWS_REGION };
  return remediate(input, { sagemaker, configuration, log, scheduler, notifier, metrics, home });
}
