/**
 * Savings and skip reasons through the whole handler (SDK mocked): the decision log line, the decision event, the SNS
 * message and the EMF metrics carry what the retry reuses, with no SageMaker call beyond the usual reads and start.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribePipelineDefinitionForExecutionCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  PipelineExecutionStep,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { captureHandlerOutput } from './captured-output';
import { handler } from '../../lambda/selective-retry-handler.lambda';

const PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/churn';
const EXECUTION_ARN = `${PIPELINE_ARN}/execution/run000001`;
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:healing';
const EVENT = {
  'source': 'aws.sagemaker',
  'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
  'detail': {
    pipelineArn: PIPELINE_ARN,
    pipelineExecutionArn: EXECUTION_ARN,
    currentPipelineExecutionStatus: 'Failed',
    previousPipelineExecutionStatus: 'Executing',
    executionEndTime: '2026-01-05T02:22:00Z',
  },
};
const POLICY = { maxAttempts: 2, metricsId: 'StackHealing1234', notifications: { events: true, topicArn: TOPIC } };
/** The configuration the stack deploys: one SSM parameter holding one document. */
const PARAMETER = '/cdk-sagemaker-pipelines/selective-retry/Stack/Healing';
/** Prepare -> Train -> Evaluate. */
const DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Steps: [
    { Name: 'Prepare', Type: 'Processing', Arguments: {} },
    { Name: 'Train', Type: 'Training', Arguments: {}, DependsOn: ['Prepare'] },
    { Name: 'Evaluate', Type: 'Processing', Arguments: {}, DependsOn: ['Train'] },
  ],
});
const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 2, minute));

process.env.AWS_REGION = 'us-east-1';
process.env.SELECTIVE_RETRY_CONFIGURATION_PARAMETERS = JSON.stringify({ prefix: '/', names: [PARAMETER.slice(1)] });
const sagemaker = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
/** Each test runs 6 minutes after the previous one: past the configuration's 5-minute cache, so each reads its own. */
let clock = Date.now();
const eventBridge = mockClient(EventBridgeClient);
const sns = mockClient(SNSClient);
let logs: any[];
let emf: any[];

/** Deploys `policy` for pipeline `churn`, as the stack would. */
function givenPolicy(policy: Record<string, unknown>) {
  ssm.reset();
  ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: PARAMETER, Value: JSON.stringify({ version: 2, pipelineNames: ['churn'], policy }) }], InvalidParameters: [],
  });
}

/** Delivers the bare event, as the rule does, with `policy` deployed. */
function handle(policy: Record<string, unknown>) {
  givenPolicy(policy);
  return handler(EVENT);
}

beforeEach(() => {
  clock += 6 * 60_000;
  const now = clock;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  sagemaker.reset();
  eventBridge.reset();
  sns.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  ({ logs, emf } = captureHandlerOutput());
});
afterEach(() => jest.restoreAllMocks());

function givenFailedExecution(steps: PipelineExecutionStep[], status = 'Failed') {
  sagemaker.on(DescribePipelineExecutionCommand).resolves({
    PipelineArn: PIPELINE_ARN, PipelineExecutionArn: EXECUTION_ARN, PipelineExecutionStatus: status as any,
  });
  sagemaker.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: steps });
  sagemaker.on(DescribePipelineDefinitionForExecutionCommand).resolves({ PipelineDefinition: DEFINITION });
  sagemaker.on(ListPipelineParametersForExecutionCommand).resolves({ PipelineParameters: [] });
  sagemaker.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
  sagemaker.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: `${PIPELINE_ARN}/execution/retry00001` });
}

const TRAIN_FAILED: PipelineExecutionStep[] = [
  { StepName: 'Prepare', StepStatus: 'Succeeded', StartTime: at(0), EndTime: at(18) },
  { StepName: 'Train', StepStatus: 'Failed', StartTime: at(18), EndTime: at(22), FailureReason: 'CapacityError: Unable to provision requested ML compute capacity.' },
];
const EXPECTED_SAVINGS = { reusedSteps: ['Prepare'], stepSecondsReused: 1080, runStepSeconds: 1320, shareOfRunStepTime: 0.818, carriedOverSteps: [] };

test('a started retry reports what it reuses in the log line, the event and the SNS message, and counts it', async () => {
  givenFailedExecution(TRAIN_FAILED);

  const result = await handle(POLICY);

  expect(result).toMatchObject({ outcome: 'started', selectedSteps: ['Train', 'Evaluate'], savings: EXPECTED_SAVINGS });
  expect(logs.find((l) => l.message === 'selective-retry decision')).toMatchObject({ savings: EXPECTED_SAVINGS });
  const detail = JSON.parse(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].Detail!);
  expect(detail.savings).toEqual(EXPECTED_SAVINGS);
  expect(JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!).savings).toEqual(EXPECTED_SAVINGS);
  // Per pipeline and per construct: the count and the seconds, as values (not 1).
  for (const dimension of [{ PipelineName: 'churn' }, { SelectiveRetry: 'StackHealing1234' }]) {
    expect(emf).toContainEqual(expect.objectContaining({ ...dimension, StepsReused: 1 }));
    expect(emf).toContainEqual(expect.objectContaining({ ...dimension, StepSecondsReused: 1080 }));
  }
  const seconds = emf.find((r) => r.StepSecondsReused !== undefined);
  expect(seconds._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'StepSecondsReused', Unit: 'Seconds' }]);
  // No SageMaker call of its own: the usual four reads, the recent-executions list, and the start.
  expect(sagemaker.calls()).toHaveLength(6);
});

test('a dry run reports the savings but counts none (nothing will run)', async () => {
  givenFailedExecution(TRAIN_FAILED);

  const result = await handle({ ...POLICY, dryRun: true });

  expect(result).toMatchObject({ outcome: 'planned', savings: EXPECTED_SAVINGS });
  expect(emf.filter((r) => r.StepsReused !== undefined || r.StepSecondsReused !== undefined)).toEqual([]);
});

test('a skip is counted in total and by its reason code, per pipeline and per construct', async () => {
  givenFailedExecution(TRAIN_FAILED);

  const result = await handle({ ...POLICY, retryOn: { mode: 'CLASSES', classes: ['THROTTLING'] } });

  expect(result).toMatchObject({ outcome: 'skipped', skipReason: 'NOT_RETRYABLE' });
  expect(result.savings).toBeUndefined();
  for (const dimension of [{ PipelineName: 'churn' }, { SelectiveRetry: 'StackHealing1234' }]) {
    const skipped = emf.filter((r) => r.RetriesSkipped === 1 && Object.entries(dimension).every(([k, v]) => r[k] === v));
    expect(skipped.map((r) => r.SkipReason)).toEqual([undefined, 'NOT_RETRYABLE']);
  }
});

interface SkipCase { readonly description?: string; readonly status?: string; readonly steps?: PipelineExecutionStep[] }
test.each<[string, SkipCase, string]>([
  ['the budget is spent', { description: '[cdk-sagemaker-pipelines:selective-retry attempt=2 root=arn:aws:sagemaker:us-east-1:111122223333:pipeline/churn/execution/root source=arn:aws:sagemaker:us-east-1:111122223333:pipeline/churn/execution/x]' }, 'BUDGET_EXHAUSTED'],
  ['the execution is no longer Failed', { status: 'Succeeded' }, 'NOT_FAILED'],
  ['every step succeeded', { steps: ['Prepare', 'Train', 'Evaluate'].map((StepName): PipelineExecutionStep => ({ StepName, StepStatus: 'Succeeded' })) }, 'NOTHING_TO_RETRY'],
])('the skip reason code when %s', async (_, given, code) => {
  givenFailedExecution(given.steps ?? TRAIN_FAILED, given.status);
  if (given.description) {
    sagemaker.on(DescribePipelineExecutionCommand).resolves({
      PipelineArn: PIPELINE_ARN, PipelineExecutionArn: EXECUTION_ARN, PipelineExecutionStatus: 'Failed', PipelineExecutionDescription: given.description,
    });
  }

  const result = await handle(POLICY);

  expect(result).toMatchObject({ outcome: 'skipped', skipReason: code });
  expect(emf).toContainEqual(expect.objectContaining({ SelectiveRetry: 'StackHealing1234', RetriesSkipped: 1, SkipReason: code }));
});
