/*
 * Data passed through paths built from the run's identity (Execution.PipelineExecutionId, PipelineExecutionArn,
 * StartDateTime): a selective execution has its own, so a selected step that reads such a path finds nothing that a
 * reused step wrote under the failed run's. The planner re-runs the reused producer too.
 */
import { planRetry } from '../../lambda/planner';

const join = (...values: unknown[]) => ({ 'Std:Join': { On: '/', Values: values } });
const EXECUTION_ID = { Get: 'Execution.PipelineExecutionId' };
const step = (Name: string, Type: string, Arguments: Record<string, unknown>, DependsOn?: string[]) =>
  ({ Name, Type, Arguments, ...(DependsOn ? { DependsOn } : {}) });
const definition = (...Steps: unknown[]) => ({ Version: '2020-12-01', Steps });

/** Prep writes under the run's id; Mid passes nothing on; Train reads Prep's path rebuilt from the run's id. */
const PRODUCER_READER = definition(
  step('Prep', 'Processing', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: join('s3://b', EXECUTION_ID, 'prep') } }] } }),
  step('Mid', 'Processing', {}, ['Prep']),
  step('Train', 'Training', { InputDataConfig: [{ DataSource: { S3DataSource: { S3Uri: join('s3://b', EXECUTION_ID, 'prep') } } }] }, ['Mid']),
  step('Other', 'Processing', {}),
);

test('GIVEN a failed step that reads a path built from the run id and a reused producer upstream WHEN planned THEN the producer and the steps between are re-run, and the reason says so', () => {
  const plan = planRetry(PRODUCER_READER, [
    { StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Mid', StepStatus: 'Succeeded' },
    { StepName: 'Other', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed', FailureReason: 'ClientError: no data' },
  ]);
  expect(plan).toMatchObject({ decision: 'retry', selectedSteps: ['Prep', 'Mid', 'Train'], addedProducers: ['Prep'] });
  expect(plan.reason).toBe('Re-running "Train" and 1 other step(s) downstream of them or never run; 1 step(s) are reused from the failed run; '
    + 'added reused upstream step(s) "Prep", because a selected step reads what they wrote under a path built from the execution\'s id, '
    + 'ARN or start time (a selective execution has its own), and the steps between.');
});

test('GIVEN the failed step uses the run id only in its own output prefix WHEN planned THEN nothing is added and nothing is warned', () => {
  const plan = planRetry(definition(
    step('Prep', 'Processing', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: join('s3://b', EXECUTION_ID, 'prep') } }] } }),
    step('Train', 'Training', { OutputDataConfig: { S3OutputPath: join('s3://b', EXECUTION_ID, 'train') } }, ['Prep']),
  ), [{ StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed' }]);
  expect(plan).toMatchObject({ selectedSteps: ['Train'], addedProducers: [], warnings: [] });
});

test('GIVEN a Fail step whose message names the run id downstream of a reused producer WHEN planned THEN it is no read', () => {
  const plan = planRetry(definition(
    step('Prep', 'Processing', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: join('s3://b', EXECUTION_ID) } }] } }),
    step('Train', 'Training', {}, ['Prep']),
    step('Stop', 'Fail', { ErrorMessage: join('run', EXECUTION_ID, 'failed') }, ['Train']),
  ), [{ StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed' }]);
  expect(plan).toMatchObject({ selectedSteps: ['Train', 'Stop'], addedProducers: [] });
});

test('GIVEN the producer is not upstream of the reader (no edge to follow) WHEN planned THEN it is not added, and the plan warns', () => {
  const plan = planRetry(definition(
    step('Prep', 'Processing', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: join('s3://b', EXECUTION_ID) } }] } }),
    step('Train', 'Training', { Environment: { DATA: join('s3://b', EXECUTION_ID) } }),
  ), [{ StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed' }]);
  expect(plan).toMatchObject({ selectedSteps: ['Train'], addedProducers: [] });
  expect(plan.warnings).toEqual([expect.stringMatching(/^Selected step\(s\) "Train" build values from the execution's id, ARN or start time, and so do reused step\(s\) "Prep"/)]);
});

test('GIVEN StartDateTime and PipelineExecutionArn build the paths WHEN planned THEN they count like the id', () => {
  const plan = planRetry(definition(
    step('Prep', 'Processing', { ProcessingOutputConfig: { Outputs: [{ OutputName: 'o', S3Output: { S3Uri: join('s3://b', { Get: 'Execution.StartDateTime' }) } }] } }),
    step('Train', 'Training', { HyperParameters: { run: { Get: 'Execution.PipelineExecutionArn' } } }, ['Prep']),
  ), [{ StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed' }]);
  expect(plan).toMatchObject({ selectedSteps: ['Prep', 'Train'], addedProducers: ['Prep'] });
});

test('GIVEN the producer would take the selection over the limit WHEN planned THEN it skips and says the producer is why', () => {
  const plan = planRetry(PRODUCER_READER, [
    { StepName: 'Prep', StepStatus: 'Succeeded' }, { StepName: 'Mid', StepStatus: 'Succeeded' }, { StepName: 'Train', StepStatus: 'Failed' },
    { StepName: 'Other', StepStatus: 'Succeeded' },
  ], { maxSelectedSteps: 2 });
  expect(plan).toMatchObject({ decision: 'skip', overLimitSelection: ['Prep', 'Mid', 'Train'], addedProducers: ['Prep'] });
  expect(plan.reason).toMatch(/^The retry would select 3 steps, more than SageMaker's limit of 2 selected steps per selective execution \(with reused upstream step\(s\) "Prep"/);
});
