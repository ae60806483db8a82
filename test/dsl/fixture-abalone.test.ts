import { buildAbalone } from './abalone';
import { dagOf, loadFixture, newStack, renderedDefinition } from './util';
import { planRetry } from '../../lambda/planner';
import { Pipeline } from '../../src';

describe('fixture 10 (Abalone) rebuilt with the DSL', () => {
  test('renders the same DAG as the fixture: steps, types, branches, edges and references', () => {
    // GIVEN the Abalone pipeline written with the DSL
    const stack = newStack();
    const { definition } = buildAbalone(stack);

    // WHEN it is synthesized into a pipeline
    new Pipeline(stack, 'Abalone', { definition });
    const rendered = renderedDefinition(stack);

    // THEN its DAG equals the fixture's
    const fixture = loadFixture('10-abalone-condition-register-transform-fail.json');
    expect(dagOf(rendered)).toEqual(dagOf(fixture));
    expect(Object.keys(dagOf(rendered))).toHaveLength(8);
  });

  test('declares the same parameters, in the same order, and the same experiment config', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });
    const rendered = renderedDefinition(stack);

    // THEN
    const fixture = loadFixture('10-abalone-condition-register-transform-fail.json');
    expect(rendered.Parameters).toEqual(fixture.Parameters);
    expect(rendered.PipelineExperimentConfig).toEqual(fixture.PipelineExperimentConfig);
    expect(rendered.Version).toEqual('2020-12-01');
  });

  test('renders every step exactly as the SageMaker Python SDK did', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });

    // THEN the whole definition equals the fixture
    expect(renderedDefinition(stack)).toEqual(loadFixture('10-abalone-condition-register-transform-fail.json'));
  });

  test('renders the steps\' arguments like the SageMaker Python SDK did', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });
    const rendered = renderedDefinition(stack);
    const fixture = loadFixture('10-abalone-condition-register-transform-fail.json');

    // THEN the processing and condition steps match field for field
    expect(rendered.Steps[0]).toEqual(fixture.Steps[0]);
    expect(rendered.Steps[3].Arguments.Conditions).toEqual(fixture.Steps[3].Arguments.Conditions);
    expect(rendered.Steps[3].Arguments.ElseSteps).toEqual(fixture.Steps[3].Arguments.ElseSteps);
    // and the others on the fields that carry data between steps
    const fixtureIf = fixture.Steps[3].Arguments.IfSteps;
    const renderedIf = rendered.Steps[3].Arguments.IfSteps;
    expect(renderedIf[0].Arguments.InferenceSpecification).toEqual(fixtureIf[0].Arguments.InferenceSpecification);
    expect(renderedIf[1]).toEqual(fixtureIf[1]);
    expect(renderedIf[2]).toEqual(fixtureIf[2]);
    expect(rendered.Steps[1].Arguments.InputDataConfig).toEqual(fixture.Steps[1].Arguments.InputDataConfig);
    expect(rendered.Steps[2].PropertyFiles).toEqual(fixture.Steps[2].PropertyFiles);
  });

  test('feeds the remediation planner: a failed training re-runs training and everything downstream', () => {
    // GIVEN the DSL-built definition and an execution whose training failed
    const stack = newStack();
    new Pipeline(stack, 'Abalone', { definition: buildAbalone(stack).definition });
    const rendered = renderedDefinition(stack);

    // WHEN the planner plans the selective execution
    const plan = planRetry(rendered, [
      { StepName: 'AbaloneProcess', StepStatus: 'Succeeded' },
      { StepName: 'AbaloneTrain', StepStatus: 'Failed', FailureReason: 'CapacityError: Unable to provision' },
    ]);

    // THEN it retries training, evaluation and the condition (not the Fail branch's, which depends on the outcome)
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(expect.arrayContaining(['AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond']));
    expect(plan.selectedSteps).not.toContain('AbaloneProcess');
  });
});
