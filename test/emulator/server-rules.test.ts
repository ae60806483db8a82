/**
 * The server-side rules the service model does not carry (emulator/server-rules.ts, emulator/pipeline-runner.ts), one
 * test or more per rule, through an unmodified SageMakerClient. Rejections name their rule in the call record.
 */
import {
  DescribePipelineExecutionCommand, SageMakerClient, StartPipelineExecutionCommand, StartPipelineExecutionCommandInput,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { EXECUTION_STATUS_CHANGE, STEP_STATUS_CHANGE } from '../../emulator/events';
import { FAILURE_REASONS } from '../../emulator/faults';
import { EmulatorOptions, SERVER_RULES, STEP_FAILURE_REASON, SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, installAbalone, parallelDefinition } from '../../emulator/scenarios';

let emu: SageMakerEmulator;
let sm: SageMakerClient;

async function start(options: EmulatorOptions = {}): Promise<void> {
  emu = await SageMakerEmulator.start(options);
  sm = emu.client({ maxAttempts: 1 });
}

afterEach(async () => {
  sm?.destroy();
  await emu?.close();
});

async function run(request: StartPipelineExecutionCommandInput): Promise<string> {
  const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand(request));
  await emu.waitForIdle();
  return PipelineExecutionArn!;
}

/** Starts and expects a rejection by `rule`; returns the error. */
async function rejected(request: StartPipelineExecutionCommandInput, rule: { name: string }): Promise<Error & { name: string }> {
  const err = await sm.send(new StartPipelineExecutionCommand(request)).catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(emu.callsOf('StartPipelineExecution').pop()!.rule).toBe(rule.name);
  return err;
}

const processing = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  Type: 'Processing',
  Arguments: { ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } } },
  ...extra,
});

describe('parameters', () => {
  test(`${SERVER_RULES.nonEmptyParameterValue.name}: an empty value is rejected with SageMaker's message, though the model allows it`, async () => {
    await start();
    installAbalone(emu);
    const err = await rejected({ PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'InputData', Value: '' }] }, SERVER_RULES.nonEmptyParameterValue);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe('[string "" is too short (length: 0, required minimum: 1)]');
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(0);
  });

  test(`${SERVER_RULES.declaredParameterName.name}: a name the definition does not declare is rejected`, async () => {
    await start();
    installAbalone(emu);
    const err = await rejected({ PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'LearningRate', Value: '0.1' }] }, SERVER_RULES.declaredParameterName);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('[LearningRate]');
  });

  test(`${SERVER_RULES.uniqueParameterName.name}: a name given twice is rejected`, async () => {
    await start();
    installAbalone(emu);
    const err = await rejected({
      PipelineName: ABALONE_PIPELINE,
      PipelineParameters: [{ Name: 'MseThreshold', Value: '6' }, { Name: 'MseThreshold', Value: '7' }],
    }, SERVER_RULES.uniqueParameterName);
    expect(err.name).toBe('ValidationException');
  });
});

describe(SERVER_RULES.idempotentReplay.name, () => {
  test('the same token and request return the first execution and start nothing', async () => {
    await start();
    installAbalone(emu);
    const request = { PipelineName: ABALONE_PIPELINE, ClientRequestToken: 't'.repeat(40) };
    const a = await run(request);
    const b = await run(request);
    expect(b).toBe(a);
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(1);
  });

  test('the same token with a different request is a ConflictException and starts nothing', async () => {
    await start();
    installAbalone(emu);
    await run({ PipelineName: ABALONE_PIPELINE, ClientRequestToken: 't'.repeat(40) });
    const err = await rejected({
      PipelineName: ABALONE_PIPELINE, ClientRequestToken: 't'.repeat(40), PipelineParameters: [{ Name: 'MseThreshold', Value: '7' }],
    }, SERVER_RULES.idempotentReplay);
    expect(err.name).toBe('ConflictException');
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(1);
  });

  test('with idempotencyTokenLifetimeMs, a token is remembered that long (simulated time), then the same request starts anew', async () => {
    await start({ idempotencyTokenLifetimeMs: 8 * 3600_000 });
    installAbalone(emu);
    const request = { PipelineName: ABALONE_PIPELINE, ClientRequestToken: 't'.repeat(40) };
    const first = await run(request);
    expect(await run(request)).toBe(first); // within the lifetime (the run took simulated minutes)
    emu.clock.advance(8 * 3600_000 + 1);
    const later = await run(request);
    expect(later).not.toBe(first);
    expect(emu.executionsOf(ABALONE_PIPELINE).map((e) => e.arn)).toEqual([first, later]);
  });
});

describe('reused Condition outcome (switch)', () => {
  const conditionOf = (arn: string) => emu.stepsOf(arn).find((s) => s.StepName === 'AbaloneMSECond')!;

  test.each(['copied', 'omitted'] as const)('%s: the reused Condition\'s record carries its outcome or not, as switched; the run follows the source\'s branch', async (mode) => {
    await start({ reusedConditionOutcome: mode });
    installAbalone(emu);
    emu.script.failStep('AbaloneRegisterModel', { attempts: [1], reason: FAILURE_REASONS.internal });
    const source = await run({ PipelineName: ABALONE_PIPELINE });
    const retry = await run({
      PipelineName: ABALONE_PIPELINE,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'AbaloneRegisterModel' }, { StepName: 'AbaloneMSEFail' }] },
    });
    expect(conditionOf(source).Metadata.Condition).toEqual({ Outcome: 'True' });
    expect(conditionOf(retry).SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: source });
    expect(conditionOf(retry).Metadata.Condition).toEqual(mode === 'copied' ? { Outcome: 'True' } : undefined);
    // the execution follows the source's outcome either way: the If branch runs, the Else branch (a Fail step) does not
    expect(emu.execution(retry).status).toBe('Succeeded');
    expect(emu.stepsOf(retry).map((s) => s.StepName)).not.toContain('AbaloneMSEFail');
    expect(emu.stepsOf(retry).find((s) => s.StepName === 'AbaloneRegisterModel')!.StepStatus).toBe('Succeeded');
  });

  test('by default the outcome is omitted: the harder case for a consumer, so the strict reading', async () => {
    await start();
    installAbalone(emu);
    const source = await run({ PipelineName: ABALONE_PIPELINE });
    const retry = await run({
      PipelineName: ABALONE_PIPELINE,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: [{ StepName: 'AbaloneRegisterModel' }] },
    });
    expect(conditionOf(retry).Metadata.Condition).toBeUndefined();
  });
});

describe('selective execution', () => {
  const selectiveOn = (source: string, ...steps: string[]): StartPipelineExecutionCommandInput => ({
    PipelineName: 'Champion',
    SelectiveExecutionConfig: { SourcePipelineExecutionArn: source, SelectedSteps: steps.map((StepName) => ({ StepName })) },
  });

  test(`${SERVER_RULES.connectedSelection.name}: with selectionRule 'connected', sibling branches are rejected; with 'paths-between' they run`, async () => {
    for (const selectionRule of ['connected', 'paths-between'] as const) {
      await start({ selectionRule });
      emu.loadPipeline({ name: 'Champion', definition: parallelDefinition() });
      emu.script.failStep('TrainA').failStep('TrainB');
      const source = await run({ PipelineName: 'Champion' });
      if (selectionRule === 'connected') {
        const err = await rejected(selectiveOn(source, 'TrainA', 'TrainB'), SERVER_RULES.connectedSelection);
        expect(err.message).toBe('The selected steps are not connected in the pipeline DAG: [TrainA] and [TrainB].');
        // joined through a selected common downstream step, the same branches are one connected selection
        const ok = await run(selectiveOn(source, 'TrainA', 'TrainB', 'Compare'));
        expect(emu.execution(ok).status).toBe('Succeeded');
      } else {
        const ok = await run(selectiveOn(source, 'TrainA', 'TrainB'));
        expect(emu.execution(ok).selective!.SelectedSteps).toHaveLength(2);
      }
      sm.destroy();
      await emu.close();
    }
  });

  test(`${SERVER_RULES.sourceStatus.name}: a Stopped source is rejected (strict reading)`, async () => {
    await start({ autoRun: false });
    installAbalone(emu);
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE }));
    emu.clock.advance(10_000);
    await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    emu.clock.runAll();
    expect(emu.execution(PipelineExecutionArn!).status).toBe('Stopped');
    const err = await rejected({
      PipelineName: ABALONE_PIPELINE,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: PipelineExecutionArn, SelectedSteps: [{ StepName: 'AbalonePreprocess' }] },
    }, SERVER_RULES.sourceStatus);
    expect(err.message).toMatch(/is Stopped; it must be Failed or Succeeded/);
  });

  test(`${SERVER_RULES.sourceSamePipeline.name}: a source of another pipeline is rejected`, async () => {
    await start();
    installAbalone(emu);
    emu.loadPipeline({ name: 'Champion', definition: parallelDefinition() });
    const other = await run({ PipelineName: 'Champion' });
    const err = await rejected({
      PipelineName: ABALONE_PIPELINE,
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: other, SelectedSteps: [{ StepName: 'AbalonePreprocess' }] },
    }, SERVER_RULES.sourceSamePipeline);
    expect(err.name).toBe('ValidationException');
  });
});

describe('StopPipelineExecution', () => {
  const definition = {
    Version: '2020-12-01',
    Steps: [
      processing('Prep'),
      { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {} },
      { Name: 'Approve', Type: 'Callback', SqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/q', Arguments: {}, OutputParameters: [] },
      processing('Train', { DependsOn: ['Prep', 'Notify', 'Approve'] }),
    ],
  };

  async function startAndStop(): Promise<string> {
    await start({ autoRun: false });
    emu.loadPipeline({ name: 'Stoppable', definition });
    emu.script.setDuration('Notify', 120).setDuration('Approve', 600);
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'Stoppable' }));
    emu.clock.advance(30_000);
    await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    emu.clock.runAll();
    return PipelineExecutionArn!;
  }

  const executionTransitions = () => emu.events.published
    .filter((e) => e['detail-type'] === EXECUTION_STATUS_CHANGE)
    .map((e) => `${(e.detail as any).previousPipelineExecutionStatus ?? '-'}->${(e.detail as any).currentPipelineExecutionStatus}`);

  test('job steps stop at once, the Lambda and Callback steps run to their end, nothing new starts: Stopped', async () => {
    const arn = await startAndStop();
    const steps = new Map(emu.stepsOf(arn).map((s) => [s.StepName, s]));
    expect(steps.get('Prep')!.StepStatus).toBe('Stopped');
    expect(emu.jobs.find((j) => j.stepName === 'Prep')!.status).toBe('Stopped');
    expect(steps.get('Notify')!.StepStatus).toBe('Succeeded');
    expect(steps.get('Approve')!.StepStatus).toBe('Succeeded');
    expect(steps.get('Approve')!.EndTime! - steps.get('Approve')!.StartTime).toBe(600_000);
    expect(steps.has('Train')).toBe(false);
    expect(executionTransitions()).toEqual(['-->Executing', 'Executing->Stopping', 'Stopping->Stopped']);
    const described = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(described.PipelineExecutionStatus).toBe('Stopped');
    expect(described.FailureReason).toBeUndefined();
    const prepEvents = emu.events.published.filter((e) => e['detail-type'] === STEP_STATUS_CHANGE && (e.detail as any).stepName === 'Prep');
    expect(prepEvents.map((e) => (e.detail as any).currentStepStatus)).toEqual(['Executing', 'Stopping', 'Stopped']);
  });

  test('a Lambda step that times out after the stop ends the execution Failed, coming from Stopping', async () => {
    await start({ autoRun: false });
    emu.loadPipeline({ name: 'Stoppable', definition });
    emu.script.setDuration('Notify', 900).failStep('Notify', { reason: 'Lambda function timed out', afterSeconds: 900 });
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'Stoppable' }));
    emu.clock.advance(30_000);
    await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    emu.clock.runAll();
    expect(emu.execution(PipelineExecutionArn!).status).toBe('Failed');
    expect(emu.execution(PipelineExecutionArn!).failureReason).toBe(STEP_FAILURE_REASON);
    expect(executionTransitions()).toEqual(['-->Executing', 'Executing->Stopping', 'Stopping->Failed']);
  });

  test('a Callback step answered with a failure after the stop ends the execution Failed, coming from Stopping', async () => {
    await start({ autoRun: false });
    emu.loadPipeline({ name: 'Stoppable', definition });
    emu.script.setDuration('Approve', 900).failStep('Approve', { reason: 'Stopped by the consumer', afterSeconds: 300 });
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'Stoppable' }));
    emu.clock.advance(30_000);
    await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    emu.clock.runAll();
    expect(emu.execution(PipelineExecutionArn!).status).toBe('Failed');
    expect(emu.stepsOf(PipelineExecutionArn!).find((s) => s.StepName === 'Approve')!.FailureReason).toBe('Stopped by the consumer');
    expect(executionTransitions().pop()).toBe('Stopping->Failed');
  });

  test(`${SERVER_RULES.stopOnlyRunning.name}: a finished execution cannot be stopped`, async () => {
    await start();
    installAbalone(emu);
    const arn = await run({ PipelineName: ABALONE_PIPELINE });
    const err = await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: arn })).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(emu.callsOf('StopPipelineExecution').pop()!.rule).toBe(SERVER_RULES.stopOnlyRunning.name);
  });
});

describe('Fail step', () => {
  test('an empty ErrorMessage leaves the step without FailureReason; the execution has the generic reason', async () => {
    await start();
    emu.loadPipeline({ name: 'Fails', definition: { Version: '2020-12-01', Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: {} }] } });
    const arn = await run({ PipelineName: 'Fails' });
    const [step] = emu.stepsOf(arn);
    expect(step.StepStatus).toBe('Failed');
    expect(step.FailureReason).toBeUndefined();
    expect(step.Metadata).toEqual({ Fail: { ErrorMessage: '' } });
    expect(emu.execution(arn).failureReason).toBe(STEP_FAILURE_REASON);
  });

  test(`${SERVER_RULES.noDependencyOnFailStep.name}: CreatePipeline rejects a step that depends on a Fail step`, async () => {
    await start();
    const definition = { Version: '2020-12-01', Steps: [{ Name: 'FailStep', Type: 'Fail', Arguments: {} }, processing('After', { DependsOn: ['FailStep'] })] };
    expect(() => emu.loadPipeline({ name: 'Bad', definition })).toThrow('Invalid pipeline definition: After can not depends on FailStep');
  });
});

describe('step caching', () => {
  const cache = { CacheConfig: { Enabled: true, ExpireAfter: 'PT1H' } };
  const definition = {
    Version: '2020-12-01',
    Steps: [
      processing('Prep', cache),
      processing('Train', { ...cache, Arguments: { Input: { Get: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' } } }),
      processing('Report', { DependsOn: ['Train'] }),
    ],
  };

  test('a step whose arguments match an earlier successful run is a cache hit: no job, CacheHitResult, event field', async () => {
    await start();
    emu.loadPipeline({ name: 'Cached', definition });
    const first = await run({ PipelineName: 'Cached' });
    const second = await run({ PipelineName: 'Cached' });
    const steps = new Map(emu.stepsOf(second).map((s) => [s.StepName, s]));
    expect(steps.get('Prep')!.CacheHitResult).toEqual({ SourcePipelineExecutionArn: first });
    // downstream of a cache hit, the same inputs again: a hit too
    expect(steps.get('Train')!.CacheHitResult).toEqual({ SourcePipelineExecutionArn: first });
    // no CacheConfig: runs again
    expect(steps.get('Report')!.CacheHitResult).toBeUndefined();
    expect(emu.jobs.map((j) => j.stepName)).toEqual(['Prep', 'Train', 'Report', 'Report']);
    expect(steps.get('Prep')!.Metadata).toEqual(emu.stepsOf(first).find((s) => s.StepName === 'Prep')!.Metadata);
    const hitEvent = emu.events.published.find((e) => e['detail-type'] === STEP_STATUS_CHANGE && (e.detail as any).cacheHitResult);
    expect((hitEvent!.detail as any).cacheHitResult).toEqual({ sourcePipelineExecutionArn: first });
  });

  test('no hit after ExpireAfter, after a failed run, or when the arguments differ', async () => {
    await start();
    emu.loadPipeline({ name: 'Cached', definition });
    emu.script.failStep('Prep', { attempts: [1], reason: FAILURE_REASONS.internal });
    await run({ PipelineName: 'Cached' }); // Prep fails: nothing to reuse
    const second = await run({ PipelineName: 'Cached' });
    expect(emu.stepsOf(second).every((s) => s.CacheHitResult === undefined)).toBe(true);
    emu.clock.advance(2 * 3600_000);
    const third = await run({ PipelineName: 'Cached' });
    expect(emu.stepsOf(third).every((s) => s.CacheHitResult === undefined)).toBe(true);
    emu.loadPipeline({ name: 'Cached', definition: { ...definition, Steps: [processing('Prep', { ...cache, Arguments: { Other: 1 } }), ...definition.Steps.slice(1)] } });
    const fourth = await run({ PipelineName: 'Cached' });
    expect(emu.stepsOf(fourth).find((s) => s.StepName === 'Prep')!.CacheHitResult).toBeUndefined();
  });
});

describe('ConflictException and MLflow', () => {
  test('ConflictException is a scriptable fault of StartPipelineExecution; the retry succeeds', async () => {
    await start();
    installAbalone(emu);
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'conflict' });
    const err = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE })).catch((e) => e);
    expect(err.name).toBe('ConflictException');
    await run({ PipelineName: ABALONE_PIPELINE });
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(1);
  });

  test('MlflowExperimentName comes back as MLflowConfig', async () => {
    await start();
    installAbalone(emu);
    const arn = await run({ PipelineName: ABALONE_PIPELINE, MlflowExperimentName: 'abalone-experiments' });
    const described = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(described.MLflowConfig).toEqual({ MlflowExperimentName: 'abalone-experiments' });
  });
});
