import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribePipelineDefinitionForExecutionCommand,
  DescribePipelineExecutionCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { powertoolsMetricsPort } from '../../lambda/metrics-port';
import { notifierPort } from '../../lambda/notifier-port';
import { sageMakerPort } from '../../lambda/sagemaker-port';
import { atExpression, scheduleName, schedulerPort } from '../../lambda/scheduler-port';

const REGION = 'us-east-1';

describe('scheduler adapter', () => {
  const scheduler = mockClient(SchedulerClient);
  beforeEach(() => scheduler.reset());
  const port = schedulerPort(
    { groupName: 'retries', roleArn: 'arn:aws:iam::111122223333:role/scheduler', deadLetterQueueArn: 'arn:aws:sqs:us-east-1:111122223333:dlq' },
    async () => new SchedulerClient({ region: REGION }),
  );
  const request = { PipelineName: 'p', ClientRequestToken: 'x'.repeat(64), SelectiveExecutionConfig: { SourcePipelineExecutionArn: 'arn:src', SelectedSteps: [{ StepName: 'A' }] } };

  test('creates a one-time, self-deleting schedule whose universal target starts the exact request', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const at = new Date('2026-11-21T10:05:00.000Z');
    await expect(port.scheduleStart({ name: 'n', at, request, partition: 'aws' })).resolves.toBe('created');
    expect(scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input).toEqual({
      Name: 'n',
      GroupName: 'retries',
      ScheduleExpression: 'at(2026-11-21T10:05:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: 'Selective retry of arn:src',
      Target: {
        Arn: 'arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution',
        RoleArn: 'arn:aws:iam::111122223333:role/scheduler',
        Input: JSON.stringify(request),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111122223333:dlq' },
      },
    });
  });

  test('an existing schedule of the same name means a duplicate delivery', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', $metadata: {} } as any));
    await expect(port.scheduleStart({ name: 'n', at: new Date(), request, partition: 'aws' })).resolves.toBe('exists');
  });

  test('schedule names are deterministic, case-insensitive and valid', () => {
    const arn = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/P/execution/abc';
    expect(scheduleName(arn)).toBe(scheduleName(arn.toLowerCase()));
    expect(scheduleName(arn)).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(scheduleName(`${arn}x`)).not.toBe(scheduleName(arn));
    expect(atExpression(new Date('2027-01-02T03:04:05.678Z'))).toBe('at(2027-01-02T03:04:05)');
  });
});

describe('notifier adapter', () => {
  const eventBridge = mockClient(EventBridgeClient);
  const sns = mockClient(SNSClient);
  beforeEach(() => { eventBridge.reset(); sns.reset(); });
  const port = notifierPort(async () => new EventBridgeClient({ region: REGION }), async () => new SNSClient({ region: REGION }));
  const announcement = { detailType: 'Selective Retry Started', resource: 'arn:exec', subject: 'SageMaker pipeline p: selective retry started ✓', detail: { outcome: 'started' } };

  test('puts our own event on the default bus', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    await port.putEvent(announcement);
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input).toEqual({
      Entries: [{ Source: 'cdk-sagemaker-pipelines', DetailType: 'Selective Retry Started', Detail: '{"outcome":"started"}', Resources: ['arn:exec'] }],
    });
  });

  test('a rejected entry is an error', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDenied', ErrorMessage: 'nope' }] });
    await expect(port.putEvent(announcement)).rejects.toThrow('PutEvents rejected the event: AccessDenied: nope');
  });

  test('publishes to SNS with an ASCII subject of at most 100 characters', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await port.publishToTopic('arn:aws:sns:us-east-1:111122223333:t', { ...announcement, subject: `${announcement.subject}${'x'.repeat(200)}` });
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toHaveLength(100);
    expect(input.Subject).toMatch(/^SageMaker pipeline p: selective retry started \?x+$/);
    expect(JSON.parse(input.Message!)).toEqual({ source: 'cdk-sagemaker-pipelines', detailType: 'Selective Retry Started', outcome: 'started' });
  });
});

describe('job failure reasons', () => {
  const sagemaker = mockClient(SageMakerClient);
  beforeEach(() => sagemaker.reset());
  const port = sageMakerPort(new SageMakerClient({ region: REGION }));

  test('reads the processing job\'s FailureReason and ExitMessage, the training job\'s FailureReason, nothing for other ARNs', async () => {
    sagemaker.on(DescribeProcessingJobCommand, { ProcessingJobName: 'pipelines-x-Eval' })
      .resolves({ FailureReason: 'AlgorithmError: boom', ExitMessage: 'Traceback ...' } as any);
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: 'pipelines-x-Train' }).resolves({ FailureReason: 'CapacityError: none' } as any);
    await expect(port.describeJobFailureReason('arn:aws:sagemaker:us-east-1:111122223333:processing-job/pipelines-x-Eval'))
      .resolves.toBe('AlgorithmError: boom Traceback ...');
    await expect(port.describeJobFailureReason('arn:aws:sagemaker:us-east-1:111122223333:training-job/pipelines-x-Train')).resolves.toBe('CapacityError: none');
    await expect(port.describeJobFailureReason('arn:aws:sagemaker:us-east-1:111122223333:model/m')).resolves.toBeUndefined();
  });
});

describe('execution reads', () => {
  const sagemaker = mockClient(SageMakerClient);
  const port = sageMakerPort(new SageMakerClient({ region: REGION }));
  const ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/e1';
  beforeEach(() => {
    sagemaker.reset();
    sagemaker.on(DescribePipelineExecutionCommand).resolves({ PipelineExecutionArn: ARN, LastModifiedTime: new Date('2026-11-21T09:00:00Z') });
    sagemaker.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: [] });
    sagemaker.on(DescribePipelineDefinitionForExecutionCommand).resolves({ PipelineDefinition: '{}' });
    sagemaker.on(ListPipelineParametersForExecutionCommand).resolves({ PipelineParameters: [] });
    sagemaker.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [{ PipelineExecutionArn: 'later' }] });
  });

  test('an earlier retry is looked for among the executions created since the run ended (a minute of skew), oldest first', async () => {
    const snapshot = await port.readExecution(ARN, 'p', new Date('2026-11-21T10:00:00Z'));
    expect(sagemaker.commandCalls(ListPipelineExecutionsCommand).map((c) => c.args[0].input)).toEqual([{
      PipelineName: 'p', CreatedAfter: new Date('2026-11-21T09:59:00Z'), SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 100,
    }]);
    expect(snapshot.executionsSinceFailure).toEqual([{ PipelineExecutionArn: 'later' }]);
  });

  test('without an end time from the event (the CLI), the execution\'s LastModifiedTime bounds the query', async () => {
    await port.readExecution(ARN, 'p');
    expect(sagemaker.commandCalls(ListPipelineExecutionsCommand)[0].args[0].input.CreatedAfter).toEqual(new Date('2026-11-21T08:59:00Z'));
  });

  test('the steps of another execution are read page by page', async () => {
    sagemaker.on(ListPipelineExecutionStepsCommand)
      .resolvesOnce({ PipelineExecutionSteps: [{ StepName: 'A' }], NextToken: 't' })
      .resolvesOnce({ PipelineExecutionSteps: [{ StepName: 'B' }] });
    await expect(port.listExecutionSteps(ARN)).resolves.toEqual([{ StepName: 'A' }, { StepName: 'B' }]);
  });
});

describe('metrics adapter', () => {
  test('prints EMF records with the pipeline and failure-class dimensions', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => { lines.push(String(chunk)); return true; });
    const log = jest.spyOn(console, 'log').mockImplementation((line: any) => { lines.push(String(line)); });
    try {
      await powertoolsMetricsPort().record({ pipelineName: 'abalone', outcome: 'started', budgetExhausted: false, failureClasses: ['CAPACITY'] });
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const records = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l));
    const started = records.find((r) => r.RetriesStarted === 1);
    expect(started._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'CdkSageMakerPipelines', Dimensions: [expect.arrayContaining(['service', 'PipelineName'])] });
    expect(started).toMatchObject({ service: 'SelectiveRetry', PipelineName: 'abalone' });
    const failed = records.find((r) => r.FailedSteps === 1);
    expect(failed).toMatchObject({ PipelineName: 'abalone', FailureClass: 'CAPACITY' });
  });

  test('counts a retry stopped by an error in RemediationErrors, per pipeline and per construct', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => { lines.push(String(chunk)); return true; });
    const log = jest.spyOn(console, 'log').mockImplementation((line: any) => { lines.push(String(line)); });
    try {
      await powertoolsMetricsPort().record({
        pipelineName: 'abalone', metricsId: 'StackHeal', outcome: 'skipped', budgetExhausted: false, remediationError: true, failureClasses: [],
      });
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const records = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l));
    const errors = records.filter((r) => r.RemediationErrors === 1);
    expect(errors.map((r) => [r.PipelineName, r.SelectiveRetry])).toEqual([['abalone', undefined], [undefined, 'StackHeal']]);
    expect(records.filter((r) => r.RetriesSkipped === 1)).toHaveLength(2);
  });
});
