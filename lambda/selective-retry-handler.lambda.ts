/**
 * Lambda entry point of SelectiveRetry: the EventBridge rule's target. Thin on purpose: it wires the SDK client and
 * a JSON logger into `remediate`, where the logic lives.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { LogRecord, RemediationResult, remediate } from './remediate';
import { sageMakerPort } from './sagemaker-port';

// Created once per container. Region, credentials and endpoint come from the environment (AWS_REGION, the
// execution role, and AWS_ENDPOINT_URL_SAGEMAKER when pointed at the local emulator).
const sagemaker = sageMakerPort(new SageMakerClient({ customUserAgent: 'cdk-sagemaker-pipelines/selective-retry' }));

/** One JSON object per line, so CloudWatch Logs Insights can query every field. */
function log(record: LogRecord): void {
  console.log(JSON.stringify({ timestamp: new Date().toISOString(), ...record }));
}

/** Handles `{ event, policy }` from the rule target (or a bare event). */
export async function handler(input: unknown): Promise<RemediationResult> {
  return remediate(input, { sagemaker, log });
}
