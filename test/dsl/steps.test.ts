import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { dagOf, newStack, renderedDefinition } from './util';
import { planRetry } from '../../lambda/planner';
import {
  AutoMLProblemType, AutoMLStep, CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, CreateModelStep,
  CustomStep, EmrStep, ExecutionVariable, FailStep, HyperparameterRange, HyperparameterScalingType, Join, JsonGet, LambdaStep, NotebookJobStep,
  ParameterBoolean, ParameterInteger, ParameterString, Pipeline, PipelineDefinition, ProcessingStep, PropertyFile, QualityCheckStep, QualityCheckType,
  StepOutputType, StepType, TrainingStep, TransformStep, TuningObjectiveType, TuningStep,
} from '../../src';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';

function setup() {
  const stack = newStack();
  const role = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job', { mutable: false });
  return { stack, role };
}

describe('the other step families', () => {
  test('a Lambda step output consumed by a Callback step creates the data dependency and the typed JSON', () => {
    // GIVEN
    const { stack } = setup();
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111122223333:function:pick');
    const queue = sqs.Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:us-east-1:111122223333:approvals');
    const pick = new LambdaStep(stack, 'Pick', {
      lambdaFunction: fn,
      inputs: { run: ExecutionVariable.PIPELINE_EXECUTION_ID },
      outputs: [{ outputName: 'dataset', outputType: StepOutputType.STRING }],
      cache: { expireAfter: Duration.days(1) },
    });
    const approve = new CallbackStep(stack, 'Approve', {
      queue,
      inputs: { dataset: pick.outputParameter('dataset') },
      outputs: [{ outputName: 'approved', outputType: StepOutputType.BOOLEAN }],
    });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([approve, pick]) });
    const definition = renderedDefinition(stack);

    // THEN
    expect(definition.Steps[1]).toEqual({
      Name: 'Pick',
      Type: 'Lambda',
      Arguments: { run: { Get: 'Execution.PipelineExecutionId' } },
      FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:pick',
      OutputParameters: [{ OutputName: 'dataset', OutputType: 'String' }],
      CacheConfig: { Enabled: true, ExpireAfter: 'P1D' },
    });
    expect(definition.Steps[0]).toEqual({
      Name: 'Approve',
      Type: 'Callback',
      Arguments: { dataset: { Get: "Steps.Pick.OutputParameters['dataset']" } },
      SqsQueueUrl: expect.stringContaining('approvals'),
      OutputParameters: [{ OutputName: 'approved', OutputType: 'Boolean' }],
    });
    expect(dagOf(definition).Approve.predecessors).toEqual(['Pick']);
    expect(() => pick.outputParameter('nope')).toThrow(/"nope" is not an output of step "Pick"; declared outputs are "dataset"/);
  });

  test('a Tuning step renders the tuning request and its top model feeds a Model step', () => {
    // GIVEN
    const { stack, role } = setup();
    const tune = new TuningStep(stack, 'Tune', {
      role,
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      outputPath: 's3://bucket/tuning/',
      objectiveMetricName: 'validation:rmse',
      objectiveType: TuningObjectiveType.MINIMIZE,
      maxTrainingJobs: 10,
      maxParallelTrainingJobs: 2,
      ranges: [
        HyperparameterRange.continuous('eta', 0.1, 0.5, HyperparameterScalingType.LINEAR),
        HyperparameterRange.integer('max_depth', 3, 9),
        HyperparameterRange.categorical('booster', ['gbtree', 'dart']),
      ],
      staticHyperparameters: { objective: 'reg:squarederror' },
      inputs: [{ channelName: 'train', s3Uri: 's3://bucket/train' }],
    });
    const model = new CreateModelStep(stack, 'Model', { role, imageUri: IMAGE, modelDataUrl: tune.topModelUri(0) });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([tune, model]) });
    const definition = renderedDefinition(stack);

    // THEN
    const config = definition.Steps[0].Arguments.HyperParameterTuningJobConfig;
    expect(config.HyperParameterTuningJobObjective).toEqual({ Type: 'Minimize', MetricName: 'validation:rmse' });
    expect(config.ResourceLimits).toEqual({ MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 });
    expect(config.ParameterRanges).toEqual({
      IntegerParameterRanges: [{ Name: 'max_depth', MinValue: '3', MaxValue: '9', ScalingType: 'Auto' }],
      ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5', ScalingType: 'Linear' }],
      CategoricalParameterRanges: [{ Name: 'booster', Values: ['gbtree', 'dart'] }],
    });
    expect(definition.Steps[0].Arguments.TrainingJobDefinition.RoleArn).toBe('arn:aws:iam::111122223333:role/job');
    expect(definition.Steps[1].Arguments.PrimaryContainer.ModelDataUrl).toEqual({
      'Std:Join': { On: '/', Values: ['s3://bucket/tuning', { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' }, 'output/model.tar.gz'] },
    });
    expect(dagOf(definition).Model.predecessors).toEqual(['Tune']);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateHyperParameterTuningJob']) })]) },
    });
  });

  test('an AutoML step renders the AutoML request', () => {
    // GIVEN
    const { stack, role } = setup();
    const automl = new AutoMLStep(stack, 'AutoML', {
      role,
      inputUri: 's3://bucket/train.csv',
      targetAttributeName: 'churn',
      outputPath: 's3://bucket/automl',
      problemType: AutoMLProblemType.BINARY_CLASSIFICATION,
      objectiveMetricName: 'F1',
      maxCandidates: 5,
    });

    // WHEN
    const json = automl.toStepJson();

    // THEN
    expect(json).toEqual({
      Name: 'AutoML',
      Type: 'AutoML',
      Arguments: {
        AutoMLJobConfig: { CompletionCriteria: { MaxCandidates: 5 }, Mode: 'ENSEMBLING' },
        InputDataConfig: [{ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/train.csv' } }, TargetAttributeName: 'churn' }],
        OutputDataConfig: { S3OutputPath: 's3://bucket/automl' },
        RoleArn: 'arn:aws:iam::111122223333:role/job',
        ProblemType: 'BinaryClassification',
        AutoMLJobObjective: { MetricName: 'F1' },
      },
    });
  });

  test('Clarify and quality checks render a processing request plus the check fields', () => {
    // GIVEN
    const { stack, role } = setup();
    const base = { role, imageUri: IMAGE, instanceType: 'ml.m5.xlarge' };
    const bias = new ClarifyCheckStep(stack, 'Bias', {
      ...base, checkType: ClarifyCheckType.DATA_BIAS, modelPackageGroupName: 'churn', skipCheck: true, registerNewBaseline: true,
    });
    const quality = new QualityCheckStep(stack, 'Quality', {
      ...base, checkType: QualityCheckType.DATA_QUALITY, suppliedBaselineStatistics: 's3://bucket/stats.json',
    });

    // WHEN
    const b = bias.toStepJson();
    const q = quality.toStepJson();

    // THEN
    expect(b).toMatchObject({
      Type: 'ClarifyCheck', CheckType: 'DATA_BIAS', ModelPackageGroupName: 'churn', SkipCheck: true, RegisterNewBaseline: true, FailOnViolation: true,
    });
    expect(b.Arguments.ProcessingResources.ClusterConfig).toEqual({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 });
    expect(q).toMatchObject({ Type: 'QualityCheck', CheckType: 'DATA_QUALITY', SuppliedBaselineStatistics: 's3://bucket/stats.json', SkipCheck: false });
    expect(quality.calculatedBaselineStatistics).toBeDefined();
  });

  test('an EMR step renders the Hadoop JAR step and lets the role add steps to that cluster only', () => {
    // GIVEN
    const { stack } = setup();
    const emr = new EmrStep(stack, 'Spark', {
      clusterId: 'j-1ABCDEFGHIJKL', jar: 'command-runner.jar', args: ['spark-submit', 's3://bucket/job.py'], properties: { 'a.b': 'c' },
    });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([emr]) });

    // THEN
    expect(renderedDefinition(stack).Steps[0].Arguments).toEqual({
      ClusterId: 'j-1ABCDEFGHIJKL',
      StepConfig: { HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 's3://bucket/job.py'], Properties: [{ Key: 'a.b', Value: 'c' }] } },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeStep'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticmapreduce:us-east-1:111122223333:cluster/j-1ABCDEFGHIJKL']] },
        }), Match.objectLike({
          Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111122223333:rule/SageMakerPipelineExecutionEMRStepStatusUpdateRule']],
          },
        })]),
      },
    });
  });

  test('a notebook job step renders as a Training step running the headless scheduler', () => {
    // GIVEN
    const { stack, role } = setup();
    const notebook = new NotebookJobStep(stack, 'Report', {
      role,
      imageUri: IMAGE,
      kernelName: 'python3',
      inputFolderUri: 's3://bucket/nb/',
      notebookName: 'report.ipynb',
      outputPath: 's3://bucket/out',
      parameters: { day: '1' },
    });

    // WHEN
    const json = notebook.toStepJson();

    // THEN
    expect(json.Type).toBe('Training');
    expect(json.Arguments.AlgorithmSpecification.ContainerEntrypoint).toEqual(['amazon_sagemaker_scheduler']);
    expect(json.Arguments.InputDataConfig[0].ChannelName).toBe('sagemaker_headless_execution_pipelinestep');
    expect(json.Arguments.Environment).toMatchObject({ SM_KERNEL_NAME: 'python3', SM_INPUT_NOTEBOOK_NAME: 'report.ipynb', SM_OUTPUT_NOTEBOOK_NAME: 'Report.ipynb' });
    expect(json.Arguments.HyperParameters).toEqual({ day: '1' });
  });

  test('a custom step takes any type and raw JSON, with references and its own permissions', () => {
    // GIVEN
    const { stack } = setup();
    const model = new CreateModelStep(stack, 'Model', {
      role: iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::111122223333:role/job', { mutable: false }), imageUri: IMAGE,
    });
    const endpointConfig = new CustomStep(stack, 'EndpointConfig', {
      stepType: StepType.of('EndpointConfig'),
      arguments: { ProductionVariants: [{ ModelName: model.modelName, VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] },
      policyStatements: [new iam.PolicyStatement({ actions: ['sagemaker:CreateEndpointConfig'], resources: ['*'] })],
    });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([model, endpointConfig]) });

    // THEN
    const definition = renderedDefinition(stack);
    expect(definition.Steps[1].Type).toBe('EndpointConfig');
    expect(definition.Steps[1].Arguments.ProductionVariants[0].ModelName).toEqual({ Get: 'Steps.Model.ModelName' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:CreateEndpointConfig' })]) },
    });
  });
});

describe('the raw-arguments escape hatch', () => {
  test('deep-merges objects, replaces other values and removes keys set to null', () => {
    // GIVEN
    const { stack, role } = setup();
    const step = new TransformStep(stack, 'Transform', {
      modelName: 'm',
      inputUri: 's3://bucket/in',
      outputPath: 's3://bucket/out',
      instanceType: 'ml.m5.xlarge',
      additionalArguments: {
        TransformInput: { CompressionType: 'Gzip' },
        TransformResources: { InstanceCount: 3 },
        DataProcessing: { JoinSource: 'Input' },
        ModelName: null,
      },
    });
    void role;

    // WHEN
    const args = step.toStepJson().Arguments;

    // THEN
    expect(args).toEqual({
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/in' } }, CompressionType: 'Gzip' },
      TransformOutput: { S3OutputPath: 's3://bucket/out' },
      TransformResources: { InstanceCount: 3, InstanceType: 'ml.m5.xlarge' },
      DataProcessing: { JoinSource: 'Input' },
    });
  });
});

describe('conditions', () => {
  test('render Equals, comparisons, In, Not and Or like the SageMaker Python SDK (fixture 02) and nest', () => {
    // GIVEN
    const { stack, role } = setup();
    const myInt1 = new ParameterInteger('MyInt1', { defaultValue: 1 });
    const myInt2 = new ParameterInteger('MyInt2', { defaultValue: 2 });
    const myStr = new ParameterString('MyStr', { defaultValue: 'abc', enumValues: ['abc', 'def'] });
    const flag = new ParameterBoolean('Flag', { defaultValue: true });
    const upstream = new CreateModelStep(stack, 'MyStep0', { role, imageUri: IMAGE });
    const inner = new ConditionStep(stack, 'Inner', {
      conditions: [Condition.equalTo(flag.valueAsString, true)],
      ifSteps: [new FailStep(stack, 'InnerFail', { errorMessage: 'flag set' })],
    });
    const outer = new ConditionStep(stack, 'Outer', {
      conditions: [
        Condition.equalTo(myInt1.valueAsNumber, myInt2.valueAsNumber),
        Condition.greaterThan(ExecutionVariable.START_DATE_TIME, '2020-12-01'),
        Condition.greaterThanOrEqualTo(ExecutionVariable.START_DATE_TIME, myStr.valueAsString),
        Condition.lessThan(ExecutionVariable.START_DATE_TIME, '2020-12-01'),
        Condition.inList(myStr.valueAsString, ['abc', upstream.modelName, ExecutionVariable.START_DATE_TIME]),
        Condition.negate(Condition.inList(myStr.valueAsString, ['abc', 'def'])),
        Condition.anyOf(Condition.greaterThan(ExecutionVariable.START_DATE_TIME, '2020-12-01'), Condition.inList(myStr.valueAsString, ['abc', 'def'])),
      ],
      ifSteps: [inner],
      elseSteps: [new FailStep(stack, 'OuterFail')],
    });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([outer, upstream]) });
    const definition = renderedDefinition(stack);

    // THEN
    const conditions = definition.Steps[0].Arguments.Conditions;
    expect(conditions[0]).toEqual({ Type: 'Equals', LeftValue: { Get: 'Parameters.MyInt1' }, RightValue: { Get: 'Parameters.MyInt2' } });
    expect(conditions[4]).toEqual({
      Type: 'In',
      QueryValue: { Get: 'Parameters.MyStr' },
      Values: ['abc', { Get: 'Steps.MyStep0.ModelName' }, { Get: 'Execution.StartDateTime' }],
    });
    expect(conditions[5]).toEqual({ Type: 'Not', Condition: { Type: 'In', QueryValue: { Get: 'Parameters.MyStr' }, Values: ['abc', 'def'] } });
    expect(conditions[6].Type).toBe('Or');
    // parameters are declared in the order the steps first use them
    expect(definition.Parameters).toEqual([
      { Name: 'MyInt1', Type: 'Integer', DefaultValue: 1 },
      { Name: 'MyInt2', Type: 'Integer', DefaultValue: 2 },
      { Name: 'MyStr', Type: 'String', DefaultValue: 'abc', EnumValues: ['abc', 'def'] },
      { Name: 'Flag', Type: 'Boolean', DefaultValue: true },
    ]);
    const dag = dagOf(definition);
    expect(dag.Outer.predecessors).toEqual(['MyStep0']);
    expect(dag.Inner.parent).toEqual({ condition: 'Outer', branch: 'IfSteps' });
    expect(dag.InnerFail.parent).toEqual({ condition: 'Inner', branch: 'IfSteps' });
    expect(dag.OuterFail.parent).toEqual({ condition: 'Outer', branch: 'ElseSteps' });
  });

  test('a nested DSL pipeline feeds the planner: a failed inner branch step is a Fail step, so no retry', () => {
    // GIVEN
    const { stack } = setup();
    const inner = new ConditionStep(stack, 'Inner', {
      conditions: [Condition.equalTo(1, 1)],
      ifSteps: [new FailStep(stack, 'Stop', { errorMessage: 'stop' })],
    });
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([new ConditionStep(stack, 'Outer', { conditions: [Condition.equalTo(1, 1)], ifSteps: [inner] })]) });
    const definition = renderedDefinition(stack);

    // WHEN
    const plan = planRetry(definition, [
      { StepName: 'Outer', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'True' } } },
      { StepName: 'Inner', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'True' } } },
      { StepName: 'Stop', StepStatus: 'Failed', Metadata: { Fail: { ErrorMessage: 'stop' } } },
    ]);

    // THEN
    expect(plan.decision).toBe('skip');
  });
});

describe('expressions', () => {
  test('JsonGet.fromS3Uri and ExecutionVariable.of render, and a reference inside the URI is a dependency', () => {
    // GIVEN a condition reading a JSON file whose URI comes from a training step
    const { stack, role } = setup();
    const train = new TrainingStep(stack, 'Train', { role, imageUri: IMAGE, instanceType: 'ml.m5.xlarge', outputPath: 's3://bucket/model' });
    const check = new ConditionStep(stack, 'Check', {
      conditions: [Condition.greaterThan(
        JsonGet.fromS3Uri(Join.of('/', [train.property('OutputDataConfig.S3OutputPath'), 'metrics.json']), 'accuracy'),
        0.9,
      )],
      ifSteps: [new FailStep(stack, 'Stop', { errorMessage: ExecutionVariable.of('PipelineExecutionArn') })],
    });

    // WHEN
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([train, check]) });
    const definition = renderedDefinition(stack);

    // THEN
    expect(definition.Steps[1].Arguments.Conditions[0].LeftValue).toEqual({
      'Std:JsonGet': {
        S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: 'Steps.Train.OutputDataConfig.S3OutputPath' }, 'metrics.json'] } },
        Path: 'accuracy',
      },
    });
    expect(definition.Steps[1].Arguments.IfSteps[0].Arguments.ErrorMessage).toEqual({ Get: 'Execution.PipelineExecutionArn' });
    expect(dagOf(definition).Check.predecessors).toEqual(['Train']);
  });

  test('a property file belongs to one step; integer parameters take integer defaults', () => {
    // GIVEN
    const { stack, role } = setup();
    const report = new PropertyFile({ propertyFileName: 'Report', outputName: 'out', filePath: 'r.json' });
    const props = {
      role,
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      propertyFiles: [report],
      outputs: [{ outputName: 'out', localPath: '/opt/ml/processing/out', s3Uri: 's3://bucket/out' }],
    };
    new ProcessingStep(stack, 'A', props);

    // WHEN / THEN
    expect(() => new ProcessingStep(stack, 'B', props)).toThrow(/Stack\/B: PropertyFile "Report" is already attached to step "A" \(Stack\/A\)/);
    expect(() => new ParameterInteger('Epochs', { defaultValue: 1.5 })).toThrow(/must be an integer; received 1\.5\. Use ParameterFloat/);
  });
});
