/**
 * Benchmark: the bundled handler's size, and its module-initialisation time (require + client construction, what
 * a Lambda cold start pays before the first event) as a ratio to initialising a bare SageMakerClient from the same
 * SDK, bundled the same way. The two are loaded alternately in fresh Node.js processes; each pair gives a ratio (both
 * samples taken under the same load), and the target is judged on the median of the pairs' ratios (see verdict.ts).
 *
 * Targets (issue 2): bundle at most 1.5 MiB; ratio at most 1.15.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { judgeExact, judgeTiming, label, median } from './verdict';

const ROOT = path.join(__dirname, '..');
const HANDLER_DIR = path.join(ROOT, 'assets', 'selective-retry-handler');
const HANDLER = path.join(HANDLER_DIR, 'index.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SIZE_TARGET = 1.5 * 1024 * 1024;
const RATIO_TARGET = 1.15;

/** Loads `modulePath` in a fresh process and prints how long the require took, in microseconds. */
const PROBE = `
const start = process.hrtime.bigint();
require(process.argv[1]);
const end = process.hrtime.bigint();
process.stdout.write(String(Number(end - start) / 1000));
`;

function initMicros(modulePath: string): number {
  const result = spawnSync(process.execPath, ['-e', PROBE, modulePath], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' },
  });
  if (result.status !== 0) throw new Error(`probe of ${modulePath} failed: ${result.stderr}`);
  return Number(result.stdout);
}

/** Alternates the two modules, so that load on the machine affects both samples alike. */
function interleaved(a: string, b: string): [number[], number[]] {
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    samplesA.push(initMicros(a));
    samplesB.push(initMicros(b));
  }
  return [samplesA, samplesB];
}

function directorySize(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true })
    .reduce((sum, e) => sum + (e.isDirectory() ? directorySize(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

/** A bare client, bundled exactly like the handler (see .projenrc.ts), as the baseline. */
function bundleBareClient(dir: string): string {
  const entry = path.join(dir, 'bare.ts');
  fs.writeFileSync(entry, "import { SageMakerClient } from '@aws-sdk/client-sagemaker';\n"
    + 'export const client = new SageMakerClient({});\n');
  const outfile = path.join(dir, 'bare.js');
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    legalComments: 'none',
    outfile,
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  return outfile;
}

export function runHandlerColdStartBenchmark(): { ok: boolean } {
  if (!fs.existsSync(HANDLER)) throw new Error(`${HANDLER} is missing: run "npx projen bundle:handler" first.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-start-'));
  try {
    const bare = bundleBareClient(dir);
    // Warm the OS file cache, then measure.
    initMicros(HANDLER);
    initMicros(bare);
    const [handlerSamples, bareSamples] = interleaved(HANDLER, bare);
    const handlerMs = median(handlerSamples) / 1000;
    const bareMs = median(bareSamples) / 1000;
    const size = directorySize(HANDLER_DIR);
    const entrySize = fs.statSync(HANDLER).size;
    const bareSize = directorySize(path.dirname(bare));
    const ratio = median(handlerSamples.map((sample, i) => sample / bareSamples[i]));
    const sizeVerdict = judgeExact(size, SIZE_TARGET);
    const ratioVerdict = judgeTiming(ratio, RATIO_TARGET);
    console.log('Handler bundle and cold start (median of %d fresh processes each)', RUNS);
    console.log(`  bundle size (all)      ${(size / 1024).toFixed(1)} KiB  ${label(sizeVerdict, `<= ${(SIZE_TARGET / 1024).toFixed(0)} KiB`)}`);
    console.log(`  entry chunk            ${(entrySize / 1024).toFixed(1)} KiB`);
    console.log(`  bare client bundle     ${(bareSize / 1024).toFixed(1)} KiB`);
    console.log(`  handler module init    ${handlerMs.toFixed(2)} ms`);
    console.log(`  bare SageMakerClient   ${bareMs.toFixed(2)} ms`);
    console.log(`  ratio handler / bare   ${ratio.toFixed(3)}  (median of the pairs' ratios)  ${label(ratioVerdict, `<= ${RATIO_TARGET}`)}`);
    return { ok: sizeVerdict !== 'MISS' && ratioVerdict !== 'MISS' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.exitCode = runHandlerColdStartBenchmark().ok ? 0 : 1;
}
