import { retrySavings, TimedStepRecord } from '../../lambda/savings';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 2, minute));
const ran = (name: string, from: number, to: number, status = 'Succeeded'): TimedStepRecord =>
  ({ StepName: name, StepStatus: status, StartTime: at(from), EndTime: at(to) });

describe('retrySavings', () => {
  test('counts the steps that succeeded in the source run and are not selected, with their step time and share', () => {
    // GIVEN preprocess 18 min, train 52 min, then evaluate failed after 6 min
    const steps = [ran('Preprocess', 0, 18), ran('Train', 18, 70), ran('Evaluate', 70, 76, 'Failed')];

    // WHEN the retry selects Evaluate and Register
    const savings = retrySavings(steps, ['Evaluate', 'Register']);

    // THEN
    expect(savings).toEqual({
      reusedSteps: ['Preprocess', 'Train'],
      stepSecondsReused: 70 * 60,
      runStepSeconds: 76 * 60,
      shareOfRunStepTime: 0.921,
      carriedOverSteps: [],
    });
  });

  test('steps the source run reused from an earlier run are carried over: listed apart, their time not counted again', () => {
    // GIVEN the source is itself a selective execution that reused Preprocess and hit the cache for Features
    const steps: TimedStepRecord[] = [
      { ...ran('Preprocess', 0, 0), SelectiveExecutionResult: { SourcePipelineExecutionArn: 'arn:root' } },
      { ...ran('Features', 0, 1), CacheHitResult: { SourcePipelineExecutionArn: 'arn:older' } },
      ran('Train', 1, 53),
      ran('Evaluate', 53, 55, 'Failed'),
    ];

    const savings = retrySavings(steps, ['Evaluate']);

    expect(savings.reusedSteps).toEqual(['Train']);
    expect(savings.carriedOverSteps).toEqual(['Features', 'Preprocess']);
    expect(savings.stepSecondsReused).toBe(52 * 60);
    // The run's own step time excludes what it carried over.
    expect(savings.runStepSeconds).toBe(54 * 60);
  });

  test('never-run and untaken-branch steps have no record, and failed or stopped steps are never reused', () => {
    const steps = [ran('Train', 0, 10), ran('Check', 10, 11, 'Stopped'), ran('Other', 0, 5, 'Failed')];

    const savings = retrySavings(steps, ['Check']);

    expect(savings.reusedSteps).toEqual(['Train']);
    expect(savings.stepSecondsReused).toBe(600);
  });

  test('a step SageMaker ran more than once counts with its latest attempt', () => {
    const steps = [ran('Train', 0, 30, 'Failed'), ran('Train', 31, 41), ran('Eval', 41, 42, 'Failed')];

    const savings = retrySavings(steps, ['Eval']);

    expect(savings.reusedSteps).toEqual(['Train']);
    expect(savings.stepSecondsReused).toBe(600);
    // The run spent the first attempt's time too, but only the latest record per step is the step's time.
    expect(savings.runStepSeconds).toBe(660);
  });

  test('missing, unreadable or reversed times count as no time; records without a name are ignored', () => {
    const steps: TimedStepRecord[] = [
      { StepName: 'NoEnd', StepStatus: 'Succeeded', StartTime: at(0) },
      { StepName: 'Garbled', StepStatus: 'Succeeded', StartTime: 'yesterday', EndTime: at(3) },
      ran('Backwards', 10, 5),
      { StepStatus: 'Succeeded', StartTime: at(0), EndTime: at(9) },
      ran('Failed', 0, 1, 'Failed'),
    ];

    const savings = retrySavings(steps, ['Failed']);

    expect(savings).toMatchObject({ reusedSteps: ['Backwards', 'Garbled', 'NoEnd'], stepSecondsReused: 0, runStepSeconds: 60, shareOfRunStepTime: 0 });
  });

  test('a run with no measurable step time has a share of 0, not NaN', () => {
    expect(retrySavings([], ['A']).shareOfRunStepTime).toBe(0);
  });
});
