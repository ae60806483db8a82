/**
 * How `npm run bench` judges a measurement against its target. Timings on a shared machine are noisy, so a timed
 * target is judged on the median of repeated samples, and only a clear miss fails: a median beyond the target by
 * more than the tolerance (default 10 %, `BENCH_TOLERANCE=0.2` for 20 %). A median between the target and the
 * tolerance is reported as `NEAR`, and does not fail. Counts and sizes do not vary between runs: they are judged
 * exactly.
 */
export const TOLERANCE = Number(process.env.BENCH_TOLERANCE ?? 0.1);

/** `OK`: within the target; `NEAR`: over it, but within the tolerance (noise); `MISS`: clearly over. */
export type Verdict = 'OK' | 'NEAR' | 'MISS';

/** Judges a median timing (or a ratio of timings) that must be at most `target`. */
export function judgeTiming(medianValue: number, target: number, tolerance: number = TOLERANCE): Verdict {
  if (medianValue <= target) return 'OK';
  return medianValue <= target * (1 + tolerance) ? 'NEAR' : 'MISS';
}

/** Judges a value that does not depend on timing (a size, a count) and must be at most `target`. */
export function judgeExact(value: number, target: number): Verdict {
  return value <= target ? 'OK' : 'MISS';
}

/** The verdict as printed beside a value: `OK`, or what was expected. */
export function label(verdict: Verdict, target: string): string {
  if (verdict === 'OK') return 'OK';
  return verdict === 'NEAR' ? `NEAR (target ${target}, within the ${Math.round(TOLERANCE * 100)} % tolerance)` : `MISS (target ${target})`;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The least-squares line y = slope * x + intercept through the points. */
export function leastSquares(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}
