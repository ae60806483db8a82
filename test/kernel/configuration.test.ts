import { parseConfigurationDocument } from '../../src/kernel/configuration';

const DOCUMENT = { version: 2, pipelineNames: ['abalone-pipeline'], policy: { maxAttempts: 2 } };

describe('parseConfigurationDocument', () => {
  test('fills the policy defaults: every failure, no delay, no overrides, no dry run, events on', () => {
    expect(parseConfigurationDocument(DOCUMENT)).toEqual({
      version: 2,
      pipelineNames: ['abalone-pipeline'],
      policy: { maxAttempts: 2, retryOn: { mode: 'ALL' }, parameterOverrides: [], dryRun: false, notifications: { events: true } },
    });
  });

  test('reads the JSON text of an SSM parameter value', () => {
    const full = {
      version: 2,
      pipelineNames: ['a', 'B-2'],
      policy: {
        maxAttempts: 3,
        retryOn: { mode: 'MATCHING', patterns: ['CapacityError', 'CUDA error: out of memory'] },
        delay: { strategy: 'EXPONENTIAL', baseSeconds: 60, factor: 2, maxSeconds: 3600, jitter: true },
        parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.g5.2xlarge', 'ml.p3.2xlarge'], failureClasses: ['CAPACITY'] }],
        dryRun: true,
        notifications: { events: false, topicArn: 'arn:aws:sns:us-east-1:111122223333:ml-alerts' },
        metricsId: 'StackHealA1B2C3D4',
      },
    };
    expect(parseConfigurationDocument(JSON.stringify(full))).toEqual(full);
  });

  test.each([
    ['not JSON', '{"version": 2', /the document is not valid JSON/],
    ['too long for a standard parameter', `"${'x'.repeat(4096)}"`, /4098 characters long; at most 4096/],
    ['an array', [], /the document must be a JSON object \(received \[\]\)/],
    ['version 1 (the old payload)', { ...DOCUMENT, version: 1 }, /version must be 2 \(received 1\)/],
    ['an unknown field', { ...DOCUMENT, pipelines: ['x'] }, /unknown field\(s\) "pipelines"/],
    ['no pipelines', { ...DOCUMENT, pipelineNames: [] }, /pipelineNames must be a non-empty list of SageMaker pipeline names/],
    ['an invalid pipeline name', { ...DOCUMENT, pipelineNames: ['bad/name'] }, /pipelineNames must be .* \(received \["bad\/name"\]\)/],
    ['a pipeline twice', { ...DOCUMENT, pipelineNames: ['p', 'P'] }, /names "p" twice/],
    ['no policy', { version: 2, pipelineNames: ['p'] }, /policy must be a JSON object \(received nothing\)/],
    ['an unknown policy field', { ...DOCUMENT, policy: { maxAttempts: 2, pipelineNames: ['x'] } }, /policy has unknown field\(s\) "pipelineNames"/],
    ['maxAttempts 11', { ...DOCUMENT, policy: { maxAttempts: 11 } }, /policy.maxAttempts must be an integer from 1 to 10 \(received 11\)/],
    ['a bad retry mode', { ...DOCUMENT, policy: { maxAttempts: 2, retryOn: { mode: 'SOMETIMES' } } }, /retryOn.mode must be ALL, CLASSES or MATCHING/],
    ['an unknown class', { ...DOCUMENT, policy: { maxAttempts: 2, retryOn: { mode: 'CLASSES', classes: ['CAPACITY', 'GREMLINS'] } } },
      /retryOn.classes must list failure classes among CAPACITY/],
    ['a backtracking-only pattern', { ...DOCUMENT, policy: { maxAttempts: 2, retryOn: { mode: 'MATCHING', patterns: ['(a)\\1'] } } },
      /policy.retryOn.patterns: the failure pattern "\(a\)\\\\1" is not valid RE2 syntax/],
    ['a 10-second delay', { ...DOCUMENT, policy: { maxAttempts: 2, delay: { strategy: 'FIXED', baseSeconds: 10 } } }, /policy.delay must be .*"baseSeconds": 60-604800/],
    ['a factor below 1', { ...DOCUMENT, policy: { maxAttempts: 2, delay: { strategy: 'EXPONENTIAL', baseSeconds: 60, factor: 0.5 } } }, /policy.delay must be/],
    ['empty fallback values', { ...DOCUMENT, policy: { maxAttempts: 2, parameterOverrides: [{ parameterName: 'X', values: [], failureClasses: ['CAPACITY'] }] } },
      /policy.parameterOverrides must be a list/],
    ['a topic that is not an SNS ARN', { ...DOCUMENT, policy: { maxAttempts: 2, notifications: { events: true, topicArn: 'https://attacker.example' } } },
      /policy.notifications must be/],
    ['dryRun as a string', { ...DOCUMENT, policy: { maxAttempts: 2, dryRun: 'false' } }, /policy.dryRun must be true or false \(received "false"\)/],
  ])('refuses %s with a sentence naming the field and the value', (_, document, message) => {
    expect(parseConfigurationDocument(document)).toMatch(message);
  });
});
