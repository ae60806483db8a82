import { judgeExact, judgeTiming, label, leastSquares, median } from '../../benchmarks/verdict';

describe('bench verdicts', () => {
  test('a median timing within its target is OK, within the tolerance NEAR, beyond it a MISS', () => {
    expect(judgeTiming(1.15, 1.15, 0.1)).toBe('OK');
    expect(judgeTiming(1.2, 1.15, 0.1)).toBe('NEAR');
    expect(judgeTiming(1.3, 1.15, 0.1)).toBe('MISS');
  });

  test('sizes and counts are judged exactly, with no tolerance', () => {
    expect(judgeExact(2, 2)).toBe('OK');
    expect(judgeExact(3, 2)).toBe('MISS');
  });

  test('one slow sample among several does not move the median', () => {
    expect(median([2.1, 2.0, 9.5, 2.2, 1.9])).toBe(2.1);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(() => median([])).toThrow(/median of no values/);
  });

  test('the label says what was expected when the target is not met', () => {
    expect(label('OK', '<= 2.5 L')).toBe('OK');
    expect(label('MISS', '<= 2.5 L')).toBe('MISS (target <= 2.5 L)');
    expect(label('NEAR', '<= 2.5 L')).toMatch(/^NEAR \(target <= 2.5 L, within the \d+ % tolerance\)$/);
  });

  test('a least-squares line through timings over L separates the per-call slope from the fixed cost', () => {
    const { slope, intercept } = leastSquares([[50, 2 * 50 + 33], [100, 2 * 100 + 35], [200, 2 * 200 + 31]]);
    expect(slope).toBeCloseTo(1.98, 2);
    expect(intercept).toBeCloseTo(35, 0);
    expect(leastSquares([[1, 3], [2, 5]])).toEqual({ slope: 2, intercept: 1 });
  });
});
