/**
 * Delayed retries through EventBridge Scheduler: a one-time schedule (`at(...)`) whose universal target calls
 * SageMaker's StartPipelineExecution with the exact request, and which deletes itself after it runs
 * (`ActionAfterCompletion: DELETE`). Nothing sleeps in Lambda. The schedule name is derived from the failed
 * execution, so duplicate deliveries find it already there (ConflictException) instead of scheduling twice, and the
 * request keeps its idempotent ClientRequestToken.
 * Universal target ARN format: arn:aws:scheduler:::aws-sdk:<service>:<apiAction> (Scheduler user guide,
 * managing-targets-universal).
 */
import { createHash } from 'crypto';
import type { StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';

/** Where and how schedules are created (from the function's environment). */
export interface SchedulerConfig {
  readonly groupName: string;
  readonly roleArn: string;
  readonly deadLetterQueueArn?: string;
}

/** What the remediation needs from EventBridge Scheduler. */
export interface SchedulerPort {
  /** Creates the one-time schedule; `exists` when a schedule of that name was already created. */
  scheduleStart(schedule: { name: string; at: Date; request: StartPipelineExecutionCommandInput; partition: string }): Promise<'created' | 'exists'>;
}

/** The schedule name for the retry of `failedExecutionArn`: at most 64 characters of [0-9a-zA-Z-_.]. */
export function scheduleName(failedExecutionArn: string): string {
  return `selective-retry-${createHash('sha256').update(failedExecutionArn.toLowerCase()).digest('hex').slice(0, 40)}`;
}

/** `at(yyyy-mm-ddThh:mm:ss)`, in UTC. */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}

/** The EventBridge Scheduler implementation; the client is created on first use, off the cold-start path. */
export function schedulerPort(config: SchedulerConfig, client: () => Promise<SchedulerClient>): SchedulerPort {
  return {
    async scheduleStart({ name, at, request, partition }) {
      const { CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
      try {
        await (await client()).send(new CreateScheduleCommand({
          Name: name,
          GroupName: config.groupName,
          ScheduleExpression: atExpression(at),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: `Selective retry of ${request.SelectiveExecutionConfig?.SourcePipelineExecutionArn}`,
          Target: {
            Arn: `arn:${partition}:scheduler:::aws-sdk:sagemaker:startPipelineExecution`,
            RoleArn: config.roleArn,
            Input: JSON.stringify(request),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
            ...(config.deadLetterQueueArn ? { DeadLetterConfig: { Arn: config.deadLetterQueueArn } } : {}),
          },
        }));
        return 'created';
      } catch (error) {
        if ((error as { name?: string }).name === 'ConflictException') return 'exists';
        throw error;
      }
    },
  };
}
