/**
 * End-to-end: the BUNDLED selective-retry handler (assets/selective-retry-handler/index.js, built by
 * `npx projen bundle:handler`) heals failed executions in the local SageMaker emulator, driven by the events the
 * emulator emits, delivered the way an EventBridge rule + asynchronous Lambda invocation would.
 */
import { DescribePipelineDefinitionForExecutionCommand, DescribePipelineExecutionCommand, UpdatePipelineCommand } from '@aws-sdk/client-sagemaker';
import { closeWorlds, downstreamOf, expectOneDecisionLinePerInvocation, runAndHeal, startRequests, world } from './helpers';
import { EXECUTION_STATUS_CHANGE, EventBridgeEvent } from '../../emulator/events';
import { FAILURE_REASONS } from '../../emulator/faults';
import { STEP_FAILURE_REASON, SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, abaloneDefinition, installAbalone, parallelDefinition } from '../../emulator/scenarios';
import { readFixture } from '../fixtures';

jest.setTimeout(60_000);
afterEach(closeWorlds);

const policy = (maxAttempts = 2, pipelineNames = [ABALONE_PIPELINE]) => ({ maxAttempts, pipelineNames });
const statusOf = (emu: SageMakerEmulator) => emu.executionsOf(ABALONE_PIPELINE).map((e) => e.status);

test('a failure at a middle step gives one selective run of it and its downstream, reusing the upstream', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy() } });
  const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE, PipelineExecutionDisplayName: 'nightly' });

  const executions = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(executions.map((e) => e.status)).toEqual(['Failed', 'Succeeded']);
  const retry = executions[1];
  expect(retry.selective?.SourcePipelineExecutionArn).toBe(failedArn);

  // it selected exactly the failed step and everything downstream of it
  const selected = retry.selective!.SelectedSteps.map((s) => s.StepName).sort();
  expect(selected).toEqual(downstreamOf(retry.definition, ['AbaloneTrain']));
  expect(selected).not.toContain('AbalonePreprocess');

  // the upstream step was reused, not re-run: listed with SelectiveExecutionResult, one processing job in total
  const steps = new Map(w.emu.stepsOf(retry.arn).map((s) => [s.StepName, s]));
  expect(steps.get('AbalonePreprocess')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: failedArn });
  for (const name of ['AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel']) {
    expect([name, steps.get(name)!.StepStatus, steps.get(name)!.SelectiveExecutionResult]).toEqual([name, 'Succeeded', undefined]);
  }
  expect(steps.has('AbaloneMSEFail')).toBe(false);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbalonePreprocess')).toHaveLength(1);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain').map((j) => j.status)).toEqual(['Failed', 'Completed']);

  // what the handler returned and sent
  const results = w.harness.results;
  expect(results).toHaveLength(1);
  expect(results[0]).toMatchObject({ outcome: 'started', pipelineExecutionArn: retry.arn, attempt: 1 });
  expect([...results[0].selectedSteps!].sort()).toEqual(selected);
  const [request] = startRequests(w.emu);
  expect(request.ClientRequestToken.length).toBeGreaterThanOrEqual(32);
  expect(request.ClientRequestToken.length).toBeLessThanOrEqual(128);
  expect(request.PipelineVersionId).toBe(1);
  expect(request.PipelineExecutionDescription).toEqual(expect.stringContaining(failedArn));
  expect(w.harness.deadLetters).toEqual([]);
  expectOneDecisionLinePerInvocation(w.harness);
  // hermetic: whatever else the handler called (decision events, notifications) reached the emulator, not the network
  expect(w.harness.logs.filter((l) => /ENOTFOUND|getaddrinfo|ECONNREFUSED|amazonaws\.com/.test(l))).toEqual([]);
  for (const c of w.emu.calls.filter((x) => x.service !== 'SageMaker')) expect([c.operation, c.status]).toEqual([c.operation, 200]);
});

test('parallel failures: both failed branches and their join are retried in one selective run', async () => {
  const w = await world((emu) => {
    emu.loadPipeline({ name: 'Champion', definition: parallelDefinition() });
    emu.script.setDuration('TrainA', 900).setDuration('TrainB', 1500)
      .failStep('TrainA', { reason: FAILURE_REASONS.capacity, afterSeconds: 200 })
      .failStep('TrainB', { reason: FAILURE_REASONS.internal, afterSeconds: 600 });
  }, { harness: { policy: policy(2, ['Champion']) } });
  const failedArn = await runAndHeal(w, { PipelineName: 'Champion' });

  const executions = w.emu.executionsOf('Champion');
  expect(executions.map((e) => e.status)).toEqual(['Failed', 'Succeeded']);
  const failedSteps = new Map(w.emu.stepsOf(failedArn).map((s) => [s.StepName, s.StepStatus]));
  expect(Object.fromEntries(failedSteps)).toEqual({ Prepare: 'Succeeded', TrainA: 'Failed', TrainB: 'Failed' });
  const retry = executions[1];
  expect(retry.selective!.SelectedSteps.map((s) => s.StepName).sort()).toEqual(['Compare', 'Publish', 'TrainA', 'TrainB']);
  expect(w.emu.stepsOf(retry.arn).find((s) => s.StepName === 'Prepare')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: failedArn });
  expect(w.harness.results.map((r) => r.outcome)).toEqual(['started']);
});

test('a branch that never started (parallelism 1) is retried too, with the same ParallelismConfiguration', async () => {
  const w = await world((emu) => {
    emu.loadPipeline({ name: 'Champion', definition: parallelDefinition(), parallelism: { MaxParallelExecutionSteps: 1 } });
    emu.script.failStep('TrainA', { reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy(2, ['Champion']) } });
  const failedArn = await runAndHeal(w, { PipelineName: 'Champion', ParallelismConfiguration: { MaxParallelExecutionSteps: 1 } });

  expect(w.emu.stepsOf(failedArn).map((s) => s.StepName)).toEqual(['Prepare', 'TrainA']);
  const [, retry] = w.emu.executionsOf('Champion');
  expect(retry.status).toBe('Succeeded');
  expect(retry.selective!.SelectedSteps.map((s) => s.StepName).sort()).toEqual(['Compare', 'Publish', 'TrainA', 'TrainB']);
  expect(retry.parallelism).toEqual({ MaxParallelExecutionSteps: 1 });
  expect(startRequests(w.emu)[0].ParallelismConfiguration).toEqual({ MaxParallelExecutionSteps: 1 });
});

test('a failure inside a Condition branch (fixture 10, verbatim) re-runs only that branch work', async () => {
  const definition = readFixture('definitions/10-abalone-condition-register-transform-fail.json');
  const w = await world((emu) => {
    emu.loadPipeline({ name: 'FixtureAbalone', definition });
    emu.script.setOutputs('AbaloneEval', { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 2.4 } } } } });
    emu.script.setDuration('AbaloneRegisterModel-RegisterModel', 20).setDuration('AbaloneCreateModel', 45)
      .failStep('AbaloneRegisterModel-RegisterModel', { reason: FAILURE_REASONS.internal, afterSeconds: 5 });
  }, { harness: { policy: policy(2, ['FixtureAbalone']) } });
  const failedArn = await runAndHeal(w, { PipelineName: 'FixtureAbalone' });

  const failed = new Map(w.emu.stepsOf(failedArn).map((s) => [s.StepName, s]));
  expect(failed.get('AbaloneMSECond')!.Metadata.Condition).toEqual({ Outcome: 'True' });
  expect(failed.get('AbaloneCreateModel')!.StepStatus).toBe('Succeeded'); // was running, finished
  expect(failed.has('AbaloneTransform')).toBe(false); // never started

  const [, retry] = w.emu.executionsOf('FixtureAbalone');
  expect(retry.status).toBe('Succeeded');
  // the failed branch step, plus the branch step that should have run but never started; nothing upstream
  expect(retry.selective!.SelectedSteps.map((s) => s.StepName).sort()).toEqual(['AbaloneRegisterModel-RegisterModel', 'AbaloneTransform']);
  const steps = new Map(w.emu.stepsOf(retry.arn).map((s) => [s.StepName, s]));
  for (const reused of ['AbaloneProcess', 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneCreateModel']) {
    expect([reused, steps.get(reused)!.SelectiveExecutionResult]).toEqual([reused, { SourcePipelineExecutionArn: failedArn }]);
  }
  expect(steps.get('AbaloneTransform')!.StepStatus).toBe('Succeeded');
  expect(steps.has('AbaloneMSEFail')).toBe(false);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain')).toHaveLength(1);
});

test('a deterministic failure stops after exactly maxAttempts selective retries', async () => {
  const maxAttempts = 3;
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: 'all', reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy(maxAttempts) } });
  const rootArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  const executions = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(executions.map((e) => e.status)).toEqual(['Failed', 'Failed', 'Failed', 'Failed']);
  // each retry chains on the previous failed run, and the preprocess output of the root run is reused all along
  for (let i = 1; i < executions.length; i++) expect(executions[i].selective!.SourcePipelineExecutionArn).toBe(executions[i - 1].arn);
  expect(executions[0].arn).toBe(rootArn);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbalonePreprocess')).toHaveLength(1);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain')).toHaveLength(1 + maxAttempts);

  const results = w.harness.results;
  expect(results.map((r) => r.outcome)).toEqual(['started', 'started', 'started', 'skipped']);
  expect(results.slice(0, 3).map((r) => r.attempt)).toEqual([1, 2, 3]);
  expect(results[3].reason).toMatch(/budget|attempt/i);
  expect(new Set(startRequests(w.emu).map((r) => r.ClientRequestToken)).size).toBe(maxAttempts);
  expectOneDecisionLinePerInvocation(w.harness);
});

test('duplicate events start exactly one retry', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneEval', { attempts: [1], reason: FAILURE_REASONS.internal });
    emu.events.deliverDuplicates(3);
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  const failedEvents = w.emu.events.published.filter((e) => w.harness.matchesRule(e));
  expect(failedEvents).toHaveLength(3);
  expect(new Set(failedEvents.map((e) => e.id)).size).toBe(3);
  expect(w.harness.invocations).toHaveLength(3);
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
  const started = new Set(w.harness.results.filter((r) => r.outcome === 'started').map((r) => r.pipelineExecutionArn));
  expect(started.size).toBeLessThanOrEqual(1);
  const tokens = new Set(startRequests(w.emu).map((r) => r.ClientRequestToken));
  expect(tokens.size).toBe(1);
  // Deliveries after the first find the retry among the pipeline's executions: logged, not announced again.
  const firstTime = w.harness.results.filter((r) => r.outcome === 'started' && !r.duplicate);
  expect(firstTime).toHaveLength(1);
  expect(w.emu.sideEffects.putEvents.filter((e) => e.DetailType === 'Selective Retry Started')).toHaveLength(1);
});

test('a throttled start is thrown, redelivered by Lambda, and succeeds once', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    // more throttles than the SDK's own 3 attempts absorb, so the handler must rethrow for a Lambda retry
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'throttle', count: 3, after: 1 }); // after: the test's own start
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  expect(w.emu.faults.fired('StartPipelineExecution')).toBe(3);
  const invocations = w.harness.invocations;
  expect(invocations.length).toBeGreaterThanOrEqual(2);
  expect(invocations[0].error?.name).toBe('ThrottlingException');
  expect(invocations[invocations.length - 1].result?.outcome).toBe('started');
  expect(w.harness.deadLetters).toEqual([]);
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
  const requests = startRequests(w.emu);
  expect(requests).toHaveLength(4); // 3 throttled + 1 accepted
  expect(new Set(requests.map((r) => r.ClientRequestToken)).size).toBe(1);
});

test('throttled reads are rethrown for redelivery, then the retry starts', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.faults.inject({ operation: 'DescribePipelineExecution', kind: 'throttle', count: 3 });
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(w.harness.invocations[0].error?.name).toBe('ThrottlingException');
  expect(w.harness.results.map((r) => r.outcome)).toEqual(['started']);
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
});

test('a validation error on the start is reported with its request and not retried', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'validation', after: 1 });
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(w.harness.invocations).toHaveLength(1);
  expect(w.harness.invocations[0].error).toBeUndefined();
  expect(w.harness.results[0].outcome).toBe('skipped');
  expect(w.harness.results[0].reason).toMatch(/ValidationException|validation/i);
  expect(startRequests(w.emu)).toHaveLength(1);
  const decision = w.harness.invocations[0].logs.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((l) => l?.outcome);
  expect(decision.request.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(w.emu.executionsOf(ABALONE_PIPELINE)[0].arn);
  expect(statusOf(w.emu)).toEqual(['Failed']);
  expect(w.harness.deadLetters).toEqual([]);
});

test('a start whose response is lost (5xx after it took effect) still yields one retry', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    // every SDK attempt of the first delivery takes effect but loses its response, so the handler throws and Lambda
    // redelivers: only a token derived from the failed execution (not random, not from the event) avoids a second run
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'internal', afterProcessing: true, count: 3, after: 1 });
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(w.harness.invocations[0].error?.name).toBe('InternalFailure');
  expect(w.harness.invocations.length).toBeGreaterThanOrEqual(2);
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
  expect(w.harness.results.filter((r) => r.outcome === 'started')).toHaveLength(1);
  expect(new Set(startRequests(w.emu).map((r) => r.ClientRequestToken)).size).toBe(1);
});

test('a persistent 5xx on the start is rethrown on every delivery and dead-lettered, never swallowed', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'unavailable', count: 1000, after: 1 });
  }, { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(w.harness.invocations.map((i) => i.error?.name)).toEqual(['ServiceUnavailable', 'ServiceUnavailable', 'ServiceUnavailable']);
  expect(w.harness.deadLetters).toHaveLength(1);
  expect(statusOf(w.emu)).toEqual(['Failed']);
});

test('a new pipeline version deployed between failure and retry does not change what the retry runs', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy(), autoDeliver: false } });
  const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(statusOf(w.emu)).toEqual(['Failed']);

  // deploy v2: a new step before training, and training renamed
  const v2 = JSON.stringify(abaloneDefinition({ withFeatureSelect: true, trainStepName: 'AbaloneTrainXgb' }));
  const updated = await w.sm.send(new UpdatePipelineCommand({ PipelineName: ABALONE_PIPELINE, PipelineDefinition: v2 }));
  expect(updated.PipelineVersionId).toBe(2);

  const failedEvent = w.emu.events.published.find((e) => w.harness.matchesRule(e))!;
  await w.harness.deliver(failedEvent);
  await w.harness.settle();

  const [, retry] = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(retry).toBeDefined();
  expect(retry.status).toBe('Succeeded');
  expect(retry.versionId).toBe(1);
  const described = await w.sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: retry.arn }));
  expect(described.PipelineVersionId).toBe(1);
  const definition = await w.sm.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: retry.arn }));
  expect(definition.PipelineDefinition).toBe(JSON.stringify(abaloneDefinition()));
  expect(w.emu.jobs.map((j) => j.stepName)).not.toContain('AbaloneFeatureSelect');
  expect(retry.selective!.SourcePipelineExecutionArn).toBe(failedArn);
});

test("the failed run's parameters (all pages) are carried into the retry, not the defaults", async () => {
  const w = await world((emu) => {
    // MSE 7.0 passes only the run's threshold (7.5), not the default (6.0): with defaults the retry would hit the Fail step.
    installAbalone(emu, { mse: 7.0 });
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { emulator: { defaultPageSize: 1, maxPageSize: 1 }, harness: { policy: policy() } });
  const parameters = [
    { Name: 'MseThreshold', Value: '7.5' },
    { Name: 'TrainingInstanceType', Value: 'ml.c5.4xlarge' },
    { Name: 'ProcessingInstanceCount', Value: '3' },
  ];
  const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE, PipelineParameters: parameters });

  const [failed, retry] = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(retry.status).toBe('Succeeded');
  const asMap = (p: Array<{ Name: string; Value: string }>) => Object.fromEntries(p.map((x) => [x.Name, x.Value]));
  expect(asMap(retry.parameters)).toEqual(asMap(failed.parameters));
  expect(asMap(retry.parameters)).toMatchObject({ MseThreshold: '7.5', TrainingInstanceType: 'ml.c5.4xlarge', ProcessingInstanceCount: '3' });
  expect(w.emu.stepsOf(retry.arn).find((s) => s.StepName === 'AbaloneRegisterModel')?.StepStatus).toBe('Succeeded');
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain').map((j) => j.instanceType)).toEqual(['ml.c5.4xlarge', 'ml.c5.4xlarge']);
  // with 1 item per page, the handler had to follow NextToken for both steps (2 listed) and parameters (5)
  const pagesOf = (op: string) => w.emu.callsOf(op).filter((c) => c.request.PipelineExecutionArn === failedArn && c.status === 200).length;
  expect(pagesOf('ListPipelineParametersForExecution')).toBeGreaterThanOrEqual(5);
  expect(pagesOf('ListPipelineExecutionSteps')).toBeGreaterThanOrEqual(2);
  expect(retry.selective!.SelectedSteps.map((s) => s.StepName)).not.toContain('AbalonePreprocess');
});

test('the handler reads in parallel, then starts: few sequential round trips', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy() } });
  const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  // replay the failure with latency on every call so that overlap is measurable
  w.emu.faults.setLatency('*', 100); // generous, so that overlap holds on a loaded CI machine
  const before = w.emu.calls.length;
  const failedEvent = w.emu.events.published.find((e) => w.harness.matchesRule(e))!;
  await w.harness.deliver(failedEvent);
  await w.harness.settle();
  const calls = w.emu.calls.slice(before).filter((c) => c.service === 'SageMaker');
  const reads = ['DescribePipelineExecution', 'ListPipelineExecutionSteps', 'DescribePipelineDefinitionForExecution', 'ListPipelineParametersForExecution']
    .map((op) => calls.find((c) => c.operation === op && c.request.PipelineExecutionArn === failedArn));
  expect(reads.every(Boolean)).toBe(true);
  const firstEnd = Math.min(...reads.map((c) => c!.respondedAt));
  expect(reads.every((c) => c!.receivedAt < firstEnd)).toBe(true);
  expect(SageMakerEmulator.sequentialRoundTrips(calls)).toBeLessThanOrEqual(3);
  // the replay hit the idempotency token: still exactly one retry
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
});

test('foreign and non-failure events are ignored without an error or a start', async () => {
  const w = await world((emu) => installAbalone(emu), { harness: { policy: policy(), autoDeliver: false } });
  const events: EventBridgeEvent[] = [
    JSON.parse(readFixture('events/pipeline-execution-status-change.succeeded.aws-docs.json')),
    JSON.parse(readFixture('events/pipeline-execution-step-status-change.succeeded.aws-docs.json')),
    JSON.parse(readFixture('events/processing-job-state-change.failed.aws-docs.json')),
    { 'version': '0', 'id': 'x', 'detail-type': EXECUTION_STATUS_CHANGE, 'source': 'my.app', 'account': '1', 'time': '', 'region': 'us-east-1', 'resources': [], 'detail': {} },
  ];
  for (const e of events) await w.harness.deliver(e);
  expect(w.harness.invocations.map((i) => i.error)).toEqual([undefined, undefined, undefined, undefined]);
  expect(w.harness.results.map((r) => r.outcome)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
  expect(w.emu.callsOf('StartPipelineExecution')).toHaveLength(0);
  expectOneDecisionLinePerInvocation(w.harness);
});

test('a retry that fails at a later step is healed by a second selective run chained on it', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.script.failStep('AbaloneEval', { attempts: [1], reason: FAILURE_REASONS.internal });
  }, { harness: { policy: policy(3) } });
  const rootArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  const [root, first, second] = w.emu.executionsOf(ABALONE_PIPELINE);
  expect([root.status, first.status, second?.status]).toEqual(['Failed', 'Failed', 'Succeeded']);
  expect(root.arn).toBe(rootArn);
  expect(second.selective!.SourcePipelineExecutionArn).toBe(first.arn);
  // the second retry starts from the step that failed in the first retry; what the first retry ran or reused is reused
  expect(second.selective!.SelectedSteps.map((s) => s.StepName).sort()).toEqual(downstreamOf(second.definition, ['AbaloneEval']));
  const steps = new Map(w.emu.stepsOf(second.arn).map((s) => [s.StepName, s]));
  expect(steps.get('AbaloneTrain')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: first.arn });
  expect(steps.get('AbalonePreprocess')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: first.arn });
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbalonePreprocess')).toHaveLength(1);
  expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain')).toHaveLength(2);
  expect(w.harness.results.map((r) => [r.outcome, r.attempt])).toEqual([['started', 1], ['started', 2]]);
});

test('a deliberate failure (a Fail step) is not retried', async () => {
  const w = await world((emu) => installAbalone(emu, { mse: 9.9 }), { harness: { policy: policy() } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  const [failed] = w.emu.executionsOf(ABALONE_PIPELINE);
  // the Fail step's message is on the step; the execution keeps SageMaker's generic reason
  expect(failed.failureReason).toBe(STEP_FAILURE_REASON);
  expect(failed.steps.get('AbaloneMSEFail')!.FailureReason).toBe('Execution failed due to MSE > 6');
  expect(statusOf(w.emu)).toEqual(['Failed']);
  expect(w.harness.results.map((r) => r.outcome)).toEqual(['skipped']);
  expect(w.harness.results[0].reason).toMatch(/Fail/);
  expect(startRequests(w.emu)).toHaveLength(0);
  expectOneDecisionLinePerInvocation(w.harness);
});

test.each([
  ['lowercased', true, 'AbalonePipeline'],
  ['case-preserved', false, 'abalonepipeline'],
])('pipeline names match the policy ignoring case (%s ARNs)', async (_label, lowercaseArns, policyName) => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { emulator: { lowercaseArns }, harness: { policy: policy(2, [policyName]) } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  expect(w.emu.executionsOf(ABALONE_PIPELINE)[0].pipelineArn.endsWith(lowercaseArns ? '/abalonepipeline' : '/AbalonePipeline')).toBe(true);
  expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
});

test('a Failed event of a pipeline outside the policy is ignored', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, { harness: { policy: policy(2, ['SomeOtherPipeline']), autoDeliver: false } });
  await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
  const failedEvent = w.emu.events.published.find((e) => e['detail-type'] === EXECUTION_STATUS_CHANGE && (e.detail as any).currentPipelineExecutionStatus === 'Failed')!;
  const invocation = await w.harness.deliver(failedEvent);
  expect(invocation.error).toBeUndefined();
  expect(invocation.result?.outcome).toBe('ignored');
  expect(w.emu.callsOf('StartPipelineExecution')).toHaveLength(1); // only the test's own start
});

test('a policy with a delay schedules the retry through EventBridge Scheduler; the schedule starts it once', async () => {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.events.deliverDuplicates(2);
  }, {
    // The duplicate must arrive while the schedule waits: give the wait 2 s of real time, so that a loaded machine
    // (the duplicate's handler run takes longer than the 200 ms default) does not let the schedule fire first.
    emulator: { scheduleRealWaitMs: 2_000 },
    // The scheduler role and group come from the function's environment as the construct renders it.
    harness: { policy: { ...policy(), delay: { strategy: 'FIXED', baseSeconds: 60 } } },
  });
  const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

  expect(w.harness.results.map((r) => r.outcome)).toEqual(['scheduled', 'scheduled']);
  const { schedules, scheduleRuns } = w.emu.sideEffects;
  expect(schedules).toHaveLength(1); // the duplicate found it already there
  expect(schedules[0].ScheduleExpression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/);
  // in the group, with the role, that the stack deploys
  expect(schedules[0].GroupName).toBe(w.harness.deployed.environment.SELECTIVE_RETRY_SCHEDULE_GROUP);
  expect(schedules[0].Target.RoleArn).toBe(w.harness.deployed.environment.SELECTIVE_RETRY_SCHEDULER_ROLE_ARN);
  expect(schedules[0].Target.RoleArn).toMatch(/^arn:aws:iam::111122223333:role\/.*SchedulerRole/);
  const scheduled = JSON.parse(schedules[0].Target.Input);
  expect(scheduled.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(failedArn);
  expect(scheduleRuns).toHaveLength(1);
  expect(scheduleRuns[0].error).toBeUndefined();
  const executions = w.emu.executionsOf(ABALONE_PIPELINE);
  expect(executions.map((e) => e.status)).toEqual(['Failed', 'Succeeded']);
  expect(executions[1].arn).toBe(scheduleRuns[0].executionArn);
  // the retry started no earlier than the delay after the failure (simulated time)
  expect(executions[1].createdAt - executions[0].endedAt!).toBeGreaterThanOrEqual(50_000);
  expect(startRequests(w.emu)).toHaveLength(0); // the handler itself started nothing
});

describe('retry policy', () => {
  const transientOnly = { mode: 'CLASSES', classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] };

  test('no capacity for one instance type: the retry moves to the next fallback value and succeeds', async () => {
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', {
        attempts: 'all', whenParameter: { name: 'TrainingInstanceType', value: 'ml.p3.2xlarge' }, reason: FAILURE_REASONS.capacity,
      });
    }, {
      harness: {
        policy: {
          ...policy(),
          retryOn: transientOnly,
          parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.p3.2xlarge', 'ml.g5.2xlarge'], failureClasses: ['CAPACITY'] }],
        },
      },
    });
    await runAndHeal(w, { PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'TrainingInstanceType', Value: 'ml.p3.2xlarge' }, { Name: 'MseThreshold', Value: '6.5' }] });

    const [failed, retry] = w.emu.executionsOf(ABALONE_PIPELINE);
    expect([failed.status, retry?.status]).toEqual(['Failed', 'Succeeded']);
    const params = Object.fromEntries(retry.parameters.map((p) => [p.Name, p.Value]));
    expect(params).toMatchObject({ TrainingInstanceType: 'ml.g5.2xlarge', MseThreshold: '6.5' });
    expect(w.emu.jobs.filter((j) => j.stepName === 'AbaloneTrain').map((j) => [j.instanceType, j.status]))
      .toEqual([['ml.p3.2xlarge', 'Failed'], ['ml.g5.2xlarge', 'Completed']]);
  });

  test('an AlgorithmError is not retried when only transient failures are', async () => {
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.algorithm });
    }, { harness: { policy: { ...policy(), retryOn: transientOnly } } });
    await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
    expect(statusOf(w.emu)).toEqual(['Failed']);
    expect(w.harness.results.map((r) => r.outcome)).toEqual(['skipped']);
    expect(startRequests(w.emu)).toHaveLength(0);
  });

  test('dry run: the decision and the exact request are reported, as events and on SNS, and nothing starts', async () => {
    const topicArn = 'arn:aws:sns:us-east-1:111122223333:ml-alerts';
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    }, { harness: { policy: { ...policy(), dryRun: true, notifications: { events: true, topicArn } } } });
    await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

    expect(statusOf(w.emu)).toEqual(['Failed']);
    expect(startRequests(w.emu)).toHaveLength(0);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'planned', request: expect.objectContaining({ SelectiveExecutionConfig: expect.objectContaining({ SelectedSteps: expect.any(Array) }) }),
    })]);
    expect(w.emu.sideEffects.putEvents.map((e) => [e.Source, e.DetailType])).toEqual([['cdk-sagemaker-pipelines', 'Selective Retry Planned']]);
    expect(w.emu.sideEffects.snsPublishes.map((m) => m.TopicArn)).toEqual([topicArn]);
    expect(JSON.parse(w.emu.sideEffects.snsPublishes[0].Message)).toMatchObject({
      detailType: 'Selective Retry Planned', outcome: 'planned', failedSteps: [expect.objectContaining({ stepName: 'AbaloneTrain', failureClass: 'CAPACITY' })],
    });
  });

  test('a deterministic failure ends with a budget-exhausted event after the last retry', async () => {
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', { attempts: 'all', reason: FAILURE_REASONS.capacity });
    }, { harness: { policy: { ...policy(), maxAttempts: 1 } } });
    await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

    expect(statusOf(w.emu)).toEqual(['Failed', 'Failed']);
    expect(w.emu.sideEffects.putEvents.map((e) => e.DetailType)).toEqual(['Selective Retry Started', 'Selective Retry Budget Exhausted']);
  });

  test("when the step's own reason is inconclusive, the job's FailureReason decides", async () => {
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity, stepReason: 'Training job failed; see the job for details.' });
    }, { harness: { policy: { ...policy(), retryOn: transientOnly } } });
    const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
    const trainJob = w.emu.stepsOf(failedArn).find((s) => s.StepName === 'AbaloneTrain')!.Metadata.TrainingJob as { Arn: string };
    expect(w.emu.callsOf('DescribeTrainingJob').map((c) => c.request.TrainingJobName)).toContain(trainJob.Arn.split('/').pop());
    expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
  });
});
