import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { newStack } from './util';
import { Condition, ConditionStep, CustomStep, FailStep, Pipeline, PipelineDefinition, ProcessingStep, StepType } from '../../src';

const IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

function processing(stack: Stack, id: string): ProcessingStep {
  return new ProcessingStep(stack, id, {
    role: iam.Role.fromRoleArn(stack, `${id}Role`, 'arn:aws:iam::111122223333:role/job'),
    imageUri: IMAGE,
    instanceType: 'ml.m5.xlarge',
    outputs: [{ outputName: 'out', localPath: '/opt/ml/processing/out', s3Uri: 's3://bucket/out' }],
  });
}

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

describe('a Condition step object before rendering', () => {
  test('GIVEN a Condition with a branch step WHEN its toStepJson() is written as JSON THEN the branch step object is there', () => {
    const stack = newStack();
    const stop = new FailStep(stack, 'Stop', { errorMessage: 'too high' });
    const check = new ConditionStep(stack, 'Check', { conditions: [Condition.equalTo(1, 1)], elseSteps: [stop] });
    expect(JSON.parse(JSON.stringify(check.toStepJson())).Arguments.ElseSteps).toEqual([
      { Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'too high' } },
    ]);
  });
});
