import { Annotations, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';

/**
 * What a producer needs to send to a queue or publish to a topic encrypted with a customer-managed key: exactly
 * `kms:GenerateDataKey` and `kms:Decrypt`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 */
export const PRODUCER_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** Lets an IAM role of the stack produce messages encrypted with `key` (identity policy; the key policy trusts the account). */
export function grantProducer(key: kms.IKey, grantee: iam.IGrantable): void {
  key.grant(grantee, ...PRODUCER_KEY_ACTIONS);
}

/**
 * Lets EventBridge send the events it could not deliver to a dead-letter queue encrypted with `key`: a key-policy
 * statement for `events.amazonaws.com`, limited to this account with `aws:SourceAccount` (the rule ARNs would make a
 * dependency cycle: rule -> queue -> key -> rule). See
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html.
 */
export function allowEventBridgeDeadLetters(scope: IConstruct, key: kms.IKey): void {
  addKeyPolicyStatement(scope, key, new iam.PolicyStatement({
    sid: 'AllowEventBridgeDeadLetters',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: PRODUCER_KEY_ACTIONS,
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
  }));
}

/**
 * Lets CloudWatch Logs encrypt the stack's log groups with `key`: the key-policy statement of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html, with the encryption context
 * limited to log groups of this account and region (naming the one group would make a dependency cycle:
 * log group -> key -> log group).
 */
export function allowLogsEncryption(scope: IConstruct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  addKeyPolicyStatement(scope, key, new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsEncryption',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  }));
}

/** Adds the statement to a key of this app, once; for an imported key, says which statement its key policy needs. */
function addKeyPolicyStatement(scope: IConstruct, key: kms.IKey, statement: iam.PolicyStatement): void {
  const added = addedStatements.get(key) ?? new Set<string>();
  addedStatements.set(key, added);
  if (added.has(statement.sid!)) return;
  added.add(statement.sid!);
  if (!key.addToResourcePolicy(statement, true).statementAdded) {
    const json = JSON.stringify(Stack.of(scope).resolve(statement.toStatementJson()));
    Annotations.of(scope).addWarningV2('cdk-sagemaker-pipelines:keyPolicy',
      `The key ${key.node.path} is imported, so its key policy cannot be changed here. Add this statement to it, or `
      + `the service cannot use the key: ${json}`);
  }
}

const addedStatements = new WeakMap<kms.IKey, Set<string>>();
