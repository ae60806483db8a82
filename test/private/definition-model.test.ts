import { InvalidDefinitionError, formatJsonPath, parseDefinition } from '../../src/kernel/definition-model';
import { runScopedReads } from '../../src/kernel/run-scoped-reads';

const join = (...values: unknown[]) => ({ 'Std:Join': { On: '/', Values: values } });

/** A definition with a reference of every kind, a nested branch step and an experiment config. */
const DEFINITION = {
  Version: '2020-12-01',
  Parameters: [{ Name: 'Bucket', Type: 'String', DefaultValue: 'b' }],
  PipelineExperimentConfig: { ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } },
  Steps: [
    {
      Name: 'Prep',
      Type: 'Processing',
      Arguments: {
        ProcessingOutputConfig: { Outputs: [{ OutputName: 'train', S3Output: { S3Uri: join({ Get: 'Parameters.Bucket' }, { Get: 'Execution.PipelineExecutionId' }) } }] },
      },
    },
    {
      Name: 'Check',
      Type: 'Condition',
      DependsOn: ['Prep'],
      Arguments: {
        Conditions: [{
          Type: 'LessThan',
          LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Prep.PropertyFiles.Report' }, Path: 'mse' } },
          RightValue: 6,
        }],
        IfSteps: [{ Name: 'Train', Type: 'Training', Arguments: { In: { Get: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri' } } }],
        ElseSteps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: join('run', { Get: 'Execution.PipelineExecutionId' }) } }],
      },
    },
  ],
};

describe('the definition model: references', () => {
  test('GIVEN a definition WHEN parsed THEN each Get is recorded once, with its step, path, namespace, name and function', () => {
    const model = parseDefinition(DEFINITION);
    expect(model.references.map((r) => ({ ...r, path: formatJsonPath(r.path) }))).toEqual([
      {
        expression: 'Parameters.Bucket', namespace: 'Parameters', name: 'Bucket', within: 'Std:Join', step: 'Prep',
        path: '.Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri["Std:Join"].Values[0]',
      },
      {
        expression: 'Execution.PipelineExecutionId', namespace: 'Execution', name: 'PipelineExecutionId', within: 'Std:Join', step: 'Prep',
        path: '.Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri["Std:Join"].Values[1]',
      },
      {
        expression: 'Steps.Prep.PropertyFiles.Report', namespace: 'Steps', name: 'Prep', within: 'Std:JsonGet', step: 'Check',
        path: '.Arguments.Conditions[0].LeftValue["Std:JsonGet"].PropertyFile',
      },
      {
        expression: 'Steps.Prep.ProcessingOutputConfig.Outputs[\'train\'].S3Output.S3Uri', namespace: 'Steps', name: 'Prep', step: 'Train',
        path: '.Arguments.In',
      },
      {
        expression: 'Execution.PipelineExecutionId', namespace: 'Execution', name: 'PipelineExecutionId', within: 'Std:Join', step: 'Stop',
        path: '.Arguments.ErrorMessage["Std:Join"].Values[1]',
      },
      // outside every step: no `step`, path from the definition's root
      { expression: 'Execution.PipelineName', namespace: 'Execution', name: 'PipelineName', path: '.PipelineExperimentConfig.ExperimentName' },
      { expression: 'Execution.PipelineExecutionId', namespace: 'Execution', name: 'PipelineExecutionId', path: '.PipelineExperimentConfig.TrialName' },
    ]);
  });

  test('GIVEN steps nested in a Condition WHEN parsed THEN they know where they sit and the edges follow the rules', () => {
    const model = parseDefinition(DEFINITION);
    expect([...model.steps.values()].map((s) => [s.name, s.location])).toEqual([
      ['Prep', 'Steps[0]'],
      ['Check', 'Steps[1]'],
      ['Train', 'Steps[1].Arguments.IfSteps[0]'],
      ['Stop', 'Steps[1].Arguments.ElseSteps[0]'],
    ]);
    expect([...model.predecessors.get('Train')!].sort()).toEqual(['Check', 'Prep']);
    expect([...model.predecessors.get('Check')!]).toEqual(['Prep']);
  });

  test('GIVEN references to missing steps WHEN parsed THEN they are problems with a code and the JSON path, once per step and name', () => {
    const model = parseDefinition({
      Steps: [{ Name: 'A', Type: 'Processing', DependsOn: ['Ghost'], Arguments: { x: { Get: 'Steps.Gone.a' }, y: { Get: 'Steps.Gone.b' } } }],
    });
    expect(model.problems).toEqual([
      { code: 'Pipeline.UnknownStepReference', message: 'Step "A" depends on (DependsOn) "Ghost", which is not a step of this pipeline.', path: 'Steps[0].DependsOn[0]' },
      { code: 'Pipeline.UnknownStepReference', message: 'Step "A" references (Get: Steps.…) "Gone", which is not a step of this pipeline.', path: 'Steps[0].Arguments.x' },
    ]);
  });

  test('GIVEN an unusable definition WHEN parsed THEN the error says where', () => {
    const error = (() => {
      try {
        parseDefinition({ Steps: [{ Name: 'A', Type: 'Condition', Arguments: { IfSteps: [{ Name: 'A', Type: 'Fail' }] } }] });
      } catch (e) {
        return e as InvalidDefinitionError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.path).toBe('Steps[0].Arguments.IfSteps[0].Name');
  });
});

describe('run-scoped reads: a step reading a value built from the run\'s identity', () => {
  const step = (Name: string, Type: string, extra: Record<string, unknown>) => ({ Name, Type, ...extra });
  const id = { Get: 'Execution.PipelineExecutionId' };
  const readsOf = (...steps: unknown[]) => runScopedReads(parseDefinition({ Steps: steps }))
    .map((r) => `${r.step}: ${r.variable} at ${formatJsonPath(r.path)}`);

  test('GIVEN only the experiment config, Fail messages, descriptions and own output locations use the run\'s identity WHEN analysed THEN nothing is read', () => {
    expect(readsOf(
      step('Prep', 'Processing', { Arguments: { ProcessingOutputConfig: { Outputs: [{ S3Output: { S3Uri: join('s3://b', id) } }] } } }),
      step('Train', 'Training', { Description: join('run', id), Arguments: { OutputDataConfig: { S3OutputPath: join('s3://b', id) }, CheckpointConfig: { S3Uri: id } } }),
      step('Tune', 'Tuning', { Arguments: { TrainingJobDefinitions: [{ OutputDataConfig: { S3OutputPath: id } }] } }),
      step('Score', 'Transform', { DisplayName: id, Arguments: { TransformOutput: { S3OutputPath: join('s3://b', id) } } }),
      step('Register', 'RegisterModel', { Arguments: { CustomerMetadataProperties: { run: { Get: 'Execution.PipelineExecutionArn' } } } }),
      step('Stop', 'Fail', { Arguments: { ErrorMessage: join('run', id) } }),
    )).toEqual([]);
  });

  test('GIVEN inputs, environment, Lambda inputs and Condition operands built from it WHEN analysed THEN each is a read', () => {
    expect(readsOf(
      step('Prep', 'Processing', { Arguments: { ProcessingInputs: [{ S3Input: { S3Uri: join('s3://b', id) } }], Environment: { RUN: { Get: 'Execution.StartDateTime' } } } }),
      step('Notify', 'Lambda', { Arguments: { run: { Get: 'Execution.PipelineExecutionArn' } } }),
      step('Check', 'Condition', { Arguments: { Conditions: [{ Type: 'Equals', LeftValue: id, RightValue: 'x' }], IfSteps: [] } }),
      // an output location of another step type is a read here: a Transform has no ProcessingOutputConfig
      step('Score', 'Transform', { Arguments: { ProcessingOutputConfig: { Outputs: [{ S3Output: { S3Uri: id } }] } } }),
    )).toEqual([
      'Prep: PipelineExecutionId at .Arguments.ProcessingInputs[0].S3Input.S3Uri["Std:Join"].Values[1]',
      'Prep: StartDateTime at .Arguments.Environment.RUN',
      'Notify: PipelineExecutionArn at .Arguments.run',
      'Check: PipelineExecutionId at .Arguments.Conditions[0].LeftValue',
      'Score: PipelineExecutionId at .Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri',
    ]);
  });

  test('GIVEN execution variables that are the same in a retry WHEN analysed THEN they are not reads', () => {
    expect(readsOf(step('Prep', 'Processing', { Arguments: { a: { Get: 'Execution.PipelineName' }, b: { Get: 'Execution.PipelineArn' } } }))).toEqual([]);
  });
});
