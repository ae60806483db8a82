import { App, Aspects, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { documentOf, statementsOf } from './rendered';
import { FailureClass, ParameterOverride, Pipeline, RetryDelay, RetryableFailures, SelectiveRetry, SelectiveRetryHandler, SelectiveRetryOptions } from '../../src';

const ENV = { account: '111122223333', region: 'us-east-1' };

function synth(options: SelectiveRetryOptions) {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const retry = new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'Train', 'TrainPipeline')], ...options });
  return { stack, retry, template: Template.fromStack(stack) };
}

function policyOf(template: Template): any {
  return documentOf(template).policy;
}

const statements = statementsOf;

describe('SelectiveRetry retry policy', () => {
  test('renders the whole policy into the configuration document of the rule\'s pipelines', () => {
    const topic = (stack: Stack) => sns.Topic.fromTopicArn(stack, 'Alerts', 'arn:aws:sns:us-east-1:111122223333:ml-alerts');
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'Train', 'TrainPipeline')],
      retryOn: RetryableFailures.transientOnly(),
      delay: RetryDelay.exponential({ initialDelay: Duration.minutes(5), factor: 3, maxDelay: Duration.hours(2), jitter: true }),
      parameterOverrides: [ParameterOverride.fallbackValues('TrainingInstanceType', ['ml.g5.2xlarge', 'ml.g5.4xlarge'])],
      dryRun: true,
      notificationTopic: topic(stack),
    });
    const document = documentOf(Template.fromStack(stack));
    expect(document.version).toBe(2);
    expect(document.pipelineNames).toEqual(['TrainPipeline']);
    expect(document.policy).toEqual({
      maxAttempts: 2,
      retryOn: { mode: 'CLASSES', classes: ['CAPACITY', 'INTERNAL_ERROR', 'THROTTLING', 'RESOURCE_LIMIT'] },
      delay: { strategy: 'EXPONENTIAL', baseSeconds: 300, factor: 3, maxSeconds: 7200, jitter: true },
      parameterOverrides: [{ parameterName: 'TrainingInstanceType', values: ['ml.g5.2xlarge', 'ml.g5.4xlarge'], failureClasses: ['CAPACITY'] }],
      dryRun: true,
      notifications: { events: true, topicArn: 'arn:aws:sns:us-east-1:111122223333:ml-alerts' },
      metricsId: expect.stringMatching(/^StackHeal[0-9A-F]{8}$/),
    });
  });

  test.each([
    [RetryableFailures.all(), undefined],
    [RetryableFailures.ofClasses([FailureClass.CAPACITY, FailureClass.CAPACITY]), { mode: 'CLASSES', classes: ['CAPACITY'] }],
    [RetryableFailures.matching(['CapacityError', 'out of memory']), { mode: 'MATCHING', patterns: ['CapacityError', 'out of memory'] }],
  ])('retryOn %# renders as expected', (retryOn, expected) => {
    expect(policyOf(synth({ retryOn }).template).retryOn).toEqual(expected);
  });

  test('a full re-run above the selection limit is opt-in', () => {
    expect(policyOf(synth({}).template).fullRerunAboveSelectionLimit).toBeUndefined();
    expect(policyOf(synth({ fullRerunAboveSelectionLimit: true }).template).fullRerunAboveSelectionLimit).toBe(true);
  });

  test('a fixed delay, and no delay', () => {
    expect(policyOf(synth({ delay: RetryDelay.constant(Duration.minutes(10)) }).template).delay).toEqual({ strategy: 'FIXED', baseSeconds: 600 });
    expect(policyOf(synth({ delay: RetryDelay.none() }).template).delay).toBeUndefined();
  });

  test('reads job failure reasons only when the policy needs them', () => {
    const jobActions = (template: Template) => statements(template).filter((s) => [s.Action].flat().includes('sagemaker:DescribeTrainingJob'));
    expect(jobActions(synth({}).template)).toEqual([]);
    expect(jobActions(synth({ retryOn: RetryableFailures.transientOnly() }).template)).toEqual([{
      Effect: 'Allow',
      Action: ['sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTransformJob'],
      Resource: ['processing-job', 'training-job', 'transform-job'].map((r) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:111122223333:${r}/*`]],
      })),
    }]);
  });

  test('parameter overrides also read job failure reasons (the class may only be in the job\'s reason)', () => {
    const statementsWithJobReads = statements(synth({ parameterOverrides: [ParameterOverride.fallbackValues('Type', ['a', 'b'])] }).template)
      .filter((s) => [s.Action].flat().includes('sagemaker:DescribeTrainingJob'));
    expect(statementsWithJobReads).toHaveLength(1);
  });

  test('a queue of the user\'s gets an alarm of its own; the stack\'s shared queue has one alarm, on the handler', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const own = new sqs.Queue(stack, 'MyDlq', { enforceSSL: true });

    // WHEN
    const retry = new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], deadLetterQueue: own });
    new SelectiveRetry(stack, 'HealMore', { pipelines: [Pipeline.fromPipelineName(stack, 'Q', 'q')] });

    // THEN
    const queueAlarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .filter((a) => a.Properties.Namespace === 'AWS/SQS')
      .map((a) => a.Properties.Dimensions[0].Value['Fn::GetAtt'][0]);
    expect(queueAlarms.sort()).toEqual([expect.stringMatching(/^CdkSageMakerPipelinesSelectiveRetryDeadLetterQueue/), expect.stringMatching(/^MyDlq/)]);
    expect(retry.deadLetterQueueAlarm).toBeDefined();
    expect(SelectiveRetryHandler.of(stack).deadLetterQueueAlarm).toBeDefined();
  });

  test('delays create a schedule group and a scheduler role that may only start the delayed pipelines', () => {
    const { template } = synth({ delay: RetryDelay.constant(Duration.minutes(5)) });
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
        }],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SELECTIVE_RETRY_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('SchedulerRole'), 'Arn'] },
          SELECTIVE_RETRY_SCHEDULE_GROUP: { Ref: Match.stringLikeRegexp('ScheduleGroup') },
          SELECTIVE_RETRY_DEAD_LETTER_QUEUE_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] },
        }),
      },
    });
    const all = statements(template);
    expect(all).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'scheduler:CreateSchedule' }),
      expect.objectContaining({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [expect.stringMatching(/SchedulerRole/), 'Arn'] } }),
    ]));
    const schedulerStarts = all.filter((s) => [s.Action].flat().includes('sagemaker:StartPipelineExecution'));
    // one for the handler, one for the scheduler role; each on the exact and lower-cased pipeline ARN
    expect(schedulerStarts).toHaveLength(2);
    for (const s of schedulerStarts) expect(s.Resource).toHaveLength(2);
  });

  test('no schedule group or scheduler role without a delay', () => {
    const { template } = synth({});
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('SELECTIVE_RETRY_SCHEDULER_ROLE_ARN');
  });

  test('events go to the default bus unless turned off; SNS only with a topic', () => {
    const putEvents = (template: Template) => statements(template).filter((s) => s.Action === 'events:PutEvents');
    expect(putEvents(synth({}).template)).toEqual([{
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111122223333:event-bus/default']] },
      Condition: { 'ForAllValues:StringEquals': { 'events:source': 'cdk-sagemaker-pipelines' }, 'Null': { 'events:source': 'false' } },
    }]);
    const off = synth({ publishEvents: false }).template;
    expect(putEvents(off)).toEqual([]);
    expect(policyOf(off).notifications).toEqual({ events: false });

    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const topic = new sns.Topic(stack, 'Alerts');
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], notificationTopic: topic });
    expect(statements(Template.fromStack(stack))).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: expect.stringMatching(/^Alerts/) } }),
    ]));
  });

  test('metricXxx() read the handler\'s EMF metrics for this construct', () => {
    const { stack, retry } = synth({});
    const metric = retry.metricRetriesStarted();
    expect(stack.resolve(metric.namespace)).toBe('CdkSageMakerPipelines');
    expect(metric.metricName).toBe('RetriesStarted');
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toMinutes()).toBe(5);
    const id = retry.metricRetriesStarted().dimensions!.SelectiveRetry;
    expect(id).toMatch(/^StackHeal[0-9A-F]{8}$/);
    expect(policyOf(Template.fromStack(stack)).metricsId).toBe(id);
    expect(metric.dimensions).toEqual({ service: 'SelectiveRetry', SelectiveRetry: id });
    expect(retry.metricRetriesSkipped().metricName).toBe('RetriesSkipped');
    expect(retry.metricRetriesScheduled().metricName).toBe('RetriesScheduled');
    expect(retry.metricRetryBudgetExhausted({ period: Duration.hours(1) }).period.toHours()).toBe(1);
    expect(retry.metricRemediationErrors().metricName).toBe('RemediationErrors');
    // attached to the construct: the metric knows the stack's account and region (aws-cdk-lib's convention)
    expect(metric.region).toBe('us-east-1');
    expect(metric.account).toBe('111122223333');
    expect(retry.metricFailedSteps(FailureClass.CAPACITY).dimensions).toEqual({ service: 'SelectiveRetry', SelectiveRetry: id, FailureClass: 'CAPACITY' });
  });

  test('alarms on remediation errors by default; on budget exhaustion when asked', () => {
    // GIVEN / WHEN
    const { template, retry } = synth({ alarmOnBudgetExhausted: true });

    // THEN
    expect(retry.budgetExhaustedAlarm).toBeDefined();
    expect(retry.remediationErrorsAlarm).toBeDefined();
    for (const metricName of ['RetryBudgetExhausted', 'RemediationErrors']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'CdkSageMakerPipelines',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Dimensions: Match.arrayWith([{ Name: 'SelectiveRetry', Value: Match.stringLikeRegexp('^StackHeal[0-9A-F]{8}$') }]),
      });
    }
    // the shared queue's alarm is the handler's, not this construct's
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 1 });
    expect(retry.deadLetterQueueAlarm).toBeUndefined();
    expect(synth({}).retry.budgetExhaustedAlarm).toBeUndefined();
  });

  test('every default alarm can be turned off', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    SelectiveRetryHandler.configure(stack, { alarmOnDeadLetterQueue: false });

    // WHEN
    const retry = new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')],
      deadLetterQueue: new sqs.Queue(stack, 'MyDlq', { enforceSSL: true }),
      alarmOnDeadLetterQueue: false,
      alarmOnRemediationErrors: false,
    });

    // THEN
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(retry.remediationErrorsAlarm).toBeUndefined();
    expect(retry.deadLetterQueueAlarm).toBeUndefined();
  });

  describe('fails at synth with an actionable error', () => {
    test.each([
      ['no classes', { retryOn: RetryableFailures.ofClasses([]) }, /Stack\/Heal: retryOn: RetryableFailures.ofClasses\(\) needs at least one FailureClass/],
      ['no patterns', { retryOn: RetryableFailures.matching([]) }, /retryOn: RetryableFailures.matching\(\) needs at least one pattern/],
      ['a bad pattern', { retryOn: RetryableFailures.matching(['(oops']) }, /retryOn: the failure pattern "\(oops" is not valid RE2 syntax \(.*missing closing \)/],
      ['a look-ahead (not RE2)', { retryOn: RetryableFailures.matching(['Capacity(?!Error)']) }, /retryOn: the failure pattern "Capacity\(\?!Error\)" is not valid RE2 syntax/],
      ['a backreference (not RE2)', { retryOn: RetryableFailures.matching(['(a)\\1']) }, /is not valid RE2 syntax .*no backreferences or look-around/],
      ['a delay under a minute', { delay: RetryDelay.constant(Duration.seconds(30)) }, /delay: delay must be a whole number of seconds from 1 minute to 7 days; received 30 seconds/],
      ['a delay over a week', { delay: RetryDelay.constant(Duration.days(8)) }, /from 1 minute to 7 days; received 8 days/],
      ['a max shorter than the initial delay', { delay: RetryDelay.exponential({ initialDelay: Duration.hours(2) }) }, /maxDelay \(3600 s\) must not be shorter than initialDelay \(7200 s\)/],
      ['a factor out of range', { delay: RetryDelay.exponential({ initialDelay: Duration.minutes(1), factor: 0.5 }) }, /factor of RetryDelay.exponential\(\) must be from 1 to 10; received 0.5/],
      ['an empty fallback list', { parameterOverrides: [ParameterOverride.fallbackValues('Type', [])] }, /fallback values of parameter "Type" must not be empty/],
      ['a bad parameter name', { parameterOverrides: [ParameterOverride.fallbackValues('bad name', ['a'])] }, /"bad name" is not a valid pipeline parameter name/],
    ])('for %s', (_, options, message) => {
      expect(() => synth(options as SelectiveRetryOptions)).toThrow(message);
    });
  });

  // An environment-agnostic stack names its region and account with pseudo-parameters (`<AWS::Region>` in cdk-nag's
  // finding ids), which the acknowledgements must match as well as literal ones (the compat suite found it).
  test.each([['in an environment', ENV], ['environment-agnostic', undefined]])('passes cdk-nag with every option enabled (%s)', (_, env) => {
    const stack = new Stack(new App(), 'Stack', { env });
    new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'Train', 'TrainPipeline')],
      retryOn: RetryableFailures.transientOnly(),
      delay: RetryDelay.exponential({ initialDelay: Duration.minutes(5), jitter: true }),
      parameterOverrides: [ParameterOverride.fallbackValues('TrainingInstanceType', ['ml.g5.2xlarge'])],
      notificationTopic: new sns.Topic(stack, 'Alerts', { enforceSSL: true }),
      alarmOnBudgetExhausted: true,
      alarmOnDeadLetterQueue: true,
    });
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const findings = [
      ...Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
  });
});
