/*
 * The cases where real SageMaker differs from a lenient stand-in, against the remediation logic with a fake
 * SageMaker port: what the handler sends, reads and decides.
 */
import { PipelineExecutionStep, SageMakerServiceException, StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { deployedConfiguration } from './deployed-configuration';
import { LogRecord, remediate } from '../../lambda/remediate';
import { ExecutionSnapshot, SageMakerPort } from '../../lambda/sagemaker-port';
import { SchedulerPort } from '../../lambda/scheduler-port';

const PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone';
const EXECUTION_ARN = `${PIPELINE_ARN}/execution/exec0001`;
const EARLIER_ARN = `${PIPELINE_ARN}/execution/earlier01`;
const RETRY_ARN = `${PIPELINE_ARN}/execution/retry0001`;
const ENDED = '2026-11-21T09:58:00Z';

const step = (Name: string, Type: string, Arguments: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  ({ Name, Type, Arguments, ...extra });

/** Prep -> Train -> Eval -> Check (If: Register, Else: Stop). */
const ABALONE = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [{ Name: 'InputData', Type: 'String', DefaultValue: 's3://bucket/in.csv' }, { Name: 'Note', Type: 'String', DefaultValue: '' }],
  Steps: [
    step('Prep', 'Processing'),
    step('Train', 'Training', { In: { Get: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' } }),
    step('Eval', 'Processing', { In: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }),
    step('Check', 'Condition', {
      Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: { Get: 'Steps.Eval.ProcessingOutputConfig.Outputs[\'m\'].S3Output.S3Uri' }, RightValue: 6 }],
      IfSteps: [step('Register', 'RegisterModel')],
      ElseSteps: [step('Stop', 'Fail', { ErrorMessage: 'too high' })],
    }),
  ],
});

/** Prep -> A, Prep -> B: two sibling branches with no join. */
const SIBLINGS = JSON.stringify({
  Version: '2020-12-01',
  Steps: [
    step('Prep', 'Processing'),
    step('A', 'Training', { In: { Get: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'a\'].S3Output.S3Uri' } }),
    step('B', 'Training', { In: { Get: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'b\'].S3Output.S3Uri' } }),
  ],
});

/** A fake SageMaker that records what it is asked, and answers starts with scripted errors first. */
class FakeSageMaker implements SageMakerPort {
  public readonly started: StartPipelineExecutionCommandInput[] = [];
  public readonly stepListsRead: string[] = [];
  public readonly reads: Array<{ arn: string; endedAt?: Date }> = [];
  public readonly startErrors: unknown[] = [];
  constructor(private readonly execution: ExecutionSnapshot, private readonly otherRuns: Record<string, PipelineExecutionStep[]> = {}) {}
  async readExecution(arn: string, _pipelineName: string, endedAt?: Date) {
    this.reads.push({ arn, ...(endedAt ? { endedAt } : {}) });
    return this.execution;
  }
  async listExecutionSteps(arn: string) {
    this.stepListsRead.push(arn);
    return this.otherRuns[arn] ?? [];
  }
  async startPipelineExecution(request: StartPipelineExecutionCommandInput) {
    this.started.push(request);
    const error = this.startErrors.shift();
    if (error) throw error;
    return RETRY_ARN;
  }
  async describeJobFailureReason() { return undefined; }
}

function snapshot(options: {
  steps: PipelineExecutionStep[];
  definition?: string;
  description?: string;
  parameters?: Array<{ Name: string; Value: string }>;
  selectedSteps?: string[];
  mlflowExperiment?: string;
  executionsSinceFailure?: ExecutionSnapshot['executionsSinceFailure'];
}): ExecutionSnapshot {
  return {
    execution: {
      PipelineArn: PIPELINE_ARN,
      PipelineExecutionArn: EXECUTION_ARN,
      PipelineExecutionStatus: 'Failed',
      PipelineVersionId: 3,
      ...(options.description !== undefined ? { PipelineExecutionDescription: options.description } : {}),
      ...(options.selectedSteps ? {
        SelectiveExecutionConfig: { SourcePipelineExecutionArn: EARLIER_ARN, SelectedSteps: options.selectedSteps.map((StepName) => ({ StepName })) },
      } : {}),
      ...(options.mlflowExperiment ? { MLflowConfig: { MlflowExperimentName: options.mlflowExperiment, MlflowResourceArn: 'arn:aws:sagemaker:us-east-1:111122223333:mlflow-tracking-server/t' } } : {}),
      $metadata: {},
    },
    steps: options.steps,
    definition: options.definition ?? ABALONE,
    parameters: options.parameters ?? [{ Name: 'InputData', Value: 's3://bucket/other.csv' }],
    ...(options.executionsSinceFailure ? { executionsSinceFailure: options.executionsSinceFailure } : {}),
  };
}

const ok = (StepName: string, extra: Partial<PipelineExecutionStep> = {}): PipelineExecutionStep => ({ StepName, StepStatus: 'Succeeded', ...extra });
const failed = (StepName: string, FailureReason = 'InternalServerError: We encountered an internal error.'): PipelineExecutionStep =>
  ({ StepName, StepStatus: 'Failed', FailureReason });
const reused = (StepName: string, extra: Partial<PipelineExecutionStep> = {}): PipelineExecutionStep =>
  ({ StepName, SelectiveExecutionResult: { SourcePipelineExecutionArn: EARLIER_ARN }, ...extra });
const outcome = (value: 'True' | 'False') => ({ Metadata: { Condition: { Outcome: value } } });

function event(detail: Record<string, unknown> = {}) {
  return {
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
    'time': '2026-11-21T09:58:01Z',
    'detail': {
      pipelineArn: PIPELINE_ARN,
      pipelineExecutionArn: EXECUTION_ARN,
      currentPipelineExecutionStatus: 'Failed',
      previousPipelineExecutionStatus: 'Executing',
      executionEndTime: ENDED,
      ...detail,
    },
  };
}

interface RunOptions {
  readonly policy?: Record<string, unknown>;
  readonly detail?: Record<string, unknown>;
  readonly scheduler?: SchedulerPort;
}

function run(sagemaker: FakeSageMaker, options: RunOptions = {}) {
  const logs: LogRecord[] = [];
  const result = remediate(
    event(options.detail),
    {
      sagemaker,
      configuration: deployedConfiguration(['abalone'], options.policy),
      log: (r) => logs.push(r),
      scheduler: options.scheduler,
      now: () => new Date('2026-11-21T10:00:00Z'),
    },
  );
  return { result, logs };
}

const selectedOf = (request: StartPipelineExecutionCommandInput) => request.SelectiveExecutionConfig?.SelectedSteps?.map((s) => s.StepName);
const serviceError = (name: string, message: string, fault: 'client' | 'server' = 'client') =>
  new SageMakerServiceException({ name, $fault: fault, $metadata: { httpStatusCode: 400 }, message });

describe('parameters', () => {
  test('an empty parameter value is left out (SageMaker rejects "" at start), so the pinned version\'s default applies', async () => {
    const sagemaker = new FakeSageMaker(snapshot({
      steps: [ok('Prep'), failed('Train')],
      parameters: [{ Name: 'InputData', Value: 's3://bucket/other.csv' }, { Name: 'Note', Value: '' }],
    }));
    await run(sagemaker).result;
    expect(sagemaker.started[0].PipelineParameters).toEqual([{ Name: 'InputData', Value: 's3://bucket/other.csv' }]);
    expect(sagemaker.started[0].PipelineVersionId).toBe(3);
  });

  test('the MLflow experiment of the failed run is carried over', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')], mlflowExperiment: 'abalone-experiments' }));
    await run(sagemaker).result;
    expect(sagemaker.started[0].MlflowExperimentName).toBe('abalone-experiments');
  });

  test('without an MLflow experiment, none is sent', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')] }));
    await run(sagemaker).result;
    expect(sagemaker.started[0]).not.toHaveProperty('MlflowExperimentName');
  });
});

describe('descriptions', () => {
  test('the person\'s own description is kept, and the marker added', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')], description: 'Nightly retrain, ticket ML-42' }));
    await run(sagemaker).result;
    const description = sagemaker.started[0].PipelineExecutionDescription!;
    expect(description).toMatch(/^Nightly retrain, ticket ML-42 Selective retry 1 of 2 started by cdk-sagemaker-pipelines/);
    expect(description).toContain(`[cdk-sagemaker-pipelines:selective-retry attempt=1 root=${EXECUTION_ARN} source=${EXECUTION_ARN}]`);
  });

  test('a retry of a retry keeps the person\'s text once, with the new marker only', async () => {
    const root = `${PIPELINE_ARN}/execution/root0001`;
    const previous = 'Nightly retrain Selective retry 1 of 2 started by cdk-sagemaker-pipelines after execution root0001 failed. '
      + `[cdk-sagemaker-pipelines:selective-retry attempt=1 root=${root} source=${root}]`;
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')], description: previous }));
    await run(sagemaker).result;
    const description = sagemaker.started[0].PipelineExecutionDescription!;
    expect(description).toBe('Nightly retrain Selective retry 2 of 2 started by cdk-sagemaker-pipelines after execution exec0001 failed. '
      + `[cdk-sagemaker-pipelines:selective-retry attempt=2 root=${root} source=${EXECUTION_ARN}]`);
  });

  test('a description at SageMaker\'s 3,072-character limit is shortened so that the whole stays within it, marker intact', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')], description: 'x'.repeat(3072) }));
    await run(sagemaker).result;
    const description = sagemaker.started[0].PipelineExecutionDescription!;
    expect(description.length).toBeLessThanOrEqual(3072);
    expect(description).toMatch(/^x+… Selective retry 1 of 2 .*\]$/);
  });
});

describe('a run a person stopped', () => {
  test('an execution that was Stopping when it ended Failed is not retried, and the decision says why', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train', 'Lambda function timed out')] }));
    const result = await run(sagemaker, { detail: { previousPipelineExecutionStatus: 'Stopping' } }).result;
    expect(result).toMatchObject({ outcome: 'skipped', stoppedByPerson: true, reason: expect.stringContaining('A person stopped this execution') });
    expect(sagemaker.started).toEqual([]);
    expect(sagemaker.reads).toEqual([]);
  });
});

describe('a failed selective run', () => {
  test('its retry stays inside its selection: the failed step and, downstream, only what it had selected', async () => {
    // GIVEN someone re-ran only Train selectively (everything else reused from an earlier run), and Train failed
    const sagemaker = new FakeSageMaker(snapshot({
      steps: [reused('Prep'), failed('Train'), reused('Eval'), reused('Check', outcome('True')), reused('Register')],
      selectedSteps: ['Train'],
    }));
    const result = await run(sagemaker).result;
    // THEN the retry selects Train only, not Eval, Check and Register downstream of it
    expect(selectedOf(sagemaker.started[0])).toEqual(['Train']);
    expect(result.reason).toContain('4 step(s) are reused from the failed run; 1 step(s) did not run in it');
  });

  test('a never-started step the run had selected is retried; one it had not selected is not', async () => {
    // GIVEN the run selected Train and Eval; Train failed, so Eval never started
    const sagemaker = new FakeSageMaker(snapshot({ steps: [reused('Prep'), failed('Train')], selectedSteps: ['Train', 'Eval'] }));
    const result = await run(sagemaker).result;
    expect(selectedOf(sagemaker.started[0])).toEqual(['Train', 'Eval']);
    expect(result.reason).toContain('did not run in it and need not (an untaken Condition branch, or not selected by the failed run)');
  });
});

describe('reused Condition outcomes', () => {
  const stepsWithoutOutcome = [reused('Prep'), reused('Train'), reused('Eval'), reused('Check'), failed('Register')];

  test('a reused Condition without its outcome reads it from the source run (one extra read), so the untaken Fail step is not selected', async () => {
    const sagemaker = new FakeSageMaker(
      snapshot({ steps: stepsWithoutOutcome, selectedSteps: ['Register', 'Stop'] }),
      { [EARLIER_ARN]: [ok('Prep'), ok('Train'), ok('Eval'), ok('Check', outcome('True')), failed('Register')] },
    );
    const result = await run(sagemaker).result;
    expect(sagemaker.stepListsRead).toEqual([EARLIER_ARN]);
    expect(selectedOf(sagemaker.started[0])).toEqual(['Register']);
    expect(result.reason).not.toMatch(/Stop/);
  });

  test('when the outcome is in the step list, nothing more is read', async () => {
    const sagemaker = new FakeSageMaker(snapshot({
      steps: [reused('Prep'), reused('Train'), reused('Eval'), reused('Check', outcome('True')), failed('Register')],
      selectedSteps: ['Register', 'Stop'],
    }));
    await run(sagemaker).result;
    expect(sagemaker.stepListsRead).toEqual([]);
    expect(selectedOf(sagemaker.started[0])).toEqual(['Register']);
  });
});

describe('selections that are not connected', () => {
  const siblings = () => new FakeSageMaker(snapshot({ definition: SIBLINGS, steps: [ok('Prep'), failed('A'), failed('B')], parameters: [] }));

  test('the minimal selection is sent first', async () => {
    const sagemaker = siblings();
    const result = await run(sagemaker).result;
    expect(sagemaker.started.map(selectedOf)).toEqual([['A', 'B']]);
    expect(result.outcome).toBe('started');
  });

  test('when SageMaker rejects it as not connected, the start is retried once with the smallest connected superset, and the decision says so', async () => {
    const sagemaker = siblings();
    sagemaker.startErrors.push(serviceError('ValidationException', 'Selected steps [A, B] are not connected in the pipeline DAG'));
    const result = await run(sagemaker).result;
    expect(sagemaker.started.map(selectedOf)).toEqual([['A', 'B'], ['Prep', 'A', 'B']]);
    expect(sagemaker.started[1].ClientRequestToken).not.toBe(sagemaker.started[0].ClientRequestToken);
    expect(result).toMatchObject({ outcome: 'started', pipelineExecutionArn: RETRY_ARN, selectedSteps: ['Prep', 'A', 'B'] });
    expect(result.reason).toContain('SageMaker rejected the minimal selection as not connected; started the smallest connected superset instead, adding "Prep".');
  });

  test('a second rejection is reported, not retried again', async () => {
    const sagemaker = siblings();
    sagemaker.startErrors.push(serviceError('ValidationException', 'steps are not contiguous'), serviceError('ValidationException', 'still not'));
    const result = await run(sagemaker).result;
    expect(sagemaker.started).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('also with a connected selection: ValidationException: still not') });
  });

  test('another validation error is not taken for a connectedness rejection', async () => {
    const sagemaker = siblings();
    sagemaker.startErrors.push(serviceError('ValidationException', 'Step A does not exist'));
    const result = await run(sagemaker).result;
    expect(sagemaker.started).toHaveLength(1);
    expect(result.outcome).toBe('skipped');
  });

  test('a delayed retry schedules a connected selection (a scheduled start cannot fall back)', async () => {
    const scheduled: StartPipelineExecutionCommandInput[] = [];
    const scheduler: SchedulerPort = { async scheduleStart({ request }) { scheduled.push(request); return 'created'; } };
    const result = await run(siblings(), { scheduler, policy: { delay: { strategy: 'FIXED', baseSeconds: 120 } } }).result;
    expect(scheduled.map(selectedOf)).toEqual([['Prep', 'A', 'B']]);
    expect(result.reason).toContain('widened to be connected');
  });
});

describe('steps that share no path', () => {
  /** A and B: no edge between them. */
  const apart = JSON.stringify({ Version: '2020-12-01', Steps: [step('A', 'Processing'), step('B', 'Processing')] });

  test('when every step must run and SageMaker wants a connected selection, the whole pipeline is started instead', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ definition: apart, steps: [failed('A'), failed('B')], parameters: [] }));
    sagemaker.startErrors.push(serviceError('ValidationException', 'Selected steps are not connected'));
    const result = await run(sagemaker).result;
    expect(sagemaker.started).toHaveLength(2);
    expect(sagemaker.started[1]).not.toHaveProperty('SelectiveExecutionConfig');
    expect(result).toMatchObject({ outcome: 'started', mode: 'full', selectedSteps: ['A', 'B'], reason: expect.stringContaining('the whole pipeline was started instead') });
  });

  test('a delayed retry of such a run schedules the whole pipeline', async () => {
    const scheduled: StartPipelineExecutionCommandInput[] = [];
    const scheduler: SchedulerPort = { async scheduleStart({ request }) { scheduled.push(request); return 'created'; } };
    const sagemaker = new FakeSageMaker(snapshot({ definition: apart, steps: [failed('A'), failed('B')], parameters: [] }));
    const result = await run(sagemaker, { scheduler, policy: { delay: { strategy: 'FIXED', baseSeconds: 120 } } }).result;
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]).not.toHaveProperty('SelectiveExecutionConfig');
    expect(result).toMatchObject({ outcome: 'scheduled', mode: 'full', selectedSteps: ['A', 'B'] });
  });
});

describe('errors and classification', () => {
  test('ConflictException on start is retryable: rethrown for redelivery', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')] }));
    sagemaker.startErrors.push(serviceError('ConflictException', 'concurrent update'));
    await expect(run(sagemaker).result).rejects.toMatchObject({ name: 'ConflictException' });
  });

  test('a Callback step its consumer rejected is not a transient failure: transientOnly() skips it, whatever the message says', async () => {
    const definition = JSON.stringify({ Version: '2020-12-01', Steps: [step('Prep', 'Processing'), step('Approve', 'Callback', {}, { DependsOn: ['Prep'] })] });
    const sagemaker = new FakeSageMaker(snapshot({ definition, steps: [ok('Prep'), failed('Approve', 'Internal error: approver said no')] }));
    const result = await run(sagemaker, { policy: { retryOn: { mode: 'CLASSES', classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] } } }).result;
    expect(result).toMatchObject({ outcome: 'skipped', failedSteps: [expect.objectContaining({ stepName: 'Approve', failureClass: 'CLIENT_ERROR' })] });
    expect(sagemaker.started).toEqual([]);
  });
});

describe('late duplicate deliveries', () => {
  test('the end time from the event bounds the query for an earlier retry', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')] }));
    await run(sagemaker).result;
    expect(sagemaker.reads).toEqual([{ arn: EXECUTION_ARN, endedAt: new Date(ENDED) }]);
  });

  test('without executionEndTime, the event\'s time bounds the query', async () => {
    const sagemaker = new FakeSageMaker(snapshot({ steps: [ok('Prep'), failed('Train')] }));
    await run(sagemaker, { detail: { executionEndTime: undefined } }).result;
    expect(sagemaker.reads).toEqual([{ arn: EXECUTION_ARN, endedAt: new Date('2026-11-21T09:58:01Z') }]);
  });

  test('a retry found among the executions created since the failure means nothing new is started', async () => {
    const sagemaker = new FakeSageMaker(snapshot({
      steps: [ok('Prep'), failed('Train')],
      executionsSinceFailure: [
        { PipelineExecutionArn: `${PIPELINE_ARN}/execution/other`, PipelineExecutionDescription: 'someone else' },
        { PipelineExecutionArn: RETRY_ARN, PipelineExecutionDescription: `x [cdk-sagemaker-pipelines:selective-retry attempt=1 root=${EXECUTION_ARN} source=${EXECUTION_ARN}]` },
      ],
    }));
    const result = await run(sagemaker).result;
    expect(result).toMatchObject({ outcome: 'started', duplicate: true, pipelineExecutionArn: RETRY_ARN });
    expect(sagemaker.started).toEqual([]);
  });
});

describe('above SageMaker\'s 50-step selection limit', () => {
  const wide = JSON.stringify({
    Version: '2020-12-01',
    Steps: [step('Root', 'Processing'), ...Array.from({ length: 55 }, (_, i) => step(`S${String(i).padStart(2, '0')}`, 'Processing', {}, { DependsOn: ['Root'] }))],
  });
  const tooMany = () => new FakeSageMaker(snapshot({ definition: wide, steps: [failed('Root')], parameters: [{ Name: 'A', Value: '1' }] }));

  test('by default the retry is skipped', async () => {
    const sagemaker = tooMany();
    const result = await run(sagemaker).result;
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('more than SageMaker\'s limit of 50') });
    expect(sagemaker.started).toEqual([]);
  });

  test('opted in, the whole pipeline re-runs (no selection) with the same parameters and version', async () => {
    const sagemaker = tooMany();
    const result = await run(sagemaker, { policy: { fullRerunAboveSelectionLimit: true } }).result;
    expect(result).toMatchObject({ outcome: 'started', mode: 'full', reason: expect.stringContaining('re-runs the whole pipeline instead') });
    expect(sagemaker.started).toHaveLength(1);
    expect(sagemaker.started[0]).not.toHaveProperty('SelectiveExecutionConfig');
    expect(sagemaker.started[0]).toMatchObject({ PipelineParameters: [{ Name: 'A', Value: '1' }], PipelineVersionId: 3 });
    expect(sagemaker.started[0].PipelineExecutionDescription).toContain('attempt=1');
  });
});
