import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { roleStatementsOf } from './rendered';
import { ParameterOverride, Pipeline, RetryDelay, RetryableFailures, SelectiveRetry, SelectiveRetryHandler } from '../../src';

const ENV = { account: '111122223333', region: 'us-east-1' };

/** `arn:<partition>:<rest>` as aws-cdk-lib renders it with a literal account and region. */
const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] });
const getAtt = (prefix: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}[0-9A-F]{8}$`), attribute] });
const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}[0-9A-F]{8}$`) });

/** A stack healing one pipeline with every option that adds a permission. */
function everyOption(tracing = false): Stack {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  if (tracing) SelectiveRetryHandler.configure(stack, { tracing: lambda.Tracing.ACTIVE });
  new SelectiveRetry(stack, 'Heal', {
    pipelines: [Pipeline.fromPipelineName(stack, 'Train', 'TrainPipeline')],
    retryOn: RetryableFailures.transientOnly(),
    delay: RetryDelay.exponential({ initialDelay: Duration.minutes(5), jitter: true }),
    parameterOverrides: [ParameterOverride.fallbackValues('TrainingInstanceType', ['ml.g5.2xlarge'])],
    notificationTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true }),
  });
  return stack;
}

/** The statements, in order, each exactly as expected (matchers allowed for generated logical ids). */
function expectStatements(statements: any[], expected: any[]): void {
  expect(statements).toHaveLength(expected.length);
  expected.forEach((statement, i) => Template.fromJSON({ Resources: { S: { Type: 'Statement', Properties: statements[i] } } })
    .hasResourceProperties('Statement', Match.objectEquals(statement)));
}

describe('SelectiveRetry IAM', () => {
  test('the handler role: every statement, each on the narrowest resource and with the conditions AWS offers', () => {
    // GIVEN / WHEN
    const template = Template.fromStack(everyOption());

    // THEN
    const statements = roleStatementsOf(template, 'CdkSageMakerPipelinesSelectiveRetryServiceRole');
    const expected = [
      // Lambda's asynchronous dead-letter queue
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt('CdkSageMakerPipelinesSelectiveRetryDeadLetterQueue') },
      // its own log group only
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt('CdkSageMakerPipelinesSelectiveRetryLogGroup') },
      // its configuration: exactly the parameters of the stack's SelectiveRetry constructs, read only
      {
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:111122223333:parameter', ref('HealConfiguration')]] },
      },
      {
        Effect: 'Allow',
        Action: [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:DescribePipelineDefinitionForExecution',
          'sagemaker:ListPipelineParametersForExecution',
        ],
        Resource: [
          arn('sagemaker:us-east-1:111122223333:pipeline/TrainPipeline/execution/*'),
          arn('sagemaker:us-east-1:111122223333:pipeline/trainpipeline/execution/*'),
        ],
      },
      {
        Effect: 'Allow',
        Action: ['sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'],
        Resource: [arn('sagemaker:us-east-1:111122223333:pipeline/TrainPipeline'), arn('sagemaker:us-east-1:111122223333:pipeline/trainpipeline')],
      },
      // job names are generated at run time and undocumented: this account and region's jobs (see the suppression)
      {
        Effect: 'Allow',
        Action: ['sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTransformJob'],
        Resource: ['processing-job', 'training-job', 'transform-job'].map((r) => arn(`sagemaker:us-east-1:111122223333:${r}/*`)),
      },
      {
        Effect: 'Allow',
        Action: 'scheduler:CreateSchedule',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:us-east-1:111122223333:schedule/', ref('CdkSageMakerPipelinesSelectiveRetryScheduleGroup'), '/*']],
        },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: getAtt('CdkSageMakerPipelinesSelectiveRetrySchedulerRole'),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: arn('events:us-east-1:111122223333:event-bus/default'),
        Condition: { 'ForAllValues:StringEquals': { 'events:source': 'cdk-sagemaker-pipelines' }, 'Null': { 'events:source': 'false' } },
      },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: ref('Alerts') },
    ];
    expectStatements(statements, expected);
  });

  test('the handler role trusts Lambda only', () => {
    Template.fromStack(everyOption()).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectEquals({
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      }),
      Description: Match.stringLikeRegexp('^Reads failed SageMaker pipeline executions'),
    });
  });

  test('the scheduler role: trusted by the schedule group of this account only; starts the delayed pipelines and writes dead letters', () => {
    // GIVEN / WHEN
    const template = Template.fromStack(everyOption());

    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectEquals({
        Version: '2012-10-17',
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111122223333' },
            ArnEquals: { 'aws:SourceArn': getAtt('CdkSageMakerPipelinesSelectiveRetryScheduleGroup') },
          },
        }],
      }),
    });
    const statements = roleStatementsOf(template, 'CdkSageMakerPipelinesSelectiveRetrySchedulerRole');
    const expected = [
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt('CdkSageMakerPipelinesSelectiveRetryDeadLetterQueue') },
      {
        Effect: 'Allow',
        Action: 'sagemaker:StartPipelineExecution',
        Resource: [arn('sagemaker:us-east-1:111122223333:pipeline/TrainPipeline'), arn('sagemaker:us-east-1:111122223333:pipeline/trainpipeline')],
      },
    ];
    expectStatements(statements, expected);
  });

  test('each cdk-nag suppression covers findings that exist, and every wildcard finding is covered', () => {
    // GIVEN the every-option stack (with tracing), checked once without our suppressions
    const bare = everyOption(true);
    for (const resource of bare.node.findAll()) {
      const cfn = resource as any;
      if (cfn.cfnOptions?.metadata?.cdk_nag) delete cfn.cfnOptions.metadata.cdk_nag;
    }
    Aspects.of(bare).add(new AwsSolutionsChecks({ verbose: true }));
    const findings = Annotations.fromStack(bare).findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5'))
      .map((e) => /AwsSolutions-IAM5\[(.*?)\]/.exec(String(e.entry.data))![1]);

    // WHEN the suppressions the library records are read
    const suppressions = Object.values(Template.fromStack(everyOption(true)).toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [])
      .filter((s: any) => s.id === 'AwsSolutions-IAM5')
      .flatMap((s: any) => s.applies_to.map((a: any) => {
        if (typeof a === 'string') return new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
        const [, body, flags] = /^\/(.*)\/([a-z]*)$/.exec(a.regex)!;
        return new RegExp(body, flags.replace('g', ''));
      }));

    // THEN
    expect(findings.length).toBeGreaterThan(0);
    for (const regex of suppressions) {
      expect({ regex: String(regex), matches: findings.some((f) => regex.test(f)) }).toEqual({ regex: String(regex), matches: true });
    }
    for (const finding of findings) expect({ finding, covered: suppressions.some((r) => r.test(finding)) }).toEqual({ finding, covered: true });
    // no action wildcard is granted, so none is suppressed
    expect(findings.filter((f) => f.startsWith('Action::'))).toEqual([]);
  });
});
