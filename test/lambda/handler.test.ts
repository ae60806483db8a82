import * as fs from 'fs';
import * as path from 'path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribePipelineDefinitionForExecutionCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  PipelineExecutionStep,
  SageMakerClient,
  SageMakerServiceException,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { clientRequestToken } from '../../lambda/lineage';
import { handler } from '../../lambda/selective-retry-handler.lambda';
import { FIXTURES_DIR } from '../fixtures';
import { captureHandlerOutput } from './captured-output';

const FIXTURES = FIXTURES_DIR;
const ABALONE = fs.readFileSync(path.join(FIXTURES, 'definitions', '10-abalone-condition-register-transform-fail.json'), 'utf8');
/** The aws-samples Failed event: pipeline `abalone-pipeline`, no pipelineExecutionDescription key. */
const FAILED_EVENT = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'events', 'pipeline-execution-status-change.failed.aws-samples.json'), 'utf8'));
const PIPELINE_ARN: string = FAILED_EVENT.detail.pipelineArn;
const EXECUTION_ARN: string = FAILED_EVENT.detail.pipelineExecutionArn;
/** The configuration the stack deploys: one SSM parameter holding one document. */
const PARAMETER = '/cdk-sagemaker-pipelines/selective-retry/Stack/Heal';
const DOCUMENT = { version: 2, pipelineNames: ['abalone-pipeline'], policy: { maxAttempts: 2 } };
const NEW_EXECUTION_ARN = `${PIPELINE_ARN}/execution/retry000001`;

process.env.AWS_REGION = 'us-east-1';
process.env.SELECTIVE_RETRY_CONFIGURATION_PARAMETERS = JSON.stringify({ prefix: '/', names: [PARAMETER.slice(1)] });
const sagemaker = mockClient(SageMakerClient);
const ssm = mockClient(SSMClient);
/** Each test runs 6 minutes after the previous one: past the configuration's 5-minute cache, so each reads its own. */
let clock = Date.now();
const eventBridge = mockClient(EventBridgeClient);
/** The handler's own log records (one per decision), and the EMF metric records Powertools prints. */
let logs: any[];
let emf: any[];

/** Deploys configuration documents (each its own parameter). */
function givenConfiguration(...documents: unknown[]) {
  const names = documents.map((_, i) => (i === 0 ? PARAMETER : `${PARAMETER}/${i + 1}`));
  process.env.SELECTIVE_RETRY_CONFIGURATION_PARAMETERS = JSON.stringify({ prefix: '/', names: names.map((n) => n.slice(1)) });
  ssm.on(GetParametersCommand).resolves({
    Parameters: documents.map((d, i) => ({ Name: names[i], Value: JSON.stringify(d) })), InvalidParameters: [],
  });
}

beforeEach(() => {
  clock += 6 * 60_000;
  const now = clock;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  ssm.reset();
  givenConfiguration(DOCUMENT);
  sagemaker.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  ({ logs, emf } = captureHandlerOutput());
});
afterEach(() => jest.restoreAllMocks());

const ok = (name: string): PipelineExecutionStep => ({ StepName: name, StepStatus: 'Succeeded' });
const failed = (name: string, reason = 'CapacityError: Unable to provision requested ML compute capacity.'): PipelineExecutionStep =>
  ({ StepName: name, StepStatus: 'Failed', FailureReason: reason });

/** Scripts SageMaker's answers about the failed execution. */
function givenFailedExecution(options: {
  steps: PipelineExecutionStep[];
  definition?: string;
  description?: string;
  parameters?: Array<{ Name: string; Value: string }>;
  status?: string;
}) {
  sagemaker.on(DescribePipelineExecutionCommand).resolves({
    PipelineArn: PIPELINE_ARN,
    PipelineExecutionArn: EXECUTION_ARN,
    PipelineExecutionStatus: (options.status ?? 'Failed') as any,
    PipelineExecutionDescription: options.description,
    ParallelismConfiguration: { MaxParallelExecutionSteps: 3 },
    PipelineVersionId: 7,
  });
  sagemaker.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: options.steps });
  sagemaker.on(DescribePipelineDefinitionForExecutionCommand).resolves({ PipelineDefinition: options.definition ?? ABALONE });
  sagemaker.on(ListPipelineParametersForExecutionCommand).resolves({
    PipelineParameters: options.parameters ?? [{ Name: 'MseThreshold', Value: '4.5' }, { Name: 'InputData', Value: 's3://bucket/other.csv' }],
  });
  sagemaker.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: NEW_EXECUTION_ARN });
}

const startRequests = () => sagemaker.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input);

describe('selective-retry handler', () => {
  test('a single failure: re-runs the failed step and everything downstream, with the failed run as source', async () => {
    // GIVEN Train failed after Process succeeded
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result).toMatchObject({ outcome: 'started', pipelineExecutionArn: NEW_EXECUTION_ARN, attempt: 1 });
    expect(startRequests()).toEqual([{
      PipelineName: PIPELINE_ARN,
      PipelineExecutionDisplayName: 'selective-retry-1-a1b2c3d4e6f7',
      PipelineExecutionDescription: expect.stringContaining(`[cdk-sagemaker-pipelines:selective-retry attempt=1 root=${EXECUTION_ARN} source=${EXECUTION_ARN}]`),
      PipelineParameters: [{ Name: 'MseThreshold', Value: '4.5' }, { Name: 'InputData', Value: 's3://bucket/other.csv' }],
      ClientRequestToken: clientRequestToken(EXECUTION_ARN),
      ParallelismConfiguration: { MaxParallelExecutionSteps: 3 },
      PipelineVersionId: 7,
      SelectiveExecutionConfig: {
        SourcePipelineExecutionArn: EXECUTION_ARN,
        SelectedSteps: ['AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneCreateModel', 'AbaloneMSEFail',
          'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform'].map((StepName) => ({ StepName })),
      },
    }]);
    expect(logs).toEqual([expect.objectContaining({ level: 'INFO', message: 'selective-retry decision', outcome: 'started' })]);
  });

  test('parallel failures: both failed steps are seeds', async () => {
    // GIVEN fixture 11: two independent chains fail at the same time
    const definition = fs.readFileSync(path.join(FIXTURES, 'definitions', '11-dynamic-framework-two-chains.json'), 'utf8');
    const names: string[] = JSON.parse(definition).Steps.map((s: any) => s.Name);
    const [falconFirst, calFirst] = [names.find((n) => n.startsWith('falcon'))!, names.find((n) => n.startsWith('calhousing'))!];
    givenFailedExecution({ definition, steps: [failed(falconFirst), failed(calFirst)] });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN every step of both chains is selected, each failed one before its downstream
    expect(result.outcome).toBe('started');
    const selected = startRequests()[0]!.SelectiveExecutionConfig!.SelectedSteps!.map((s) => s.StepName);
    expect(new Set(selected)).toEqual(new Set(names));
    expect(result.failedSteps!.map((f) => f.stepName).sort()).toEqual([calFirst, falconFirst].sort());
  });

  test('a failure inside a condition branch re-runs only that branch step and its downstream', async () => {
    // GIVEN the condition took the If branch; CreateModel failed, RegisterModel succeeded
    givenFailedExecution({
      steps: [
        failed('AbaloneCreateModel', 'InternalServerError: We encountered an internal error.'),
        ok('AbaloneRegisterModel-RegisterModel'),
        { ...ok('AbaloneMSECond'), Metadata: { Condition: { Outcome: 'True' } } },
        ok('AbaloneEval'), ok('AbaloneTrain'), ok('AbaloneProcess'),
      ],
    });

    // WHEN
    await handler(FAILED_EVENT);

    // THEN the Else branch's Fail step is not selected: the condition is not re-evaluated
    expect(startRequests()[0]!.SelectiveExecutionConfig!.SelectedSteps).toEqual([{ StepName: 'AbaloneCreateModel' }, { StepName: 'AbaloneTransform' }]);
  });

  test('a never-started branch is selected when its condition ran and the run failed elsewhere', async () => {
    // GIVEN the condition took the If branch; RegisterModel failed; CreateModel and Transform never started
    givenFailedExecution({
      steps: [
        failed('AbaloneRegisterModel-RegisterModel', 'ResourceLimitExceeded'),
        { ...ok('AbaloneMSECond'), Metadata: { Condition: { Outcome: 'True' } } },
        ok('AbaloneEval'), ok('AbaloneTrain'), ok('AbaloneProcess'),
      ],
    });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result.selectedSteps).toEqual(['AbaloneCreateModel', 'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform']);
  });

  test('a failure from a Fail step is deliberate: skipped, nothing started', async () => {
    // GIVEN the condition took the Else branch into the Fail step
    givenFailedExecution({
      steps: [
        { StepName: 'AbaloneMSEFail', StepStatus: 'Failed', Metadata: { Fail: { ErrorMessage: 'MSE above threshold' } } },
        { ...ok('AbaloneMSECond'), Metadata: { Condition: { Outcome: 'False' } } },
        ok('AbaloneEval'), ok('AbaloneTrain'), ok('AbaloneProcess'),
      ],
    });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('Fail step "AbaloneMSEFail" (MSE above threshold)') });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
  });

  test('budget exhausted: a failed retry that was the last allowed attempt is not retried again', async () => {
    // GIVEN the failed run is our second retry of a root execution, and maxAttempts is 2
    const root = `${PIPELINE_ARN}/execution/root00000001`;
    givenFailedExecution({
      steps: [failed('AbaloneTrain'), ok('AbaloneProcess')],
      description: `Selective retry 2 of 2. [cdk-sagemaker-pipelines:selective-retry attempt=2 root=${root}]`,
    });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result).toMatchObject({ outcome: 'skipped', attempt: 3, maxAttempts: 2, rootExecutionArn: root });
    expect(result.reason).toMatch(/^Retry budget exhausted: 2 of 2 selective retries of .*root00000001 already ran\.$/);
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    expect(logs[0]).toMatchObject({ level: 'WARN', outcome: 'skipped' });
  });

  test('a failed retry within budget starts the next attempt with the same root', async () => {
    const root = `${PIPELINE_ARN}/execution/root00000001`;
    givenFailedExecution({
      steps: [failed('AbaloneTrain'), ok('AbaloneProcess')],
      description: `[cdk-sagemaker-pipelines:selective-retry attempt=1 root=${root}]`,
    });

    const result = await handler(FAILED_EVENT);

    expect(result).toMatchObject({ outcome: 'started', attempt: 2, rootExecutionArn: root });
    expect(startRequests()[0]!.PipelineExecutionDisplayName).toBe('selective-retry-2-root00000001');
    expect(startRequests()[0]!.PipelineExecutionDescription).toContain(`attempt=2 root=${root} source=${EXECUTION_ARN}]`);
  });

  test('a duplicate event sends the same idempotency token, so SageMaker starts one execution', async () => {
    // GIVEN
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });

    // WHEN the same failure is delivered twice, once with another event id
    await handler(FAILED_EVENT);
    await handler({ ...FAILED_EVENT, id: 'another-delivery' });

    // THEN
    const tokens = startRequests().map((r) => r.ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(clientRequestToken(EXECUTION_ARN.toUpperCase())).toBe(tokens[0]);
    expect(clientRequestToken(`${PIPELINE_ARN}/execution/other`)).not.toBe(tokens[0]);
  });

  test('reads every page of steps and parameters', async () => {
    // GIVEN three pages of steps and two of parameters
    givenFailedExecution({ steps: [] });
    sagemaker.on(ListPipelineExecutionStepsCommand)
      .resolvesOnce({ PipelineExecutionSteps: [failed('AbaloneTrain')], NextToken: 'p2' })
      .resolvesOnce({ PipelineExecutionSteps: [ok('AbaloneProcess')], NextToken: 'p3' })
      .resolvesOnce({ PipelineExecutionSteps: [] });
    sagemaker.on(ListPipelineParametersForExecutionCommand)
      .resolvesOnce({ PipelineParameters: [{ Name: 'A', Value: '1' }], NextToken: 'q2' })
      .resolvesOnce({ PipelineParameters: [{ Name: 'B', Value: '2' }] });

    // WHEN
    await handler(FAILED_EVENT);

    // THEN
    expect(sagemaker).toHaveReceivedCommandTimes(ListPipelineExecutionStepsCommand, 3);
    expect(sagemaker).toHaveReceivedCommandTimes(ListPipelineParametersForExecutionCommand, 2);
    expect(startRequests()[0]!.PipelineParameters).toEqual([{ Name: 'A', Value: '1' }, { Name: 'B', Value: '2' }]);
    // Process succeeded on page 2, so it is not selected
    expect(startRequests()[0]!.SelectiveExecutionConfig!.SelectedSteps![0]).toEqual({ StepName: 'AbaloneTrain' });
  });

  test.each([
    ['another pipeline', { ...FAILED_EVENT, detail: { ...FAILED_EVENT.detail, pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/other', pipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/other/execution/x' } }, /pipeline "other" is not one of the healed pipelines/],
    ['a Succeeded execution', { ...FAILED_EVENT, detail: { ...FAILED_EVENT.detail, currentPipelineExecutionStatus: 'Succeeded' } }, /status is "Succeeded"; only Failed executions are healed/],
    ['another detail-type', { ...FAILED_EVENT, 'detail-type': 'SageMaker Model Building Pipeline Execution Step Status Change' }, /detail-type is "SageMaker Model Building Pipeline Execution Step Status Change"/],
    ['another source', { ...FAILED_EVENT, source: 'aws.states' }, /event source is "aws.states"/],
  ])('an event for %s is ignored: nothing is started', async (_, event, reason) => {
    const result = await handler(event);
    expect(result.outcome).toBe('ignored');
    expect(result.reason).toMatch(reason);
    // The configuration is read in parallel with the execution, so a well-formed event of another pipeline may be
    // read (IAM allows only the healed pipelines' reads), but nothing is ever started.
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'ignored' })]);
  });

  test('matches the pipeline name case-insensitively (SageMaker may lower-case names in ARNs) and reports it as deployed', async () => {
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    givenConfiguration({ ...DOCUMENT, pipelineNames: ['Abalone-Pipeline'] });
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'started', pipelineName: 'Abalone-Pipeline' });
    expect(emf.filter((r) => r.RetriesStarted === 1).map((r) => r.PipelineName)).toEqual(['Abalone-Pipeline']);
  });

  test('a delivery repeating one already handled starts nothing and announces nothing again', async () => {
    // GIVEN the retry of this failure already exists among the pipeline's latest executions
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    sagemaker.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: `${PIPELINE_ARN}/execution/unrelated`, PipelineExecutionDescription: 'nightly' },
        {
          PipelineExecutionArn: NEW_EXECUTION_ARN,
          PipelineExecutionDescription: `Selective retry 1 of 2. [cdk-sagemaker-pipelines:selective-retry attempt=1 root=${EXECUTION_ARN} source=${EXECUTION_ARN.toUpperCase()}]`,
        },
      ],
    });

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result).toMatchObject({ outcome: 'started', duplicate: true, pipelineExecutionArn: NEW_EXECUTION_ARN });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    // a bounded query: the executions created since the failed run ended (a minute earlier for clock skew), oldest
    // first, so a late duplicate finds the retry however many runs the pipeline has had since
    expect(sagemaker).toHaveReceivedCommandWith(ListPipelineExecutionsCommand, {
      PipelineName: PIPELINE_ARN,
      CreatedAfter: new Date(Date.parse(FAILED_EVENT.detail.executionEndTime) - 60_000),
      SortBy: 'CreationTime',
      SortOrder: 'Ascending',
      MaxResults: 100,
    });
    expect(eventBridge.calls()).toHaveLength(0);
    expect(emf).toEqual([]);
    expect(logs).toEqual([expect.objectContaining({ outcome: 'started', duplicate: true })]);
  });

  test('when the latest executions cannot be listed, the retry still starts (the idempotency token still holds)', async () => {
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    sagemaker.on(ListPipelineExecutionsCommand).rejects(new SageMakerServiceException({
      name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'not allowed',
    }));
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'started' });
    expect(result.duplicate).toBeUndefined();
  });

  test.each([
    ['null', null],
    ['a string', 'not an event'],
    ['an event without detail', { ...FAILED_EVENT, detail: undefined }],
    ['an event with a bad execution ARN', { ...FAILED_EVENT, detail: { ...FAILED_EVENT.detail, pipelineExecutionArn: 'nope' } }],
    ['the {event, policy} wrapper of earlier versions', { event: FAILED_EVENT, policy: { version: 1, maxAttempts: 2, pipelineNames: ['abalone-pipeline'] } }],
  ])('malformed input (%s) is logged and dropped: no throw, so no redelivery loop', async (_, bad) => {
    const result = await handler(bad as any);
    expect(result.outcome).toBe('ignored');
    expect(sagemaker.calls()).toHaveLength(0);
    expect(logs).toHaveLength(1);
  });

  test('a malformed definition is reported and skipped, never thrown', async () => {
    givenFailedExecution({ steps: [failed('AbaloneTrain')], definition: '{"Steps": "not a list"' });
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/^The pipeline definition is invalid/) });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
  });

  test('a throttled start is rethrown so Lambda redelivers the event', async () => {
    // GIVEN
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    sagemaker.on(StartPipelineExecutionCommand).rejects(new SageMakerServiceException({
      name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded',
    }));

    // WHEN / THEN
    await expect(handler(FAILED_EVENT)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(logs).toEqual([expect.objectContaining({ level: 'WARN', error: 'ThrottlingException: Rate exceeded' })]);
  });

  test('a server error while reading is rethrown', async () => {
    givenFailedExecution({ steps: [] });
    sagemaker.on(ListPipelineExecutionStepsCommand).rejects(new SageMakerServiceException({
      name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'boom',
    }));
    await expect(handler(FAILED_EVENT)).rejects.toMatchObject({ name: 'InternalFailure' });
  });

  test('a validation error on start is reported with the request and not retried', async () => {
    // GIVEN
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    sagemaker.on(StartPipelineExecutionCommand).rejects(new SageMakerServiceException({
      name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Step AbaloneTrain does not exist',
    }));

    // WHEN
    const result = await handler(FAILED_EVENT);

    // THEN
    expect(result).toMatchObject({ outcome: 'skipped', request: expect.objectContaining({ PipelineName: PIPELINE_ARN }) });
    expect(result.reason).toContain('ValidationException: Step AbaloneTrain does not exist');
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', request: expect.any(Object) })]);
  });

  test('an execution that is no longer Failed (e.g. retried by a person) is left alone', async () => {
    givenFailedExecution({ steps: [failed('AbaloneTrain')], status: 'Executing' });
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'The execution is now Executing, not Failed; nothing to heal.' });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
  });

  test('an execution that cannot be found is reported, not retried', async () => {
    givenFailedExecution({ steps: [] });
    sagemaker.on(DescribePipelineExecutionCommand).rejects(new SageMakerServiceException({
      name: 'ResourceNotFound', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Execution does not exist',
    }));
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'Could not read the failed execution: ResourceNotFound: Execution does not exist.' });
  });

  test('the policy is the deployed one: a bare event gets the deployed budget', async () => {
    givenConfiguration({ ...DOCUMENT, policy: { maxAttempts: 5 } });
    givenFailedExecution({ steps: [failed('AbaloneTrain'), ok('AbaloneProcess')] });
    const result = await handler(FAILED_EVENT);
    expect(result).toMatchObject({ outcome: 'started', maxAttempts: 5, configuration: PARAMETER });
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [PARAMETER] });
  });
});
