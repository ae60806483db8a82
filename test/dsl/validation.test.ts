import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { newStack } from './util';
import {
  Condition, ConditionStep, FailStep, Join, JsonGet, ParameterString, Pipeline, PipelineDefinition, PipelineDefinitionStorage,
  ProcessingStep, PropertyFile, StepExceptionType, TrainingStep,
} from '../../src';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

function prepare(stack: Stack, id: string, props: { stepName?: string; dependsOn?: any[]; s3Uri?: string } = {}) {
  const role = (stack.node.tryFindChild('JobRole') as iam.IRole | undefined)
    ?? iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');
  return new ProcessingStep(stack, id, {
    role,
    imageUri: IMAGE,
    instanceType: 'ml.m5.xlarge',
    stepName: props.stepName,
    dependsOn: props.dependsOn,
    inputs: props.s3Uri ? [{ inputName: 'in', s3Uri: props.s3Uri, localPath: '/opt/ml/processing/input' }] : undefined,
    outputs: [{ outputName: 'train', localPath: '/opt/ml/processing/train', s3Uri: 's3://bucket/train' }],
  });
}

/** Synthesizes the app and returns the validation error message. */
function synthError(stack: Stack): string {
  try {
    App.of(stack)!.synth({ force: true });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail');
}

describe('synth-time validation of the graph', () => {
  test('fails on two steps with the same name, naming both construct paths and the fix', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A', { stepName: 'Prepare' });
    const b = prepare(stack, 'B', { stepName: 'Prepare' });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([a, b]) });

    // THEN
    const message = synthError(stack);
    expect(message).toContain('[Stack/Pipeline]');
    expect(message).toContain('step name "Prepare" is used by two steps: Stack/A and Stack/B');
    expect(message).toContain('give one of them another stepName');
  });

  test('fails on a step name outside ^[A-Za-z0-9\\-_]{1,64}$, eagerly, with the construct path', () => {
    // GIVEN
    const stack = newStack();

    // WHEN / THEN
    expect(() => prepare(stack, 'A', { stepName: 'pre process' }))
      .toThrow(/^Stack\/A: stepName must be 1 to 64 letters, digits, '-' or '_'.*received "pre process".*Pass a valid stepName/);
    expect(() => prepare(stack, 'B', { stepName: 'x'.repeat(65) })).toThrow(/Stack\/B: stepName must be/);
  });

  test('accepts SDK-style dashed step names', () => {
    // GIVEN / WHEN
    const stack = newStack();
    const step = prepare(stack, 'A', { stepName: 'AbaloneRegisterModel-RegisterModel_2' });

    // THEN
    expect(step.stepName).toBe('AbaloneRegisterModel-RegisterModel_2');
  });

  test('fails on an invalid step name in a JSON definition', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromJson({ Version: '2020-12-01', Steps: [{ Name: 'bad.name', Type: 'Fail', Arguments: {} }] }),
    });

    // THEN
    expect(synthError(stack)).toMatch(/\[Stack\/Pipeline\] step name "bad\.name" is invalid.*Rename the step\. \[Pipeline\.InvalidStepName\]/);
  });

  test('fails when a step uses the output of a step that is not in the pipeline', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');
    const b = prepare(stack, 'B', { s3Uri: a.outputUri('train') });

    // WHEN only B is listed
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([b]) });

    // THEN
    const message = synthError(stack);
    expect(message).toContain('step "B" (Stack/B) uses an output of step "A" (Stack/A), which is not part of this pipeline.');
    expect(message).toContain('Add it to PipelineDefinition.fromSteps');
    expect(message.match(/UnknownStepReference/g)).toHaveLength(1);
  });

  test('fails when a step depends on a step that is not in the pipeline', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');
    const b = prepare(stack, 'B', { dependsOn: [a] });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([b]) });

    // THEN
    expect(synthError(stack)).toContain('step "B" (Stack/B) depends on step "A" (Stack/A), which is not part of this pipeline.');
  });

  test('fails on a dangling reference in a JSON definition', () => {
    // GIVEN
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromJson({
        Version: '2020-12-01',
        Steps: [{ Name: 'B', Type: 'Fail', Arguments: { ErrorMessage: { Get: 'Steps.Gone.Outcome' } } }],
      }),
    });

    // WHEN / THEN
    expect(synthError(stack)).toMatch(/Step "B" references .* "Gone", which is not a step of this pipeline\. Add the missing step/);
  });

  test('fails on a cycle and prints it', () => {
    // GIVEN A -> B (data) and B -> A (DependsOn)
    const stack = newStack();
    const a = prepare(stack, 'A');
    const b = prepare(stack, 'B', { s3Uri: a.outputUri('train') });
    a.addDependsOn(b);

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([a, b]) });

    // THEN
    const message = synthError(stack);
    expect(message).toContain('the steps form a cycle: A -> B -> A.');
    expect(message).toContain('remove one of these dependencies');
  });

  test('fails when a step depends on a Fail step', () => {
    // GIVEN
    const stack = newStack();
    const fail = new FailStep(stack, 'Stop', { errorMessage: 'bad data' });
    const after = prepare(stack, 'After', { dependsOn: [fail] });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([fail, after]) });

    // THEN
    expect(synthError(stack)).toContain('step "After" depends on Fail step "Stop". A Fail step ends the execution, so no step can run '
      + 'after it: remove "Stop" from the dependsOn of "After". [Pipeline.FailStepDependency]');
  });

  test('fails on a parameter the definition does not declare', () => {
    // GIVEN a raw reference to an undeclared parameter
    const stack = newStack();
    const a = new TrainingStep(stack, 'Train', {
      role: iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job'),
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      outputPath: 's3://bucket/model',
      additionalArguments: { HyperParameters: { epochs: { Get: 'Parameters.Epochs' } } },
    });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([a]) });

    // THEN
    expect(synthError(stack)).toContain('step(s) "Train" use parameter "Epochs", which the definition does not declare.');
  });

  test('fails on two parameters with the same name and different settings', () => {
    // GIVEN
    const stack = newStack();
    const one = new ParameterString('Input', { defaultValue: 's3://a' });
    const two = new ParameterString('Input', { defaultValue: 's3://b' });
    const a = prepare(stack, 'A', { s3Uri: one.valueAsString });
    const b = prepare(stack, 'B', { s3Uri: two.valueAsString });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([a, b]) });

    // THEN
    expect(synthError(stack)).toMatch(/parameter "Input" is declared twice with different settings.*Use one Parameter object per name/);
  });

  test('fails on a definition over the 1,048,576-character limit', () => {
    // GIVEN
    const stack = newStack();
    new Pipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromJson({
        Version: '2020-12-01', Steps: [{ Name: 'Big', Type: 'Fail', Arguments: { ErrorMessage: 'x'.repeat(1_100_000) } }],
      }),
    });

    // WHEN / THEN
    expect(synthError(stack)).toMatch(/the definition is 11\d{5} characters, over SageMaker's limit of 1048576\. Split the pipeline/);
  });

  test('fails when a branch step is also listed at the top level', () => {
    // GIVEN
    const stack = newStack();
    const fail = new FailStep(stack, 'Stop');
    const check = new ConditionStep(stack, 'Check', { conditions: [Condition.equalTo(1, 1)], elseSteps: [fail] });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([check, fail]) });

    // THEN
    expect(synthError(stack)).toContain('step "Stop" (Stack/Stop) is placed twice: in a branch of Condition "Check" and in '
      + 'PipelineDefinition.fromSteps.');
  });

  test('fails when a property file is read but attached to no step', () => {
    // GIVEN
    const stack = newStack();
    const report = new PropertyFile({ propertyFileName: 'Report', outputName: 'evaluation', filePath: 'evaluation.json' });
    const check = new ConditionStep(stack, 'Check', {
      conditions: [Condition.greaterThan(JsonGet.fromPropertyFile(report, 'accuracy'), 0.9)],
    });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([check]) });

    // THEN
    expect(synthError(stack)).toContain('PropertyFile "Report" is read with JsonGet but is not attached to any step. Pass it in the '
      + 'propertyFiles prop of the ProcessingStep that writes it.');
  });

  test('fails when a step is used by two pipelines', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');
    new Pipeline(stack, 'One', { definition: PipelineDefinition.fromSteps([a]) });

    // WHEN / THEN
    expect(() => new Pipeline(stack, 'Two', { definition: PipelineDefinition.fromSteps([a]) }))
      .toThrow(/Stack\/Two: step "A" \(Stack\/A\) is already part of pipeline Stack\/One.*Create a second step/);
  });

  test('fails on a definition without steps', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([]) });

    // THEN
    expect(synthError(stack)).toContain('[Stack/Pipeline] the definition has no steps. Give PipelineDefinition.fromSteps at least one step');
  });

  test('a valid pipeline synthesizes without errors (the checks can pass)', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');
    const b = prepare(stack, 'B', { s3Uri: a.outputUri('train') });

    // WHEN
    new Pipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps([a, b]) });

    // THEN
    expect(() => App.of(stack)!.synth({ force: true })).not.toThrow();
  });
});

describe('eager validation of props', () => {
  test('pipeline name, display name, description and parallelism', () => {
    // GIVEN
    const stack = newStack();
    const definition = PipelineDefinition.fromJson({ Version: '2020-12-01', Steps: [] });

    // WHEN / THEN
    expect(() => new Pipeline(stack, 'A', { definition, pipelineName: 'my_pipeline' }))
      .toThrow(/^Stack\/A: pipelineName must name a SageMaker pipeline.*received "my_pipeline"/);
    expect(() => new Pipeline(stack, 'B', { definition, displayName: 'My Pipeline' }))
      .toThrow(/^Stack\/B: displayName must name a SageMaker pipeline.*\[Pipeline\.DisplayName\]/);
    expect(() => new Pipeline(stack, 'C', { definition, description: 'x'.repeat(3073) }))
      .toThrow(/^Stack\/C: description must be at most 3,072 characters; received 3073/);
    expect(() => new Pipeline(stack, 'D', { definition, maxParallelExecutionSteps: 0 }))
      .toThrow(/^Stack\/D: maxParallelExecutionSteps must be an integer of at least 1; received 0/);
  });

  test('step retry policies', () => {
    // GIVEN
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');
    const base = { role, imageUri: IMAGE, instanceType: 'ml.m5.xlarge', outputPath: 's3://bucket/model' };
    const types = [StepExceptionType.CAPACITY_ERROR];

    // WHEN / THEN
    expect(() => new TrainingStep(stack, 'A', { ...base, retryPolicies: [{ exceptionTypes: types, maxAttempts: 3, expireAfter: Duration.hours(1) }] }))
      .toThrow(/^Stack\/A: retryPolicies\[0\]: set either maxAttempts or expireAfter, not both.*Remove one/);
    expect(() => new TrainingStep(stack, 'B', { ...base, retryPolicies: [{ exceptionTypes: types, maxAttempts: 25 }] }))
      .toThrow(/Stack\/B: retryPolicies\[0\]: maxAttempts must be an integer from 1 to 20; received 25/);
    expect(() => new TrainingStep(stack, 'C', { ...base, retryPolicies: [{ exceptionTypes: types }] }))
      .toThrow(/Stack\/C: retryPolicies\[0\]: set maxAttempts/);
    expect(() => new TrainingStep(stack, 'D', { ...base, retryPolicies: [{ exceptionTypes: types, expireAfter: Duration.days(11) }] }))
      .toThrow(/Stack\/D: retryPolicies\[0\]: expireAfter must be whole minutes from 0 to 14,400/);
    expect(() => new TrainingStep(stack, 'E', { ...base, retryPolicies: [{ exceptionTypes: [], maxAttempts: 2 }] }))
      .toThrow(/Stack\/E: retryPolicies\[0\]: exceptionTypes is empty/);
  });

  test('renders a valid retry policy with the SDK defaults', () => {
    // GIVEN
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');

    // WHEN
    const step = new TrainingStep(stack, 'A', {
      role,
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      outputPath: 's3://bucket/model',
      retryPolicies: [{ exceptionTypes: [StepExceptionType.CAPACITY_ERROR, StepExceptionType.JOB_INTERNAL_ERROR], maxAttempts: 3 }],
    });

    // THEN
    expect(step.toStepJson().RetryPolicies).toEqual([{
      ExceptionType: ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3,
    }]);
  });

  test('outputs and property files must exist', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');

    // WHEN / THEN
    expect(() => a.outputUri('validation'))
      .toThrow(/^Stack\/A: outputUri: "validation" is not an output of step "A"; its outputs are "train"\. Use one of them/);
    expect(() => new ProcessingStep(stack, 'B', {
      role: iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::111122223333:role/job'),
      imageUri: IMAGE,
      instanceType: 'ml.m5.xlarge',
      propertyFiles: [new PropertyFile({ propertyFileName: 'Report', outputName: 'evaluation', filePath: 'e.json' })],
    })).toThrow(/^Stack\/B: propertyFiles: "Report" is in output "evaluation", which is not one of this step's outputs \(none\)/);
  });

  test('a step cannot depend on itself; a condition needs conditions', () => {
    // GIVEN
    const stack = newStack();
    const a = prepare(stack, 'A');

    // WHEN / THEN
    expect(() => a.addDependsOn(a)).toThrow(/Stack\/A: step "A" cannot depend on itself/);
    expect(() => new ConditionStep(stack, 'C', { conditions: [] })).toThrow(/Stack\/C: conditions is empty/);
  });

  test('an S3 asset cannot hold CDK tokens', () => {
    // GIVEN a definition that uses a role created in the app
    const stack = newStack();
    const role = new iam.Role(stack, 'JobRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const a = prepare(stack, 'A');
    void role;

    // WHEN / THEN
    expect(() => new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([a], { storage: PipelineDefinitionStorage.S3_ASSET }) }))
      .toThrow(/^Stack\/P: storage is S3_ASSET but the definition contains CDK tokens.*Use PipelineDefinitionStorage\.INLINE/);
  });

  test('parameter names and integer defaults', () => {
    expect(() => new ParameterString('bad name')).toThrow(/Parameter name must match.*received "bad name"/);
  });
});

describe('values typed any only for want of union types', () => {
  test('GIVEN a Condition operand that is not a string, number or boolean WHEN the condition is created THEN the error names the operand and the fix', () => {
    const threshold = new ParameterString('Threshold');
    expect(() => Condition.lessThan(threshold, 1))
      .toThrow(/^Condition\.lessThan: left must be a string, number or boolean.*received an instance of ParameterString\. .*for a Parameter, its valueAsString or valueAsNumber/);
    expect(() => Condition.inList('a', ['b', { nested: true }])).toThrow(/^Condition\.inList: values\[1\] must be a string, number or boolean/);
    expect(() => Condition.equalTo(threshold.valueAsString, true)).not.toThrow();
  });

  test('GIVEN a Join value that is a list WHEN joined THEN the error names the value', () => {
    expect(() => Join.of('/', ['s3://b', ['x']])).toThrow(/^Join\.of: values\[1\] must be a string, number or boolean: .*received \["x"\]/);
  });
});
