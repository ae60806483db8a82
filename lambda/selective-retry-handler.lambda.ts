/**
 * Lambda entry point of SelectiveRetry: the EventBridge rule's target. Thin on purpose: it wires the AWS clients and
 * a JSON logger into `remediate`, where the logic lives. Only the SageMaker client is built at cold start; the
 * Scheduler, EventBridge and SNS clients and Powertools Metrics are loaded when first needed.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
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

const metrics = powertoolsMetricsPort();

/** One JSON object per line, so CloudWatch Logs Insights can query every field. */
function log(record: LogRecord): void {
  console.log(JSON.stringify({ timestamp: new Date().toISOString(), ...record }));
}

/** Handles `{ event, policy }` from the rule target (or a bare event). */
export async function handler(input: unknown): Promise<RemediationResult> {
  return remediate(input, { sagemaker, log, scheduler, notifier, metrics });
}
