/**
 * `npm run bench`: runs every benchmark and prints its numbers. Exits non-zero when a target is missed, so a
 * regression is visible, but benchmarks are never part of the test suite (tests check behaviour, not time).
 */
import { runHandlerColdStartBenchmark } from './handler-cold-start';

const results = [runHandlerColdStartBenchmark()];
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
