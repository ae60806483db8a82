/**
 * Property test (issue 11 item 4): for random pipelines and random sets of failing steps, every
 * StartPipelineExecution the handler sends is accepted by the strict emulator (AWS's service model plus its
 * server-side rules), and the selection is minimal under the rule the emulator enforces:
 * - paths-between (the API reference): exactly the steps that did not succeed;
 * - connected (the selective-execution guide): those steps, plus only steps without which the selection would not
 *   be connected or path-closed; when no connected selection holds them, a full run if every step must run, else a
 *   skip that says so.
 *
 * The remediation logic runs in process (`remediate`) with the real SDK adapter against the emulator over HTTP;
 * one emulator per rule serves every generated pipeline.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import * as fc from 'fast-check';
import { SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { abaloneDefinition } from '../../emulator/scenarios';
import { SelectionRule } from '../../emulator/server-rules';
import { connectedSuperset, isConnected } from '../../lambda/connected-selection';
import { pathClosure } from '../../lambda/planner';
import { RemediationResult, remediate } from '../../lambda/remediate';
import { sageMakerPort } from '../../lambda/sagemaker-port';
import { parseDefinition } from '../../src/kernel/definition-graph';
import { deployedConfiguration } from '../lambda/deployed-configuration';
import { dependenciesArb } from '../planner/helpers';

jest.setTimeout(120_000);

/** A pipeline: step k depends on some steps before it; `failing` fail on their first attempt. */
interface Case {
  readonly deps: number[][];
  readonly failing: boolean[];
}

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 2, max: 8 }).chain((n) => fc.record({
  deps: dependenciesArb(n),
  failing: fc.array(fc.integer({ min: 0, max: 3 }).map((x) => x === 0), { minLength: n, maxLength: n }),
})).filter((c) => c.failing.some(Boolean));

/** Cases a random run once found, kept so that every run checks them. */
const EXAMPLES: Array<[Case]> = [
  [{ deps: [[], [0], [0, 1], [], [0, 1]], failing: [false, false, true, false, true] }],
];

const PROCESSING_ARGUMENTS = (abaloneDefinition() as { Steps: Array<{ Arguments: unknown }> }).Steps[0].Arguments;

let counter = 0;

async function check(emu: SageMakerEmulator, client: SageMakerClient, rule: SelectionRule, c: Case): Promise<void> {
  const id = `p${++counter}`;
  const name = (k: number) => `${id}-S${k}`;
  const definition = {
    Version: '2020-12-01',
    Parameters: [],
    Steps: c.deps.map((deps, k) => ({
      Name: name(k), Type: 'Processing', Arguments: PROCESSING_ARGUMENTS, ...(deps.length ? { DependsOn: deps.map(name) } : {}),
    })),
  };
  emu.loadPipeline({ name: id, definition });
  c.failing.forEach((f, k) => { if (f) emu.script.failStep(name(k), { attempts: [1], reason: 'InternalServerError: We encountered an internal error.' }); });
  const arn = emu.startExecution({ PipelineName: id, ClientRequestToken: `${id}-first-run-token-0123456789abcdef` });
  await emu.waitForIdle();
  const failed = emu.execution(arn);
  if (failed.status !== 'Failed') return; // every failing step was unreachable

  const starts = emu.callsOf('StartPipelineExecution').length;
  const result: RemediationResult = await remediate({
    'source': 'aws.sagemaker',
    'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
    'detail': { pipelineArn: failed.pipelineArn, pipelineExecutionArn: arn, currentPipelineExecutionStatus: 'Failed', previousPipelineExecutionStatus: 'Executing' },
  }, { sagemaker: sageMakerPort(client), configuration: deployedConfiguration([id]), log: () => undefined });

  // Every start the handler sent was accepted: none answered with an error.
  const sent = emu.callsOf('StartPipelineExecution').slice(starts);
  const rejected = sent.filter((call) => call.status !== 200);
  const succeeded = new Set(emu.stepsOf(arn).filter((s) => s.StepStatus === 'Succeeded').map((s) => s.StepName));
  const required = c.deps.map((_, k) => name(k)).filter((n) => !succeeded.has(n));
  if (rule === 'paths-between') {
    expect([rejected.length, result.outcome]).toEqual([0, 'started']);
    expect([...result.selectedSteps!].sort()).toEqual([...required].sort());
    return;
  }
  // Under the connected rule the minimal selection may be rejected once; then the fallback must be accepted, unless
  // no connected selection holds the steps: then every step must run (a full run) or the handler skips and says so.
  const graph = parseDefinition(definition);
  expect(rejected.length).toBeLessThanOrEqual(1);
  if (connectedSuperset(graph, required) === undefined) {
    if (required.length === c.deps.length) {
      expect([sent.length - rejected.length, result.outcome, result.mode]).toEqual([1, 'started', 'full']);
    } else {
      expect([sent.length, rejected.length, result.outcome]).toEqual([1, 1, 'skipped']);
      expect(result.reason).toContain('No connected selection holds these steps');
    }
    return;
  }
  expect(sent.length - rejected.length).toBe(1);
  expect(result.outcome).toBe('started');
  const selected = result.selectedSteps!;
  expect(selected).toEqual(expect.arrayContaining(required));
  for (const extra of selected.filter((n) => !required.includes(n))) {
    const without = selected.filter((n) => n !== extra);
    const stillValid = isConnected(graph, without) && pathClosure(graph, without).size === without.length;
    expect([extra, stillValid]).toEqual([extra, false]);
  }
}

describe.each<SelectionRule>(['paths-between', 'connected'])('under the %s rule', (rule) => {
  let emu: SageMakerEmulator;
  let client: SageMakerClient;
  beforeAll(async () => {
    emu = await SageMakerEmulator.start({ selectionRule: rule });
    client = emu.client();
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  test('every start the handler sends is accepted, and its selection is minimal', async () => {
    await fc.assert(fc.asyncProperty(caseArb, (c) => check(emu, client, rule, c)), { numRuns: 40, examples: EXAMPLES });
  });
});
