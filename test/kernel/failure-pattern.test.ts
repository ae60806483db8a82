import { retryPolicy } from '../../lambda/handler-configuration';
import { retryableVerdict } from '../../lambda/retry-policy';
import { compileFailurePattern, matchesAnyFailurePattern } from '../../src/kernel/failure-pattern';

describe('failure patterns (RE2)', () => {
  test('match anywhere in the reason, ignoring case', () => {
    const pattern = compileFailurePattern('cuda error: out of memory');
    expect(typeof pattern).not.toBe('string');
    expect((pattern as any).matches('AlgorithmError: CUDA ERROR: OUT OF MEMORY on device 0')).toBe(true);
    expect((pattern as any).matches('AlgorithmError: exit 1')).toBe(false);
    expect(matchesAnyFailurePattern(['^capacityerror', 'throttl'], ['CapacityError: none left'])).toBe(true);
    expect(matchesAnyFailurePattern(['^capacityerror'], ['Step failed: CapacityError'])).toBe(false);
  });

  test('(a+)+$ against a 30-character reason is answered (linear time; a backtracking engine would run for minutes)', () => {
    const reason = `${'a'.repeat(30)}!`;
    expect(matchesAnyFailurePattern(['(a+)+$'], [reason])).toBe(false);
    expect(matchesAnyFailurePattern(['(a+)+$'], ['a'.repeat(30)])).toBe(true);
    // And through the handler's verdict, as a deployed MATCHING policy is applied.
    const failure = { stepName: 'Train', failureClass: 'UNKNOWN' as const, reasons: [reason] };
    const { retryOn } = retryPolicy({ maxAttempts: 1, retryOn: { mode: 'MATCHING', patterns: ['(a+)+$'] } });
    expect(retryableVerdict(retryOn, [failure])).toMatchObject({ retry: false });
  });

  test.each([
    ['(?=lookahead)', /not valid RE2 syntax .*\(\?=/],
    ['(a)\\1', /not valid RE2 syntax .*invalid escape/],
    ['(unclosed', /not valid RE2 syntax .*missing closing \)/],
    ['x{1001}', /not valid RE2 syntax .*invalid repeat count/],
    ['', /must be a non-empty string/],
    ['a'.repeat(1001), /1001 characters long; at most 1000/],
  ])('%j is refused with the rule it breaks', (source, message) => {
    expect(compileFailurePattern(source)).toMatch(message);
  });

  test('an unvalidated pattern is never matched silently', () => {
    expect(() => matchesAnyFailurePattern(['(?<=x)'], ['x'])).toThrow(/unvalidated failure pattern/);
  });
});
