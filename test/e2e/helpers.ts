/**
 * Set-up shared by the end-to-end tests: an emulator, the BUNDLED handler in a Lambda harness, and assertions on
 * what the handler did.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { SageMakerClient, StartPipelineExecutionCommand, StartPipelineExecutionCommandInput } from '@aws-sdk/client-sagemaker';
import { HarnessOptions, LambdaHarness, assertHandlerBundle } from '../../emulator/lambda-harness';
import { EmulatorOptions, SageMakerEmulator } from '../../emulator/sagemaker-emulator';
import { downstreamClosure, parseDefinition } from '../../src/kernel/definition-graph';

export interface World {
  readonly emu: SageMakerEmulator;
  readonly harness: LambdaHarness;
  readonly sm: SageMakerClient;
}

const worlds: World[] = [];

/** Starts an emulator, loads the pipeline via `install`, and boots the bundled handler against it. */
export async function world(
  install: (emu: SageMakerEmulator) => void,
  options: { emulator?: EmulatorOptions; harness: Omit<HarnessOptions, 'bundle'> },
): Promise<World> {
  assertHandlerBundle();
  const emu = await SageMakerEmulator.start(options.emulator);
  let harness: LambdaHarness;
  try {
    install(emu);
    harness = await LambdaHarness.start(emu, options.harness);
  } catch (e) {
    await emu.close();
    throw e;
  }
  const w = { emu, harness, sm: emu.client() };
  worlds.push(w);
  return w;
}

/** Tears down every world created by the current test (call from afterEach). */
export async function closeWorlds(): Promise<void> {
  for (const w of worlds.splice(0)) {
    w.sm.destroy();
    await w.harness.close();
    await w.emu.close();
  }
}

/** Starts an execution through the real SDK client and waits until the emulator and the handler settle. */
export async function runAndHeal(w: World, input: StartPipelineExecutionCommandInput): Promise<string> {
  const { PipelineExecutionArn } = await w.sm.send(new StartPipelineExecutionCommand(input));
  await w.harness.settle();
  return PipelineExecutionArn!;
}

/** The StartPipelineExecution requests the handler sent (every HTTP attempt), in order. */
export function startRequests(emu: SageMakerEmulator): Array<Record<string, any>> {
  return emu.callsOf('StartPipelineExecution').filter((c) => c.request.SelectiveExecutionConfig).map((c) => c.request);
}

/** The failed steps plus everything downstream of them in `definition` (docs/sagemaker-behaviour.md, "Which steps a retry selects"). */
export function downstreamOf(definition: string, steps: string[]): string[] {
  return [...downstreamClosure(parseDefinition(definition), steps)].sort();
}

/**
 * Checks the logging contract: every invocation that resolved wrote exactly one JSON log line carrying its decision
 * (`outcome`), equal to what it returned.
 */
export function expectOneDecisionLinePerInvocation(harness: LambdaHarness): void {
  for (const inv of harness.invocations.filter((i) => i.result)) {
    const decisions = inv.logs.map(tryJson).filter((l): l is Record<string, unknown> => !!l && 'outcome' in l);
    if (decisions.length !== 1 || decisions[0].outcome !== inv.result!.outcome) {
      throw new Error(`invocation ${inv.id} should log exactly one JSON decision line with outcome ${inv.result!.outcome}; logged:\n${inv.logs.join('\n')}`);
    }
  }
}

function tryJson(line: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(line);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The bundled operator CLI, as the npm package ships it. */
const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'cli.js');

/** Fails with what to run when the CLI bundle is missing. */
export function assertCliBundle(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npx projen bundle:cli" (the build does it before the tests).`);
}

/**
 * Runs the bundled CLI in a fresh Node.js process, asynchronously (the emulator answers from this process's event
 * loop), with dummy credentials and `env` added to this process's environment.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const environment = {
    ...process.env, AWS_ACCESS_KEY_ID: 'cli', AWS_SECRET_ACCESS_KEY: 'cli', AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1', ...env,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env: environment, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string };
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}
