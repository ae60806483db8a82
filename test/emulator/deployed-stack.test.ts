/**
 * The harness deploys what the construct renders: the policy a test gives reaches the configuration document intact
 * (the mapping onto SelectiveRetryProps loses nothing), tokens resolve to the emulator's account and region, and a
 * field the harness does not know is refused rather than dropped.
 */
import { deployedStack } from '../../emulator/deployed-stack';
import { configurationParameterNames } from '../../lambda/configuration-port';

// The first synthesis of a file loads aws-cdk-lib and the construct library.
jest.setTimeout(60_000);

const TARGET = { account: '444455556666', region: 'eu-west-1' };

test.each([
  ['the defaults', {}],
  ['every field', {
    maxAttempts: 7,
    retryOn: { mode: 'CLASSES', classes: ['CAPACITY', 'THROTTLING'] },
    delay: { strategy: 'EXPONENTIAL', baseSeconds: 120, factor: 3, maxSeconds: 3600, jitter: true },
    parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.p3.2xlarge', 'ml.g5.2xlarge'], failureClasses: ['CAPACITY'] }],
    dryRun: true,
    fullRerunAboveSelectionLimit: true,
    notifications: { events: false, topicArn: 'arn:aws:sns:eu-west-1:444455556666:ml-alerts' },
  }],
  ['patterns and a fixed delay', { retryOn: { mode: 'MATCHING', patterns: ['CapacityError'] }, delay: { strategy: 'FIXED', baseSeconds: 60 } }],
])('%s: the rendered document carries the policy as given', (_name, fields) => {
  const policy = { maxAttempts: 2, pipelineNames: ['Abalone'], ...fields };
  const { parameters, environment } = deployedStack(policy, TARGET);
  expect(parameters.size).toBe(1);
  const [[name, value]] = [...parameters];
  expect(configurationParameterNames(environment.SELECTIVE_RETRY_CONFIGURATION_PARAMETERS)).toEqual([name]);
  const { pipelineNames, ...expected } = policy;
  expect(JSON.parse(value)).toEqual({
    version: 2,
    pipelineNames,
    policy: { notifications: { events: true }, ...expected, metricsId: expect.any(String) },
  });
});

test('tokens resolve to the target account and region', () => {
  const { eventPatterns, environment } = deployedStack({ maxAttempts: 2, pipelineNames: ['Abalone'], delay: { strategy: 'FIXED', baseSeconds: 60 } }, TARGET);
  expect(JSON.stringify(eventPatterns)).toContain('"arn:aws:sagemaker:eu-west-1:444455556666:pipeline/Abalone"');
  expect(environment.SELECTIVE_RETRY_DEAD_LETTER_QUEUE_ARN).toMatch(/^arn:aws:sqs:eu-west-1:444455556666:/);
  expect(JSON.stringify({ eventPatterns, environment })).not.toMatch(/Ref|Fn::/);
});

test('a policy field the harness does not know is refused', () => {
  expect(() => deployedStack({ maxAttempts: 2, pipelineNames: ['Abalone'], maxAttemps: 3 }, TARGET))
    .toThrow(/does not know the policy field\(s\) maxAttemps/);
});
