import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { roleStatementsOf } from './rendered';
import { Pipeline, SelectiveRetry, SelectiveRetryHandler } from '../../src';

const ENV = { account: '111122223333', region: 'us-east-1' };
const newStack = () => new Stack(new App(), 'Stack', { env: ENV });

describe('SelectiveRetryHandler', () => {
  test('is configured once per stack, before the first SelectiveRetry, and every SelectiveRetry of the stack uses it', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const handler = SelectiveRetryHandler.configure(stack, {
      memorySize: 512,
      timeout: Duration.minutes(2),
      logRetention: logs.RetentionDays.THREE_MONTHS,
      tracing: lambda.Tracing.ACTIVE,
    });
    const a = new SelectiveRetry(stack, 'HealA', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')] });
    const b = Pipeline.fromPipelineName(stack, 'B', 'b').enableSelectiveRetry();

    // THEN
    expect(SelectiveRetryHandler.of(stack)).toBe(handler);
    expect(a.handler).toBe(handler.lambdaFunction);
    expect(b.handler).toBe(handler.lambdaFunction);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 120,
      TracingConfig: { Mode: 'Active' },
      ReservedConcurrentExecutions: 1,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    // tracing adds X-Ray's two actions, which support no resource-level permissions
    expect(roleStatementsOf(template, 'CdkSageMakerPipelinesSelectiveRetryServiceRole')).toContainEqual(
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' });
  });

  test('defaults: 256 MB, 1 minute, logs kept a year, no tracing', () => {
    const stack = newStack();
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 256, Timeout: 60, TracingConfig: Match.absent() });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('fails when configured after the stack\'s first SelectiveRetry created it with defaults', () => {
    const stack = newStack();
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')] });
    expect(() => SelectiveRetryHandler.configure(stack, { memorySize: 512 })).toThrow(
      /^Stack: the stack's SelectiveRetryHandler was already created, with defaults, for Stack\/Heal\. Call SelectiveRetryHandler.configure\(\) once per stack, before the first SelectiveRetry/);
  });

  test.each([
    [{ memorySize: 64 }, /memorySize must be a whole number of MB from 128 to 10,240 \(Lambda's limits\); received 64/],
    [{ memorySize: 10241 }, /received 10241/],
    [{ timeout: Duration.minutes(16) }, /timeout must be from 1 second to 15 minutes \(Lambda's limits\); received 16 minutes/],
  ])('fails for %j', (props, message) => {
    expect(() => SelectiveRetryHandler.configure(newStack(), props)).toThrow(message);
  });
});
