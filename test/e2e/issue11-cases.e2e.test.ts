/**
 * End-to-end: the BUNDLED handler against the strict emulator for the issue-11 fixes that had only unit tests: a
 * reused Condition listed without its outcome, data passed through paths built from the execution id, the opt-in full
 * re-run above SageMaker's 50-step selection limit, late duplicate deliveries in a busy pipeline, and reasons that
 * count as reused only the steps that succeeded.
 */
import { StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { closeWorlds, runAndHeal, startRequests, world } from './helpers';
import { FAILURE_REASONS } from '../../emulator/faults';
import { ReusedConditionOutcome, SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, installAbalone } from '../../emulator/scenarios';

jest.setTimeout(60_000);
afterEach(closeWorlds);

const policy = (pipelineNames = [ABALONE_PIPELINE], extra: Record<string, unknown> = {}) => ({ maxAttempts: 2, pipelineNames, ...extra });
const statusOf = (emu: SageMakerEmulator, name = ABALONE_PIPELINE) => emu.executionsOf(name).map((e) => e.status);
const selectedOf = (request: Record<string, any>) => request.SelectiveExecutionConfig.SelectedSteps.map((s: { StepName: string }) => s.StepName);
/** The StartPipelineExecution requests the emulator accepted (HTTP 200), in order, the test's own included. */
const acceptedStarts = (emu: SageMakerEmulator) => emu.callsOf('StartPipelineExecution').filter((c) => c.status === 200).map((c) => c.request);

const ROLE = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole';
const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
const BUCKET = 's3://sagemaker-us-east-1-111122223333/runs';
const processing = (name: string, extra: Record<string, unknown> = {}, args: Record<string, unknown> = {}) => ({
  Name: name,
  Type: 'Processing',
  Arguments: {
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
    AppSpecification: { ImageUri: IMAGE },
    RoleArn: ROLE,
    ...args,
  },
  ...extra,
});

describe('a reused Condition listed without its outcome', () => {
  // GIVEN a person's selective run of the steps after the Condition, in both of its branches (the registration and the
  // Fail step), reusing the nightly run's Condition; the registration fails. The retry stays inside that run's
  // selection, so only the Condition's outcome tells that the Fail step sat in the untaken branch.
  // The person's selection (two branches without their Condition) is valid under the API reference's path rule only.
  test.each(['omitted', 'copied'] as ReusedConditionOutcome[])(
    'Condition outcome %s: the retry selects only the branch taken; the source run is read only when the outcome is missing',
    async (reusedConditionOutcome) => {
      const w = await world((emu) => {
        installAbalone(emu); // MSE 3.1 <= 6.0: the Condition takes its If branch (register)
        // attempt 1: the nightly run registers; attempt 2: the person's re-registration fails; attempt 3: the retry
        emu.script.failStep('AbaloneRegisterModel', { attempts: [2], reason: FAILURE_REASONS.internal });
      }, { emulator: { reusedConditionOutcome, selectionRule: 'paths-between' }, harness: { policy: policy() } });
      const nightly = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
      const selective = await runAndHeal(w, {
        PipelineName: ABALONE_PIPELINE,
        SelectiveExecutionConfig: {
          SourcePipelineExecutionArn: nightly,
          SelectedSteps: [{ StepName: 'AbaloneRegisterModel' }, { StepName: 'AbaloneMSEFail' }],
        },
      });

      // the emulator listed the reused Condition as switched
      const condition = w.emu.stepsOf(selective).find((s) => s.StepName === 'AbaloneMSECond')!;
      expect(condition.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: nightly });
      expect(condition.Metadata.Condition).toEqual(reusedConditionOutcome === 'copied' ? { Outcome: 'True' } : undefined);

      // WHEN the handler heals the person's run THEN it re-runs the registration only, not the Fail step of the other branch
      expect(statusOf(w.emu)).toEqual(['Succeeded', 'Failed', 'Succeeded']);
      const [, request, ...more] = startRequests(w.emu); // the person's own selective start, then the handler's
      expect(more).toEqual([]);
      expect(request.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(selective);
      expect(selectedOf(request)).toEqual(['AbaloneRegisterModel']);
      expect(w.harness.results).toEqual([expect.objectContaining({ outcome: 'started', selectedSteps: ['AbaloneRegisterModel'] })]);
      expect(w.harness.results[0].reason).not.toContain('AbaloneMSEFail');

      // AND it read the run the Condition was reused from (one ListPipelineExecutionSteps) only when the outcome was missing
      const stepLists = (arn: string) => w.emu.callsOf('ListPipelineExecutionSteps').filter((c) => c.request.PipelineExecutionArn === arn).length;
      expect(stepLists(selective)).toBe(1);
      expect(stepLists(nightly)).toBe(reusedConditionOutcome === 'omitted' ? 1 : 0);
    },
  );

  test('a selective run of a selective run: the outcome is looked for along the chain of source runs', async () => {
    const w = await world((emu) => {
      installAbalone(emu);
      // attempt 1: the nightly run; 2: the person's re-registration; 3: the second re-registration fails; 4: the retry
      emu.script.failStep('AbaloneRegisterModel', { attempts: [3], reason: FAILURE_REASONS.internal });
    }, { emulator: { reusedConditionOutcome: 'omitted', selectionRule: 'paths-between' }, harness: { policy: policy() } });
    const nightly = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
    const register = (source: string) => runAndHeal(w, {
      PipelineName: ABALONE_PIPELINE,
      SelectiveExecutionConfig: {
        SourcePipelineExecutionArn: source,
        SelectedSteps: [{ StepName: 'AbaloneRegisterModel' }, { StepName: 'AbaloneMSEFail' }],
      },
    });
    const first = await register(nightly);
    const second = await register(first);

    // the Condition of both selective runs is reused without its outcome; only the nightly run's list has it
    const condition = (arn: string) => w.emu.stepsOf(arn).find((s) => s.StepName === 'AbaloneMSECond')!;
    expect(condition(second).SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: first });
    expect([condition(first).Metadata.Condition, condition(second).Metadata.Condition]).toEqual([undefined, undefined]);

    // WHEN the handler heals the second THEN it reads back to the nightly run and re-runs the registration only
    expect(statusOf(w.emu)).toEqual(['Succeeded', 'Succeeded', 'Failed', 'Succeeded']);
    const retry = startRequests(w.emu)[2];
    expect(retry.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(second);
    expect(selectedOf(retry)).toEqual(['AbaloneRegisterModel']);
    const stepLists = (arn: string) => w.emu.callsOf('ListPipelineExecutionSteps').filter((c) => c.request.PipelineExecutionArn === arn).length;
    expect([stepLists(first), stepLists(nightly)]).toEqual([1, 1]);
  });
});

describe('data passed through a path built from the execution id', () => {
  /** Fetch -> Prepare (writes under s3://.../<execution id>/features) -> Train (reads there, DependsOn) -> Evaluate. */
  const runScoped = (suffix: string) => ({ 'Std:Join': { On: '/', Values: [BUCKET, { Get: 'Execution.PipelineExecutionId' }, suffix] } });
  const definition = {
    Version: '2020-12-01',
    Parameters: [],
    Steps: [
      processing('Fetch', {}, {
        ProcessingOutputConfig: { Outputs: [{ OutputName: 'raw', S3Output: { S3Uri: `${BUCKET}/raw`, LocalPath: '/opt/ml/processing/raw', S3UploadMode: 'EndOfJob' } }] },
      }),
      processing('Prepare', {}, {
        ProcessingInputs: [{
          InputName: 'raw',
          S3Input: {
            S3Uri: { Get: 'Steps.Fetch.ProcessingOutputConfig.Outputs[\'raw\'].S3Output.S3Uri' }, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix', S3InputMode: 'File',
          },
        }],
        // its own output location, built from the execution id
        ProcessingOutputConfig: {
          Outputs: [{ OutputName: 'features', S3Output: { S3Uri: runScoped('features'), LocalPath: '/opt/ml/processing/features', S3UploadMode: 'EndOfJob' } }],
        },
      }),
      {
        Name: 'Train',
        Type: 'Training',
        DependsOn: ['Prepare'],
        Arguments: {
          AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
          OutputDataConfig: { S3OutputPath: `${BUCKET}/model` },
          ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          RoleArn: ROLE,
          // reads Prepare's output by rebuilding its path from the execution id, not through Prepare's properties
          InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: runScoped('features') } } }],
        },
      },
      processing('Evaluate', {}, {
        ProcessingInputs: [{
          InputName: 'model',
          S3Input: { S3Uri: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' }, LocalPath: '/opt/ml/processing/model', S3DataType: 'S3Prefix', S3InputMode: 'File' },
        }],
      }),
    ],
  };

  test('a failed step that reads what a reused producer wrote under the run\'s id gets the producer re-run with it (path-closed), and the decision says so', async () => {
    const w = await world((emu) => {
      emu.loadPipeline({ name: 'RunScoped', definition });
      emu.script.failStep('Train', { attempts: [1], reason: FAILURE_REASONS.capacity });
    }, { harness: { policy: policy(['RunScoped']) } });
    const failedArn = await runAndHeal(w, { PipelineName: 'RunScoped' });

    expect(statusOf(w.emu, 'RunScoped')).toEqual(['Failed', 'Succeeded']);
    const failed = new Map(w.emu.stepsOf(failedArn).map((s) => [s.StepName, s.StepStatus]));
    expect(Object.fromEntries(failed)).toEqual({ Fetch: 'Succeeded', Prepare: 'Succeeded', Train: 'Failed' });

    // the start request SageMaker accepted selects the producer with the failed reader; Fetch (not run-scoped) is reused
    const [, accepted] = acceptedStarts(w.emu);
    expect(accepted.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(failedArn);
    expect(selectedOf(accepted)).toEqual(['Prepare', 'Train', 'Evaluate']);
    const [, retry] = w.emu.executionsOf('RunScoped');
    expect(w.emu.stepsOf(retry.arn).find((s) => s.StepName === 'Fetch')!.SelectiveExecutionResult).toEqual({ SourcePipelineExecutionArn: failedArn });
    expect(w.emu.jobs.filter((j) => j.stepName === 'Prepare').map((j) => j.executionArn)).toEqual([failedArn, retry.arn]);

    expect(w.harness.results).toEqual([expect.objectContaining({ outcome: 'started', selectedSteps: ['Prepare', 'Train', 'Evaluate'] })]);
    expect(w.harness.results[0].reason).toContain('added reused upstream step(s) "Prepare", because a selected step reads what they wrote '
      + 'under a path built from the execution\'s id');
  });
});

describe('above SageMaker\'s 50-step selection limit', () => {
  /** Root -> S00 ... S54: 56 steps, 55 of them downstream of Root. */
  const wide = {
    Version: '2020-12-01',
    Parameters: [{ Name: 'Region', Type: 'String', DefaultValue: 'eu' }],
    Steps: [processing('Root'), ...Array.from({ length: 55 }, (_, i) => processing(`S${String(i).padStart(2, '0')}`, { DependsOn: ['Root'] }))],
  };
  const install = (emu: SageMakerEmulator) => {
    emu.loadPipeline({ name: 'Wide', definition: wide });
    emu.script.failStep('Root', { attempts: [1], reason: FAILURE_REASONS.capacity });
  };

  test('by default the retry is skipped (TOO_MANY_STEPS) and nothing is started', async () => {
    const w = await world(install, { harness: { policy: policy(['Wide']) } });
    await runAndHeal(w, { PipelineName: 'Wide', PipelineParameters: [{ Name: 'Region', Value: 'us' }] });

    expect(statusOf(w.emu, 'Wide')).toEqual(['Failed']);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'skipped', skipReason: 'TOO_MANY_STEPS', reason: expect.stringContaining('would select 56 steps, more than SageMaker\'s limit of 50'),
    })]);
    expect(acceptedStarts(w.emu)).toHaveLength(1); // the test's own
  });

  test('with fullRerunAboveSelectionLimit, the whole pipeline re-runs: no SelectiveExecutionConfig, the same parameters and version', async () => {
    const w = await world(install, { harness: { policy: policy(['Wide'], { fullRerunAboveSelectionLimit: true }) } });
    const failedArn = await runAndHeal(w, { PipelineName: 'Wide', PipelineParameters: [{ Name: 'Region', Value: 'us' }] });

    const [failed, rerun] = w.emu.executionsOf('Wide');
    expect([failed.status, rerun?.status]).toEqual(['Failed', 'Succeeded']);
    expect(rerun.selective).toBeUndefined();
    expect(rerun.parameters).toEqual([{ Name: 'Region', Value: 'us' }]);
    expect(w.emu.stepsOf(rerun.arn)).toHaveLength(56);
    expect(w.emu.stepsOf(rerun.arn).filter((s) => s.SelectiveExecutionResult)).toEqual([]);

    const [, request] = acceptedStarts(w.emu);
    expect(request).not.toHaveProperty('SelectiveExecutionConfig');
    expect(request).toMatchObject({ PipelineParameters: [{ Name: 'Region', Value: 'us' }], PipelineVersionId: 1 });
    expect(request.PipelineExecutionDescription).toContain(`source=${failedArn}]`);
    expect(w.harness.results).toEqual([expect.objectContaining({
      outcome: 'started', mode: 'full', pipelineExecutionArn: rerun.arn, reason: expect.stringContaining('the policy re-runs the whole pipeline instead'),
    })]);
    expect(w.harness.results[0].selectedSteps).toHaveLength(56);
  });
});

describe('a late duplicate in a busy pipeline', () => {
  test('redelivered hours later, after 30 other executions, the failure is found already retried: nothing new starts', async () => {
    const hour = 3600_000;
    const w = await world((emu) => {
      installAbalone(emu);
      emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
      // SageMaker documents no lifetime for ClientRequestToken; other AWS APIs keep tokens for hours (emulator README)
    }, { emulator: { idempotencyTokenLifetimeMs: 8 * hour }, harness: { policy: policy() } });
    // GIVEN the failed run was retried at once
    const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });
    expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
    const retryArn = w.emu.executionsOf(ABALONE_PIPELINE)[1].arn;

    // AND then 30 other executions of the pipeline ran (more than the 25 newest a lookup might read)
    for (let i = 0; i < 30; i++) await w.sm.send(new StartPipelineExecutionCommand({ PipelineName: ABALONE_PIPELINE }));
    await w.harness.settle();
    // AND the idempotency token of the retry's start has expired
    w.emu.clock.advance(9 * hour);

    // WHEN the original failure event is delivered again
    const failedEvent = w.emu.events.published.find((e) => w.harness.matchesRule(e))!;
    expect(failedEvent.resources).toContain(failedArn);
    await w.harness.deliver(failedEvent);
    await w.harness.settle();

    // THEN no second retry is started, and the decision says the failure was already retried
    expect(startRequests(w.emu)).toHaveLength(1);
    expect(w.emu.executionsOf(ABALONE_PIPELINE)).toHaveLength(32);
    expect(w.emu.executionsOf(ABALONE_PIPELINE).filter((e) => e.selective)).toHaveLength(1);
    const late = w.harness.results[w.harness.results.length - 1];
    expect(late).toMatchObject({ outcome: 'started', duplicate: true, pipelineExecutionArn: retryArn });
    expect(late.reason).toMatch(/^Already started \(duplicate delivery\)/);
    // the lookup was bounded to the executions created since the failure, oldest first
    const lookup = w.emu.callsOf('ListPipelineExecutions').pop()!;
    expect(lookup.request).toMatchObject({ SortBy: 'CreationTime', SortOrder: 'Ascending' });
    expect(lookup.request.CreatedAfter).toBeLessThanOrEqual(w.emu.execution(failedArn).endedAt! / 1000);
  });
});

describe('accurate reasons', () => {
  test('the reason counts as reused only the steps that succeeded in the failed run, not the untaken Fail branch', async () => {
    const w = await world((emu) => {
      installAbalone(emu); // the Condition takes its If branch (register); its Else branch (AbaloneMSEFail) never runs
      emu.script.failStep('AbaloneRegisterModel', { attempts: [1], reason: FAILURE_REASONS.internal });
    }, { harness: { policy: policy() } });
    const failedArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE });

    const listed = w.emu.stepsOf(failedArn);
    const succeeded = listed.filter((s) => s.StepStatus === 'Succeeded').map((s) => s.StepName).sort();
    expect(succeeded).toEqual(['AbaloneEval', 'AbaloneMSECond', 'AbalonePreprocess', 'AbaloneTrain']);
    expect(listed.map((s) => s.StepName)).not.toContain('AbaloneMSEFail');

    const [result] = w.harness.results;
    expect(result).toMatchObject({ outcome: 'started', selectedSteps: ['AbaloneRegisterModel'] });
    // 6 steps, 1 selected: 4 reused (they succeeded) and 1 that did not run (the untaken branch), not "5 reused"
    expect(result.reason).toContain('4 step(s) are reused from the failed run; 1 step(s) did not run in it and need not (an untaken Condition branch).');
    expect(Number(/(\d+) step\(s\) are reused/.exec(result.reason)![1])).toBe(succeeded.length);
    expect((result.savings as { reusedSteps: string[] }).reusedSteps).toEqual(succeeded);
    expect(statusOf(w.emu)).toEqual(['Failed', 'Succeeded']);
  });
});
