import * as fc from 'fast-check';
import { classifyFailureReason } from '../../lambda/failure-classification';
import { retryPolicy } from '../../lambda/handler-configuration';
import { applyParameterOverrides, delaySeconds, retryableVerdict } from '../../lambda/retry-policy';

describe('classifyFailureReason', () => {
  test.each([
    ['CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.', 'CAPACITY'],
    ['InternalServerError: We encountered an internal error.  Please try again.', 'INTERNAL_ERROR'],
    ['ThrottlingException: Rate exceeded', 'THROTTLING'],
    ['ResourceLimitExceeded: The account-level service limit for ml.p4d.24xlarge is 0 Instances', 'RESOURCE_LIMIT'],
    ['AlgorithmError: ExecuteUserScriptError: Command "python train.py" exited with code 1', 'ALGORITHM_ERROR'],
    ['ClientError: Data download failed: (AccessDenied: Access Denied)', 'CLIENT_ERROR'],
    ['Something nobody has seen before', 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
  ])('%s is %s', (reason, expected) => {
    expect(classifyFailureReason(reason)).toBe(expected);
  });
});

describe('retryPolicy', () => {
  test('defaults: every failure, no delay, no overrides, events on', () => {
    expect(retryPolicy({ maxAttempts: 2 })).toEqual({
      maxAttempts: 2, retryOn: { mode: 'ALL' }, parameterOverrides: [], dryRun: false, notifications: { events: true },
    });
  });
});

describe('retryableVerdict', () => {
  const capacity = { stepName: 'Train', failureClass: 'CAPACITY' as const, reasons: ['CapacityError: none left'] };
  const algorithm = { stepName: 'Eval', failureClass: 'ALGORITHM_ERROR' as const, reasons: ['AlgorithmError: exit 1'] };

  test('ALL retries anything', () => {
    expect(retryableVerdict({ mode: 'ALL' }, [capacity, algorithm])).toEqual({ retry: true });
  });

  test('CLASSES retries only when every failed step is of a listed class', () => {
    const transient = { mode: 'CLASSES' as const, classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] };
    expect(retryableVerdict(transient, [capacity])).toEqual({ retry: true });
    expect(retryableVerdict(transient, [capacity, algorithm])).toEqual({
      retry: false,
      reason: 'Step "Eval" is not retried by this policy: its failure class ALGORITHM_ERROR is not one of '
        + 'CAPACITY, INTERNAL_ERROR, THROTTLING, RESOURCE_LIMIT (AlgorithmError: exit 1).',
    });
  });

  test('MATCHING tests every reason of the step, case-insensitively', () => {
    const policy = retryPolicy({ maxAttempts: 1, retryOn: { mode: 'MATCHING', patterns: ['out of memory', '^capacityerror'] } }).retryOn;
    expect(retryableVerdict(policy, [capacity])).toEqual({ retry: true });
    expect(retryableVerdict(policy, [{ ...algorithm, reasons: ['AlgorithmError: x', 'CUDA Out Of Memory'] }])).toEqual({ retry: true });
    expect(retryableVerdict(policy, [algorithm])).toMatchObject({ retry: false, reason: expect.stringContaining('matches none of the patterns') });
  });
});

describe('delaySeconds', () => {
  test('none, fixed, exponential with a cap', () => {
    expect(delaySeconds(undefined, 3, 'arn')).toBe(0);
    expect(delaySeconds({ strategy: 'FIXED', baseSeconds: 300 }, 3, 'arn')).toBe(300);
    const exponential = { strategy: 'EXPONENTIAL' as const, baseSeconds: 60, factor: 3, maxSeconds: 1000 };
    expect([1, 2, 3, 4].map((a) => delaySeconds(exponential, a, 'arn'))).toEqual([60, 180, 540, 1000]);
  });

  test('jitter stays within [delay/2, delay] and is the same for the same failed execution', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 6 }), (seed, attempt) => {
      const delay = { strategy: 'EXPONENTIAL' as const, baseSeconds: 120, jitter: true };
      const full = delaySeconds({ ...delay, jitter: false }, attempt, seed);
      const jittered = delaySeconds(delay, attempt, seed);
      expect(jittered).toBeGreaterThanOrEqual(Math.floor(full / 2));
      expect(jittered).toBeLessThanOrEqual(full);
      expect(delaySeconds(delay, attempt, seed)).toBe(jittered);
    }));
  });
});

describe('applyParameterOverrides', () => {
  const fallback = { parameterName: 'TrainingInstanceType', values: ['ml.g5.xlarge', 'ml.g5.2xlarge', 'ml.p3.2xlarge'], failureClasses: ['CAPACITY'] };
  const parameters = [{ Name: 'TrainingInstanceType', Value: 'ml.g5.xlarge' }, { Name: 'Epochs', Value: '3' }];

  test('moves the parameter to the next fallback value on a matching failure class', () => {
    const result = applyParameterOverrides([fallback], parameters, new Map(), new Set(['CAPACITY']));
    expect(result.parameters).toEqual([{ Name: 'TrainingInstanceType', Value: 'ml.g5.2xlarge' }, { Name: 'Epochs', Value: '3' }]);
    expect(result.changes).toEqual([{ parameterName: 'TrainingInstanceType', from: 'ml.g5.xlarge', to: 'ml.g5.2xlarge' }]);
  });

  test('leaves parameters alone for other failure classes', () => {
    const result = applyParameterOverrides([fallback], parameters, new Map(), new Set(['INTERNAL_ERROR']));
    expect(result.parameters).toEqual(parameters);
    expect(result.changes).toEqual([]);
  });

  test('starts from the definition default when the run did not list the parameter, and from the first value when unknown', () => {
    const fromDefault = applyParameterOverrides([fallback], [], new Map([['TrainingInstanceType', 'ml.g5.2xlarge']]), new Set(['CAPACITY']));
    expect(fromDefault.changes).toEqual([{ parameterName: 'TrainingInstanceType', from: 'ml.g5.2xlarge', to: 'ml.p3.2xlarge' }]);
    const unlisted = applyParameterOverrides([fallback], [{ Name: 'TrainingInstanceType', Value: 'ml.m5.large' }], new Map(), new Set(['CAPACITY']));
    expect(unlisted.changes).toEqual([{ parameterName: 'TrainingInstanceType', from: 'ml.m5.large', to: 'ml.g5.xlarge' }]);
  });

  test('keeps the last value, and warns, at the end of the list or for an unknown parameter', () => {
    const last = applyParameterOverrides([fallback], [{ Name: 'TrainingInstanceType', Value: 'ml.p3.2xlarge' }], new Map(), new Set(['CAPACITY']));
    expect(last.changes).toEqual([]);
    expect(last.warnings).toEqual(['Parameter "TrainingInstanceType" is already at the last fallback value "ml.p3.2xlarge"; it is kept.']);
    const unknown = applyParameterOverrides([{ ...fallback, parameterName: 'Nope' }], parameters, new Map(), new Set(['CAPACITY']));
    expect(unknown.warnings).toEqual(['Parameter override "Nope" ignored: the pipeline has no such parameter.']);
  });
});
