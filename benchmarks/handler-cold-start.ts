/**
 * Benchmark: the bundled handler's size, and its module-initialisation time (require + client construction, what
 * a Lambda cold start pays before the first event) as a ratio to initialising a bare SageMakerClient from the same
 * SDK, bundled the same way. Median of several fresh Node.js processes each.
 *
 * Targets (issue 2): bundle at most 1.5 MiB; ratio at most 1.15.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';

const ROOT = path.join(__dirname, '..');
const HANDLER = path.join(ROOT, 'assets', 'selective-retry-handler', 'index.js');
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

function initMicros(modulePath: string): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = spawnSync(process.execPath, ['-e', PROBE, modulePath], {
      encoding: 'utf8',
      env: { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' },
    });
    if (result.status !== 0) throw new Error(`probe of ${modulePath} failed: ${result.stderr}`);
    samples.push(Number(result.stdout));
  }
  return samples;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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
    // Interleave warm-up of the OS file cache, then measure.
    initMicros(HANDLER);
    initMicros(bare);
    const handlerMs = median(initMicros(HANDLER)) / 1000;
    const bareMs = median(initMicros(bare)) / 1000;
    const size = fs.statSync(HANDLER).size;
    const bareSize = fs.statSync(bare).size;
    const ratio = handlerMs / bareMs;
    const sizeOk = size <= SIZE_TARGET;
    const ratioOk = ratio <= RATIO_TARGET;
    console.log('Handler bundle and cold start (median of %d fresh processes each)', RUNS);
    console.log(`  bundle size            ${(size / 1024).toFixed(1)} KiB  (target <= ${(SIZE_TARGET / 1024).toFixed(0)} KiB)  ${sizeOk ? 'OK' : 'OVER'}`);
    console.log(`  bare client bundle     ${(bareSize / 1024).toFixed(1)} KiB`);
    console.log(`  handler module init    ${handlerMs.toFixed(2)} ms`);
    console.log(`  bare SageMakerClient   ${bareMs.toFixed(2)} ms`);
    console.log(`  ratio handler / bare   ${ratio.toFixed(3)}  (target <= ${RATIO_TARGET})  ${ratioOk ? 'OK' : 'OVER'}`);
    return { ok: sizeOk && ratioOk };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.exitCode = runHandlerColdStartBenchmark().ok ? 0 : 1;
}
