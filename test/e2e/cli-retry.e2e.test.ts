/**
 * The operator CLI's `retry` command, bundled (assets/cli/cli.js), against the local SageMaker emulator: the same
 * logic as the Lambda handler, driven by a person with an execution ARN.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { DescribePipelineExecutionCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { FAILURE_REASONS } from '../../emulator/faults';
import { SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { ABALONE_PIPELINE, installAbalone } from '../../emulator/scenarios';

const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'cli.js');
const run = promisify(execFile);

let emulator: SageMakerEmulator;
let failedArn: string;

beforeEach(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npx projen bundle:cli" (the build does it before the tests).`);
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

/** Runs the CLI asynchronously (the emulator answers from this process's event loop). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'cli', AWS_SECRET_ACCESS_KEY: 'cli', AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string };
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

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
});
