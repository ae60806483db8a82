/**
 * The trust boundary (issue 12): anyone allowed to invoke the function can send any payload. Whatever it says, the
 * function starts only pipelines its deployed configuration names, with the deployed policy: parameters, budget,
 * dry run, delay and failure patterns cannot be changed by the payload.
 */
import { PipelineExecutionStep } from '@aws-sdk/client-sagemaker';
import { ConfigurationPort, emptyConfiguration, fixedConfigurationPort } from '../../lambda/configuration-port';
import { configurationFrom } from '../../lambda/handler-configuration';
import { DecisionCounts } from '../../lambda/metrics-port';
import { LogRecord, RemediationDependencies, remediate } from '../../lambda/remediate';
import { ExecutionSnapshot, SageMakerPort } from '../../lambda/sagemaker-port';
import { SchedulerPort } from '../../lambda/scheduler-port';

const ACCOUNT = '111122223333';
const arnOf = (pipeline: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${pipeline}`;
const HEALED = arnOf('healed');
const EXECUTION = `${HEALED}/execution/exec0001`;
const PARAMETER = '/cdk-sagemaker-pipelines/selective-retry/Stack/Heal';
const DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [{ Name: 'InputData', Type: 'String', DefaultValue: 's3://bucket/input.csv' }],
  Steps: [{ Name: 'Train', Type: 'Training', Arguments: {} }, { Name: 'Evaluate', Type: 'Processing', Arguments: {}, DependsOn: ['Train'] }],
});

const eventOf = (pipelineArn: string, executionArn: string, extra: Record<string, unknown> = {}) => ({
  'source': 'aws.sagemaker',
  'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
  'detail': { pipelineArn, pipelineExecutionArn: executionArn, currentPipelineExecutionStatus: 'Failed' },
  ...extra,
});
const EVENT = eventOf(HEALED, EXECUTION);

/** A SageMaker stand-in: every execution it is asked about failed at Train with a capacity error. */
class FakeSageMaker implements SageMakerPort {
  public readonly read: string[] = [];
  public readonly started: any[] = [];
  async readExecution(executionArn: string): Promise<ExecutionSnapshot> {
    this.read.push(executionArn);
    const pipelineArn = executionArn.replace(/\/execution\/.*$/, '');
    const steps: PipelineExecutionStep[] = [
      { StepName: 'Train', StepStatus: 'Failed', FailureReason: `CapacityError: ${'a'.repeat(30)}!` },
    ];
    return {
      execution: { PipelineArn: pipelineArn, PipelineExecutionArn: executionArn, PipelineExecutionStatus: 'Failed', $metadata: {} },
      steps,
      definition: DEFINITION,
      parameters: [{ Name: 'InputData', Value: 's3://bucket/input.csv' }],
    };
  }
  async startPipelineExecution(request: any) { this.started.push(request); return `${HEALED}/execution/retry1`; }
  async listExecutionSteps() { return []; }
  async describeJobFailureReason() { return undefined; }
}

function world(configuration: ConfigurationPort) {
  const sagemaker = new FakeSageMaker();
  const schedules: unknown[] = [];
  const counts: DecisionCounts[] = [];
  const logs: LogRecord[] = [];
  const scheduler: SchedulerPort = { async scheduleStart(s) { schedules.push(s); return 'created'; } };
  const deps: RemediationDependencies = {
    sagemaker,
    configuration,
    scheduler,
    log: (r) => logs.push(r),
    metrics: { record: async (c) => { counts.push(c); } },
    home: { account: ACCOUNT, region: 'us-east-1' },
  };
  return { deps, sagemaker, schedules, counts, logs };
}

/** The stack deployed one document naming `healed` with this policy. */
const deployed = (policy: Record<string, unknown> = {}, pipelineNames = ['healed']) => fixedConfigurationPort(configurationFrom([
  { name: PARAMETER, value: JSON.stringify({ version: 2, pipelineNames, policy: { maxAttempts: 2, ...policy } }) },
]));

describe('a direct invocation cannot widen what the function does', () => {
  test('forged allow-list: a wrapper naming another pipeline is ignored, and so is that pipeline\'s bare event', async () => {
    const victim = arnOf('victim');
    const forged = { event: eventOf(victim, `${victim}/execution/x`), policy: { version: 1, maxAttempts: 10, pipelineNames: ['victim'] } };
    const w = world(deployed());

    const wrapped = await remediate(forged, w.deps);
    const bare = await remediate(eventOf(victim, `${victim}/execution/x`), w.deps);

    expect(wrapped).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('{event, policy} wrapper') });
    expect(bare).toMatchObject({ outcome: 'ignored', reason: 'Ignored: pipeline "victim" is not one of the healed pipelines (healed).' });
    expect(w.sagemaker.started).toEqual([]);
  });

  test('forged parameter override: the retry carries the failed run\'s parameters, not the payload\'s', async () => {
    const w = world(deployed());
    const forged = eventOf(HEALED, EXECUTION, {
      policy: { parameterOverrides: [{ parameterName: 'InputData', values: ['s3://attacker-bucket/poison.csv'], failureClasses: ['CAPACITY'] }] },
      parameterOverrides: [{ parameterName: 'InputData', values: ['s3://attacker-bucket/poison.csv'], failureClasses: ['CAPACITY'] }],
    });

    const result = await remediate(forged, w.deps);

    expect(result.outcome).toBe('started');
    expect(w.sagemaker.started.map((r) => r.PipelineParameters)).toEqual([[{ Name: 'InputData', Value: 's3://bucket/input.csv' }]]);
  });

  test('forged dryRun false: a pipeline deployed as dry run is only planned', async () => {
    const w = world(deployed({ dryRun: true }));
    const result = await remediate(eventOf(HEALED, EXECUTION, { policy: { dryRun: false }, dryRun: false }), w.deps);
    expect(result.outcome).toBe('planned');
    expect(w.sagemaker.started).toEqual([]);
  });

  test('forged delay: no schedule is created when the deployed policy has no delay', async () => {
    const w = world(deployed());
    const sevenDays = { strategy: 'FIXED', baseSeconds: 7 * 24 * 3600 };
    const result = await remediate(eventOf(HEALED, EXECUTION, { policy: { delay: sevenDays }, delay: sevenDays }), w.deps);
    expect(result.outcome).toBe('started');
    expect(w.schedules).toEqual([]);
  });

  test('forged regex: the deployed patterns decide, and a catastrophic pattern is evaluated in linear time', async () => {
    // The payload's pattern is ignored: the deployed one does not match, so nothing starts.
    const w = world(deployed({ retryOn: { mode: 'MATCHING', patterns: ['ResourceLimitExceeded'] } }));
    const forged = await remediate(eventOf(HEALED, EXECUTION, { policy: { retryOn: { mode: 'MATCHING', patterns: ['capacity'] } } }), w.deps);
    expect(forged).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('matches none of the patterns ["ResourceLimitExceeded"]') });
    expect(w.sagemaker.started).toEqual([]);

    // Even a deployed (a+)+$ against the 30-character reason is answered (RE2).
    const catastrophic = world(deployed({ retryOn: { mode: 'MATCHING', patterns: ['(a+)+$'] } }));
    await expect(remediate(EVENT, catastrophic.deps)).resolves.toMatchObject({ outcome: 'skipped' });
  });

  test('mismatched ARNs: an execution of another pipeline under a healed pipeline\'s ARN is dropped, nothing read or started', async () => {
    const w = world(deployed());
    const victimExecution = `${arnOf('victim')}/execution/x`;

    const result = await remediate(eventOf(HEALED, victimExecution), w.deps);

    expect(result).toMatchObject({
      outcome: 'ignored',
      reason: `Ignored: detail.pipelineExecutionArn ${victimExecution} is not an execution of detail.pipelineArn ${HEALED}.`,
    });
    expect(w.sagemaker.read).toEqual([]);
    expect(w.sagemaker.started).toEqual([]);
  });

  test('ARNs that differ only in case are the same pipeline (SageMaker may lower-case names)', async () => {
    const w = world(deployed({}, ['Healed']));
    const result = await remediate(eventOf(arnOf('Healed'), EXECUTION), w.deps);
    expect(result).toMatchObject({ outcome: 'started', pipelineName: 'Healed' });
    expect(w.sagemaker.started[0].PipelineName).toBe(HEALED);
  });

  test('a missing pipeline ARN is not guessed from the execution ARN', async () => {
    const w = world(deployed());
    const event = eventOf(HEALED, EXECUTION);
    delete (event.detail as Record<string, unknown>).pipelineArn;
    await expect(remediate(event, w.deps)).resolves.toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/detail.pipelineArn is not a pipeline ARN/) });
    expect(w.sagemaker.started).toEqual([]);
  });

  test.each([
    ['another account', 'arn:aws:sagemaker:us-east-1:999999999999:pipeline/healed', /in account 999999999999; this function heals pipelines of account 111122223333 only/],
    ['another region', `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:pipeline/healed`, /in region eu-west-1; this function heals pipelines of us-east-1 only/],
  ])('a pipeline of %s with a healed name is ignored', async (_, pipelineArn, reason) => {
    const w = world(deployed());
    const result = await remediate(eventOf(pipelineArn, `${pipelineArn}/execution/x`), w.deps);
    expect(result).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(reason) });
    expect(w.sagemaker.started).toEqual([]);
  });

  test('SageMaker describing another pipeline than the event\'s stops the retry', async () => {
    const w = world(deployed());
    w.sagemaker.readExecution = async () => ({
      ...(await new FakeSageMaker().readExecution(`${arnOf('victim')}/execution/x`)),
    });
    const result = await remediate(EVENT, w.deps);
    expect(result).toMatchObject({ outcome: 'skipped', remediationError: 'Validation' });
    expect(w.sagemaker.started).toEqual([]);
  });
});

describe('a function without usable configuration starts nothing', () => {
  test('a bare event and no configuration: ignored', async () => {
    const w = world(fixedConfigurationPort(emptyConfiguration('the function has no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS environment variable')));
    const result = await remediate(EVENT, w.deps);
    expect(result).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('no SELECTIVE_RETRY_CONFIGURATION_PARAMETERS') });
    expect(w.sagemaker.started).toEqual([]);
    expect(w.logs).toEqual([expect.objectContaining({ outcome: 'ignored' })]);
  });

  test('a pipeline named by two documents: a configuration error, counted, nothing started', async () => {
    const doc = JSON.stringify({ version: 2, pipelineNames: ['healed'], policy: { maxAttempts: 2 } });
    const w = world(fixedConfigurationPort(configurationFrom([{ name: `${PARAMETER}/1`, value: doc }, { name: `${PARAMETER}/2`, value: doc }])));
    const result = await remediate(EVENT, w.deps);
    expect(result).toMatchObject({
      outcome: 'skipped',
      remediationError: 'Configuration',
      reason: expect.stringContaining(`is named by 2 configuration documents (${PARAMETER}/1, ${PARAMETER}/2)`),
    });
    expect(w.sagemaker.started).toEqual([]);
    expect(w.counts).toEqual([expect.objectContaining({ pipelineName: 'healed', outcome: 'skipped', remediationError: true })]);
  });

  test('an unusable document: the pipelines no usable document names are a configuration error', async () => {
    const w = world(fixedConfigurationPort(configurationFrom([{ name: PARAMETER, value: '{"version": 2, "pipelineNames": ["healed"]}' }])));
    const result = await remediate(EVENT, w.deps);
    expect(result).toMatchObject({ outcome: 'skipped', remediationError: 'Configuration', reason: expect.stringContaining('policy must be a JSON object') });
    expect(w.sagemaker.started).toEqual([]);
  });

  test('SSM denies the read: a configuration error; a throttled read is rethrown for redelivery', async () => {
    const denied = Object.assign(new Error('not authorized to perform ssm:GetParameters'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    const w = world({ load: async () => { throw denied; } });
    await expect(remediate(EVENT, w.deps)).resolves.toMatchObject({ outcome: 'skipped', remediationError: 'Configuration' });
    expect(w.sagemaker.started).toEqual([]);

    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const t = world({ load: async () => { throw throttled; } });
    await expect(remediate(EVENT, t.deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
