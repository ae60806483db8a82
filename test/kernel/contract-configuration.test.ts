/**
 * The contract, handler side (issue 12): the handler reads from a rendered document exactly the policy the construct
 * was given. (That the parser accepts every document the construct renders: test/constructs/selective-retry-contract.test.ts.)
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { configurationFrom } from '../../lambda/handler-configuration';
import {
  FailureClass, ParameterOverride, Pipeline, RetryDelay, RetryableFailures, SelectiveRetry, SelectiveRetryOptions,
} from '../../src';
import { documentsOf } from '../constructs/rendered';

const ENV = { account: '111122223333', region: 'us-east-1' };
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:ml-alerts';

const OPTIONS: Array<[string, (stack: Stack) => Omit<SelectiveRetryOptions, 'pipelines'>]> = [
  ['the defaults', () => ({})],
  ['every option', (stack) => ({
    maxAttempts: 10,
    retryOn: RetryableFailures.matching(['CapacityError', 'CUDA error: out of memory', '(a+)+$']),
    delay: RetryDelay.exponential({ initialDelay: Duration.minutes(1), factor: 3, maxDelay: Duration.days(7), jitter: true }),
    parameterOverrides: [ParameterOverride.fallbackValues('TrainingInstanceType', ['ml.g5.2xlarge', 'ml.p3.2xlarge'], {
      onFailureClasses: [FailureClass.CAPACITY, FailureClass.RESOURCE_LIMIT],
    })],
    dryRun: true,
    publishEvents: false,
    notificationTopic: sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN),
  })],
  ['transient failures, a constant delay', () => ({ maxAttempts: 1, retryOn: RetryableFailures.transientOnly(), delay: RetryDelay.constant(Duration.days(7)) })],
  ['classes', () => ({ retryOn: RetryableFailures.ofClasses([FailureClass.ALGORITHM_ERROR, FailureClass.UNKNOWN]) })],
];

test('the handler reads the policy the construct was given', () => {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  new SelectiveRetry(stack, 'Heal', { ...OPTIONS[1][1](stack), pipelines: [Pipeline.fromPipelineName(stack, 'P', 'abalone')] });
  const [[name, document]] = Object.entries(documentsOf(Template.fromStack(stack)));

  const lookup = configurationFrom([{ name, value: JSON.stringify(document) }]).lookup('abalone');

  expect(lookup).toMatchObject({
    kind: 'configured',
    source: name,
    policy: {
      maxAttempts: 10,
      retryOn: { mode: 'MATCHING', patterns: ['CapacityError', 'CUDA error: out of memory', '(a+)+$'] },
      delay: { strategy: 'EXPONENTIAL', baseSeconds: 60, factor: 3, maxSeconds: 7 * 24 * 3600, jitter: true },
      parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.g5.2xlarge', 'ml.p3.2xlarge'], failureClasses: ['CAPACITY', 'RESOURCE_LIMIT'] }],
      dryRun: true,
      notifications: { events: false, topicArn: TOPIC_ARN },
    },
  });
});
