import { createHash } from 'crypto';
import { App, CfnParameter, Names, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { documentsOf } from './rendered';
import { ParameterOverride, Pipeline, SelectiveRetry } from '../../src';

const ENV = { account: '111122223333', region: 'us-east-1' };
const newStack = () => new Stack(new App(), 'Stack', { env: ENV });
const PREFIX = '/cdk-sagemaker-pipelines/selective-retry/Stack/';

function environmentOf(template: Template): Record<string, any> {
  return Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
}

describe('SelectiveRetry configuration', () => {
  test('one standard String parameter per construct, named under the fixed prefix, listed in the function\'s environment', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    const a = new SelectiveRetry(stack, 'HealA', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')] });
    const b = Pipeline.fromPipelineName(stack, 'B', 'b').enableSelectiveRetry({ maxAttempts: 1 });

    // THEN
    const template = Template.fromStack(stack);
    const names = [a, b].map((healer) => `${PREFIX}${createHash('sha256').update(healer.node.path).digest('hex').slice(0, 10)}`);
    template.resourceCountIs('AWS::SSM::Parameter', 2);
    for (const name of names) template.hasResourceProperties('AWS::SSM::Parameter', { Name: name, Type: 'String', Tier: 'Standard' });
    // the function's environment lists them compactly: the stack's prefix once, then each name's remainder
    expect(JSON.parse(environmentOf(template).SELECTIVE_RETRY_CONFIGURATION_PARAMETERS)).toEqual({
      prefix: PREFIX, names: names.map((n) => n.slice(PREFIX.length)),
    });
    expect(documentsOf(template)[names[1]]).toEqual({
      version: 2, pipelineNames: ['b'], policy: { maxAttempts: 1, notifications: { events: true }, metricsId: Names.uniqueId(b) },
    });
    expect(a.configurationParameters).toHaveLength(1);
  });

  test('tokens work: a pipeline name from a CloudFormation parameter and a topic ARN resolve at deploy time', () => {
    // GIVEN
    const stack = newStack();
    const name = new CfnParameter(stack, 'PipelineName');
    const topic = new sns.Topic(stack, 'Alerts');

    // WHEN
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', name.valueAsString)], notificationTopic: topic });

    // THEN the value joins the document's text with the parameter and the topic
    const parameter = Object.values(Template.fromStack(stack).findResources('AWS::SSM::Parameter'))[0];
    const parts: unknown[] = parameter.Properties.Value['Fn::Join'][1];
    expect(parts).toContainEqual({ Ref: 'PipelineName' });
    expect(parts).toContainEqual({ Ref: expect.stringMatching(/^Alerts/) });
    const document = Object.values(documentsOf(Template.fromStack(stack)))[0];
    expect(document.pipelineNames).toEqual(['<token>']);
    expect(document.policy.notifications).toEqual({ events: true, topicArn: '<token>' });
  });

  test('the digest in the function\'s environment changes exactly when a document changes', () => {
    const digestFor = (maxAttempts: number, name = 'a') => {
      const stack = newStack();
      new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'A', name)], maxAttempts });
      return environmentOf(Template.fromStack(stack)).SELECTIVE_RETRY_CONFIGURATION_DIGEST;
    };
    expect(digestFor(2)).toMatch(/^[0-9a-f]{32}$/);
    expect(digestFor(2)).toBe(digestFor(2));
    expect(digestFor(3)).not.toBe(digestFor(2));
    expect(digestFor(2, 'b')).not.toBe(digestFor(2));
  });

  test('fails at synth when a document could exceed the 4,096 characters of a standard parameter', () => {
    const stack = newStack();
    const values = Array.from({ length: 40 }, (_, i) => `ml.g5.${i}xlarge-with-a-long-fallback-value-${'x'.repeat(60)}`);
    expect(() => new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')],
      parameterOverrides: [ParameterOverride.fallbackValues('InstanceType', values)],
    })).toThrow(/^Stack\/Heal: the configuration of 1 pipeline\(s\) could take \d+ characters once its tokens resolve, more than the 4096 an SSM parameter holds\./);
  });

  test('counts a token at its longest (320 characters), whatever its synth-time placeholder', () => {
    const synth = (count: number) => {
      const stack = newStack();
      const values = Array.from({ length: count }, (_, i) => new CfnParameter(stack, `Value${i}`).valueAsString);
      return () => new SelectiveRetry(stack, 'Heal', {
        pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')],
        parameterOverrides: [ParameterOverride.fallbackValues('InstanceType', values)],
      });
    };
    expect(synth(11)).not.toThrow();
    expect(synth(13)).toThrow(/could take \d+ characters once its tokens resolve/);
  });

  test('100 constructs fit the function\'s 4 KB environment; the stack\'s list fails at synth once it outgrows it', () => {
    const synth = (constructs: number) => () => {
      const stack = newStack();
      // every pipeline healed by a construct of its own
      for (let i = 0; i < constructs; i++) Pipeline.fromPipelineName(stack, `Pipeline${i}`, `p${i}`).enableSelectiveRetry();
      return Template.fromStack(stack);
    };
    const template = synth(100)();
    const environment = environmentOf(template);
    expect(JSON.stringify(environment).length).toBeLessThan(4096);
    expect(JSON.parse(environment.SELECTIVE_RETRY_CONFIGURATION_PARAMETERS).names).toHaveLength(100);
    // the role reads exactly the 100 parameters, 20 per statement, so its policies split within IAM's quotas
    const policies = [
      ...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
    ];
    const reads = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((st: any) => st.Action === 'ssm:GetParameters');
    expect(reads.map((st: any) => [st.Resource].flat().length)).toEqual([20, 20, 20, 20, 20]);
    for (const policy of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
      expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThan(6144);
    }
    expect(synth(260)).toThrow(/the stack has 260 SelectiveRetry rule groups; the list of their configuration parameters takes \d+ characters/);
  });
});
