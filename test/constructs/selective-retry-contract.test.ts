import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  FailureClass, ParameterOverride, Pipeline, RetryDelay, RetryableFailures, SelectiveRetry, SelectiveRetryOptions,
} from '../../src';
import { parseConfigurationDocument } from '../../src/kernel/configuration';

const ENV = { account: '111122223333', region: 'us-east-1' };

/** Every document a stack deploys, with its tokens resolved to plausible deploy-time values. */
function deployedDocuments(options: SelectiveRetryOptions, pipelineCount: number): unknown[] {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const fromParameter = new CfnParameter(stack, 'PipelineName', { default: 'from-a-parameter' });
  const pipelines = [
    Pipeline.fromPipelineName(stack, 'Named', 'TrainPipeline'),
    Pipeline.fromPipelineName(stack, 'FromParameter', fromParameter.valueAsString),
    ...Array.from({ length: pipelineCount }, (_, i) => Pipeline.fromPipelineName(stack, `P${i}`, `pipeline-${i}-${'x'.repeat(60)}`)),
  ];
  new SelectiveRetry(stack, 'Heal', { pipelines, ...options });
  const values = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Value);
  return values.map((value) => (typeof value === 'string' ? value : (value['Fn::Join'][1] as unknown[]).map((part: any) => {
    if (typeof part === 'string') return part;
    if (part.Ref === 'PipelineName') return 'from-a-parameter';
    if (typeof part.Ref === 'string' && part.Ref.startsWith('Alerts')) return 'arn:aws:sns:us-east-1:111122223333:Alerts';
    throw new Error(`unexpected token ${JSON.stringify(part)}`);
  }).join(value['Fn::Join'][0])));
}

describe('construct <-> handler contract', () => {
  const topic = () => {
    const stack = new Stack();
    return sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:us-east-1:111122223333:ml-alerts');
  };
  test.each<[string, SelectiveRetryOptions, number]>([
    ['defaults', {}, 1],
    ['every option', {
      maxAttempts: 10,
      retryOn: RetryableFailures.transientOnly(),
      delay: RetryDelay.exponential({ initialDelay: Duration.minutes(1), factor: 10, maxDelay: Duration.days(7), jitter: true }),
      parameterOverrides: [ParameterOverride.fallbackValues('InstanceType', ['ml.g5.2xlarge', 'ml.p3.2xlarge'], {
        onFailureClasses: [FailureClass.CAPACITY, FailureClass.RESOURCE_LIMIT],
      })],
      dryRun: true,
      publishEvents: false,
      notificationTopic: topic(),
    }, 1],
    ['failure patterns and a fixed delay', { retryOn: RetryableFailures.matching(['CapacityError', 'CUDA error: out of memory']), delay: RetryDelay.constant(Duration.minutes(5)) }, 1],
    ['every failure class', { retryOn: RetryableFailures.ofClasses(Object.values(FailureClass)) }, 1],
    ['many pipelines over several rules', {}, 40],
  ])('the handler\'s parser accepts what the construct renders: %s', (_label, options, pipelineCount) => {
    const documents = deployedDocuments(options, pipelineCount);
    expect(documents.length).toBeGreaterThan(0);
    for (const text of documents) {
      const parsed = parseConfigurationDocument(text);
      expect(typeof parsed === 'string' ? parsed : 'accepted').toBe('accepted');
    }
  });

  test('a topic of this app resolves inside the document', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], notificationTopic: new sns.Topic(stack, 'Alerts') });
    const value = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0].Properties.Value;
    const text = (value['Fn::Join'][1] as any[]).map((p) => (typeof p === 'string' ? p : 'arn:aws:sns:us-east-1:111122223333:Alerts')).join('');
    expect(parseConfigurationDocument(text)).toMatchObject({ policy: { notifications: { topicArn: 'arn:aws:sns:us-east-1:111122223333:Alerts' } } });
  });
});
