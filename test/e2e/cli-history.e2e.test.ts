/**
 * `cdk-sagemaker-pipelines history`, bundled (assets/cli/cli.js), against the local SageMaker emulator: a run that
 * the BUNDLED handler healed with two selective retries, read back as one chain.
 */
import { assertCliBundle, closeWorlds, runAndHeal, runCli, world, World } from './helpers';
import { FAILURE_REASONS } from '../../emulator/faults';
import { ABALONE_DURATIONS, ABALONE_PIPELINE, installAbalone } from '../../emulator/scenarios';

// Each test synthesizes the healing stack (first time in a process: seconds) and runs the bundled CLI in fresh
// Node.js processes; on a busy machine that exceeds jest's 5 s default.
jest.setTimeout(60_000);

let w: World;
let rootArn: string;

beforeEach(async () => {
  assertCliBundle();
  // The first run fails in training; its retry trains, then fails in evaluation; the second retry evaluates and succeeds.
  w = await world((emu) => {
    installAbalone(emu);
    emu.script.failStep('AbaloneTrain', { attempts: [1], reason: FAILURE_REASONS.capacity });
    emu.script.failStep('AbaloneEval', { attempts: [1], reason: 'InternalServerError: We encountered an internal error. Please try again.' });
  }, { emulator: { seed: 14 }, harness: { policy: { maxAttempts: 2, pipelineNames: [ABALONE_PIPELINE] } } });
  rootArn = await runAndHeal(w, { PipelineName: ABALONE_PIPELINE, PipelineExecutionDisplayName: 'nightly', PipelineParameters: [{ Name: 'MseThreshold', Value: '7.5' }] });
  expect(w.emu.executionsOf(ABALONE_PIPELINE).map((e) => e.status)).toEqual(['Failed', 'Failed', 'Succeeded']);
});

afterEach(closeWorlds);

const cli = (...args: string[]) => runCli(args);

describe('cdk-sagemaker-pipelines history', () => {
  test('--json: the root, its retry and the retry of the retry, with selections, failure classes and time reused', async () => {
    const [, first, second] = w.emu.executionsOf(ABALONE_PIPELINE).map((e) => e.arn);

    const { code, stdout } = await cli('history', rootArn, '--json', '--endpoint', w.emu.url);

    expect(code).toBe(0);
    const history = JSON.parse(stdout);
    expect(history).toMatchObject({ executionArn: rootArn, rootExecutionArn: rootArn, warnings: [] });
    const root = history.root;
    expect(root).toMatchObject({
      executionArn: rootArn,
      attempt: 0,
      status: 'Failed',
      displayName: 'nightly',
      startedBy: expect.stringMatching(/^a person or another tool/),
      failedSteps: [{ stepName: 'AbaloneTrain', failureClass: 'CAPACITY' }],
    });
    expect(root.selectedSteps).toBeUndefined();
    const retry1 = root.retries[0];
    expect(retry1).toMatchObject({
      executionArn: first,
      attempt: 1,
      status: 'Failed',
      sourceExecutionArn: rootArn,
      startedBy: 'cdk-sagemaker-pipelines selective retry 1',
      failedSteps: [{ stepName: 'AbaloneEval', failureClass: 'INTERNAL_ERROR' }],
      // Preprocess succeeded in the root: its simulated 18 minutes are reused.
      savings: { reusedSteps: ['AbalonePreprocess'], stepSecondsReused: ABALONE_DURATIONS.AbalonePreprocess, carriedOverSteps: [] },
    });
    expect(retry1.selectedSteps).toEqual(expect.arrayContaining(['AbaloneTrain', 'AbaloneEval']));
    const retry2 = retry1.retries[0];
    expect(retry2).toMatchObject({
      executionArn: second,
      attempt: 2,
      status: 'Succeeded',
      sourceExecutionArn: first,
      failedSteps: [],
      retries: [],
      // Training ran in retry 1 and is reused; preprocessing was carried over by retry 1, its time counted once.
      savings: { reusedSteps: ['AbaloneTrain'], stepSecondsReused: ABALONE_DURATIONS.AbaloneTrain, carriedOverSteps: ['AbalonePreprocess'] },
    });
    // The same numbers the handler reported when it started each retry (one code path).
    const decided = (arn: string) => w.harness.invocations.find((i) => i.result?.outcome === 'started' && i.result.pipelineExecutionArn === arn)?.result?.savings;
    expect(retry1.savings).toEqual(decided(first));
    expect(retry2.savings).toEqual(decided(second));
    expect(history.totals).toEqual({
      retries: 2, stepsReused: 2, stepSecondsReused: ABALONE_DURATIONS.AbalonePreprocess + ABALONE_DURATIONS.AbaloneTrain,
    });
  });

  test('an execution in the middle of the chain shows the whole chain, as a tree, marking the one asked about', async () => {
    const [, first] = w.emu.executionsOf(ABALONE_PIPELINE).map((e) => e.arn);

    const { code, stdout } = await cli('history', first, '--endpoint', w.emu.url);

    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Pipeline abalonepipeline: /i);
    expect(lines[0]).toContain('2 selective retries, 1h 10m 00s of step time reused (2 step runs not repeated)');
    expect(lines[1]).toMatch(new RegExp(`^run ${rootArn.split('/').pop()}  Failed  "nightly"`));
    expect(stdout).toMatch(new RegExp(`└── retry 1 ${first.split('/').pop()}  Failed .*<- asked about`));
    expect(stdout).toMatch(/ {4}└── retry 2 \S+  Succeeded/);
    expect(stdout).toContain('reused      AbalonePreprocess: 18m 00s of step time');
    expect(stdout).toContain('failed      AbaloneEval [INTERNAL_ERROR]');
  });

  test('an execution that does not exist: a clear error and exit code 1', async () => {
    const missing = rootArn.replace(/[^/]+$/, 'doesnotexist1');

    const { code, stdout, stderr } = await cli('history', missing, '--endpoint', w.emu.url);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`cdk-sagemaker-pipelines: Pipeline execution ${missing} was not found (check the ARN, and the region and account of your credentials).\n`);
  });

  test('something that is not an execution ARN: usage error, exit code 2', async () => {
    const { code, stderr } = await cli('history', 'nightly', '--endpoint', w.emu.url);

    expect(code).toBe(2);
    expect(stderr).toContain('history needs exactly one pipeline execution ARN');
  });
});
