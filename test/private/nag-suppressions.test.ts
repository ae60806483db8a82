import { App, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { addNagSuppressions, flattenReference } from '../../src/private/nag-suppressions';

const REASON = 'SageMaker Pipelines generates the job names at run time.';

function newStack(env?: { account: string; region: string }): Stack {
  return new Stack(new App(), 'Stack', { env });
}

/** The ids cdk-nag 3 reads on a construct: its `aws:cdk:acknowledged-rules` entries, without core's prefix. */
function acknowledgedIds(construct: IConstruct): string[] {
  return construct.node.metadata
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.keys(entry.data as object).map((key) => key.replace(/^annotation::/i, '')));
}

function roleWithJobReads(stack: Stack): iam.Role {
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const jobs = (resource: string) => stack.formatArn({ service: 'sagemaker', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeProcessingJob'], resources: [jobs('processing-job')] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeEndpoint'], resources: [jobs('endpoint')] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:Get*'], resources: ['arn:aws:s3:::bucket/key'] }));
  return role;
}

describe('addNagSuppressions', () => {
  test('a whole rule: cdk-nag 2 metadata on the resource, and a cdk-nag 3 acknowledgement of the bare rule id', () => {
    // GIVEN
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'Queue');

    // WHEN
    addNagSuppressions(queue, [{ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' }]);
    const template = Template.fromStack(stack); // synthesizes, which runs the aspects

    // THEN
    const [resource] = Object.values(template.findResources('AWS::SQS::Queue')) as any[];
    expect(resource.Metadata.cdk_nag.rules_to_suppress).toEqual([{ id: 'AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' }]);
    expect(acknowledgedIds(queue.node.defaultChild!)).toEqual(['AwsSolutions-SQS3']);
  });

  test('findings by pattern: cdk-nag 3 gets one exact id per existing finding the pattern matches, and no other', () => {
    // GIVEN
    const stack = newStack({ account: '111122223333', region: 'us-east-1' });
    const role = roleWithJobReads(stack);

    // WHEN
    addNagSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: REASON, appliesTo: [{ regex: '/^Resource::.*:processing-job\\/\\*$/g' }] }]);
    Template.fromStack(stack);

    // THEN the endpoint wildcard and the s3:Get* action stay reported
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild!;
    expect(acknowledgedIds(policy)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:processing-job/*]',
    ]);
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[];
    expect(resource.Metadata.cdk_nag.rules_to_suppress).toEqual([
      { id: 'AwsSolutions-IAM5', reason: REASON, applies_to: [{ regex: '/^Resource::.*:processing-job\\/\\*$/g' }] },
    ]);
  });

  test('findings by exact id: an ARN with tokens is resolved and flattened as cdk-nag names it, in both formats', () => {
    // GIVEN a region-agnostic stack: the ARN holds Ref pseudo parameters
    const stack = newStack();
    const role = roleWithJobReads(stack);
    const arn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    // WHEN
    addNagSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: REASON, appliesTo: [`Resource::${arn}`, 'Action::s3:Get*'] }]);
    Template.fromStack(stack);

    // THEN
    const finding = 'Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/*';
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild!;
    expect(acknowledgedIds(policy).sort()).toEqual(['AwsSolutions-IAM5[Action::s3:Get*]', `AwsSolutions-IAM5[${finding}]`]);
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[];
    expect(resource.Metadata.cdk_nag.rules_to_suppress[0].applies_to).toEqual([finding, 'Action::s3:Get*']);
  });

  test('acknowledges nothing for a finding that does not exist', () => {
    // GIVEN
    const stack = newStack();
    const role = roleWithJobReads(stack);

    // WHEN
    addNagSuppressions(role, [{ id: 'AwsSolutions-IAM5', reason: REASON, appliesTo: [{ regex: '/^Resource::.*:training-job\\/\\*$/' }] }]);
    Template.fromStack(stack);

    // THEN
    expect(acknowledgedIds(role.node.findChild('DefaultPolicy').node.defaultChild!)).toEqual([]);
  });

  test('refuses finding-level suppressions of a rule whose findings it cannot compute', () => {
    const stack = newStack();
    expect(() => addNagSuppressions(new sqs.Queue(stack, 'Queue'), [{ id: 'AwsSolutions-SQS4', reason: REASON, appliesTo: ['x'] }]))
      .toThrow(/appliesTo is supported for AwsSolutions-IAM5 only; received it for AwsSolutions-SQS4/);
  });
});

describe('flattenReference', () => {
  test.each([
    ['a string, with Fn::Sub placeholders as <X>', 'arn:${AWS::Partition}:s3:::b/*', 'arn:<AWS::Partition>:s3:::b/*'],
    ['Fn::Join', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs']] }, 'arn:<AWS::Partition>:logs'],
    ['Fn::GetAtt', { 'Fn::GetAtt': ['LogGroup1', 'Arn'] }, '<LogGroup1.Arn>'],
    ['Fn::Sub', { 'Fn::Sub': 'arn:${AWS::Partition}:x' }, 'arn:<AWS::Partition>:x'],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'Exported' }, 'Exported'],
    ['anything else, as JSON', { 'Fn::Select': [0, ['a']] }, '{"Fn::Select":[0,["a"]]}'],
  ])('%s', (_, value, flat) => {
    expect(flattenReference(value)).toBe(flat);
  });
});
