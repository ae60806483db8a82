import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildAbalone } from './abalone';
import { buildFramework } from './framework';
import { newStack } from './util';
import {
  Condition, ConditionStep, CustomStep, ExecutionVariable, FailStep, Join, Pipeline, PipelineDefinition, ProcessingStep,
  SelectiveRetry, StepType,
} from '../../src';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

function role(stack: Stack): iam.IRole {
  return (stack.node.tryFindChild('JobRole') as iam.IRole | undefined)
    ?? iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job');
}

function processing(stack: Stack, id: string, props: { input?: string; output?: string } = {}): ProcessingStep {
  return new ProcessingStep(stack, id, {
    role: role(stack),
    imageUri: IMAGE,
    instanceType: 'ml.m5.xlarge',
    inputs: props.input ? [{ inputName: 'in', s3Uri: props.input, localPath: '/opt/ml/processing/input' }] : undefined,
    outputs: [{ outputName: 'out', localPath: '/opt/ml/processing/out', s3Uri: props.output ?? 's3://bucket/out' }],
  });
}

function executionIdWarnings(stack: Stack) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('executionIdPaths'));
}

const runPath = (...parts: string[]) => Join.of('/', ['s3://bucket', ExecutionVariable.PIPELINE_EXECUTION_ID, ...parts]);

describe('the execution-id warning of healed DSL pipelines', () => {
  test('GIVEN the Abalone pipeline (default experiment config: TrialName is the execution id) healed WHEN synthesized THEN no warning', () => {
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition, selectiveRetry: {} });
    expect(executionIdWarnings(stack)).toHaveLength(0);
  });

  test('GIVEN the framework pipeline (own output prefixes under the execution id, data passed by properties) healed WHEN synthesized THEN no warning', () => {
    const stack = newStack();
    const pipeline = new Pipeline(stack, 'Framework', { definition: buildFramework(stack) });
    new SelectiveRetry(stack, 'Heal', { pipelines: [pipeline] });
    expect(executionIdWarnings(stack)).toHaveLength(0);
  });

  test('GIVEN a Fail step whose message names the execution id WHEN healed THEN no warning', () => {
    const stack = newStack();
    const prep = processing(stack, 'Prep');
    const fail = new FailStep(stack, 'Stop', { errorMessage: Join.of(' ', ['run', ExecutionVariable.PIPELINE_EXECUTION_ID, 'failed']) });
    const check = new ConditionStep(stack, 'Check', {
      conditions: [Condition.equalTo(prep.property('ProcessingJobStatus'), 'Completed')],
      elseSteps: [fail],
    });
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([prep, check]), selectiveRetry: {} });
    expect(executionIdWarnings(stack)).toHaveLength(0);
  });

  test('GIVEN a step that reads an input path built from the execution id WHEN healed THEN one warning names the step, variable and place', () => {
    const stack = newStack();
    const prep = processing(stack, 'Prep', { output: runPath('prep') });
    const train = processing(stack, 'Train', { input: runPath('prep') });
    train.addDependsOn(prep);
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([prep, train]), selectiveRetry: {} });

    const warnings = executionIdWarnings(stack);
    expect(warnings).toHaveLength(1);
    const text = String(warnings[0].entry.data);
    expect(text).toContain('"Train" (Execution.PipelineExecutionId at Arguments.ProcessingInputs[0].S3Input.S3Uri["Std:Join"].Values[1])');
    expect(text).not.toContain('"Prep"');
  });

  test('GIVEN a step nested in a Condition branch that reads the execution ARN WHEN healed THEN the nested step is named', () => {
    const stack = newStack();
    const prep = processing(stack, 'Prep');
    const notify = new CustomStep(stack, 'Notify', {
      stepType: StepType.of('Lambda'),
      arguments: { run: ExecutionVariable.PIPELINE_EXECUTION_ARN },
    });
    const check = new ConditionStep(stack, 'Check', {
      conditions: [Condition.equalTo(prep.property('ProcessingJobStatus'), 'Completed')],
      ifSteps: [notify],
    });
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([prep, check]), selectiveRetry: {} });
    const warnings = executionIdWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].entry.data)).toContain('"Notify" (Execution.PipelineExecutionArn at Arguments.run)');
  });

  test('GIVEN a pipeline that is not healed WHEN synthesized THEN no warning, whatever it reads', () => {
    const stack = newStack();
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([processing(stack, 'Train', { input: runPath('x') })]) });
    expect(executionIdWarnings(stack)).toHaveLength(0);
  });
});

describe('rendering once per synth', () => {
  test('GIVEN a healed DSL pipeline with a Condition WHEN synthesized THEN every step object is rendered exactly once', () => {
    // GIVEN steps that count how often their object is rendered
    const stack = newStack();
    const calls = new Map<string, number>();
    class CountingStep extends CustomStep {
      public toStepJson(): any {
        calls.set(this.stepName, (calls.get(this.stepName) ?? 0) + 1);
        return super.toStepJson();
      }
    }
    const a = new CountingStep(stack, 'A', { stepType: StepType.of('Lambda'), arguments: { x: 1 } });
    const b = new CountingStep(stack, 'B', { stepType: StepType.of('Lambda'), arguments: { y: a.property('OutputParameters') } });
    const check = new ConditionStep(stack, 'Check', { conditions: [Condition.equalTo(a.property('x'), 1)], ifSteps: [b] });

    // WHEN the pipeline is created, validated, warned about and synthesized
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([a, check]), selectiveRetry: {} });
    App.of(stack)!.synth({ force: true });

    // THEN
    expect(Object.fromEntries(calls)).toEqual({ A: 1, B: 1 });
  });

  test('GIVEN a step already part of a pipeline WHEN a dependency is added THEN a clear error says to add it before', () => {
    const stack = newStack();
    const a = processing(stack, 'A');
    const b = processing(stack, 'B');
    new Pipeline(stack, 'P', { definition: PipelineDefinition.fromSteps([a, b]) });
    expect(() => b.addDependsOn(a)).toThrow(/Stack\/B: step "B" is already part of pipeline Stack\/P, whose definition is rendered when the pipeline is created/);
  });
});
