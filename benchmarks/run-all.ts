/**
 * `npm run bench`: runs every benchmark and prints its numbers. Exits non-zero when a target is missed, so a
 * regression is visible, but benchmarks are never part of the test suite (tests check behaviour, not time).
 */
import { runHandlerColdStartBenchmark } from './handler-cold-start';
import { runHandlerRoundTripsBenchmark } from './handler-round-trips';
import { runSynthScaleBenchmark } from './synth-scale';

async function main(): Promise<boolean> {
  const results = [runHandlerColdStartBenchmark()];
  console.log('');
  results.push(await runHandlerRoundTripsBenchmark());
  console.log('');
  results.push(runSynthScaleBenchmark());
  return results.every((r) => r.ok);
}

main().then((ok) => { process.exitCode = ok ? 0 : 1; }, (e) => { console.error(e); process.exitCode = 2; });
