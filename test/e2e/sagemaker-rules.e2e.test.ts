/**
 * End-to-end: the BUNDLED handler against the strict emulator (AWS's service model plus the server-side rules of
 * emulator/server-rules.ts), for the cases where a lenient stand-in let a wrong request through (issue 11).
 */
import { StartPipelineExecutionCommand, StopPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { closeWorlds, runAndHeal, startRequests, world } from './helpers';
import { FAILURE_REASONS } from '../../emulator/faults';
import { SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, abaloneDefinition, installAbalone } from '../../emulator/scenarios';

jest.setTimeout(60_000);
afterEach(closeWorlds);

const policy = (pipelineNames = [ABALONE_PIPELINE]) => ({ maxAttempts: 2, pipelineNames });
const statusOf = (emu: SageMakerEmulator, name = ABALONE_PIPELINE) => emu.executionsOf(name).map((e) => e.status);

test('a parameter whose value is empty is left out of the retry (SageMaker rejects ""), and the retry heals the run', async () => {
  const w = await world((emu) => {
    installAbalone(emu); // the step durations and outputs of the Abalone scenario
    const definition = abaloneDefinition() as { Parameters: unknown[] };
    emu.loadPipeline({ name: 'AbaloneNote', definition: { ...definition, Parameters: [...definition.Parameters, { Name: 'RunNote', Type: 'String', DefaultValue: '' }] } });
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy(['AbaloneNote']) } });
  await runAndHeal(w, { PipelineName: 'AbaloneNote' });

  expect(w.harness.results.map((r) => r.reason)).toEqual([expect.stringMatching(/^Started/)]);
  expect(statusOf(w.emu, 'AbaloneNote')).toEqual(['Failed', 'Succeeded']);
  const [request] = startRequests(w.emu);
  expect(request.PipelineParameters.map((p: { Name: string }) => p.Name)).not.toContain('RunNote');
  expect(request.PipelineParameters.every((p: { Value: string }) => p.Value !== '')).toBe(true);
});

test('the retry keeps the run\'s MLflow experiment and the person\'s description, with the attempt marker', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy() } });
  const failedArn = await runAndHeal(w, {
    PipelineName: ABALONE_PIPELINE, MlflowExperimentName: 'abalone-nightly', PipelineExecutionDescription: 'Nightly retrain, ticket ML-42',
  });

  const [, retry] = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(retry.status).toBe('Succeeded');
  const [request] = startRequests(w.emu);
  expect(request.MlflowExperimentName).toBe('abalone-nightly');
  expect(request.PipelineExecutionDescription).toMatch(/^Nightly retrain, ticket ML-42 Selective retry 1 of 2 /);
  expect(request.PipelineExecutionDescription).toContain(`source=${failedArn}]`);
});

test('a person\'s selective run of one step that fails is retried inside its selection, not widened downstream', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    // attempt 1: the nightly run succeeds; attempt 2: the person's selective run of training fails; 3: the retry
    emu.script.failStep('AbaloneTrain', { attempts: [2], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy() } });
  const nightly = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  const selective = await runAndHeal(w, {
    PipelineName: ABALONE_PIPELINE,
    SelectiveExecutionConfig: { SourcePipelineExecutionArn: nightly, SelectedSteps: [{ StepName: 'AbaloneTrain' }] },
  });

  expect(statusOf(w.emu)).toEqual(['Succeeded', 'Failed', 'Succeeded']);
  const retry = w.emu.executionsOf(ABALONE_PIPELINE)[2];
  expect(retry.selective).toEqual({ SourcePipelineExecutionArn: selective, SelectedSteps: [{ StepName: 'AbaloneTrain' }] });
  expect(w.harness.results.filter((r) => r.outcome === 'started')).toEqual([
    expect.objectContaining({ selectedSteps: ['AbaloneTrain'], reason: expect.stringContaining('not selected by the failed run') }),
  ]);
});

describe('under the guide\'s reading (selected steps connected)', () => {
  /** Prep -> TrainA, Prep -> TrainB: sibling branches with no join. */
  const siblings = () => ({
    Version: '2020-12-01',
    Parameters: [],
    Steps: ['TrainA', 'TrainB'].reduce<unknown[]>((steps, name) => [...steps, {
      Name: name,
      Type: 'Training',
      DependsOn: ['Prep'],
      Arguments: (abaloneDefinition() as { Steps: Array<{ Name: string; Arguments: unknown }> }).Steps.find((s) => s.Name === 'AbaloneTrain')!.Arguments,
    }], [(abaloneDefinition() as { Steps: unknown[] }).Steps[0] as Record<string, unknown>].map((s) => ({ ...s, Name: 'Prep' }))),
  });

  test('two failed siblings: the minimal selection is rejected as not connected, then the connected superset starts once', async () => {
    const w = await world((emu) => {
      emu.loadPipeline({ name: 'Siblings', definition: siblings() });
      emu.script.failStep('TrainA', { attempts: [1], reason: FAILURE_REASONS.capacity })
        .failStep('TrainB', { attempts: [1], reason: FAILURE_REASONS.internal });
    }, { emulator: { selectionRule: 'connected' }, harness: { policy: policy(['Siblings']) } });
    await runAndHeal(w, { PipelineName: 'Siblings' });

    expect(statusOf(w.emu, 'Siblings')).toEqual(['Failed', 'Succeeded']);
    const requests = startRequests(w.emu);
    expect(requests.map((r) => r.SelectiveExecutionConfig.SelectedSteps.map((s: { StepName: string }) => s.StepName))).toEqual([
      ['TrainA', 'TrainB'], ['Prep', 'TrainA', 'TrainB'],
    ]);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'started', reason: expect.stringContaining('SageMaker rejected the minimal selection as not connected'),
    })]);
  });
});

test('a ConflictException on the start is rethrown, redelivered by Lambda, and the retry starts once', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    // after: the test's own start; more than the SDK's own attempts would absorb if it retried conflicts
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'conflict', count: 1, after: 1 });
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  const invocations = w.harness.invocations;
  expect(invocations[0].error?.name).toBe('ConflictException');
  expect(invocations[invocations.length - 1].result?.outcome).toBe('started');
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
});

describe('Lambda and Callback steps', () => {
  const processing = (abaloneDefinition() as { Steps: Array<Record<string, unknown>> }).Steps[0];
  const definition = {
    Version: '2020-12-01',
    Parameters: [],
    Steps: [
      { ...processing, Name: 'Prep' },
      { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {} },
      { Name: 'Approve', Type: 'Callback', SqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/q', Arguments: {}, OutputParameters: [] },
      { ...processing, Name: 'Train', DependsOn: ['Prep', 'Notify', 'Approve'] },
    ],
  };

  test('a run a person stopped while a Lambda step ran ends Failed (Stopping -> Failed): not retried, and the decision says why', async () => {
    const w = await world((emu) => {
      emu.loadPipeline({ name: 'Stoppable', definition });
      emu.script.setDuration('Notify', 900).failStep('Notify', { reason: 'Lambda function timed out', afterSeconds: 900 });
    }, { emulator: { autoRun: false }, harness: { policy: policy(['Stoppable']) } });
    const { PipelineExecutionArn } = await w.sm.send(new StartPipelineExecutionCommand({ PipelineName: 'Stoppable' }));
    w.emu.clock.advance(30_000);
    await w.sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    w.emu.clock.runAll();
    await w.harness.settle();

    expect(statusOf(w.emu, 'Stoppable')).toEqual(['Failed']);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'skipped', stoppedByPerson: true, reason: expect.stringContaining('A person stopped this execution'),
    })]);
    expect(startRequests(w.emu)).toEqual([]);
  });

  test('a Callback step its consumer failed is not transient: a transient-only policy does not retry it', async () => {
    const w = await world((emu) => {
      emu.loadPipeline({ name: 'Approval', definition });
      emu.script.failStep('Approve', { reason: 'InternalServerError: the approver rejected the model', afterSeconds: 60 });
    }, { harness: { policy: { ...policy(['Approval']), retryOn: { mode: 'CLASSES', classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] } } } });
    await runAndHeal(w, { PipelineName: 'Approval' });

    expect(statusOf(w.emu, 'Approval')).toEqual(['Failed']);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'skipped', failedSteps: [expect.objectContaining({ stepName: 'Approve', failureClass: 'CLIENT_ERROR' })],
    })]);
  });
});
