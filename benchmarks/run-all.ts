/**
 * `npm run bench`: runs every benchmark and prints its numbers and ratios. Exits non-zero only on a clear miss (a
 * size or count over its target, or a median timing beyond its target by more than the tolerance: see verdict.ts),
 * so a regression is visible but one noisy sample is not a failure. Benchmarks are never part of the test suite
 * (tests check behaviour, not time). A benchmark that throws is reported and counts as missed; the others still run.
 */
import { runHandlerColdStartBenchmark } from './handler-cold-start';
import { runHandlerRoundTripsBenchmark } from './handler-round-trips';
import { runSynthScaleBenchmark } from './synth-scale';

const BENCHMARKS: Array<[string, () => { ok: boolean } | Promise<{ ok: boolean }>]> = [
  ['handler cold start', runHandlerColdStartBenchmark],
  ['handler round trips', runHandlerRoundTripsBenchmark],
  ['synth scale', runSynthScaleBenchmark],
];

async function main(): Promise<boolean> {
  let ok = true;
  for (const [i, [name, run]] of BENCHMARKS.entries()) {
    if (i > 0) console.log('');
    try {
      ok = (await run()).ok && ok;
    } catch (e) {
      console.error(`Benchmark "${name}" failed:`, e);
      ok = false;
    }
  }
  return ok;
}

main().then((ok) => { process.exitCode = ok ? 0 : 1; }, (e) => { console.error(e); process.exitCode = 2; });
