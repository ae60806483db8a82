import { Aspects, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { buildAbalone } from './abalone';
import { FIXTURES, newStack } from './util';
import {
  CallbackStep, LambdaStep, ParameterString, Pipeline, PipelineDefinition, PipelineDefinitionStorage, ProcessingStep,
} from '../../src';

function processingStep(stack: Stack, role: iam.IRole, id = 'Prepare') {
  return new ProcessingStep(stack, id, {
    role,
    imageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
    instanceType: 'ml.m5.xlarge',
    outputs: [{ outputName: 'train', localPath: '/opt/ml/processing/train', s3Uri: 's3://bucket/train' }],
  });
}

describe('Pipeline', () => {
  test('creates a CfnPipeline named, described and tagged as given, with the definition inline', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

    // WHEN
    const pipeline = new Pipeline(stack, 'Pipeline', {
      pipelineName: 'churn-model',
      displayName: 'Churn-model',
      description: 'Trains the churn model',
      maxParallelExecutionSteps: 4,
      tags: { team: 'ml' },
      definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]),
    });
    Tags.of(pipeline).add('cost-center', '42');

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineName: 'churn-model',
      PipelineDisplayName: 'Churn-model',
      PipelineDescription: 'Trains the churn model',
      ParallelismConfiguration: { MaxParallelExecutionSteps: 4 },
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineRole'), 'Arn'] },
      PipelineDefinition: { PipelineDefinitionBody: Match.anyValue() },
      Tags: [{ Key: 'cost-center', Value: '42' }, { Key: 'team', Value: 'ml' }],
    });
    expect(Object.keys(template.findResources('AWS::SageMaker::Pipeline'))[0]).toMatch(/^Pipeline/);
    expect(pipeline.node.findChild('Resource')).toBeDefined();
  });

  test('keeps CDK tokens (a role created in the app) in the rendered definition body', () => {
    // GIVEN a job role defined in the same stack
    const stack = newStack();
    const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) });

    // THEN the body is an Fn::Join that embeds the role's ARN attribute
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline')) as any[];
    const body = resource.Properties.PipelineDefinition.PipelineDefinitionBody;
    expect(body['Fn::Join'][1]).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^JobRole/), 'Arn'] }]));
    expect(JSON.stringify(body)).toContain('\\"RoleArn\\":\\"');
  });

  test('builds pipelineArn with formatArn from the name (the resource has no ARN attribute)', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    const pipeline = new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) });

    // THEN
    expect(stack.resolve(pipeline.pipelineArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:pipeline/', { Ref: expect.stringMatching(/^Pipeline/) }]],
    });
    expect(stack.resolve(pipeline.pipelineName)).toEqual({ Ref: expect.stringMatching(/^Pipeline/) });
  });

  test('is an aws-cdk-lib IPipeline whose pipelineRef names it, owned or imported', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    const pipelines: sagemaker.IPipeline[] = [
      new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) }),
      Pipeline.fromPipelineName(stack, 'ByName', 'churn'),
      Pipeline.fromPipelineArn(stack, 'ByArn', 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/fraud'),
    ];

    // THEN
    expect(pipelines.map((p) => stack.resolve(p.pipelineRef.pipelineName)))
      .toEqual([{ Ref: expect.stringMatching(/^Pipeline/) }, 'churn', 'fraud']);
  });

  test('generates a valid name when none is given', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    new Pipeline(stack, 'My_Pipeline', { definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) });

    // THEN
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline')) as any[];
    expect(resource.Properties.PipelineName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/);
  });

  test('creates a least-privilege role: only the actions the steps need, PassRole only to SageMaker', () => {
    // GIVEN the Abalone pipeline (processing, training, model, register, transform, condition, fail)
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });

    // THEN the role trusts SageMaker only, on behalf of SageMaker resources of this account and region
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'sagemaker.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '111122223333' },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:*']] } },
          },
        }],
      },
    });
    // and its policy lists exactly the step actions
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((s) => [].concat(s.Action)).sort();
    expect(actions).toEqual([
      'iam:PassRole', 's3:GetObject',
      'sagemaker:AddTags', 'sagemaker:AddTags', 'sagemaker:AddTags', 'sagemaker:AddTags', 'sagemaker:AddTags',
      'sagemaker:CreateModel', 'sagemaker:CreateModelPackage', 'sagemaker:CreateModelPackage',
      'sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateTransformJob',
      'sagemaker:DescribeModel', 'sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup',
      'sagemaker:DescribeProcessingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:DescribeTransformJob',
      'sagemaker:StopProcessingJob', 'sagemaker:StopTrainingJob', 'sagemaker:StopTransformJob',
    ].sort());
    expect(statements).toContainEqual({
      Action: 'iam:PassRole',
      Effect: 'Allow',
      Resource: 'arn:aws:iam::167762637358:role/service-role/AmazonSageMakerServiceCatalogProductsUseRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    expect(statements).toContainEqual(expect.objectContaining({
      Action: ['sagemaker:AddTags', 'sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:processing-job/*']] },
    }));
    expect(JSON.stringify(statements)).not.toMatch(/"sagemaker:\*"|"Resource":"\*"/);
    // the property file read by the condition (JsonGet): only that file, at <output S3Uri>/<FilePath>
    expect(statements).toContainEqual({
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' },
          ':s3:::sagemaker-us-east-1-167762637358/AbaloneEval-19b131b63656129c86bfecbee4904927/output/evaluation/evaluation.json']],
      },
    });
    // the model package group it registers into, by name (in both spellings SageMaker may use in its ARN)
    const groupArn = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:111122223333:model-package-group/${name}`]] });
    expect(statements).toContainEqual({
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      Effect: 'Allow',
      Resource: [groupArn('AbaloneModelPackageGroupName'), groupArn('abalonemodelpackagegroupname')],
    });
  });

  test('scopes property-file reads to the literal start of an output built at run time', () => {
    // GIVEN fixture 11, whose metrics step writes a property file; and a variant whose output path uses the execution id
    const stack = newStack();
    new Pipeline(stack, 'Framework', {
      definition: PipelineDefinition.fromJson({
        Version: '2020-12-01',
        Steps: [{
          Name: 'Metrics',
          Type: 'Processing',
          Arguments: {
            ProcessingOutputConfig: {
              Outputs: [{
                OutputName: 'metrics',
                S3Output: { S3Uri: { 'Std:Join': { On: '/', Values: ['s3:/', 'bucket', 'runs', { Get: 'Execution.PipelineExecutionId' }, 'metrics'] } } },
              }],
            },
          },
          PropertyFiles: [{ PropertyFileName: 'Report', OutputName: 'metrics', FilePath: 'metrics.json' }],
        }],
      }),
    });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bucket/runs/*']] },
        }]),
      },
    });
  });

  test('grants Lambda and Callback steps exactly their function and queue', () => {
    // GIVEN
    const stack = newStack();
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:notify');
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    const notify = new LambdaStep(stack, 'Notify', { lambdaFunction: fn, inputs: { message: 'done' } });
    const wait = new CallbackStep(stack, 'Wait', { queue, inputs: { job: 'x' }, dependsOn: [notify] });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([notify, wait]) });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:111122223333:function:notify' }),
          Match.objectLike({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Queue'), 'Arn'] } }),
        ]),
      },
    });
  });

  test('uses a given role, adding the step statements to it, and creates no role', () => {
    // GIVEN
    const stack = newStack();
    const role = new iam.Role(stack, 'MyRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    const pipeline = new Pipeline(stack, 'Pipeline', { role, definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(pipeline.role).toBe(role);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^MyRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::111122223333:role/job' })]) },
    });
  });

  test('grants start, read and arbitrary actions on the pipeline and its executions', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');
    const pipeline = new Pipeline(stack, 'Pipeline', { pipelineName: 'p', definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]) });
    const user = new iam.Role(stack, 'User', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    pipeline.grantStartPipelineExecution(user);
    pipeline.grantRead(user);
    pipeline.grantSendCallbackResult(user);

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^User') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'sagemaker:StartPipelineExecution' }),
          Match.objectLike({ Action: Match.arrayWith(['sagemaker:DescribePipeline', 'sagemaker:ListPipelineExecutionSteps']) }),
          Match.objectLike({
            Action: ['sagemaker:SendPipelineExecutionStepSuccess', 'sagemaker:SendPipelineExecutionStepFailure'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111122223333:pipeline/', { Ref: Match.anyValue() }, '/execution/*']] },
          }),
        ]),
      },
    });
  });

  test('wires SelectiveRetry from the selectiveRetry prop', () => {
    // GIVEN
    const stack = newStack();
    const jobRole = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    const pipeline = new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processingStep(stack, jobRole)]),
      selectiveRetry: { maxAttempts: 2 },
    });

    // THEN
    expect(pipeline.node.tryFindChild('SelectiveRetry')).toBeDefined();
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 1);
  });
});

describe('PipelineDefinition', () => {
  test('fromFile reads a SageMaker Python SDK definition and derives the role from it', () => {
    // GIVEN the Abalone definition exported by the Python SDK
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Abalone', {
      definition: PipelineDefinition.fromFile(`${FIXTURES}/10-abalone-condition-register-transform-fail.json`),
    });

    // THEN the body is the file's JSON and the role can pass the job role
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('AWS::SageMaker::Pipeline')) as any[];
    const body = JSON.parse(resource.Properties.PipelineDefinition.PipelineDefinitionBody);
    expect(body.Steps.map((s: any) => s.Name)).toEqual(['AbaloneProcess', 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond']);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'iam:PassRole' })]) },
    });
  });

  test('fromJson renders DSL references and CDK tokens inside raw JSON', () => {
    // GIVEN raw JSON that uses a DSL parameter and a bucket of the app
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const input = new ParameterString('Input');

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromJson({
        Version: '2020-12-01',
        Parameters: [{ Name: 'Input', Type: 'String' }],
        Steps: [{ Name: 'Wait', Type: 'Fail', Arguments: { ErrorMessage: `${bucket.bucketName}/${input.valueAsString}` } }],
      }),
    });

    // THEN
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline')) as any[];
    const text = JSON.stringify(resource.Properties.PipelineDefinition.PipelineDefinitionBody);
    expect(text).toContain('{\\"Std:Join\\":{\\"On\\":\\"\\",\\"Values\\":[\\"');
    expect(text).toContain('{\\"Get\\":\\"Parameters.Input\\"}');
    expect(text).toMatch(/\{"Ref":"Data[0-9A-F]+"\}/);
  });

  test('fromJson rejects text that is not JSON, saying where to get a definition', () => {
    expect(() => PipelineDefinition.fromJson('{"Steps": [')).toThrow(/not valid JSON.*pipeline\.definition\(\)/);
    expect(() => PipelineDefinition.fromJson('[1]')).toThrow(/a definition is a JSON object.*received \[1\]/);
  });

  test('fromJson accepts a JSON string, and refuses one with CDK tokens inside', () => {
    // GIVEN
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');

    // WHEN / THEN
    expect(() => PipelineDefinition.fromJson(`{"Version": "2020-12-01", "Steps": [{"Name": "${bucket.bucketName}"}]}`))
      .toThrow(/contains CDK tokens.*Pass the definition as an object/);
    new Pipeline(stack, 'P', {
      definition: PipelineDefinition.fromJson('{"Version": "2020-12-01", "Steps": [{"Name": "Stop", "Type": "Fail", "Arguments": {}}]}'),
    });
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline')) as any[];
    expect(JSON.parse(resource.Properties.PipelineDefinition.PipelineDefinitionBody).Steps[0].Name).toBe('Stop');
  });

  test('fromFile rejects a missing file, naming it', () => {
    expect(() => PipelineDefinition.fromFile('does-not-exist.json')).toThrow(/no file at "does-not-exist\.json"/);
  });

  test('goes through an S3 asset when asked, with the role allowed to read exactly that object', () => {
    // GIVEN a definition without CDK tokens
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Abalone', {
      definition: PipelineDefinition.fromFile(`${FIXTURES}/10-abalone-condition-register-transform-fail.json`,
        { storage: PipelineDefinitionStorage.S3_ASSET }),
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.json$') } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:GetObject' })]) },
    });
  });

  test('goes through an S3 asset automatically when the definition is over 100 KiB', () => {
    // GIVEN a token-free definition of about 150 KB
    const stack = newStack();
    const big = { Version: '2020-12-01', Steps: [{ Name: 'Big', Type: 'Fail', Arguments: { ErrorMessage: 'x'.repeat(150_000) } }] };

    // WHEN
    new Pipeline(stack, 'Big', { definition: PipelineDefinition.fromJson(big) });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: Match.anyValue() },
    });
  });

  test('keeps a large definition with CDK tokens inline, with a warning', () => {
    // GIVEN a 150 KB definition that needs a role ARN from the app
    const stack = newStack();
    const jobRole = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const big = { Version: '2020-12-01', Steps: [{ Name: 'Big', Type: 'Model', Arguments: { ExecutionRoleArn: jobRole.roleArn, Pad: 'x'.repeat(150_000) } }] };

    // WHEN
    new Pipeline(stack, 'Big', { definition: PipelineDefinition.fromJson(big) });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionBody: Match.anyValue() },
    });
    Annotations.fromStack(stack).hasWarning('/Stack/Big', Match.stringLikeRegexp('written inline'));
  });

  test('fromBucket points at an existing object', () => {
    // GIVEN
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Defs', 'my-definitions');

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromBucket(bucket, 'abalone.json', 'v3') });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: 'my-definitions', Key: 'abalone.json', Version: 'v3' } },
    });
  });

  test('fromS3Location points at an object by bucket name, and the role may read exactly that object', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromS3Location({ bucket: 'shared-defs', key: 'churn/definition.json' }) });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: 'shared-defs', Key: 'churn/definition.json' } },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Action: 's3:GetObject',
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-defs/churn/definition.json']] },
        }],
      },
    });
    // The steps are unknown at synth time: the created role could not run them, and synth says so.
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('roleForS3Definition'))).toHaveLength(1);
  });

  test('a role given with an S3 definition raises no warning', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    new Pipeline(stack, 'Pipeline', { role, definition: PipelineDefinition.fromS3Location({ bucket: 'shared-defs', key: 'd.json' }) });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('roleForS3Definition'))).toHaveLength(0);
  });
});

describe('cdk-nag', () => {
  test('AwsSolutions finds no unsuppressed errors on a DSL pipeline: the wildcards on generated job names are acknowledged', () => {
    // GIVEN the Abalone pipeline, with the role the library creates
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });

    // WHEN the AwsSolutions rules run
    Aspects.of(stack).add(new AwsSolutionsChecks());

    // THEN no wildcard on a resource SageMaker Pipelines names (jobs, models, model packages) is reported
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*')).map((e) => String(e.entry.data));
    expect(errors.filter((e) => /:(processing-job|training-job|hyper-parameter-tuning-job|automl-job|transform-job|model|model-package)\/\*\]/.test(e)))
      .toEqual([]);
    expect(errors.filter((e) => !e.startsWith('AwsSolutions-IAM5['))).toEqual([]);
  });

  test('the gate can fail: a wildcard the library did not add, or on a role the user gave, is reported', () => {
    // GIVEN a wildcard on endpoints added to the created role, and a second pipeline with a role of the user's
    const stack = newStack();
    const pipeline = new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });
    pipeline.addToRolePolicy(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeEndpoint'],
      resources: ['arn:aws:sagemaker:us-east-1:111122223333:endpoint/*'],
    }));
    const second = new Construct(stack, 'Second');
    const role = new iam.Role(stack, 'OwnRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    new Pipeline(second, 'Pipeline', { role, definition: buildAbalone(second).definition });

    // WHEN
    Aspects.of(stack).add(new AwsSolutionsChecks());

    // THEN
    const findings = (path: string) => Annotations.fromStack(stack).findError(path, Match.stringLikeRegexp('AwsSolutions-IAM5.*'))
      .map((e) => /^AwsSolutions-IAM5\[[^\]]*\]/.exec(String(e.entry.data))?.[0]);
    expect(findings('/Stack/Abalone/Role/DefaultPolicy/Resource'))
      .toContain('AwsSolutions-IAM5[Resource::arn:aws:sagemaker:us-east-1:111122223333:endpoint/*]');
    expect(findings('/Stack/Abalone/Role/DefaultPolicy/Resource'))
      .not.toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:processing-job/*]');
    expect(findings('/Stack/OwnRole/DefaultPolicy/Resource'))
      .toContain('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:111122223333:processing-job/*]');
  });
});

describe('real definitions', () => {
  test.each([
    '01-sdk-two-step-linear.json',
    '02-sdk-condition-branches-upstream-ref.json',
    '09-airflow-nested-conditions-31.json',
    '10-abalone-condition-register-transform-fail.json',
    '11-dynamic-framework-two-chains.json',
    '14-serial-inference-condition-register.json',
  ])('%s synthesizes through fromFile without validation errors', (file) => {
    // GIVEN a definition written by the SageMaker Python SDK or another third party
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromFile(`${FIXTURES}/${file}`) });

    // THEN
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});
