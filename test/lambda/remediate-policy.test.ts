import { PipelineExecutionStep } from '@aws-sdk/client-sagemaker';
import { configurationFrom } from '../../lambda/handler-configuration';
import { DecisionCounts } from '../../lambda/metrics-port';
import { Announcement, NotifierPort } from '../../lambda/notifier-port';
import { LogRecord, remediate } from '../../lambda/remediate';
import { ExecutionSnapshot, SageMakerPort } from '../../lambda/sagemaker-port';
import { SchedulerPort } from '../../lambda/scheduler-port';
import { readFixture } from '../fixtures';

const ABALONE = readFixture('definitions/10-abalone-condition-register-transform-fail.json');
const PIPELINE_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone';
const EXECUTION_ARN = `${PIPELINE_ARN}/execution/exec0001`;
const TRAINING_JOB = 'arn:aws:sagemaker:us-east-1:111122223333:training-job/pipelines-exec0001-AbaloneTrain-abc';
const NOW = new Date('2026-11-21T10:00:00.000Z');

const EVENT = {
  'source': 'aws.sagemaker',
  'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
  'detail': { pipelineArn: PIPELINE_ARN, pipelineExecutionArn: EXECUTION_ARN, currentPipelineExecutionStatus: 'Failed' },
};

/** A fake SageMaker that records what it is asked. */
class FakeSageMaker implements SageMakerPort {
  public readonly started: any[] = [];
  public readonly jobsDescribed: string[] = [];
  constructor(private readonly execution: ExecutionSnapshot, private readonly jobReasons: Record<string, string> = {}) {}
  async readExecution() { return this.execution; }
  async listExecutionSteps(): Promise<PipelineExecutionStep[]> { throw new Error('not expected'); }
  async startPipelineExecution(request: any) { this.started.push(request); return `${PIPELINE_ARN}/execution/retry1`; }
  async describeJobFailureReason(arn: string) { this.jobsDescribed.push(arn); return this.jobReasons[arn]; }
}

function snapshot(trainFailure: string | undefined, parameters = [{ Name: 'TrainingInstanceType', Value: 'ml.m5.xlarge' }]): ExecutionSnapshot {
  const steps: PipelineExecutionStep[] = [
    { StepName: 'AbaloneTrain', StepStatus: 'Failed', FailureReason: trainFailure, Metadata: { TrainingJob: { Arn: TRAINING_JOB } } },
    { StepName: 'AbaloneProcess', StepStatus: 'Succeeded' },
  ];
  return {
    execution: { PipelineArn: PIPELINE_ARN, PipelineExecutionArn: EXECUTION_ARN, PipelineExecutionStatus: 'Failed', $metadata: {} },
    steps,
    definition: ABALONE,
    parameters,
  };
}

function harness(sagemaker: FakeSageMaker, extra: { scheduler?: SchedulerPort; failEvents?: boolean } = {}) {
  const logs: LogRecord[] = [];
  const events: Announcement[] = [];
  const topics: Array<[string, Announcement]> = [];
  const counts: DecisionCounts[] = [];
  const notifier: NotifierPort = {
    async putEvent(a) { if (extra.failEvents) throw new Error('AccessDeniedException: no'); events.push(a); },
    async publishToTopic(topic, a) { topics.push([topic, a]); },
  };
  const deps = {
    sagemaker,
    // What the stack deployed: one document naming the pipeline, with the policy of the test (see `deployedWith`).
    configuration: {
      load: async () => configurationFrom([{
        name: '/cdk-sagemaker-pipelines/selective-retry/Stack/Heal',
        value: JSON.stringify({ version: 2, pipelineNames: ['abalone'], policy: { maxAttempts: 2, ...deployedPolicy } }),
      }]),
    },
    log: (r: LogRecord) => logs.push(r),
    notifier,
    scheduler: extra.scheduler,
    metrics: { record: async (c: DecisionCounts) => { counts.push(c); } },
    now: () => NOW,
  };
  return { deps, logs, events, topics, counts };
}

/** The policy the stack deployed for the test's pipeline. */
let deployedPolicy: Record<string, unknown> = {};
/** Deploys `policy` for the pipeline and returns the bare event the rule delivers (the payload carries no policy). */
const deployedWith = (policy: Record<string, unknown> = {}) => {
  deployedPolicy = policy;
  return EVENT;
};
const TRANSIENT = { mode: 'CLASSES', classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] };

describe('retry policy in the handler', () => {
  test('transient-only: a capacity error is retried, and its class is reported', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: Unable to provision requested ML compute capacity.'));
    const { deps, logs } = harness(sagemaker);

    const result = await remediate(deployedWith({ retryOn: TRANSIENT }), deps);

    expect(result.outcome).toBe('started');
    expect(result.failedSteps).toEqual([expect.objectContaining({ stepName: 'AbaloneTrain', failureClass: 'CAPACITY' })]);
    expect(logs[0]).toMatchObject({ outcome: 'started', failedSteps: [expect.objectContaining({ failureClass: 'CAPACITY' })] });
    // The step's own reason was conclusive: no job lookup.
    expect(sagemaker.jobsDescribed).toEqual([]);
  });

  test('transient-only: an algorithm error is not retried', async () => {
    const sagemaker = new FakeSageMaker(snapshot('AlgorithmError: ExecuteUserScriptError: exit code 1'));
    const { deps, events } = harness(sagemaker);

    const result = await remediate(deployedWith({ retryOn: TRANSIENT }), deps);

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('Step "AbaloneTrain" is not retried by this policy: its failure class ALGORITHM_ERROR') });
    expect(sagemaker.started).toEqual([]);
    expect(events.map((e) => e.detailType)).toEqual(['Selective Retry Skipped']);
  });

  test('an inconclusive step reason is completed with the training job\'s FailureReason', async () => {
    const sagemaker = new FakeSageMaker(snapshot('Job failed, see the job'), { [TRAINING_JOB]: 'InternalServerError: We encountered an internal error.' });
    const { deps } = harness(sagemaker);

    const result = await remediate(deployedWith({ retryOn: TRANSIENT }), deps);

    expect(sagemaker.jobsDescribed).toEqual([TRAINING_JOB]);
    expect(result.outcome).toBe('started');
    expect(result.failedSteps![0].failureClass).toBe('INTERNAL_ERROR');
  });

  test('custom patterns match the job\'s reason too', async () => {
    const sagemaker = new FakeSageMaker(snapshot('AlgorithmError: see logs'), { [TRAINING_JOB]: 'CUDA error: out of memory' });
    const { deps } = harness(sagemaker);
    const result = await remediate(deployedWith({ retryOn: { mode: 'MATCHING', patterns: ['out of memory'] } }), deps);
    expect(result.outcome).toBe('started');
  });

  test('a capacity error moves TrainingInstanceType to the next fallback value', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: no ml.m5.xlarge'));
    const { deps } = harness(sagemaker);

    const result = await remediate(deployedWith({
      parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.m5.xlarge', 'ml.m5.2xlarge'], failureClasses: ['CAPACITY'] }],
    }), deps);

    expect(sagemaker.started[0].PipelineParameters).toEqual([{ Name: 'TrainingInstanceType', Value: 'ml.m5.2xlarge' }]);
    expect(result.parameterChanges).toEqual([{ parameterName: 'TrainingInstanceType', from: 'ml.m5.xlarge', to: 'ml.m5.2xlarge' }]);
  });

  test('a capacity error only the job reports still moves the fallback parameter, with every failure retried', async () => {
    const sagemaker = new FakeSageMaker(snapshot('Training job failed; see the job'), { [TRAINING_JOB]: 'CapacityError: no ml.m5.xlarge' });
    const { deps } = harness(sagemaker);

    const result = await remediate(deployedWith({
      parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.m5.xlarge', 'ml.m5.2xlarge'], failureClasses: ['CAPACITY'] }],
    }), deps);

    expect(sagemaker.jobsDescribed).toEqual([TRAINING_JOB]);
    expect(result.parameterChanges).toEqual([{ parameterName: 'TrainingInstanceType', from: 'ml.m5.xlarge', to: 'ml.m5.2xlarge' }]);
  });

  test('a delay schedules the exact request with EventBridge Scheduler instead of starting it', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: none'));
    const schedules: any[] = [];
    const scheduler: SchedulerPort = { async scheduleStart(s) { schedules.push(s); return schedules.length === 1 ? 'created' : 'exists'; } };
    const { deps, events } = harness(sagemaker, { scheduler });
    const policy = deployedWith({ delay: { strategy: 'EXPONENTIAL', baseSeconds: 300, factor: 2, maxSeconds: 3600 } });

    const first = await remediate(policy, deps);
    const duplicate = await remediate(policy, deps);

    expect(sagemaker.started).toEqual([]);
    expect(first).toMatchObject({ outcome: 'scheduled', scheduledFor: '2026-11-21T10:05:00.000Z', reason: expect.stringMatching(/^Scheduled selective retry 1 of 2 at/) });
    expect(schedules[0]).toMatchObject({ at: new Date('2026-11-21T10:05:00.000Z'), partition: 'aws', name: first.scheduleName });
    expect(schedules[0].request.SelectiveExecutionConfig.SourcePipelineExecutionArn).toBe(EXECUTION_ARN);
    expect(schedules[1].name).toBe(schedules[0].name);
    expect(duplicate.reason).toMatch(/^Already scheduled \(duplicate delivery\)/);
    expect(duplicate.duplicate).toBe(true);
    // The duplicate is logged, not announced or counted again.
    expect(events.map((e) => e.detailType)).toEqual(['Selective Retry Scheduled']);
  });

  test('a delay without a scheduler configuration is reported, not silently started', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: none'));
    const { deps } = harness(sagemaker);
    const result = await remediate(deployedWith({ delay: { strategy: 'FIXED', baseSeconds: 120 } }), deps);
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'The policy delays retries, but the handler has no scheduler configuration.' });
    expect(sagemaker.started).toEqual([]);
  });

  test('dry run: decides, reports and starts nothing', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: none'));
    const { deps, events } = harness(sagemaker);
    const result = await remediate(deployedWith({ dryRun: true }), deps);
    expect(result).toMatchObject({ outcome: 'planned', request: expect.objectContaining({ PipelineName: PIPELINE_ARN }) });
    expect(result.reason).toMatch(/^Dry run: would start selective retry 1 of 2\./);
    expect(sagemaker.started).toEqual([]);
    expect(events.map((e) => e.detailType)).toEqual(['Selective Retry Planned']);
  });

  test('announces started, exhausted and SNS notifications, and counts metrics', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: none'));
    const { deps, events, topics, counts } = harness(sagemaker);
    const topicArn = 'arn:aws:sns:us-east-1:111122223333:ml-alerts';

    await remediate(deployedWith({ notifications: { events: true, topicArn } }), deps);
    const exhausted = new FakeSageMaker({
      ...snapshot('CapacityError: none'),
      execution: { ...snapshot(undefined).execution, PipelineExecutionDescription: `[cdk-sagemaker-pipelines:selective-retry attempt=2 root=${EXECUTION_ARN}]` },
    });
    await remediate(deployedWith({ notifications: { events: true, topicArn } }), { ...deps, sagemaker: exhausted });

    expect(events.map((e) => [e.detailType, e.resource])).toEqual([
      ['Selective Retry Started', EXECUTION_ARN],
      ['Selective Retry Budget Exhausted', EXECUTION_ARN],
    ]);
    expect(events[0].detail).toMatchObject({ outcome: 'started', selectedSteps: expect.arrayContaining(['AbaloneTrain']) });
    expect(events[0].detail).not.toHaveProperty('request');
    expect(topics.map(([t, a]) => [t, a.subject])).toEqual([
      [topicArn, 'SageMaker pipeline abalone: selective retry started'],
      [topicArn, 'SageMaker pipeline abalone: selective retry budget exhausted'],
    ]);
    expect(counts).toEqual([
      { pipelineName: 'abalone', outcome: 'started', budgetExhausted: false, remediationError: false, failureClasses: ['CAPACITY'], stepsReused: 1, stepSecondsReused: 0 },
      { pipelineName: 'abalone', outcome: 'skipped', budgetExhausted: true, remediationError: false, failureClasses: [], skipReason: 'BUDGET_EXHAUSTED' },
    ]);
  });

  test('events can be turned off', async () => {
    const { deps, events } = harness(new FakeSageMaker(snapshot('CapacityError: none')));
    await remediate(deployedWith({ notifications: { events: false } }), deps);
    expect(events).toEqual([]);
  });

  test('a failure to announce is logged and never undoes or repeats the decision', async () => {
    const sagemaker = new FakeSageMaker(snapshot('CapacityError: none'));
    const { deps, logs } = harness(sagemaker, { failEvents: true });
    const result = await remediate(deployedWith(), deps);
    expect(result.outcome).toBe('started');
    expect(sagemaker.started).toHaveLength(1);
    expect(logs[1]).toMatchObject({ level: 'WARN', message: 'could not publish the decision (event)', error: 'Error: AccessDeniedException: no' });
  });
});
