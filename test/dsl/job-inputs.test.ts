import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { newStack, renderedDefinition } from './util';
import {
  Condition, ConditionStep, ContainerImage, CreateModelStep, FailStep, JsonGet, ParameterString, Pipeline, PipelineDefinition,
  ProcessingCode, ProcessingStep, PropertyFile, RegisterModelStep, S3Location, SageMakerImageScope, TrainingStep,
} from '../../src';

const APP = path.join(__dirname, 'job-inputs-app');
const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

/** The stack's asset manifest: what `cdk deploy` publishes (files and Docker images). */
function assetManifest(stack: Stack): any {
  const assembly = (stack.node.root as App).synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const manifest = artifact.dependencies.find((d) => d.id === `${artifact.id}.assets`)!;
  return JSON.parse(fs.readFileSync(path.join(assembly.directory, (manifest.manifest.properties as any).file), 'utf8'));
}

function jobRole(stack: Stack): iam.Role {
  return new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
}

/** The statements of the policies attached to a role of the stack, by the role's construct id. */
function statementsOf(stack: Stack, roleId: string): any[] {
  const role = stack.node.findChild(roleId) as iam.Role;
  const logicalId = stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId);
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[];
  return policies
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The statements of the pipeline's role. */
function pipelineStatements(stack: Stack, pipeline: Pipeline): any[] {
  const logicalId = stack.resolve((pipeline.role.node.defaultChild as iam.CfnRole).logicalId);
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')) as any[];
  return policies
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function processing(stack: Stack, props: Partial<ConstructorParameters<typeof ProcessingStep>[2]> = {}, id = 'Prepare'): ProcessingStep {
  return new ProcessingStep(stack, id, {
    role: (stack.node.tryFindChild('JobRole') as iam.IRole | undefined) ?? jobRole(stack),
    image: ContainerImage.fromSageMakerImage('sklearn', '1.2-1'),
    instanceType: 'ml.m5.xlarge',
    ...props,
  });
}

describe('ContainerImage.fromSageMakerImage', () => {
  test.each([
    ['sklearn', '1.2-1', 'ml.m5.xlarge', {}, '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'],
    ['xgboost', '1.7-1', 'ml.m5.xlarge', {}, '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'],
    ['pytorch', '2.3.0', 'ml.g5.xlarge', {}, '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311'],
    ['pytorch', '2.3.0', 'ml.m5.xlarge', {}, '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-cpu-py311'],
    ['linear-learner', '1', 'ml.m5.xlarge', {}, '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1'],
    ['sklearn', '1.2-1', 'ml.m5.xlarge', { region: 'cn-north-1' }, '450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-scikit-learn:1.2-1-cpu-py3'],
  ])('%s %s on %s (%j) is %s', (name, version, instanceType, options, expected) => {
    // GIVEN a training step in us-east-1
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new TrainingStep(stack, 'Train', {
        role: jobRole(stack), image: ContainerImage.fromSageMakerImage(name, version, options), instanceType, outputPath: 's3://bucket/models',
      })]),
    });

    // THEN the image URI is the one AWS publishes for that region
    expect(renderedDefinition(stack).Steps[0].Arguments.AlgorithmSpecification.TrainingImage).toEqual(expected);
  });

  test('a model step takes the inference image', () => {
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new CreateModelStep(stack, 'Model', {
        role: jobRole(stack), image: ContainerImage.fromSageMakerImage('pytorch', '2.3.0', { processor: 'cpu' }),
      })]),
    });
    expect(renderedDefinition(stack).Steps[0].Arguments.PrimaryContainer.Image)
      .toEqual('763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311');
  });

  test('grants the job role nothing: SageMaker pulls its own images with its own credentials', () => {
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([processing(stack)]) });
    expect(statementsOf(stack, 'JobRole')).toEqual([]);
  });

  test.each([
    ['xgboost', '9.9-9', {}, /image: image "xgboost" \(training\) has no version "9.9-9"; its versions are .*"1.7-1"/],
    ['scikit', '1.2-1', {}, /no SageMaker image is named "scikit"; known images: .*"sklearn"/],
    ['sklearn', '1.2-1', { region: 'mars-north-1' }, /is not published in region "mars-north-1"; it is in .*"us-east-1"/],
    ['pytorch', '2.3.0', { processor: 'tpu' }, /has no processor "tpu"; choose one of "cpu", "gpu"/],
    ['clarify', '1.0', { imageScope: SageMakerImageScope.INFERENCE }, /has no inference scope; its scopes are "processing"/],
  ])('%s %s %j is a synth error naming the alternatives', (name, version, options, message) => {
    const stack = newStack();
    expect(() => processing(stack, { image: ContainerImage.fromSageMakerImage(name, version, options) }))
      .toThrow(message);
    expect(() => processing(newStack(), { image: ContainerImage.fromSageMakerImage(name, version, options) }))
      .toThrow(/^Stack\/Prepare: /);
  });

  test('a region-agnostic stack looks the registry account up at deploy time from a mapping of every region', () => {
    // GIVEN a stack without a region
    const stack = new Stack(new App(), 'Agnostic');
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack), processing(stack, {}, 'Again')]),
    });

    // THEN one mapping (shared by both steps) holds the account of each region
    const template = Template.fromStack(stack).toJSON();
    const mappings = Object.values(template.Mappings) as any[];
    expect(mappings).toHaveLength(1);
    expect(mappings[0]['us-east-1']).toEqual({ account: '683313688378' });
    expect(mappings[0]['eu-west-1']).toEqual({ account: '141502667606' });
    // and the definition looks it up by the deployment's region
    const body = JSON.stringify(template.Resources[Object.keys(template.Resources).find((k) => k.startsWith('Pipeline') && template.Resources[k].Type === 'AWS::SageMaker::Pipeline')!]);
    const [mappingName] = Object.keys(template.Mappings);
    expect(body).toContain(JSON.stringify({ 'Fn::FindInMap': [mappingName, { Ref: 'AWS::Region' }, 'account'] }));
    expect(body).toContain('/sagemaker-scikit-learn:1.2-1-cpu-py3');
  });
});

describe('ContainerImage from the app', () => {
  test('an ECR repository: its URI, and pull access for the job role on that repository', () => {
    // GIVEN
    const stack = newStack();
    const repository = new ecr.Repository(stack, 'Repo');

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, { image: ContainerImage.fromEcrRepository(repository, 'v3') })]),
    });

    // THEN
    expect(JSON.stringify(renderedDefinition(stack).Steps[0].Arguments.AppSpecification.ImageUri)).toContain(':v3');
    const statements = statementsOf(stack, 'JobRole');
    expect(statements).toContainEqual({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [stack.resolve((repository.node.defaultChild as ecr.CfnRepository).logicalId), 'Arn'] },
    });
    expect(statements).toContainEqual({ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' });
  });

  test('a Docker build context: an image asset (synth needs no Docker), pulled with the job role', () => {
    // GIVEN
    const stack = newStack();
    const image = ContainerImage.fromAsset(path.join(APP, 'image'));

    // WHEN two steps run the same image
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, { image }), processing(stack, { image }, 'Again')]),
    });

    // THEN one image asset is staged for publishing, and both steps run it
    const images = Object.keys(assetManifest(stack).dockerImages ?? {});
    expect(images).toHaveLength(1);
    const steps = renderedDefinition(stack).Steps;
    expect(steps[0].Arguments.AppSpecification.ImageUri).toContain(`:${images[0]}`);
    expect(steps[1].Arguments.AppSpecification.ImageUri).toEqual(steps[0].Arguments.AppSpecification.ImageUri);
    expect(statementsOf(stack, 'JobRole')).toContainEqual(expect.objectContaining({
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
    }));
  });

  test('a registry URI is used as given and grants nothing', () => {
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, { image: ContainerImage.fromRegistry('public.ecr.aws/x/y:1') })]),
    });
    expect(renderedDefinition(stack).Steps[0].Arguments.AppSpecification.ImageUri).toEqual('public.ecr.aws/x/y:1');
    expect(statementsOf(stack, 'JobRole')).toEqual([]);
  });

  test.each([
    [{ image: undefined, imageUri: undefined }, /set exactly one of image and imageUri; received neither/],
    [{ imageUri: 'x' }, /set exactly one of image and imageUri; received both/],
  ])('image and imageUri: exactly one (%j)', (props, message) => {
    expect(() => processing(newStack(), props as any)).toThrow(message);
  });
});

describe('ProcessingCode', () => {
  test('a script file: uploaded as an asset, mounted as the "code" input and run; the role reads that object only', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        code: ProcessingCode.fromFile(path.join(APP, 'scripts', 'preprocess.py')),
        containerArguments: ['--train-ratio', '0.8'],
      })]),
    });

    // THEN
    const [objectKey] = Object.values(assetManifest(stack).files).map((f: any) => (Object.values(f.destinations)[0] as any).objectKey)
      .filter((key: string) => key.endsWith('.py'));
    expect(objectKey).toMatch(/^[0-9a-f]{64}\.py$/);
    const args = renderedDefinition(stack).Steps[0].Arguments;
    expect(args.AppSpecification).toEqual({
      ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      ContainerEntrypoint: ['python3', `/opt/ml/processing/input/code/${objectKey}`],
      ContainerArguments: ['--train-ratio', '0.8'],
    });
    expect(args.ProcessingInputs).toEqual([expect.objectContaining({
      InputName: 'code',
      S3Input: expect.objectContaining({ S3Uri: `s3://cdk-hnb659fds-assets-111122223333-us-east-1/${objectKey}`, LocalPath: '/opt/ml/processing/input/code' }),
    })]);
    const bucketArn = ':s3:::cdk-hnb659fds-assets-111122223333-us-east-1';
    expect(statementsOf(stack, 'JobRole')).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: partitionArn(`${bucketArn}/${objectKey}`) },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: partitionArn(bucketArn), Condition: { StringLike: { 's3:prefix': objectKey } } },
    ]);
  });

  test('a directory: one zip asset, unpacked in the code folder by the entrypoint, which runs the script with the arguments', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        code: ProcessingCode.fromDirectory(path.join(APP, 'scripts'), 'preprocess.py'),
        containerArguments: ['--train-ratio', '0.8'],
      })]),
    });

    // THEN
    const [zip] = Object.values(assetManifest(stack).files).map((f: any) => (Object.values(f.destinations)[0] as any).objectKey)
      .filter((key: string) => key.endsWith('.zip'));
    expect(zip).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(renderedDefinition(stack).Steps[0].Arguments.AppSpecification).toEqual({
      ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
      ContainerEntrypoint: ['/bin/sh', '-c',
        `cd /opt/ml/processing/input/code && python3 -m zipfile -e /opt/ml/processing/input/code/${zip} . && exec python3 preprocess.py "$@"`, 'sh'],
      ContainerArguments: ['--train-ratio', '0.8'],
    });
  });

  test('an explicit entrypoint wins over the default one', () => {
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        code: ProcessingCode.fromFile(path.join(APP, 'scripts', 'preprocess.py')),
        entrypoint: ['bash', '-c', 'echo hi'],
      })]),
    });
    expect(renderedDefinition(stack).Steps[0].Arguments.AppSpecification.ContainerEntrypoint).toEqual(['bash', '-c', 'echo hi']);
  });

  test.each([
    [() => ProcessingCode.fromFile(path.join(APP, 'scripts')), /code: ".*scripts" is not a file/],
    [() => ProcessingCode.fromDirectory(path.join(APP, 'scripts'), 'missing.py'), /code: script "missing.py" is not a file inside/],
    [() => ProcessingCode.fromDirectory(path.join(APP, 'scripts'), '../image/Dockerfile'), /is not a file inside/],
    [() => ProcessingCode.fromFile(path.join(APP, 'scripts', 'preprocess.py'), { command: [] }), /command must name a program/],
  ])('bad code is a synth error (%#)', (code, message) => {
    expect(() => processing(newStack(), { code: code() })).toThrow(message);
  });

  test('an input named "code" next to code is a synth error', () => {
    expect(() => processing(newStack(), {
      code: ProcessingCode.fromFile(path.join(APP, 'scripts', 'preprocess.py')),
      inputs: [{ inputName: 'code', s3Uri: 's3://b/c', localPath: '/opt/ml/processing/x' }],
    })).toThrow(/an input is named "code"/);
  });
});

describe('S3Location', () => {
  test('inputs read and outputs write exactly their prefix; the URIs end at the prefix boundary', () => {
    // GIVEN
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const bucketRef = stack.resolve(bucket.bucketName);
    const bucketArn = stack.resolve(bucket.bucketArn);

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        inputs: [{ inputName: 'raw', location: S3Location.fromBucket(bucket, 'abalone/raw'), localPath: '/opt/ml/processing/input' }],
        outputs: [{ outputName: 'train', location: S3Location.fromBucket(bucket, 'abalone/train/'), localPath: '/opt/ml/processing/train' }],
      })]),
    });

    // THEN the rendered URIs name the bucket (a token resolved by CloudFormation)
    const args = renderedDefinition(stack).Steps[0].Arguments;
    const ref = `<${JSON.stringify(bucketRef).replace(/"/g, '\'')}>`;
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toEqual(`s3://${ref}/abalone/raw/`);
    expect(args.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual(`s3://${ref}/abalone/train`);
    // and the job role may read the input prefix and write the output prefix, nothing else
    const objects = (key: string) => ({ 'Fn::Join': ['', [bucketArn, `/${key}`]] });
    expect(statementsOf(stack, 'JobRole')).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: objects('abalone/raw/*') },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': 'abalone/raw/*' } } },
      { Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Effect: 'Allow', Resource: objects('abalone/train/*') },
    ]);
  });

  test('a KMS-encrypted bucket adds the key: decrypt to read, generate data keys to write', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Data', { encryptionKey: key });
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new TrainingStep(stack, 'Train', {
        role: jobRole(stack),
        image: ContainerImage.fromSageMakerImage('xgboost', '1.7-1'),
        instanceType: 'ml.m5.xlarge',
        inputs: [{ channelName: 'train', location: S3Location.fromBucket(bucket, 'train') }],
        outputLocation: S3Location.fromBucket(bucket, 'models'),
      })]),
    });
    const keyArn = stack.resolve(key.keyArn);
    const statements = statementsOf(stack, 'JobRole');
    expect(statements).toContainEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn });
    expect(statements).toContainEqual({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Effect: 'Allow', Resource: keyArn });
    const args = renderedDefinition(stack).Steps[0].Arguments;
    expect(args.OutputDataConfig.S3OutputPath).toMatch(/^s3:\/\/<.*>\/models$/);
    expect(args.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toMatch(/^s3:\/\/<.*>\/train\/$/);
  });

  test('an object (model artifacts) is read as that object only', () => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Models', 'models-bucket');
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new CreateModelStep(stack, 'Model', {
        role: jobRole(stack), imageUri: 'img', modelData: S3Location.fromObject(bucket, 'v1/model.tar.gz'),
      })]),
    });
    expect(renderedDefinition(stack).Steps[0].Arguments.PrimaryContainer.ModelDataUrl).toEqual('s3://models-bucket/v1/model.tar.gz');
    expect(statementsOf(stack, 'JobRole')).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: partitionArn(':s3:::models-bucket/v1/model.tar.gz') },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: partitionArn(':s3:::models-bucket'), Condition: { StringLike: { 's3:prefix': 'v1/model.tar.gz' } } },
    ]);
  });

  test('plain URIs keep working and grant nothing', () => {
    const stack = newStack();
    const input = new ParameterString('InputData', { defaultValue: 's3://b/in' });
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        inputs: [{ inputName: 'raw', location: S3Location.fromUri(input.valueAsString), localPath: '/opt/ml/processing/input' }],
        outputs: [{ outputName: 'train', s3Uri: 's3://b/train', localPath: '/opt/ml/processing/train' }],
      })]),
    });
    const args = renderedDefinition(stack).Steps[0].Arguments;
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toEqual({ Get: 'Parameters.InputData' });
    expect(args.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri).toEqual('s3://b/train');
    expect(statementsOf(stack, 'JobRole')).toEqual([]);
  });

  test.each([
    [{ inputName: 'raw', localPath: '/x' }, /set exactly one of inputs\[0\].location and inputs\[0\].s3Uri; received neither/],
    [{ inputName: 'raw', localPath: '/x', s3Uri: 's3://b/x', location: S3Location.fromUri('s3://b/y') }, /received both/],
  ])('location and s3Uri: exactly one (%#)', (input, message) => {
    expect(() => processing(newStack(), { inputs: [input as any] })).toThrow(message);
  });

  test.each([
    [(b: s3.IBucket) => S3Location.fromBucket(b, '/abs'), /keyPrefix must be an S3 key prefix without a leading '\/'/],
    [(b: s3.IBucket) => S3Location.fromObject(b, 'dir/'), /key must be an S3 key of an object/],
    [(b: s3.IBucket) => S3Location.fromBucket(b, new ParameterString('P').valueAsString), /keyPrefix must be a literal string/],
  ])('bad keys are synth errors (%#)', (location, message) => {
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'B', 'data-bucket');
    expect(() => processing(stack, { inputs: [{ inputName: 'raw', location: location(bucket), localPath: '/x' }] })).toThrow(message);
  });

  test('a property file in a bucket location: the pipeline role reads that one file', () => {
    // GIVEN an evaluation step writing its report to a bucket of the app, read by a condition
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data');
    const report = new PropertyFile({ propertyFileName: 'EvaluationReport', outputName: 'evaluation', filePath: 'evaluation.json' });
    const evaluate = processing(stack, {
      outputs: [{ outputName: 'evaluation', location: S3Location.fromBucket(bucket, 'abalone/evaluation'), localPath: '/opt/ml/processing/evaluation' }],
      propertyFiles: [report],
    }, 'Evaluate');
    const check = new ConditionStep(stack, 'Check', {
      conditions: [Condition.lessThanOrEqualTo(JsonGet.fromPropertyFile(report, 'mse'), 6)],
      ifSteps: [],
      elseSteps: [new FailStep(stack, 'Fail', { errorMessage: 'too high' })],
    });

    // WHEN
    const pipeline = new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([evaluate, check]) });

    // THEN
    const bucketArn = stack.resolve(bucket.bucketArn);
    const reads = pipelineStatements(stack, pipeline).filter((s) => s.Action === 's3:GetObject');
    expect(reads).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/abalone/evaluation/evaluation.json']] } }]);
  });
});

describe('RegisterModelStep: the model package group', () => {
  test('a group named by a parameter (unknown at synth) is granted as model-package-group/*', () => {
    const stack = newStack();
    const group = new ParameterString('ModelPackageGroup', { defaultValue: 'abalone' });
    const pipeline = new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new RegisterModelStep(stack, 'Register', {
        modelPackageGroupName: group.valueAsString,
        containers: [{ image: ContainerImage.fromSageMakerImage('xgboost', '1.7-1') }],
        contentTypes: ['text/csv'],
        responseTypes: ['text/csv'],
      })]),
    });
    expect(renderedDefinition(stack).Steps[0].Arguments.InferenceSpecification.Containers[0].Image)
      .toEqual('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1');
    expect(pipelineStatements(stack, pipeline)).toContainEqual({
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      Effect: 'Allow',
      Resource: partitionArn(':sagemaker:us-east-1:111122223333:model-package-group/*'),
    });
  });

  test('a lower-case group name is granted once, by name', () => {
    const stack = newStack();
    const pipeline = new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([new RegisterModelStep(stack, 'Register', {
        modelPackageGroupName: 'abalone-models', containers: [{ imageUri: 'img' }], contentTypes: ['text/csv'], responseTypes: ['text/csv'],
      })]),
    });
    expect(pipelineStatements(stack, pipeline)).toContainEqual({
      Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      Effect: 'Allow',
      Resource: partitionArn(':sagemaker:us-east-1:111122223333:model-package-group/abalone-models'),
    });
  });
});

describe('typed training metrics', () => {
  test('metric definitions are rendered, and a final metric value reads FinalMetricDataList by name in a Condition', () => {
    // GIVEN
    const stack = newStack();
    const train = new TrainingStep(stack, 'Train', {
      role: jobRole(stack),
      image: ContainerImage.fromSageMakerImage('xgboost', '1.7-1'),
      instanceType: 'ml.m5.xlarge',
      outputPath: 's3://bucket/models',
      metricDefinitions: [{ name: 'validation:auc', regex: 'validation-auc:([0-9.]+)' }],
    });
    const gate = new ConditionStep(stack, 'Gate', {
      conditions: [Condition.lessThanOrEqualTo(train.finalMetricValue('validation:rmse'), 3.5)],
      ifSteps: [],
      elseSteps: [new FailStep(stack, 'TooHigh', { errorMessage: 'rmse too high' })],
    });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([train, gate]) });

    // THEN
    const steps = renderedDefinition(stack).Steps;
    expect(steps[0].Arguments.AlgorithmSpecification.MetricDefinitions).toEqual([{ Name: 'validation:auc', Regex: 'validation-auc:([0-9.]+)' }]);
    expect(steps[1].Arguments.Conditions).toEqual([{
      Type: 'LessThanOrEqualTo',
      LeftValue: { Get: "Steps.Train.FinalMetricDataList['validation:rmse'].Value" },
      RightValue: 3.5,
    }]);
  });

  test.each([
    [[{ name: 'a', regex: 'x' }, { name: 'a', regex: 'y' }], /metric "a" is defined twice/],
    [[{ name: '', regex: 'x' }], /\[0\].name must be 1 to 255 characters/],
    [Array.from({ length: 41 }, (_, i) => ({ name: `m${i}`, regex: 'x' })), /at most 40 metrics; received 41/],
  ])('bad metric definitions are synth errors (%#)', (metricDefinitions, message) => {
    const stack = newStack();
    expect(() => new TrainingStep(stack, 'Train', {
      role: jobRole(stack), imageUri: 'img', instanceType: 'ml.m5.xlarge', outputPath: 's3://b/m', metricDefinitions,
    })).toThrow(message);
  });

  test('a metric name with a quote is a synth error (it would break the property path)', () => {
    const stack = newStack();
    const train = new TrainingStep(stack, 'Train', { role: jobRole(stack), imageUri: 'img', instanceType: 'ml.m5.xlarge', outputPath: 's3://b/m' });
    expect(() => train.finalMetricValue("it's")).toThrow(/metric name must be non-empty and without "'"/);
  });
});

describe('cdk-nag', () => {
  function nagFindings(stack: Stack): string[] {
    Aspects.of(stack).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    return errors.map((e) => `${e.id} ${String(e.entry.data).replace(/\].*/s, ']')}`).sort();
  }

  test('app code, a SageMaker image and bucket prefixes: no finding, with no suppression in the app', () => {
    // GIVEN
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        code: ProcessingCode.fromDirectory(path.join(APP, 'scripts'), 'preprocess.py'),
        inputs: [{ inputName: 'raw', location: S3Location.fromBucket(bucket, 'raw'), localPath: '/opt/ml/processing/input' }],
        outputs: [{ outputName: 'train', location: S3Location.fromBucket(bucket, 'train'), localPath: '/opt/ml/processing/train' }],
      })]),
    });

    // THEN the job role's prefix wildcards are acknowledged one by one, with the prefix in the reason
    expect(nagFindings(stack)).toEqual([]);
    const suppressions = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions).toContainEqual({
      id: 'AwsSolutions-IAM5',
      reason: expect.stringContaining("the prefix 'raw/' that the app chose"),
      applies_to: [expect.stringMatching(/^Resource::<Data[0-9A-F]+\.Arn>\/raw\/\*$/)],
    });
  });

  test('the whole bucket is not acknowledged, nor other wildcards of the role: they stay findings', () => {
    // GIVEN a whole-bucket output and a wildcard the app grants itself on the same role
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
    const role = jobRole(stack);
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromSteps([processing(stack, {
        role,
        inputs: [{ inputName: 'raw', location: S3Location.fromBucket(bucket, 'raw'), localPath: '/opt/ml/processing/input' }],
        outputs: [{ outputName: 'all', location: S3Location.fromBucket(bucket), localPath: '/opt/ml/processing/all' }],
      })]),
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('other/*')] }));

    // THEN
    expect(nagFindings(stack)).toEqual([
      expect.stringMatching(/ AwsSolutions-IAM5\[Resource::<Data[0-9A-F]+\.Arn>\/\*\]$/),
      expect.stringMatching(/ AwsSolutions-IAM5\[Resource::<Data[0-9A-F]+\.Arn>\/other\/\*\]$/),
    ]);
  });
});
