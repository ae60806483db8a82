/**
 * The operator CLI's `retry` command, bundled (assets/cli/cli.js), against the local SageMaker emulator: the same
 * logic as the Lambda handler, driven by a person with an execution ARN.
 */
import { DescribePipelineExecutionCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { assertCliBundle, runCli } from './helpers';
import { FAILURE_REASONS } from '../../emulator/faults';
import { SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, installAbalone } from '../../emulator/scenarios';
import { CONFIGURATION_PARAMETER_PREFIX } from '../../src/kernel/contract';

// Each test runs the bundled CLI in 1-3 fresh Node.js processes; on a busy machine that exceeds jest's 5 s default.
jest.setTimeout(60_000);


let emulator: SageMakerEmulator;
let failedArn: string;

beforeEach(async () => {
  assertCliBundle();
  emulator = await SageMakerEmulator.start({ seed: 11 });
  installAbalone(emulator);
  emulator.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
  const client = emulator.client();
  try {
    failedArn = (await client.send(new StartPipelineExecutionCommand({
      PipelineName: ABALONE_PIPELINE,
      PipelineParameters: [{ Name: 'MseThreshold', Value: '7.5' }],
    }))).PipelineExecutionArn!;
    await emulator.waitForIdle();
    const { PipelineExecutionStatus } = await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: failedArn }));
    expect(PipelineExecutionStatus).toBe('Failed');
  } finally {
    client.destroy();
  }
});

afterEach(async () => emulator.close());

/** Runs the CLI; SSM (the deployed configuration) is the emulator's parameter store too. */
const cli = (...args: string[]) => runCli(args, { AWS_ENDPOINT_URL_SSM: emulator.url });

describe('cdk-sagemaker-pipelines retry', () => {
  test('--dry-run prints the plan and the exact request, and starts nothing', async () => {
    // WHEN
    const { code, stdout } = await cli('retry', failedArn, '--dry-run', '--endpoint', emulator.url);

    // THEN
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      outcome: 'planned',
      attempt: 1,
      selectedSteps: expect.arrayContaining(['AbaloneTrain', 'AbaloneEval']),
      request: {
        PipelineName: expect.stringMatching(/:pipeline\/abalonepipeline$/i),
        SelectiveExecutionConfig: { SourcePipelineExecutionArn: failedArn },
        PipelineParameters: expect.arrayContaining([{ Name: 'MseThreshold', Value: '7.5' }]),
        ClientRequestToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect(result.selectedSteps).not.toContain('AbalonePreprocess');
    expect(emulator.callsOf('StartPipelineExecution').filter((c) => c.request.SelectiveExecutionConfig)).toEqual([]);
  });

  test('without --dry-run it starts the selective execution, which heals the pipeline; running it again starts nothing new', async () => {
    // WHEN
    const first = await cli('retry', failedArn, '--endpoint', emulator.url, '--region', 'us-east-1');
    const again = await cli('retry', failedArn, '--endpoint', emulator.url, '--region', 'us-east-1');
    await emulator.waitForIdle();

    // THEN
    expect(first.code).toBe(0);
    const started = JSON.parse(first.stdout);
    expect(started).toMatchObject({ outcome: 'started', pipelineExecutionArn: expect.stringMatching(/\/execution\//) });
    // Same idempotency token: SageMaker answers with the same execution.
    expect(JSON.parse(again.stdout).pipelineExecutionArn).toBe(started.pipelineExecutionArn);
    const executions = emulator.executionsOf(ABALONE_PIPELINE);
    expect(executions).toHaveLength(2);
    expect(emulator.execution(started.pipelineExecutionArn).status).toBe('Succeeded');
    // The decision log goes to stderr, one JSON line per decision.
    expect(JSON.parse(first.stderr.trim().split('\n').pop()!)).toMatchObject({ message: 'selective-retry decision', outcome: 'started' });
  });

  test('an execution that is not Failed is skipped with exit code 3', async () => {
    const first = await cli('retry', failedArn, '--endpoint', emulator.url);
    await emulator.waitForIdle();
    const healed = JSON.parse(first.stdout).pipelineExecutionArn;

    const result = await cli('retry', healed, '--endpoint', emulator.url);

    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: 'skipped', reason: 'The execution is now Succeeded, not Failed; nothing to heal.' });
  });

  test('without --max-attempts it honours the budget the stack deployed for the pipeline, and says so', async () => {
    // GIVEN a deployed configuration giving the pipeline a budget of 1, and a failed first retry
    const parameter = `${CONFIGURATION_PARAMETER_PREFIX}Stack/Heal`;
    const document = { version: 2, pipelineNames: [ABALONE_PIPELINE.toLowerCase()], policy: { maxAttempts: 1 } };
    emulator.sideEffects.ssmParameters.set(parameter, JSON.stringify(document));
    emulator.sideEffects.ssmParameters.set(`${CONFIGURATION_PARAMETER_PREFIX}Other/Heal`, JSON.stringify({ version: 2, pipelineNames: ['other'], policy: { maxAttempts: 9 } }));
    emulator.script.failStep('AbaloneTrain', { attempts: [2], reason: FAILURE_REASONS.capacity });
    const first = await cli('retry', failedArn, '--endpoint', emulator.url);
    await emulator.waitForIdle();
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'started', maxAttempts: 1, maxAttemptsFrom: `the deployed configuration ${parameter}` });
    expect(first.stderr).toContain(`retry budget 1, from the deployed configuration ${parameter}`);
    const retryArn = JSON.parse(first.stdout).pipelineExecutionArn;

    // WHEN the failed retry is retried again: the deployed budget is spent (a deliberate skip, exit 3)
    const spent = await cli('retry', retryArn, '--endpoint', emulator.url);
    // AND the operator overrides the budget explicitly
    const overridden = await cli('retry', retryArn, '--endpoint', emulator.url, '--max-attempts', '2', '--dry-run');

    // THEN
    expect(spent.code).toBe(3);
    expect(JSON.parse(spent.stdout)).toMatchObject({ outcome: 'skipped', budgetExhausted: true });
    expect(overridden.code).toBe(0);
    expect(JSON.parse(overridden.stdout)).toMatchObject({ outcome: 'planned', attempt: 2, maxAttempts: 2, maxAttemptsFrom: 'the --max-attempts option' });
    expect(emulator.sideEffects.ssmReads).toEqual([
      { operation: 'GetParametersByPath', path: CONFIGURATION_PARAMETER_PREFIX },
      { operation: 'GetParametersByPath', path: CONFIGURATION_PARAMETER_PREFIX },
    ]);
  });

  test('no deployed configuration names the pipeline: the default budget, said so', async () => {
    const result = await cli('retry', failedArn, '--endpoint', emulator.url, '--dry-run');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ maxAttempts: 2, maxAttemptsFrom: expect.stringMatching(/^the default \(no SelectiveRetry configuration/) });
  });

  test('errors exit 1, not 3: an unreachable endpoint, and an execution SageMaker refuses to describe', async () => {
    const unreachable = await cli('retry', failedArn, '--endpoint', 'http://127.0.0.1:9', '--max-attempts', '2');
    expect(unreachable.code).toBe(1);
    const missing = await cli('retry', failedArn.replace(/execution\/.*$/, 'execution/doesnotexist'), '--endpoint', emulator.url, '--max-attempts', '2');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ outcome: 'skipped', remediationError: expect.any(String) });
  });
});
