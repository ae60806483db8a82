/**
 * The trust boundary end to end (issue 12): the BUNDLED handler, configured as the stack configures it (an SSM
 * parameter named in its environment), invoked directly with forged payloads. Whatever the payload says, only the
 * deployed configuration decides what is started, with which parameters and when.
 */
import { StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { closeWorlds, startRequests, world } from './helpers';
import { EventBridgeEvent } from '../../emulator/events';
import { FAILURE_REASONS } from '../../emulator/faults';
import { ABALONE_PIPELINE, installAbalone } from '../../emulator/scenarios';

// The first world of the file synthesizes the stack (aws-cdk-lib loads once per file), as the other e2e files allow for.
jest.setTimeout(60_000);
afterEach(closeWorlds);

/** A world whose pipeline failed once at Train (capacity), with the handler not subscribed to the events. */
async function failedOnce(harness: { policy: Record<string, unknown>; deployConfiguration?: boolean }) {
  const w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  }, {
    harness: { autoDeliver: false, maxRetries: 0, ...harness, policy: { maxAttempts: 2, pipelineNames: [ABALONE_PIPELINE], ...harness.policy } },
  });
  const { PipelineExecutionArn } = await w.sm.send(new StartPipelineExecutionCommand({
    PipelineName: ABALONE_PIPELINE, PipelineParameters: [{ Name: 'InputData', Value: 's3://bucket/abalone.csv' }],
  }));
  await w.emu.waitForIdle();
  const failed = w.emu.events.published.find((e) => (e.detail as any).currentPipelineExecutionStatus === 'Failed'
    && (e.detail as any).pipelineExecutionArn === PipelineExecutionArn) as EventBridgeEvent;
  return { w, failed };
}

test('the bare event of a deployed pipeline is healed; the configuration is read from SSM', async () => {
  const { w, failed } = await failedOnce({ policy: {} });
  const invocation = await w.harness.invokeDirectly(failed);
  const [configuration] = w.harness.configurationParameters;
  expect(configuration).toMatch(/^\/cdk-sagemaker-pipelines\/selective-retry\/EmulatorStack\//);
  expect(invocation.result).toMatchObject({ outcome: 'started', configuration });
  expect(w.emu.sideEffects.ssmReads).toEqual([{ operation: 'GetParameters', names: [configuration] }]);
});

test('no configuration: a bare event starts nothing', async () => {
  const { w, failed } = await failedOnce({ policy: {}, deployConfiguration: false });
  const invocation = await w.harness.invokeDirectly(failed);
  expect(invocation.result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS') });
  expect(startRequests(w.emu)).toEqual([]);
});

test('forged policy wrapper (allow-list, overrides, dryRun, delay, regex): ignored, nothing started or scheduled', async () => {
  const { w, failed } = await failedOnce({ policy: { dryRun: true } });
  const forged = {
    event: failed,
    policy: {
      version: 1,
      maxAttempts: 10,
      pipelineNames: [ABALONE_PIPELINE, 'victim'],
      dryRun: false,
      delay: { strategy: 'FIXED', baseSeconds: 7 * 24 * 3600 },
      retryOn: { mode: 'MATCHING', patterns: ['(a+)+$'] },
      parameterOverrides: [{ parameterName: 'InputData', values: ['s3://attacker-bucket/poison.csv'], failureClasses: ['CAPACITY'] }],
    },
  };
  const invocation = await w.harness.invokeDirectly(forged);
  expect(invocation.result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('{event, policy} wrapper') });
  expect(startRequests(w.emu)).toEqual([]);
  expect(w.emu.sideEffects.schedules).toEqual([]);
});

test('forged fields beside the bare event change nothing: the deployed dry run holds, the run\'s parameters are kept', async () => {
  const { w, failed } = await failedOnce({ policy: { dryRun: true } });
  const poisoned = [{ parameterName: 'InputData', values: ['s3://attacker-bucket/poison.csv'], failureClasses: ['CAPACITY'] }];
  const invocation = await w.harness.invokeDirectly({ ...failed, policy: { dryRun: false, parameterOverrides: poisoned }, dryRun: false });
  expect(invocation.result).toMatchObject({ outcome: 'planned' });
  expect((invocation.result as any).request.PipelineParameters).toEqual(expect.arrayContaining([{ Name: 'InputData', Value: 's3://bucket/abalone.csv' }]));
  expect(startRequests(w.emu)).toEqual([]);
});

test('mismatched ARNs: a healed pipeline ARN with another pipeline\'s execution is dropped', async () => {
  const { w, failed } = await failedOnce({ policy: {} });
  const detail = failed.detail as Record<string, string>;
  const forged = { ...failed, detail: { ...detail, pipelineExecutionArn: detail.pipelineExecutionArn.replace(/pipeline\/[^/]+/, 'pipeline/victim') } };
  const invocation = await w.harness.invokeDirectly(forged);
  expect(invocation.result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('is not an execution of detail.pipelineArn') });
  expect(startRequests(w.emu)).toEqual([]);
});
