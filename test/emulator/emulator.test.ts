/**
 * Tests of the SageMaker emulator itself, through an unmodified SageMakerClient over HTTP.
 */
import {
  CreatePipelineCommand,
  DescribePipelineCommand,
  DescribePipelineDefinitionForExecutionCommand,
  DescribePipelineExecutionCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  PipelineExecutionStep,
  SageMakerClient,
  StartPipelineExecutionCommand,
  UpdatePipelineCommand,
  paginateListPipelineExecutionSteps,
  paginateListPipelineParametersForExecution,
} from '@aws-sdk/client-sagemaker';
import { EXECUTION_STATUS_CHANGE, STEP_STATUS_CHANGE } from '../../emulator/events';
import { FAILURE_REASONS } from '../../emulator/faults';
import { DEFAULT_ROLE_ARN, STEP_FAILURE_REASON, SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, abaloneDefinition, installAbalone, parallelDefinition, readFixture } from '../../emulator/scenarios';

let emu: SageMakerEmulator;
let sm: SageMakerClient;

async function start(options: Parameters<typeof SageMakerEmulator.start>[0] = {}): Promise<void> {
  emu = await SageMakerEmulator.start(options);
  sm = emu.client({ maxAttempts: 1 });
}

afterEach(async () => {
  sm?.destroy();
  await emu?.close();
});

async function allSteps(arn: string): Promise<PipelineExecutionStep[]> {
  const out: PipelineExecutionStep[] = [];
  for await (const page of paginateListPipelineExecutionSteps({ client: sm, pageSize: 3 }, { PipelineExecutionArn: arn })) {
    out.push(...(page.PipelineExecutionSteps ?? []));
  }
  return out;
}

async function runToEnd(request: Record<string, unknown>): Promise<string> {
  const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand(request as any));
  await emu.waitForIdle();
  return PipelineExecutionArn!;
}

const byName = (steps: PipelineExecutionStep[]) => new Map(steps.map((s) => [s.StepName!, s]));

describe('wire protocol', () => {
  test('listens on 127.0.0.1 and round-trips a pipeline through CreatePipeline/DescribePipeline with Date timestamps', async () => {
    await start();
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const definition = JSON.stringify(abaloneDefinition());
    const created = await sm.send(new CreatePipelineCommand({
      PipelineName: 'Churn-Model', PipelineDefinition: definition, RoleArn: 'arn:aws:iam::111122223333:role/r', ClientRequestToken: 'c'.repeat(32),
    }));
    expect(created.PipelineArn).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/churn-model');
    const described = await sm.send(new DescribePipelineCommand({ PipelineName: 'Churn-Model' }));
    expect(described.PipelineDefinition).toBe(definition);
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.CreationTime!.toISOString()).toBe('2026-01-05T09:00:00.000Z');
    const call = emu.callsOf('CreatePipeline')[0];
    expect(call.request.PipelineName).toBe('Churn-Model');
  });

  test('errors carry __type: modeled ResourceNotFound, unmodeled ValidationException, HTTP status', async () => {
    await start();
    const missing = await sm.send(new DescribePipelineCommand({ PipelineName: 'nope' })).catch((e) => e);
    expect(missing.name).toBe('ResourceNotFound');
    expect(missing.$metadata.httpStatusCode).toBe(400);
    const invalid = await sm.send(new CreatePipelineCommand({
      PipelineName: 'bad_name', PipelineDefinition: '{}', RoleArn: 'r', ClientRequestToken: 'c'.repeat(32),
    })).catch((e) => e);
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toContain('pipelineName');
  });

  test('rejects an invalid definition (cycle) with the cycle path', async () => {
    await start();
    const cyclic = { Version: '2020-12-01', Steps: [{ Name: 'A', Type: 'Processing', DependsOn: ['B'] }, { Name: 'B', Type: 'Processing', DependsOn: ['A'] }] };
    const err = await sm.send(new CreatePipelineCommand({
      PipelineName: 'Cyclic', PipelineDefinition: JSON.stringify(cyclic), RoleArn: DEFAULT_ROLE_ARN, ClientRequestToken: 'c'.repeat(32),
    })).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/A -> B -> A/);
  });
});

describe('running a pipeline', () => {
  test('the Abalone pipeline succeeds down the taken branch; steps are listed newest first', async () => {
    await start();
    installAbalone(emu);
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const ex = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(ex.PipelineExecutionStatus).toBe('Succeeded');
    expect(ex.PipelineVersionId).toBe(1);
    const steps = await allSteps(arn);
    expect(steps.map((s) => s.StepName)).toEqual(['AbaloneRegisterModel', 'AbaloneMSECond', 'AbaloneEval', 'AbaloneTrain', 'AbalonePreprocess']);
    const s = byName(steps);
    expect(s.get('AbaloneMSECond')!.Metadata!.Condition!.Outcome).toBe('True');
    expect(s.get('AbaloneTrain')!.Metadata!.TrainingJob!.Arn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:training-job\/pipelines-[a-z0-9]{12}-abalonetrain-[a-z0-9]{10}$/);
    expect(s.get('AbaloneTrain')!.EndTime!.getTime() - s.get('AbaloneTrain')!.StartTime!.getTime()).toBe(52 * 60 * 1000);
    // the processing job ran on the instance count the parameter gave it
    const jobName = s.get('AbalonePreprocess')!.Metadata!.ProcessingJob!.Arn!.split('/').pop();
    const job = await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: jobName }));
    expect(job.ProcessingJobStatus).toBe('Completed');
    expect(job.ProcessingResources!.ClusterConfig!.InstanceCount).toBe(2);
  });

  test('the else branch: a Fail step fails with its evaluated ErrorMessage on the step; the run keeps the generic reason', async () => {
    await start();
    installAbalone(emu, { mse: 9.4 });
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'MseThreshold', Value: '7.5' }] });
    const ex = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(ex.PipelineExecutionStatus).toBe('Failed');
    expect(ex.FailureReason).toBe('Step failure: One or multiple steps failed.');
    const s = byName(await allSteps(arn));
    expect(s.get('AbaloneMSECond')!.Metadata!.Condition!.Outcome).toBe('False');
    expect(s.get('AbaloneMSEFail')!.StepStatus).toBe('Failed');
    expect(s.get('AbaloneMSEFail')!.FailureReason).toBe('Execution failed due to MSE > 7.5');
    expect(s.get('AbaloneMSEFail')!.Metadata!.Fail!.ErrorMessage).toBe('Execution failed due to MSE > 7.5');
    expect(s.has('AbaloneRegisterModel')).toBe(false);
  });

  test('a scripted failure fails the step, its job (with FailureReason) and the run; downstream never starts', async () => {
    await start();
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity, afterSeconds: 90 });
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const ex = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(ex.PipelineExecutionStatus).toBe('Failed');
    const steps = await allSteps(arn);
    expect(steps.map((s) => s.StepName)).toEqual(['AbaloneTrain', 'AbalonePreprocess']);
    const train = steps[0];
    expect(train.StepStatus).toBe('Failed');
    expect(train.FailureReason).toBe(FAILURE_REASONS.capacity);
    expect(train.EndTime!.getTime() - train.StartTime!.getTime()).toBe(90_000);
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: train.Metadata!.TrainingJob!.Arn!.split('/').pop() }));
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toBe(FAILURE_REASONS.capacity);
    // attempt 2 (a new run of the step) succeeds
    const again = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    expect(emu.execution(again).status).toBe('Succeeded');
  });

  test('when one branch fails, running steps finish and nothing new starts', async () => {
    await start();
    emu.loadPipeline({ name: 'Parallel', definition: parallelDefinition() });
    emu.script.setDuration('TrainA', 600).setDuration('TrainB', 1800).failStep('TrainA', { afterSeconds: 120 });
    const arn = await runToEnd({ PipelineName: 'Parallel' });
    const s = byName(await allSteps(arn));
    expect(emu.execution(arn).status).toBe('Failed');
    expect(s.get('TrainA')!.StepStatus).toBe('Failed');
    expect(s.get('TrainB')!.StepStatus).toBe('Succeeded');
    expect(s.has('Compare')).toBe(false);
    // the run ends when TrainB ends, not when TrainA failed
    expect(emu.execution(arn).endedAt).toBe(s.get('TrainB')!.EndTime!.getTime());
  });

  test('MaxParallelExecutionSteps limits concurrency; a step that never started is not listed', async () => {
    await start();
    emu.loadPipeline({ name: 'Parallel', definition: parallelDefinition() });
    const arn = await runToEnd({ PipelineName: 'Parallel', ParallelismConfiguration: { MaxParallelExecutionSteps: 1 } });
    const s = byName(await allSteps(arn));
    expect(s.get('TrainB')!.StartTime!.getTime()).toBeGreaterThanOrEqual(s.get('TrainA')!.EndTime!.getTime());
    const unlimited = await runToEnd({ PipelineName: 'Parallel' });
    const u = byName(await allSteps(unlimited));
    expect(u.get('TrainB')!.StartTime!.getTime()).toBe(u.get('TrainA')!.StartTime!.getTime());

    emu.script.failStep('TrainA', { attempts: [3] });
    const failed = await runToEnd({ PipelineName: 'Parallel', ParallelismConfiguration: { MaxParallelExecutionSteps: 1 } });
    const f = byName(await allSteps(failed));
    expect(f.get('TrainA')!.StepStatus).toBe('Failed');
    expect(f.has('TrainB')).toBe(false);
    const described = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: failed }));
    expect(described.ParallelismConfiguration).toEqual({ MaxParallelExecutionSteps: 1 });
  });

  test.each([
    ['01-sdk-two-step-linear.json', 2],
    ['09-airflow-nested-conditions-31.json', 31],
    ['11-dynamic-framework-two-chains.json', 9],
  ])('runs the real-world fixture %s to success (%d steps)', async (file, count) => {
    await start();
    const definition = readFixture(`definitions/${file}`);
    emu.loadPipeline({ name: 'Fixture', definition });
    // only parameters the definition declares may be given (the declared-parameter-name rule)
    const declared = (JSON.parse(definition).Parameters ?? []).map((p: { Name: string }) => p.Name);
    const params = declared.includes('MyStr') ? [{ Name: 'MyStr', Value: 'x' }] : [];
    const arn = await runToEnd({ PipelineName: 'Fixture', PipelineParameters: params });
    expect(emu.execution(arn).status).toBe('Succeeded');
    expect(await allSteps(arn)).toHaveLength(count);
  });
});

describe('events', () => {
  test('execution and step events have the documented shapes; the description is absent when unset', async () => {
    await start();
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { reason: FAILURE_REASONS.capacity });
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE, PipelineExecutionDisplayName: 'nightly-1' });
    const fixture = JSON.parse(readFixture('events/pipeline-execution-status-change.failed.aws-samples.json'));
    const exEvents = emu.events.published.filter((e) => e['detail-type'] === EXECUTION_STATUS_CHANGE);
    expect(exEvents.map((e) => (e.detail as any).currentPipelineExecutionStatus)).toEqual(['Executing', 'Failed']);
    const failed = exEvents[1];
    expect(Object.keys(failed).sort()).toEqual(Object.keys(fixture).sort());
    expect(Object.keys(failed.detail).sort()).toEqual(Object.keys(fixture.detail).sort());
    expect(failed.detail).not.toHaveProperty('pipelineExecutionDescription');
    expect(failed.source).toBe('aws.sagemaker');
    expect(failed.resources).toEqual([emu.execution(arn).pipelineArn, arn]);
    expect(failed.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const stepFixture = JSON.parse(readFixture('events/pipeline-execution-step-status-change.succeeded.aws-docs.json'));
    const stepEvents = emu.events.published.filter((e) => e['detail-type'] === STEP_STATUS_CHANGE);
    const preSucceeded = stepEvents.find((e) => (e.detail as any).stepName === 'AbalonePreprocess' && (e.detail as any).currentStepStatus === 'Succeeded')!;
    expect(Object.keys(preSucceeded.detail).sort()).toEqual(Object.keys(stepFixture.detail).sort());
    expect((preSucceeded.detail as any).metadata.processingJob.arn).toMatch(/:processing-job\//);
    const trainFailed = stepEvents.find((e) => (e.detail as any).stepName === 'AbaloneTrain' && (e.detail as any).currentStepStatus === 'Failed')!;
    expect((trainFailed.detail as any).failureReason).toBe(FAILURE_REASONS.capacity);
    expect((trainFailed.detail as any).metadata.trainingJob.arn).toMatch(/:training-job\//);
  });

  test('can deliver each event several times, with distinct ids', async () => {
    await start();
    installAbalone(emu);
    emu.events.deliverDuplicates(2);
    const seen: string[] = [];
    emu.events.subscribe((e) => {
      if (e['detail-type'] === EXECUTION_STATUS_CHANGE) seen.push(`${(e.detail as any).currentPipelineExecutionStatus}:${e.id}`);
    });
    await runToEnd({ PipelineName: ABALONE_PIPELINE, PipelineExecutionDescription: 'described' });
    expect(seen.filter((s) => s.startsWith('Succeeded:'))).toHaveLength(2);
    expect(new Set(seen).size).toBe(4);
    const last = emu.events.published.filter((e) => e['detail-type'] === EXECUTION_STATUS_CHANGE).pop()!;
    expect((last.detail as any).pipelineExecutionDescription).toBe('described');
  });
});

describe('selective execution rules', () => {
  async function failedRun(): Promise<string> {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1] });
    return runToEnd({ PipelineName: ABALONE_PIPELINE });
  }
  const selective = (source: string | undefined, ...steps: string[]) => ({
    PipelineName: ABALONE_PIPELINE,
    SelectiveExecutionConfig: { ...(source ? { SourcePipelineExecutionArn: source } : {}), SelectedSteps: steps.map((StepName) => ({ StepName })) },
  });

  test('a valid selective run reuses non-selected steps and lists them with SelectiveExecutionResult', async () => {
    await start();
    const source = await failedRun();
    const arn = await runToEnd(selective(source, 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel'));
    expect(emu.execution(arn).status).toBe('Succeeded');
    const steps = await allSteps(arn);
    const s = byName(steps);
    expect(s.get('AbalonePreprocess')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: source });
    expect(s.get('AbalonePreprocess')!.StepStatus).toBe('Succeeded');
    // the reused step points at the job that actually ran in the source
    const sourcePre = byName(await allSteps(source)).get('AbalonePreprocess')!;
    expect(s.get('AbalonePreprocess')!.Metadata).toEqual(sourcePre.Metadata);
    expect(s.get('AbaloneTrain')!.SelectiveExecutionResult).toBeUndefined();
    expect(emu.jobs.filter((j) => j.stepName === 'AbalonePreprocess')).toHaveLength(1);
    const described = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
    expect(described.SelectiveExecutionConfig!.SourcePipelineExecutionArn).toBe(source);
  });

  test('non-selected steps downstream of selected steps do not run', async () => {
    await start();
    const source = await failedRun();
    const arn = await runToEnd(selective(source, 'AbaloneTrain'));
    const s = byName(await allSteps(arn));
    expect([...s.keys()].sort()).toEqual(['AbalonePreprocess', 'AbaloneTrain']);
    expect(emu.execution(arn).status).toBe('Succeeded');
  });

  test('non-selected steps downstream of selected steps are neither run nor reused, even when they succeeded in the source', async () => {
    await start();
    installAbalone(emu);
    const source = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    expect(emu.execution(source).status).toBe('Succeeded');
    const arn = await runToEnd(selective(source, 'AbaloneTrain'));
    const steps = await allSteps(arn);
    expect(steps.map((s) => [s.StepName, s.SelectiveExecutionResult?.SourcePipelineExecutionArn])).toEqual([
      ['AbaloneTrain', undefined],
      ['AbalonePreprocess', source],
    ]);
  });

  test('the source must not be Executing', async () => {
    await start({ autoRun: false });
    installAbalone(emu);
    const { PipelineExecutionArn } = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE }));
    const err = await sm.send(new StartPipelineExecutionCommand(selective(PipelineExecutionArn, 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel') as any)).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/is Executing/);
    emu.clock.runAll();
    expect(emu.execution(PipelineExecutionArn!).status).toBe('Succeeded');
  });

  test.each([
    [['AbaloneTrain', 'Nope'], /\[Nope\] are not steps/],
    [['AbaloneTrain', 'AbaloneMSECond'], /should be included\. Missing: \[AbaloneEval\]/],
    [[], /Value '\[\]' at 'selectiveExecutionConfig.selectedSteps' failed to satisfy constraint: Member must have length greater than or equal to 1/],
  ])('rejects selection %j', async (steps, message) => {
    await start();
    const source = await failedRun();
    const err = await sm.send(new StartPipelineExecutionCommand(selective(source, ...steps) as any)).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(message);
  });

  test('without a source, selected steps with non-selected dependencies are rejected as SageMaker does', async () => {
    await start();
    await failedRun();
    const err = await sm.send(new StartPipelineExecutionCommand(selective(undefined, 'AbaloneEval', 'AbaloneMSECond') as any)).catch((e) => e);
    expect(err.message).toBe('Invalid SourcePipelineExecutionArn: null. The selected steps [AbaloneEval] have dependencies on [AbalonePreprocess, AbaloneTrain].');
    // a selection without dependencies needs no source
    const ok = await runToEnd(selective(undefined, 'AbalonePreprocess'));
    expect(emu.execution(ok).status).toBe('Succeeded');
  });

  test('a dependency that did not succeed in the source is rejected', async () => {
    await start();
    const source = await failedRun();
    const err = await sm.send(new StartPipelineExecutionCommand(selective(source, 'AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel') as any)).catch((e) => e);
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/have dependencies on \[AbaloneTrain\], which did not succeed/);
  });

  test('the source must be an execution of the same pipeline', async () => {
    await start();
    emu.loadPipeline({ name: 'Other', definition: abaloneDefinition() });
    emu.script.setOutputs('AbaloneEval', { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 1 } } } } });
    const other = await runToEnd({ PipelineName: 'Other' });
    installAbalone(emu);
    const err = await sm.send(new StartPipelineExecutionCommand(selective(other, 'AbaloneTrain') as any)).catch((e) => e);
    expect(err.message).toMatch(/is not an execution of pipeline AbalonePipeline/);
  });

  test('ClientRequestToken makes StartPipelineExecution idempotent; it must be 32-128 characters', async () => {
    await start();
    const source = await failedRun();
    const token = 'a'.repeat(64);
    const request = { ...selective(source, 'AbaloneTrain'), ClientRequestToken: token };
    const first = await sm.send(new StartPipelineExecutionCommand(request as any));
    const second = await sm.send(new StartPipelineExecutionCommand(request as any));
    expect(second.PipelineExecutionArn).toBe(first.PipelineExecutionArn);
    await emu.waitForIdle();
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(2);
    const short = await sm.send(new StartPipelineExecutionCommand({ ...request, ClientRequestToken: 'short' } as any)).catch((e) => e);
    expect(short.name).toBe('ValidationException');
  });

  test('display name and description constraints are enforced', async () => {
    await start();
    installAbalone(emu);
    const bad = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE, PipelineExecutionDisplayName: 'retry_1' })).catch((e) => e);
    expect(bad.message).toMatch(/pipelineExecutionDisplayName/);
    const long = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE, PipelineExecutionDescription: 'x'.repeat(3073) })).catch((e) => e);
    expect(long.message).toMatch(/pipelineExecutionDescription/);
  });
});

describe('versions and parameters', () => {
  test('UpdatePipeline adds a version; executions run the version they were started with', async () => {
    await start();
    installAbalone(emu);
    const v1 = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const v2 = JSON.stringify(abaloneDefinition({ withFeatureSelect: true }));
    const updated = await sm.send(new UpdatePipelineCommand({ PipelineName: ABALONE_PIPELINE, PipelineDefinition: v2 }));
    expect(updated.PipelineVersionId).toBe(2);
    const latest = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const pinned = await runToEnd({ PipelineName: ABALONE_PIPELINE, PipelineVersionId: 1 });
    const def = async (arn: string) =>
      (await sm.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: arn }))).PipelineDefinition;
    expect(await def(v1)).toBe(JSON.stringify(abaloneDefinition()));
    expect(await def(latest)).toContain('AbaloneFeatureSelect');
    expect(await def(pinned)).toBe(JSON.stringify(abaloneDefinition()));
    expect((await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: pinned }))).PipelineVersionId).toBe(1);
    expect((await allSteps(latest)).map((s) => s.StepName)).toContain('AbaloneFeatureSelect');
    const described = await sm.send(new DescribePipelineCommand({ PipelineName: ABALONE_PIPELINE, PipelineVersionId: 1 }));
    expect(described.PipelineDefinition).not.toContain('AbaloneFeatureSelect');
    const missing = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE, PipelineVersionId: 9 })).catch((e) => e);
    expect(missing.name).toBe('ResourceNotFound');
  });

  test('omitted parameters take their defaults; parameters are paginated', async () => {
    await start();
    installAbalone(emu);
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'MseThreshold', Value: '4.2' }] });
    const params: Array<{ Name?: string; Value?: string }> = [];
    let pages = 0;
    for await (const page of paginateListPipelineParametersForExecution({ client: sm, pageSize: 2 }, { PipelineExecutionArn: arn })) {
      pages++;
      params.push(...(page.PipelineParameters ?? []));
    }
    expect(pages).toBe(3);
    expect(Object.fromEntries(params.map((p) => [p.Name, p.Value]))).toEqual({
      ProcessingInstanceCount: '2',
      TrainingInstanceType: 'ml.m5.2xlarge',
      ModelApprovalStatus: 'PendingManualApproval',
      InputData: 's3://sagemaker-us-east-1-111122223333/abalone/abalone-dataset.csv',
      MseThreshold: '4.2',
    });
  });
});

describe('listing and pagination', () => {
  test('ListPipelineExecutionSteps pages with NextToken; bad tokens and MaxResults are rejected', async () => {
    await start({ defaultPageSize: 2 });
    installAbalone(emu);
    const arn = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const first = await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn }));
    expect(first.PipelineExecutionSteps).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const asc = await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn, SortOrder: 'Ascending', MaxResults: 100 }));
    expect(asc.PipelineExecutionSteps!.map((s) => s.StepName)[0]).toBe('AbalonePreprocess');
    expect(asc.NextToken).toBeUndefined();
    const bad = await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn, NextToken: 'garbage' })).catch((e) => e);
    expect(bad.name).toBe('ValidationException');
    const big = await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn, MaxResults: 101 })).catch((e) => e);
    expect(big.name).toBe('ValidationException');
  });

  test('ListPipelineExecutions is newest first with the failure reason', async () => {
    await start();
    installAbalone(emu);
    emu.script.failStep('AbaloneEval', { attempts: [2] });
    const a = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const b = await runToEnd({ PipelineName: ABALONE_PIPELINE });
    const list = await sm.send(new ListPipelineExecutionsCommand({ PipelineName: ABALONE_PIPELINE }));
    expect(list.PipelineExecutionSummaries!.map((s) => s.PipelineExecutionArn)).toEqual([b, a]);
    expect(list.PipelineExecutionSummaries![0].PipelineExecutionFailureReason).toBe(STEP_FAILURE_REASON);
    expect(list.PipelineExecutionSummaries![0].StartTime).toBeInstanceOf(Date);
  });
});

describe('API faults', () => {
  test('throttling is HTTP 400 ThrottlingException, retried by the SDK by default', async () => {
    await start();
    installAbalone(emu);
    emu.faults.inject({ operation: 'DescribePipeline', kind: 'throttle', count: 1 });
    const err = await sm.send(new DescribePipelineCommand({ PipelineName: ABALONE_PIPELINE })).catch((e) => e);
    expect(err.name).toBe('ThrottlingException');
    expect(err.$metadata.httpStatusCode).toBe(400);
    emu.faults.inject({ operation: 'DescribePipeline', kind: 'throttle', count: 1 });
    const retrying = emu.client();
    const ok = await retrying.send(new DescribePipelineCommand({ PipelineName: ABALONE_PIPELINE }));
    retrying.destroy();
    expect(ok.PipelineName).toBe(ABALONE_PIPELINE);
    expect(emu.callsOf('DescribePipeline').map((c) => c.status)).toEqual([400, 400, 200]);
  });

  test.each([['internal', 500, 'InternalFailure'], ['unavailable', 503, 'ServiceUnavailable']] as const)('%s is HTTP %d %s', async (kind, status, type) => {
    await start();
    installAbalone(emu);
    emu.faults.inject({ operation: 'StartPipelineExecution', kind });
    const err = await sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE })).catch((e) => e);
    expect(err.name).toBe(type);
    expect(err.$metadata.httpStatusCode).toBe(status);
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(0);
  });

  test('a lost response (5xx after processing) plus the same ClientRequestToken starts one execution', async () => {
    await start();
    installAbalone(emu);
    emu.faults.inject({ operation: 'StartPipelineExecution', kind: 'internal', afterProcessing: true });
    const request = { PipelineName: ABALONE_PIPELINE, ClientRequestToken: 'b'.repeat(40) };
    const err = await sm.send(new StartPipelineExecutionCommand(request)).catch((e) => e);
    expect(err.name).toBe('InternalFailure');
    const ok = await sm.send(new StartPipelineExecutionCommand(request));
    await emu.waitForIdle();
    expect(emu.executionsOf(ABALONE_PIPELINE).map((e) => e.arn)).toEqual([ok.PipelineExecutionArn]);
  });

  test('latency, the after option and round-trip counting', async () => {
    await start();
    installAbalone(emu);
    emu.faults.setLatency('*', 25);
    emu.faults.inject({ operation: 'DescribePipeline', kind: 'throttle', after: 1 });
    await Promise.all([1, 2].map(() => sm.send(new DescribePipelineCommand({ PipelineName: ABALONE_PIPELINE })).catch((e) => e)));
    expect(emu.callsOf('DescribePipeline').map((c) => c.status).sort()).toEqual([200, 400]);
    await sm.send(new ListPipelineExecutionsCommand({ PipelineName: ABALONE_PIPELINE }));
    const calls = emu.calls.filter((c) => c.operation !== 'CreatePipeline');
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.respondedAt - c.receivedAt >= 20)).toBe(true);
    expect(SageMakerEmulator.sequentialRoundTrips(calls)).toBe(2);
  });
});

describe('side services (recorded, not emulated)', () => {
  test('EventBridge PutEvents, SNS Publish and Scheduler CreateSchedule from real clients are answered and recorded', async () => {
    await start();
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const { SNSClient, PublishCommand } = await import('@aws-sdk/client-sns');
    const { SchedulerClient, CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
    const config = { endpoint: emu.url, region: emu.region, credentials: { accessKeyId: 'AKIAEMULATOREXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1 };
    const eb = new EventBridgeClient(config);
    const sns = new SNSClient(config);
    const scheduler = new SchedulerClient(config);
    try {
      const put = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'cdk-sagemaker-pipelines', DetailType: 'Selective Retry Started', Detail: '{"a":1}' }] }));
      expect(put.FailedEntryCount).toBe(0);
      expect(put.Entries).toHaveLength(1);
      const published = await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Message: 'hello' }));
      expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
      const schedule = { Name: 'retry-1', ScheduleExpression: 'at(2026-01-05T10:00:00)', FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: 'arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution', RoleArn: 'arn:aws:iam::111122223333:role/s', Input: '{}' } };
      const created = await scheduler.send(new CreateScheduleCommand(schedule));
      expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:111122223333:schedule/default/retry-1');
      const again = await scheduler.send(new CreateScheduleCommand(schedule)).catch((e) => e);
      expect(again.name).toBe('ConflictException');
    } finally {
      eb.destroy();
      sns.destroy();
      scheduler.destroy();
    }
    expect(emu.sideEffects.putEvents.map((e) => e.DetailType)).toEqual(['Selective Retry Started']);
    expect(emu.sideEffects.snsPublishes.map((p) => p.Message)).toEqual(['hello']);
    expect(emu.sideEffects.schedules.map((s) => s.Name)).toEqual(['retry-1']);
    expect(emu.calls.map((c) => c.operation)).toEqual(['EventBridge.PutEvents', 'SNS.Publish', 'Scheduler.CreateSchedule', 'Scheduler.CreateSchedule']);
    expect(emu.callsOf()).toEqual([]);
  });
});

test('a one-time schedule targeting StartPipelineExecution fires after its wait (simulated) and is deleted after it runs', async () => {
  await start({ scheduleRealWaitMs: 20 });
  installAbalone(emu);
  const { SchedulerClient, CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
  const scheduler = new SchedulerClient({ endpoint: emu.url, region: emu.region, credentials: { accessKeyId: 'AKIAEMULATOREXAMPLE', secretAccessKey: 'x' }, maxAttempts: 1 });
  const at = new Date(Date.now() + 15 * 60_000).toISOString().slice(0, 19);
  const schedule = {
    Name: 'retry-abc',
    ScheduleExpression: `at(${at})`,
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    Target: {
      Arn: 'arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution',
      RoleArn: 'arn:aws:iam::111122223333:role/s',
      Input: JSON.stringify({ PipelineName: ABALONE_PIPELINE, ClientRequestToken: 'd'.repeat(64) }),
    },
  };
  try {
    const before = emu.clock.now();
    await scheduler.send(new CreateScheduleCommand(schedule));
    await emu.waitForIdle();
    expect(emu.sideEffects.scheduleRuns).toHaveLength(1);
    const [ex] = emu.executionsOf(ABALONE_PIPELINE);
    expect(emu.sideEffects.scheduleRuns[0].executionArn).toBe(ex.arn);
    expect(ex.status).toBe('Succeeded');
    expect(ex.createdAt - before).toBeGreaterThanOrEqual(14 * 60_000);
    // deleted after it ran: the name can be used again; the same ClientRequestToken starts nothing new
    await scheduler.send(new CreateScheduleCommand({ ...schedule, ScheduleExpression: `at(${new Date().toISOString().slice(0, 19)})` }));
    await emu.waitForIdle();
    expect(emu.sideEffects.scheduleRuns.map((r) => r.executionArn)).toEqual([ex.arn, ex.arn]);
    expect(emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(1);
  } finally {
    scheduler.destroy();
  }
});
