import { createHash } from 'crypto';
import * as path from 'path';
import { App, Aspects, Duration, Names, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { documentsOf } from './rendered';
import { Pipeline, PipelineDefinition, SelectiveRetry } from '../../src';
import { DEFINITIONS_DIR } from '../fixtures';

/** The configuration parameter of a construct with one rule group: the stack's prefix and a hash of its path. */
const parameterNameOf = (healer: IConstruct) =>
  `/cdk-sagemaker-pipelines/selective-retry/Stack/${createHash('sha256').update(healer.node.path).digest('hex').slice(0, 10)}`;

const ENV = { account: '111122223333', region: 'us-east-1' };

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

describe('SelectiveRetry', () => {
  test('matches Failed executions of exactly the healed pipelines, case-insensitively', () => {
    // GIVEN
    const stack = newStack();
    const abalone = Pipeline.fromPipelineName(stack, 'Abalone', 'AbalonePipeline');
    const churn = Pipeline.fromPipelineName(stack, 'Churn', 'churn');

    // WHEN
    new SelectiveRetry(stack, 'Heal', { pipelines: [abalone, churn] });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        'detail': {
          currentPipelineExecutionStatus: ['Failed'],
          pipelineArn: [
            { 'equals-ignore-case': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:pipeline/AbalonePipeline']] } },
            { 'equals-ignore-case': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:pipeline/churn']] } },
          ],
        },
      },
    });
  });

  test('sends the bare event to the handler, with delivery retries and a dead-letter queue; the policy is deployed configuration', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = Pipeline.fromPipelineName(stack, 'Abalone', 'abalone');

    // WHEN
    const heal = new SelectiveRetry(stack, 'Heal', { pipelines: [pipeline], maxAttempts: 3, retryAttempts: 4, maxEventAge: Duration.hours(2) });

    // THEN
    const template = Template.fromStack(stack);
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
    const target = rule.Properties.Targets[0];
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 });
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^CdkSageMakerPipelinesSelectiveRetryDeadLetterQueue/);
    // no Input, InputPath or InputTransformer: the handler receives the event exactly as SageMaker sent it
    expect(Object.keys(target).sort()).toEqual(['Arn', 'DeadLetterConfig', 'Id', 'RetryPolicy']);
    expect(documentsOf(template)).toEqual({
      [parameterNameOf(heal)]: {
        version: 2,
        pipelineNames: ['abalone'],
        policy: { maxAttempts: 3, notifications: { events: true }, metricsId: Names.uniqueId(heal) },
      },
    });
  });

  test('creates one function, one queue and one log group per stack, however many SelectiveRetry constructs', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SelectiveRetry(stack, 'HealA', { pipelines: [Pipeline.fromPipelineName(stack, 'A', 'a')] });
    new SelectiveRetry(stack, 'HealB', { pipelines: [Pipeline.fromPipelineName(stack, 'B', 'b'), Pipeline.fromPipelineName(stack, 'C', 'c')] });
    Pipeline.fromPipelineName(stack, 'D', 'd').enableSelectiveRetry({ maxAttempts: 1 });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::Events::Rule', 3);
    template.resourceCountIs('AWS::Lambda::Permission', 3);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 1,
      DeadLetterConfig: Match.objectLike({ TargetArn: Match.anyValue() }),
    });
  });

  test('grants only the calls the handler makes, only on the healed pipelines and their executions', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'Abalone', 'AbalonePipeline')] });

    // THEN
    const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:111122223333:${resource}`]] });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      {
        Effect: 'Allow',
        Action: [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:DescribePipelineDefinitionForExecution',
          'sagemaker:ListPipelineParametersForExecution',
        ],
        Resource: [arn('pipeline/AbalonePipeline/execution/*'), arn('pipeline/abalonepipeline/execution/*')],
      },
      {
        Effect: 'Allow',
        Action: ['sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'],
        Resource: [arn('pipeline/AbalonePipeline'), arn('pipeline/abalonepipeline')],
      },
    ]));
    const sagemakerActions = statements.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('sagemaker:'));
    expect(sagemakerActions).not.toContain('sagemaker:*');
    for (const s of statements) expect(s.Resource).not.toEqual('*');
  });

  test('grants on the lower-cased ARN too for pipelines of this app, whether named or generated', () => {
    // GIVEN
    const stack = newStack();
    const definition = PipelineDefinition.fromFile(path.join(DEFINITIONS_DIR, '01-sdk-two-step-linear.json'));

    // WHEN
    new Pipeline(stack, 'Churn', { pipelineName: 'ChurnPipeline', definition, selectiveRetry: {} });
    const generated = new Pipeline(stack, 'Generated', { definition });
    generated.enableSelectiveRetry();

    // THEN
    const startResources = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().includes('sagemaker:StartPipelineExecution'))
      .map((st: any) => JSON.stringify(st.Resource));
    expect(startResources).toHaveLength(1);
    expect(startResources[0]).toContain(':sagemaker:us-east-1:111122223333:pipeline/churnpipeline');
    expect(startResources[0]).toMatch(/\{"Ref":"Churn[0-9A-F]{8}"\}/);
    const generatedName = stack.resolve((generated.node.defaultChild as any).pipelineName);
    expect(generatedName).toMatch(/[A-Z]/);
    expect(startResources[0]).toContain(`:pipeline/${generatedName.toLowerCase()}`);
  });

  test('spreads many pipelines over several rules, each within EventBridge\'s 2,048-character pattern quota', () => {
    // GIVEN 100 pipelines with 64-character names, imported by literal ARN (so the pattern is exact text)
    const stack = newStack();
    const names = Array.from({ length: 100 }, (_, i) => `Pipeline-${String(i).padStart(3, '0')}-${'x'.repeat(51)}`);
    const pipelines = names.map((n, i) => Pipeline.fromPipelineArn(stack, `P${i}`, `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${n}`));

    // WHEN
    const heal = new SelectiveRetry(stack, 'Heal', { pipelines });

    // THEN
    const template = Template.fromStack(stack);
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(heal.rules).toHaveLength(rules.length);
    expect(heal.rule).toBe(heal.rules[0]);
    expect(rules.length).toBeGreaterThan(1);
    for (const rule of rules) expect(JSON.stringify(rule.Properties.EventPattern).length).toBeLessThanOrEqual(2048);
    const matched = rules.flatMap((r) => r.Properties.EventPattern.detail.pipelineArn.map((m: any) => m['equals-ignore-case']));
    expect(matched.sort()).toEqual(names.map((n) => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${n}`).sort());
    template.resourceCountIs('AWS::Lambda::Permission', rules.length);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    // each rule's configuration document names exactly the pipelines its pattern matches, in parameter <n> for rule <n>
    const documents = documentsOf(template);
    const prefix = parameterNameOf(heal);
    expect(Object.keys(documents).sort()).toEqual(heal.rules.map((_, i) => `${prefix}/${i + 1}`).sort());
    heal.rules.forEach((rule, i) => {
      const pattern = template.toJSON().Resources[stack.getLogicalId(rule.node.defaultChild as any)].Properties.EventPattern;
      expect(documents[`${prefix}/${i + 1}`].pipelineNames.map((n: string) => `arn:aws:sagemaker:us-east-1:111122223333:pipeline/${n}`))
        .toEqual(pattern.detail.pipelineArn.map((m: any) => m['equals-ignore-case']));
    });
  });

  test('shares IAM statements between pipelines, a few pipelines each, so policies grow by ARNs and split cleanly', () => {
    // GIVEN
    const stack = newStack();
    const pipelines = Array.from({ length: 20 }, (_, i) => Pipeline.fromPipelineName(stack, `P${i}`, `pipeline-${i}`));

    // WHEN one construct heals 12 and the other 8 are healed one by one
    new SelectiveRetry(stack, 'Many', { pipelines: pipelines.slice(0, 12) });
    pipelines.slice(12).forEach((p) => p.enableSelectiveRetry());

    // THEN 20 pipelines, 8 per statement pair: 3 pairs
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const starts = statements.filter((st: any) => [st.Action].flat().includes('sagemaker:StartPipelineExecution'));
    const reads = statements.filter((st: any) => [st.Action].flat().includes('sagemaker:DescribePipelineExecution'));
    expect(starts.map((st: any) => st.Resource.length)).toEqual([8, 8, 4]);
    expect(reads.map((st: any) => st.Resource.length)).toEqual([8, 8, 4]);
    for (const st of [...starts, ...reads]) expect(JSON.stringify(st).length).toBeLessThan(6144);
  });

  test('warns, once, when a stack heals so many pipelines that the role may outgrow its managed-policy quota', () => {
    const warningsFor = (count: number) => {
      const stack = newStack();
      const pipelines = Array.from({ length: count }, (_, i) => Pipeline.fromPipelineName(stack, `P${i}`, `Pipeline-${i}`));
      new SelectiveRetry(stack, 'Heal', { pipelines: pipelines.slice(0, 40) });
      new SelectiveRetry(stack, 'HealMore', { pipelines: pipelines.slice(40, count - 5) });
      pipelines.slice(count - 5).forEach((p) => p.enableSelectiveRetry());
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('This stack heals 80 or more pipelines'));
    };
    expect(warningsFor(79)).toHaveLength(0);
    expect(warningsFor(85)).toHaveLength(1);
  });

  test('warns when a healed pipeline of the app builds values from the execution id (it changes in a selective run)', () => {
    const definitionWith = (value: unknown) => PipelineDefinition.fromJson({
      Version: '2020-12-01',
      Steps: [{ Name: 'Prep', Type: 'Processing', Arguments: { Out: value } }],
    });
    const warningsFor = (value: unknown) => {
      const stack = newStack();
      new Pipeline(stack, 'P', { definition: definitionWith(value), selectiveRetry: {} });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('executionIdPaths'));
    };
    expect(warningsFor({ 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }] } })).toHaveLength(1);
    // The start time is the new run's too in a selective execution; the pipeline's name is not.
    expect(warningsFor({ Get: 'Execution.StartDateTime' })).toHaveLength(1);
    expect(warningsFor({ Get: 'Execution.PipelineName' })).toHaveLength(0);
  });

  test('uses a dead-letter queue given by the user', () => {
    // GIVEN
    const stack = newStack();
    const queue = new sqs.Queue(stack, 'MyDlq', { enforceSSL: true });

    // WHEN
    const heal = new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], deadLetterQueue: queue });

    // THEN
    expect(heal.deadLetterQueue).toBe(queue);
    const rule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0];
    expect(rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^MyDlq/);
  });

  test('pipelines of the same name in other regions are other pipelines', () => {
    const app = new App();
    for (const region of ['us-east-1', 'eu-west-1']) {
      const stack = new Stack(app, `Stack-${region}`, { env: { ...ENV, region } });
      new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'abalone')] });
    }
    expect(app.synth().stacks).toHaveLength(2);
  });

  test('can be created disabled', () => {
    const stack = newStack();
    new SelectiveRetry(stack, 'Heal', { pipelines: [Pipeline.fromPipelineName(stack, 'P', 'p')], enabled: false });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { State: 'DISABLED' });
  });

  test('heals pipelines imported by ARN', () => {
    const stack = newStack();
    const pipeline = Pipeline.fromPipelineArn(stack, 'P', 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/My-Pipeline');
    expect(pipeline.pipelineName).toBe('My-Pipeline');
    new SelectiveRetry(stack, 'Heal', { pipelines: [pipeline] });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ pipelineArn: [{ 'equals-ignore-case': 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/My-Pipeline' }] }),
      }),
    });
  });

  describe('fails at synth with an actionable error', () => {
    test.each([
      [{ maxAttempts: 0 }, /Stack\/Heal: maxAttempts must be a whole number from 1 to 10; received 0/],
      [{ maxAttempts: 11 }, /maxAttempts must be a whole number from 1 to 10; received 11/],
      [{ maxAttempts: 1.5 }, /maxAttempts must be a whole number from 1 to 10; received 1.5/],
      [{ retryAttempts: 186 }, /retryAttempts must be a whole number from 0 to 185 \(EventBridge's limit\); received 186/],
      [{ maxEventAge: Duration.seconds(30) }, /maxEventAge must be from 1 minute to 24 hours \(EventBridge's limits\); received 30 seconds/],
      [{ maxEventAge: Duration.hours(25) }, /maxEventAge must be from 1 minute to 24 hours/],
    ])('for %j', (options, message) => {
      const stack = newStack();
      const pipelines = [Pipeline.fromPipelineName(stack, 'P', 'p')];
      expect(() => new SelectiveRetry(stack, 'Heal', { pipelines, ...options })).toThrow(message);
    });

    test('when a pipeline is healed twice: its selectiveRetry prop and a SelectiveRetry', () => {
      const stack = newStack();
      const pipeline = new Pipeline(stack, 'P', {
        definition: PipelineDefinition.fromJson({ Version: '2020-12-01', Steps: [] }), pipelineName: 'churn', selectiveRetry: {},
      });
      expect(() => new SelectiveRetry(stack, 'Heal', { pipelines: [pipeline], maxAttempts: 5 })).toThrow(
        /^Stack\/Heal: pipeline Stack\/P \(name "churn"\) is already healed by Stack\/P\/SelectiveRetry\. Two healers would start two retries, with two budgets, for every failure\. .* \[SelectiveRetry.PipelineHealedTwice\]$/);
    });

    test('when two constructs heal one pipeline, even imported twice and spelled in another case', () => {
      const stack = newStack();
      const first = Pipeline.fromPipelineName(stack, 'First', 'Abalone');
      new SelectiveRetry(stack, 'HealA', { pipelines: [first] });
      expect(() => new SelectiveRetry(stack, 'HealB', { pipelines: [first] })).toThrow(/pipeline Stack\/First .* is already healed by Stack\/HealA/);
      expect(() => new SelectiveRetry(stack, 'HealC', { pipelines: [Pipeline.fromPipelineName(stack, 'Again', 'abalone')] }))
        .toThrow(/^Stack\/HealC: pipeline Stack\/Again \(name "abalone"\) is already healed by Stack\/HealA/);
    });

    test('when a pipeline\'s selectiveRetry prop and enableSelectiveRetry() both heal it', () => {
      const stack = newStack();
      const pipeline = new Pipeline(stack, 'P', { definition: PipelineDefinition.fromJson({ Version: '2020-12-01', Steps: [] }), selectiveRetry: {} });
      expect(() => pipeline.enableSelectiveRetry({ maxAttempts: 3 })).toThrow(
        /^Stack\/P: Stack\/P is already healed by Stack\/P\/SelectiveRetry \(created by the pipeline's selectiveRetry prop or an earlier enableSelectiveRetry\(\) call\)\. Heal a pipeline once/);
    });

    test('when no pipeline is given', () => {
      const stack = newStack();
      expect(() => new SelectiveRetry(stack, 'Heal', { pipelines: [] }))
        .toThrow(/Stack\/Heal: pipelines must list at least one pipeline to heal; received an empty list/);
    });

    test('when a pipeline is listed twice, whatever its case', () => {
      const stack = newStack();
      const pipelines = [Pipeline.fromPipelineName(stack, 'A', 'Abalone'), Pipeline.fromPipelineName(stack, 'B', 'abalone')];
      expect(() => new SelectiveRetry(stack, 'Heal', { pipelines }))
        .toThrow(/pipelines lists pipeline "abalone" more than once \(Stack\/A and Stack\/B\)/);
    });

    test('when a pipeline is in another region or account', () => {
      const stack = newStack();
      const pipelines = [Pipeline.fromPipelineArn(stack, 'P', 'arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p')];
      expect(() => new SelectiveRetry(stack, 'Heal', { pipelines }))
        .toThrow(/pipeline "p" is in account 111122223333, region eu-west-1, but this stack deploys to account 111122223333, region us-east-1/);
    });

    test('when an imported ARN is not a pipeline ARN', () => {
      const stack = newStack();
      expect(() => Pipeline.fromPipelineArn(stack, 'P', 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/abc'))
        .toThrow(/Stack\/P: pipelineArn must be a SageMaker pipeline ARN .* received "arn:aws:sagemaker:us-east-1:111122223333:pipeline\/p\/execution\/abc"/);
    });

    test('when an imported name breaks SageMaker naming rules', () => {
      const stack = newStack();
      expect(() => Pipeline.fromPipelineName(stack, 'P', 'my_pipeline'))
        .toThrow(/Stack\/P: pipelineName must name a SageMaker pipeline: .* \(no underscores or dots\); received "my_pipeline"/);
    });
  });

  test('passes the cdk-nag AwsSolutions checks, with a reason for every suppression', () => {
    // GIVEN
    const stack = newStack();
    new SelectiveRetry(stack, 'Heal', {
      pipelines: [Pipeline.fromPipelineName(stack, 'A', 'AbalonePipeline'), Pipeline.fromPipelineName(stack, 'B', 'churn')],
    });

    // WHEN
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));

    // THEN
    expect(errors.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    expect(warnings.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
    const suppressions = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(30);
  });
});
