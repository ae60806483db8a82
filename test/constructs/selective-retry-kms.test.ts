import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { roleStatementsOf } from './rendered';
import { Pipeline, RetryDelay, SelectiveRetry, SelectiveRetryHandler } from '../../src';

const ENV = { account: '111122223333', region: 'us-east-1' };
const newStack = () => new Stack(new App(), 'Stack', { env: ENV });
const keyArn = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}[0-9A-F]{8}$`), 'Arn'] });

function keyPolicyStatements(template: Template, prefix: string): any[] {
  const [key] = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith(prefix)).map(([, k]) => k);
  return key.Properties.KeyPolicy.Statement;
}

describe('SelectiveRetry with customer-managed KMS keys', () => {
  test('the log group: CloudWatch Logs of this region may use the key for this account\'s log groups only', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });

    // WHEN
    SelectiveRetryHandler.configure(stack, { logGroupEncryptionKey: key });
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')] });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn('LogKey') });
    expect(keyPolicyStatements(template, 'LogKey')).toContainEqual({
      Sid: 'AllowCloudWatchLogsEncryption',
      Effect: 'Allow',
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:111122223333:log-group:*']] },
        },
      },
    });
  });

  test('the shared dead-letter queue: the function, the scheduler role and EventBridge get exactly GenerateDataKey and Decrypt', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });

    // WHEN
    SelectiveRetryHandler.configure(stack, { deadLetterQueueEncryptionKey: key });
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], delay: RetryDelay.constant(Duration.minutes(5)) });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn('QueueKey') });
    const keyGrant = { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn('QueueKey') };
    for (const role of ['CdkSageMakerPipelinesSelectiveRetryServiceRole', 'CdkSageMakerPipelinesSelectiveRetrySchedulerRole']) {
      const grants = roleStatementsOf(template, role).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
      expect(grants).toHaveLength(1);
      Template.fromJSON({ Resources: { S: { Type: 'S', Properties: grants[0] } } }).hasResourceProperties('S', Match.objectEquals(keyGrant));
    }
    expect(keyPolicyStatements(template, 'QueueKey')).toContainEqual({
      Sid: 'AllowEventBridgeDeadLetters',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
    });
  });

  test('a queue of the user\'s encrypted with a key of this app gets the key-policy statement EventBridge needs', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    const queue = new sqs.Queue(stack, 'MyDlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true });

    // WHEN two constructs use it
    new SelectiveRetry(stack, 'HealA', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')], deadLetterQueue: queue });
    new SelectiveRetry(stack, 'HealB', { pipelines: [Pipeline.fromPipelineName(stack, 'B', 'b')], deadLetterQueue: queue });

    // THEN one statement
    const statements = keyPolicyStatements(Template.fromStack(stack), 'MyKey').filter((s) => s.Sid === 'AllowEventBridgeDeadLetters');
    expect(statements).toHaveLength(1);
    expect(statements[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
  });

  test('an imported key\'s policy cannot be changed here: a warning gives the statement to add', () => {
    // GIVEN
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const queue = sqs.Queue.fromQueueAttributes(stack, 'MyDlq', { queueArn: 'arn:aws:sqs:us-east-1:111122223333:dlq', keyArn: key.keyArn });

    // WHEN
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], deadLetterQueue: queue });

    // THEN
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-sagemaker-pipelines:keyPolicy'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/is imported, so its key policy cannot be changed here\. Add this statement to it, .*"events\.amazonaws\.com"/);
  });

  test('a KMS-encrypted topic: the function may use its key with exactly GenerateDataKey and Decrypt (no wildcard action)', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Alerts', { masterKey: key, enforceSSL: true });

    // WHEN
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], notificationTopic: topic });

    // THEN
    const statements = roleStatementsOf(Template.fromStack(stack), 'CdkSageMakerPipelinesSelectiveRetryServiceRole');
    const keyStatements = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('kms:')));
    expect(keyStatements.map((s) => s.Action)).toEqual([['kms:GenerateDataKey', 'kms:Decrypt']]);
  });

  test('passes cdk-nag with every key in place', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    SelectiveRetryHandler.configure(stack, { logGroupEncryptionKey: key, deadLetterQueueEncryptionKey: key });

    const queue = new sqs.Queue(stack, 'MyDlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true });
    // the app's own finding on its own queue, acknowledged as an app would
    NagSuppressions.addResourceSuppressions(queue, [{ id: 'AwsSolutions-SQS3', reason: 'This queue is the dead-letter queue of the SelectiveRetry rule.' }]);

    // WHEN
    new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')],
      delay: RetryDelay.constant(Duration.minutes(5)),
      notificationTopic: new sns.Topic(stack, 'Alerts', { masterKey: key, enforceSSL: true }),
      deadLetterQueue: queue,
    });
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));

    // THEN
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
  });
});
