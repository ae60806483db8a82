import {
  cacheHit,
  chainDefinition,
  chainName,
  evaluated,
  failed,
  listed,
  loadDefinition,
  ran,
  reused,
  succeeded,
} from './helpers';
import { MAX_SELECTED_STEPS, planRetry } from '../../lambda/planner';

const TWO_STEP = loadDefinition('01-sdk-two-step-linear.json');
const CONDITION_02 = loadDefinition('02-sdk-condition-branches-upstream-ref.json');
const NESTED_09 = loadDefinition('09-airflow-nested-conditions-31.json');
const ABALONE = loadDefinition('10-abalone-condition-register-transform-fail.json');
const TWO_CHAINS = loadDefinition('11-dynamic-framework-two-chains.json');
const SERIAL_14 = loadDefinition('14-serial-inference-condition-register.json');

const CAPACITY = 'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.';
const INTERNAL = 'InternalServerError: We encountered an internal error.  Please try again.';

/** Fixture 09's step names, outermost first: DummyCond29 ... DummyCond0, DummyCond. */
const NESTED_NAMES = [...Array.from({ length: 30 }, (_, i) => `DummyCond${29 - i}`), 'DummyCond'];

describe('planRetry on fixture 01 (two-step linear chain)', () => {
  test('GIVEN the second step failed WHEN planned THEN only it is retried and the first is reused', () => {
    // GIVEN
    const steps = listed(succeeded('MyStep1'), failed('MyStep2', INTERNAL));
    // WHEN
    const plan = planRetry(TWO_STEP, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['MyStep2']);
    expect(plan.seeds).toEqual(['MyStep2']);
    expect(plan.failedSteps).toEqual([{ stepName: 'MyStep2', stepType: 'Training', status: 'Failed', failureReason: INTERNAL }]);
    expect(plan.reason).toBe('Re-running "MyStep2" and 0 other step(s) downstream of them or never run; 1 step(s) are reused from the failed run.');
    expect(plan.warnings).toEqual([]);
  });

  test('GIVEN the first step failed and the second never started WHEN planned THEN both are selected, upstream first', () => {
    const plan = planRetry(TWO_STEP, listed(failed('MyStep1', CAPACITY)));
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['MyStep1', 'MyStep2']);
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual(['MyStep1']);
    expect(plan.reason).toContain('"MyStep1"');
    expect(plan.reason).toContain('0 step(s) are reused');
  });

  test('GIVEN every step succeeded WHEN planned THEN it skips because there is nothing to retry', () => {
    const plan = planRetry(TWO_STEP, listed(succeeded('MyStep1'), succeeded('MyStep2')));
    expect(plan.decision).toBe('skip');
    expect(plan.selectedSteps).toEqual([]);
    expect(plan.seeds).toEqual([]);
    expect(plan.reason).toMatch(/nothing to retry/);
  });

  test('GIVEN the first step was stopped WHEN planned THEN it is a seed and is reported as stopped', () => {
    const plan = planRetry(TWO_STEP, listed(ran('MyStep1', 'Stopped')));
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['MyStep1', 'MyStep2']);
    expect(plan.failedSteps).toEqual([{ stepName: 'MyStep1', stepType: 'Training', status: 'Stopped' }]);
  });

  test('GIVEN a step still Executing when the run ended WHEN planned THEN it is retried and a warning says why', () => {
    const plan = planRetry(TWO_STEP, listed(succeeded('MyStep1'), ran('MyStep2', 'Executing')));
    expect(plan.selectedSteps).toEqual(['MyStep2']);
    expect(plan.warnings).toEqual([expect.stringMatching(/"MyStep2" was still "Executing"/)]);
    expect(plan.failedSteps).toEqual([]);
    expect(plan.reason).toBe('Running 1 step(s) that never ran or did not complete; 1 step(s) are reused from the failed run.');
  });

  test('GIVEN a status the planner does not know WHEN planned THEN the step is treated as not completed, with a warning', () => {
    const plan = planRetry(TWO_STEP, listed(succeeded('MyStep1'), ran('MyStep2', 'Exploded')));
    expect(plan.selectedSteps).toEqual(['MyStep2']);
    expect(plan.warnings).toEqual([expect.stringMatching(/"MyStep2" has status "Exploded"/)]);
  });

  test('GIVEN the list names a step the definition does not have WHEN planned THEN it is ignored with a warning', () => {
    const plan = planRetry(TWO_STEP, listed(succeeded('MyStep1'), succeeded('RenamedLater'), failed('MyStep2', INTERNAL)));
    expect(plan.selectedSteps).toEqual(['MyStep2']);
    expect(plan.warnings).toEqual([expect.stringMatching(/"RenamedLater", which is not in its definition/)]);
  });

  test('GIVEN a step listed twice WHEN planned THEN its most recently started record counts, wherever it is in the list', () => {
    // GIVEN: MyStep2 failed at 10:01, then succeeded at 10:05; the list is out of order.
    const older = failed('MyStep2', INTERNAL, { StartTime: new Date('2026-11-20T10:01:00Z') });
    const newer = succeeded('MyStep2', { StartTime: new Date('2026-11-20T10:05:00Z') });
    const first = succeeded('MyStep1', { StartTime: new Date('2026-11-20T10:00:00Z') });
    // WHEN / THEN
    expect(planRetry(TWO_STEP, [older, first, newer]).decision).toBe('skip');
    expect(planRetry(TWO_STEP, [newer, first, older]).decision).toBe('skip');
  });
});

describe('planRetry on fixture 02 (condition branches, upstream referenced only from a condition)', () => {
  test('GIVEN the If branch was taken and its step failed WHEN planned THEN only that step is retried, not the untaken Else step', () => {
    // GIVEN
    const steps = listed(succeeded('MyStep0'), evaluated('MyConditionStep', 'True'), failed('MyStep1', INTERNAL));
    // WHEN
    const plan = planRetry(CONDITION_02, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['MyStep1']);
    expect(plan.seeds).toEqual(['MyStep1']);
  });

  test('GIVEN the Else branch was taken and its step failed WHEN planned THEN only the Else step is retried', () => {
    const steps = listed(succeeded('MyStep0'), evaluated('MyConditionStep', 'False'), failed('MyStep2', INTERNAL));
    expect(planRetry(CONDITION_02, steps).selectedSteps).toEqual(['MyStep2']);
  });

  test('GIVEN the Condition outcome is lower case WHEN planned THEN it is still understood', () => {
    const steps = listed(
      succeeded('MyStep0'),
      ran('MyConditionStep', 'Succeeded', { Metadata: { Condition: { Outcome: 'false' } } }),
      failed('MyStep2', INTERNAL),
    );
    expect(planRetry(CONDITION_02, steps).selectedSteps).toEqual(['MyStep2']);
  });

  test('GIVEN the upstream step failed WHEN planned THEN the Condition and both of its branches are selected', () => {
    const plan = planRetry(CONDITION_02, listed(failed('MyStep0', CAPACITY)));
    expect(plan.selectedSteps).toEqual(['MyStep0', 'MyConditionStep', 'MyStep1', 'MyStep2']);
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual(['MyStep0']);
  });

  test('GIVEN the taken branch succeeded and the other never ran WHEN planned THEN there is nothing to retry', () => {
    const steps = listed(succeeded('MyStep0'), evaluated('MyConditionStep', 'True'), succeeded('MyStep1'));
    const plan = planRetry(CONDITION_02, steps);
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toMatch(/legitimately skipped; there is nothing to retry/);
  });

  test('GIVEN a Condition that succeeded without an outcome WHEN planned THEN its never-run branch steps are retried (outcome unknown)', () => {
    const steps = listed(succeeded('MyStep0'), succeeded('MyConditionStep'), succeeded('MyStep1'));
    expect(planRetry(CONDITION_02, steps).selectedSteps).toEqual(['MyStep2']);
  });
});

describe('planRetry on fixture 09 (31 nested Conditions)', () => {
  test('GIVEN a Condition 20 levels down failed WHEN planned THEN it and every Condition nested inside it are selected, outermost first', () => {
    // GIVEN: DummyCond29 ... DummyCond11 evaluated True, DummyCond10 failed, the rest never ran.
    const outer = NESTED_NAMES.slice(0, 19);
    expect(outer[18]).toBe('DummyCond11');
    const steps = listed(...outer.map((n) => evaluated(n, 'True')), failed('DummyCond10', 'ClientError: cannot read property file'));
    // WHEN
    const plan = planRetry(NESTED_09, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(NESTED_NAMES.slice(19));
    expect(plan.selectedSteps).toHaveLength(12);
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual(['DummyCond10']);
  });

  test('GIVEN a Condition halfway down took its empty Else branch WHEN planned THEN the never-run nested Conditions are not retried', () => {
    const steps = listed(...NESTED_NAMES.slice(0, 14).map((n) => evaluated(n, 'True')), evaluated('DummyCond15', 'False'));
    expect(NESTED_NAMES[14]).toBe('DummyCond15');
    const plan = planRetry(NESTED_09, steps);
    expect(plan.decision).toBe('skip');
    expect(plan.seeds).toEqual([]);
  });

  test('GIVEN the outermost Condition failed WHEN planned with a 30-step limit THEN the 31-step selection is skipped', () => {
    const steps = listed(failed('DummyCond29', INTERNAL));
    expect(planRetry(NESTED_09, steps).selectedSteps).toEqual(NESTED_NAMES);
    const plan = planRetry(NESTED_09, steps, { maxSelectedSteps: 30 });
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toMatch(/31 steps, more than .* limit of 30/);
    expect(plan.selectedSteps).toEqual([]);
    expect(plan.seeds).toEqual(NESTED_NAMES);
  });
});

describe('planRetry on fixture 10 (Abalone, Fail step in ElseSteps)', () => {
  test('GIVEN training failed WHEN planned THEN it and everything downstream are retried, including the never-run Fail step, and nothing upstream', () => {
    // GIVEN
    const steps = listed(succeeded('AbaloneProcess'), failed('AbaloneTrain', CAPACITY));
    // WHEN
    const plan = planRetry(ABALONE, steps);
    // THEN: the Fail step never ran because its upstream failed; that must not look like a deliberate failure.
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual([
      'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond',
      'AbaloneCreateModel', 'AbaloneMSEFail', 'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform',
    ]);
    expect(plan.failedSteps).toEqual([{ stepName: 'AbaloneTrain', stepType: 'Training', status: 'Failed', failureReason: CAPACITY }]);
    expect(plan.reason).toBe('Re-running "AbaloneTrain" and 6 other step(s) downstream of them or never run; 1 step(s) are reused from the failed run.');
  });

  test('GIVEN the MSE was too high and the Fail step failed the run WHEN planned THEN it skips, naming the Fail step and its message', () => {
    // GIVEN
    const steps = listed(
      succeeded('AbaloneProcess'), succeeded('AbaloneTrain'), succeeded('AbaloneEval'), evaluated('AbaloneMSECond', 'False'),
      ran('AbaloneMSEFail', 'Failed', { Metadata: { Fail: { ErrorMessage: 'Execution failed due to MSE > 6.0' } } }),
    );
    // WHEN
    const plan = planRetry(ABALONE, steps);
    // THEN
    expect(plan.decision).toBe('skip');
    expect(plan.selectedSteps).toEqual([]);
    expect(plan.reason).toBe(
      'The execution was failed deliberately by Fail step "AbaloneMSEFail" (Execution failed due to MSE > 6.0); a Fail step\'s outcome is not retried.',
    );
    expect(plan.failedSteps).toEqual([
      { stepName: 'AbaloneMSEFail', stepType: 'Fail', status: 'Failed', failureReason: 'Execution failed due to MSE > 6.0' },
    ]);
  });

  test('GIVEN the If branch was taken and the transform failed WHEN planned THEN only the transform is retried', () => {
    const steps = listed(
      succeeded('AbaloneProcess'), succeeded('AbaloneTrain'), succeeded('AbaloneEval'), evaluated('AbaloneMSECond', 'True'),
      succeeded('AbaloneRegisterModel-RegisterModel'), succeeded('AbaloneCreateModel'), failed('AbaloneTransform', INTERNAL),
    );
    const plan = planRetry(ABALONE, steps);
    expect(plan.selectedSteps).toEqual(['AbaloneTransform']);
    // The untaken Fail step never ran: it is not counted as reused.
    expect(plan.reason).toContain('6 step(s) are reused from the failed run; 1 step(s) did not run in it and need not (an untaken Condition branch).');
  });

  test('GIVEN the If branch was taken and creating the model failed WHEN planned THEN the model and the transform are retried, not the untaken Fail step', () => {
    const steps = listed(
      succeeded('AbaloneProcess'), succeeded('AbaloneTrain'), succeeded('AbaloneEval'), evaluated('AbaloneMSECond', 'True'),
      succeeded('AbaloneRegisterModel-RegisterModel'), failed('AbaloneCreateModel', INTERNAL),
    );
    const plan = planRetry(ABALONE, steps);
    expect(plan.selectedSteps).toEqual(['AbaloneCreateModel', 'AbaloneTransform']);
    expect(plan.seeds).toEqual(['AbaloneCreateModel', 'AbaloneTransform']);
    expect(plan.selectedSteps).not.toContain('AbaloneMSEFail');
  });

  test('GIVEN a retry run whose reused steps carry SelectiveExecutionResult/CacheHitResult and no status WHEN it fails again THEN the reused steps count as succeeded', () => {
    // GIVEN: the previous retry re-ran only the transform; everything else was reused from the source or the cache.
    const steps = listed(
      reused('AbaloneProcess'), cacheHit('AbaloneTrain'), reused('AbaloneEval'),
      { ...reused('AbaloneMSECond'), Metadata: { Condition: { Outcome: 'True' } } },
      reused('AbaloneRegisterModel-RegisterModel'), cacheHit('AbaloneCreateModel'), failed('AbaloneTransform', INTERNAL),
    );
    // WHEN
    const plan = planRetry(ABALONE, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['AbaloneTransform']);
    expect(plan.warnings).toEqual([]);
  });

  test('GIVEN a selective run that re-ran only training (reusing everything downstream) and training failed WHEN planned THEN the reused downstream steps are re-run too', () => {
    // GIVEN: someone selected only AbaloneTrain; SageMaker lists every other step as reused from the source.
    const steps = listed(
      reused('AbaloneProcess'), failed('AbaloneTrain', CAPACITY), reused('AbaloneEval'),
      { ...reused('AbaloneMSECond'), Metadata: { Condition: { Outcome: 'True' } } },
      reused('AbaloneRegisterModel-RegisterModel'), reused('AbaloneCreateModel'), reused('AbaloneTransform'),
    );
    // WHEN
    const plan = planRetry(ABALONE, steps);
    // THEN: new training output invalidates everything downstream; the Condition re-runs, so both branches are selected.
    expect(plan.selectedSteps).toEqual([
      'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond',
      'AbaloneCreateModel', 'AbaloneMSEFail', 'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform',
    ]);
    expect(plan.seeds).toEqual(['AbaloneTrain']);
  });

  test('GIVEN a cache hit whose status is not Succeeded WHEN planned THEN the cache hit still counts as succeeded', () => {
    const steps = listed(ran('AbaloneProcess', 'Executing', { CacheHitResult: { SourcePipelineExecutionArn: 'arn' } }), failed('AbaloneTrain', CAPACITY));
    const plan = planRetry(ABALONE, steps);
    expect(plan.selectedSteps[0]).toBe('AbaloneTrain');
    expect(plan.selectedSteps).not.toContain('AbaloneProcess');
  });
});

describe('planRetry on fixture 11 (two disconnected chains)', () => {
  const CALHOUSING_TAIL = ['calhousing-Transform', 'calhousing-Metrics', 'calhousing-Register-RegisterModel'];

  test('GIVEN one step failed in each chain WHEN planned THEN both failures and their downstream steps are selected, ties by name', () => {
    // GIVEN
    const steps = listed(
      succeeded('falcon-text-summarization-preprocess'), succeeded('calhousing-Preprocessing'),
      failed('falcon-text-summarization-tuning', CAPACITY), succeeded('calhousing-Training'),
      succeeded('calhousing-CreateModel-CreateModel'), failed('calhousing-Transform', INTERNAL),
    );
    // WHEN
    const plan = planRetry(TWO_CHAINS, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual([
      ...CALHOUSING_TAIL, 'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
    ]);
    // Reported in the same order as the selection (topological, ties by name), not in definition order.
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual(['calhousing-Transform', 'falcon-text-summarization-tuning']);
    expect(plan.reason).toMatch(/^Re-running "calhousing-Transform", "falcon-text-summarization-tuning" and 3 other step\(s\)/);
    expect(plan.seeds).toEqual([
      'calhousing-Transform', 'calhousing-Metrics', 'calhousing-Register-RegisterModel', 'falcon-text-summarization-tuning',
      'falcon-text-summarization-register-RegisterModel',
    ]);
  });

  test('GIVEN one chain failed before the other chain started WHEN planned THEN the never-started chain is selected as well', () => {
    const plan = planRetry(TWO_CHAINS, listed(failed('falcon-text-summarization-preprocess', 'ClientError: Data download failed')));
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual([
      'calhousing-Preprocessing', 'calhousing-Training', 'calhousing-CreateModel-CreateModel', ...CALHOUSING_TAIL,
      'falcon-text-summarization-preprocess', 'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
    ]);
    expect(plan.reason).toBe(
      'Re-running "falcon-text-summarization-preprocess" and 8 other step(s) downstream of them or never run; 0 step(s) are reused from the failed run.',
    );
  });

  test('GIVEN one chain failed and the other was stopped mid-way WHEN planned THEN the stopped step and its downstream are selected, succeeded steps are not', () => {
    const steps = listed(
      succeeded('calhousing-Preprocessing'), succeeded('falcon-text-summarization-preprocess'),
      failed('falcon-text-summarization-tuning', CAPACITY), ran('calhousing-Training', 'Stopped'),
    );
    const plan = planRetry(TWO_CHAINS, steps);
    expect(plan.selectedSteps).toEqual([
      'calhousing-Training', 'calhousing-CreateModel-CreateModel', ...CALHOUSING_TAIL,
      'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
    ]);
    expect(plan.failedSteps.map((f) => `${f.stepName}:${f.status}`)).toEqual([
      'calhousing-Training:Stopped', 'falcon-text-summarization-tuning:Failed',
    ]);
  });

  test('GIVEN a failure WHEN the list is returned in any order THEN the plan is identical', () => {
    const steps = listed(
      succeeded('falcon-text-summarization-preprocess'), succeeded('calhousing-Preprocessing'),
      failed('falcon-text-summarization-tuning', CAPACITY), succeeded('calhousing-Training'), failed('calhousing-CreateModel-CreateModel', INTERNAL),
    );
    const expected = planRetry(TWO_CHAINS, steps);
    expect(planRetry(TWO_CHAINS, [...steps].reverse())).toEqual(expected);
    expect(planRetry(TWO_CHAINS, [steps[2], steps[0], steps[4], steps[1], steps[3]])).toEqual(expected);
    expect(planRetry(JSON.parse(TWO_CHAINS), steps)).toEqual(expected);
    const reordered = JSON.parse(TWO_CHAINS);
    reordered.Steps.reverse();
    expect(planRetry(reordered, steps)).toEqual(expected);
  });
});

describe('planRetry on fixture 14 (serial inference, register in IfSteps)', () => {
  test('GIVEN evaluation failed WHEN planned THEN evaluation, the Condition and the register step are retried', () => {
    const steps = listed(succeeded('PreprocessData'), succeeded('TrainTensorflowModel'), failed('EvaluateModelPerformance', 'AlgorithmError: exit 1'));
    const plan = planRetry(SERIAL_14, steps);
    expect(plan.selectedSteps).toEqual(['EvaluateModelPerformance', 'MSE-Lower-Than-Threshold-Condition', 'PipelineModel-RegisterModel']);
    expect(plan.failedSteps).toEqual([
      { stepName: 'EvaluateModelPerformance', stepType: 'Processing', status: 'Failed', failureReason: 'AlgorithmError: exit 1' },
    ]);
  });

  test('GIVEN the MSE was too high so the register step was legitimately skipped WHEN planned THEN there is nothing to retry', () => {
    const steps = listed(
      succeeded('PreprocessData'), succeeded('TrainTensorflowModel'), succeeded('EvaluateModelPerformance'),
      evaluated('MSE-Lower-Than-Threshold-Condition', 'False'),
    );
    expect(planRetry(SERIAL_14, steps).decision).toBe('skip');
  });

  test('GIVEN the register step in the taken branch failed WHEN planned THEN only it is retried', () => {
    const steps = listed(
      succeeded('PreprocessData'), succeeded('TrainTensorflowModel'), succeeded('EvaluateModelPerformance'),
      evaluated('MSE-Lower-Than-Threshold-Condition', 'True'), failed('PipelineModel-RegisterModel', INTERNAL),
    );
    expect(planRetry(SERIAL_14, steps).selectedSteps).toEqual(['PipelineModel-RegisterModel']);
  });
});

describe('planRetry limits and invalid definitions', () => {
  test('GIVEN the first of 60 chained steps failed WHEN planned THEN it skips because 60 steps exceed SageMaker\'s 50-step limit', () => {
    // GIVEN
    const steps = listed(failed(chainName(0), INTERNAL));
    // WHEN
    const plan = planRetry(chainDefinition(60), steps);
    // THEN
    expect(MAX_SELECTED_STEPS).toBe(50);
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toBe('The retry would select 60 steps, more than SageMaker\'s limit of 50 selected steps per selective execution.');
    expect(plan.selectedSteps).toEqual([]);
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual([chainName(0)]);
  });

  test('GIVEN a limit option above SageMaker\'s 50 WHEN 60 steps would be selected THEN it still skips, since SageMaker would reject the start', () => {
    const plan = planRetry(chainDefinition(60), listed(failed(chainName(0), INTERNAL)), { maxSelectedSteps: 100 });
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toContain('more than SageMaker\'s limit of 50');
  });

  test('GIVEN a failure that selects exactly 50 steps WHEN planned THEN it retries all 50', () => {
    const steps = listed(...Array.from({ length: 10 }, (_, i) => succeeded(chainName(i))), failed(chainName(10), INTERNAL));
    const plan = planRetry(chainDefinition(60), steps);
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toHaveLength(50);
    expect(plan.selectedSteps[0]).toBe(chainName(10));
    expect(plan.selectedSteps[49]).toBe(chainName(59));
  });

  test('GIVEN a 5,000-step chain WHEN a late step fails THEN the short tail is retried, and WHEN an early step fails THEN it skips over the limit', () => {
    // GIVEN
    const definition = JSON.stringify(chainDefinition(5000));
    const late = listed(...Array.from({ length: 4990 }, (_, i) => succeeded(chainName(i))), failed(chainName(4990), INTERNAL));
    // WHEN
    const latePlan = planRetry(definition, late);
    const earlyPlan = planRetry(definition, listed(failed(chainName(0), INTERNAL)));
    // THEN
    expect(latePlan.selectedSteps).toEqual(Array.from({ length: 10 }, (_, i) => chainName(4990 + i)));
    expect(earlyPlan.decision).toBe('skip');
    expect(earlyPlan.reason).toContain('select 5000 steps');
  });

  test.each([
    ['text that is not JSON', '{"Version": "2020-12-01", "Steps": ['],
    ['a definition without Steps', '{"Version": "2020-12-01"}'],
    ['duplicate step names', { Steps: [{ Name: 'A', Type: 'Processing' }, { Name: 'A', Type: 'Training' }] }],
    ['nothing at all', undefined],
  ])('GIVEN %s WHEN planned THEN it skips, saying the definition is invalid, and does not throw', (_label, definition) => {
    const plan = planRetry(definition, listed(failed('A', INTERNAL)));
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toMatch(/^The pipeline definition is invalid: /);
    expect(plan.selectedSteps).toEqual([]);
  });

  test('GIVEN a definition whose steps form a cycle WHEN planned THEN it skips and names the cycle', () => {
    const definition = {
      Steps: [
        { Name: 'Train', Type: 'Training', DependsOn: ['Prep'] },
        { Name: 'Prep', Type: 'Processing', Arguments: { Model: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } } },
      ],
    };
    const plan = planRetry(definition, listed(failed('Prep', INTERNAL)));
    expect(plan.decision).toBe('skip');
    expect(plan.reason).toBe('The pipeline definition is invalid: its steps form a cycle: Prep -> Train -> Prep.');
  });

  test('GIVEN a step that references itself WHEN planned THEN it skips and names the one-step cycle', () => {
    const definition = { Steps: [{ Name: 'Loop', Type: 'Processing', Arguments: { In: { Get: 'Steps.Loop.ProcessingJobName' } } }] };
    expect(planRetry(definition, []).reason).toBe('The pipeline definition is invalid: its steps form a cycle: Loop -> Loop.');
  });

  test('GIVEN a dangling reference in the definition WHEN planned THEN the plan carries the warning and still retries', () => {
    const definition = { Steps: [{ Name: 'A', Type: 'Processing', DependsOn: ['DeletedStep'] }] };
    const plan = planRetry(definition, listed(failed('A', INTERNAL)));
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['A']);
    expect(plan.warnings).toEqual([expect.stringMatching(/"A" depends on .*"DeletedStep"/)]);
  });

  test('GIVEN Conditions nested 3,000 deep with the innermost step failed WHEN planned THEN it plans without throwing', () => {
    // GIVEN: built as text; every Condition evaluated True.
    const depth = 3000;
    let text = '{"Name":"Leaf","Type":"Processing","Arguments":{}}';
    for (let i = 0; i < depth; i++) text = `{"Name":"C${i}","Type":"Condition","Arguments":{"Conditions":[],"IfSteps":[${text}],"ElseSteps":[]}}`;
    const steps = listed(...Array.from({ length: depth }, (_, i) => evaluated(`C${depth - 1 - i}`, 'True')), failed('Leaf', INTERNAL));
    // WHEN
    const plan = planRetry(`{"Version":"2020-12-01","Steps":[${text}]}`, steps);
    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['Leaf']);
  });

  test('GIVEN a branch step that reads a failed parallel step, inside the branch its Condition did not take WHEN planned THEN it is not selected', () => {
    // GIVEN: Cond depends only on A and took Else; X (in IfSteps) reads B, which failed in parallel.
    const definition = {
      Steps: [
        { Name: 'A', Type: 'Processing' },
        { Name: 'B', Type: 'Processing' },
        {
          Name: 'Cond',
          Type: 'Condition',
          Arguments: {
            Conditions: [{ Type: 'Equals', LeftValue: { Get: 'Steps.A.ProcessingJobName' }, RightValue: 'x' }],
            IfSteps: [{ Name: 'X', Type: 'Training', Arguments: { In: { Get: 'Steps.B.ProcessingOutputConfig.Outputs[\'o\'].S3Output.S3Uri' } } }],
            ElseSteps: [{ Name: 'Y', Type: 'Processing' }],
          },
        },
      ],
    };
    const steps = listed(succeeded('A'), failed('B', INTERNAL), evaluated('Cond', 'False'), succeeded('Y'));
    // WHEN
    const plan = planRetry(definition, steps);
    // THEN
    expect(plan.selectedSteps).toEqual(['B']);
    // AND WHEN the Condition took If instead, X never ran because B failed: it is selected.
    const taken = planRetry(definition, listed(succeeded('A'), failed('B', INTERNAL), evaluated('Cond', 'True')));
    expect(taken.selectedSteps).toEqual(['B', 'X']);
  });

  test('GIVEN the only failed step sits in the branch its Condition did not take WHEN planned THEN it skips instead of retrying zero steps', () => {
    // GIVEN: an inconsistent list (e.g. a reused Condition outcome and a stale branch step); SageMaker needs 1 to 50 SelectedSteps.
    const steps = listed(
      succeeded('MyStep0'), evaluated('MyConditionStep', 'True'), succeeded('MyStep1'), failed('MyStep2', INTERNAL),
    );
    // WHEN
    const plan = planRetry(CONDITION_02, steps);
    // THEN
    expect(plan.decision).toBe('skip');
    expect(plan.selectedSteps).toEqual([]);
    expect(plan.reason).toMatch(/nothing to retry/);
    expect(plan.failedSteps.map((f) => f.stepName)).toEqual(['MyStep2']);
  });

  test('GIVEN a diamond where one parallel branch failed and the other never started WHEN planned THEN the never-started branch is selected too', () => {
    // Pitfall 7: an ancestor of a selected step that did not succeed must be selected as well.
    const definition = {
      Steps: [
        { Name: 'Root', Type: 'Processing' },
        { Name: 'Left', Type: 'Processing', DependsOn: ['Root'] },
        { Name: 'Right', Type: 'Processing', DependsOn: ['Root'] },
        { Name: 'Join', Type: 'Processing', Arguments: { L: { Get: 'Steps.Left.X' }, R: { Get: 'Steps.Right.X' } } },
      ],
    };
    const plan = planRetry(definition, listed(succeeded('Root'), failed('Left', INTERNAL)));
    expect(plan.selectedSteps).toEqual(['Left', 'Right', 'Join']);
    expect(plan.seeds).toEqual(['Left', 'Right', 'Join']);
  });
});

describe('steps outside a Condition that depend on a step inside its untaken branch', () => {
  // Check.IfSteps = [a] (a reads B); x_y, outside the Condition, reads a. Check took Else, so a never ran, and x_y
  // could not run either. B (independent of Check) failed.
  const definition = {
    Version: '2020-12-01',
    Steps: [
      { Name: 'B', Type: 'Processing', Arguments: {} },
      { Name: 'Check', Type: 'Condition', Arguments: { Conditions: [], IfSteps: [{ Name: 'a', Type: 'Processing', Arguments: { In: { Get: 'Steps.B.X' } } }], ElseSteps: [] } },
      { Name: 'x_y', Type: 'Processing', Arguments: { In: { Get: 'Steps.a.Y' } } },
    ],
  };

  test('GIVEN the Condition took Else and B failed WHEN planned THEN x_y is no seed and is not selected: the plan stays path-closed', () => {
    const plan = planRetry(definition, [
      { StepName: 'B', StepStatus: 'Failed', FailureReason: 'InternalServerError' },
      { StepName: 'Check', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'False' } } },
    ]);
    expect(plan).toMatchObject({ decision: 'retry', selectedSteps: ['B'], seeds: ['B'] });
  });

  test('GIVEN the Condition took Else and nothing failed WHEN planned THEN nothing is retried', () => {
    const plan = planRetry(definition, [
      { StepName: 'B', StepStatus: 'Succeeded' },
      { StepName: 'Check', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'False' } } },
    ]);
    expect(plan.decision).toBe('skip');
  });
});

describe('steps that build paths from the execution id', () => {
  const definition = {
    Version: '2020-12-01',
    Steps: [
      { Name: 'Prep', Type: 'Processing', Arguments: { Out: { 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }, 'prep'] } } } },
      { Name: 'Train', Type: 'Training', DependsOn: ['Prep'], Arguments: { In: { 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }, 'prep'] } } } },
      { Name: 'Eval', Type: 'Processing', Arguments: { In: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } } },
    ],
  };

  test('GIVEN a selected step that reads a path built from Execution.PipelineExecutionId and a reused upstream step that builds one WHEN planned THEN the upstream step is re-run too, and the reason says so', () => {
    const plan = planRetry(definition, [{ StepName: 'Train', StepStatus: 'Failed' }, { StepName: 'Prep', StepStatus: 'Succeeded' }]);
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['Prep', 'Train', 'Eval']);
    expect(plan.addedProducers).toEqual(['Prep']);
    expect(plan.reason).toContain('added reused upstream step(s) "Prep", because a selected step reads what they wrote under a path built from the execution\'s id');
    expect(plan.warnings).toEqual([]);
  });

  test('GIVEN a selected step whose only use of the execution id is its own output prefix WHEN planned THEN no warning', () => {
    const ownPrefix = {
      Version: '2020-12-01',
      Steps: [
        { Name: 'Prep', Type: 'Processing', Arguments: {} },
        {
          Name: 'Train',
          Type: 'Training',
          DependsOn: ['Prep'],
          Arguments: { OutputDataConfig: { S3OutputPath: { 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }] } } } },
        },
      ],
    };
    const plan = planRetry(ownPrefix, [{ StepName: 'Train', StepStatus: 'Failed' }, { StepName: 'Prep', StepStatus: 'Succeeded' }]);
    expect(plan.selectedSteps).toEqual(['Train']);
    expect(plan.warnings).toEqual([]);
  });

  test('GIVEN every step is selected WHEN planned THEN nothing is reused and there is no warning', () => {
    const plan = planRetry(definition, [{ StepName: 'Prep', StepStatus: 'Failed' }]);
    expect(plan.selectedSteps).toEqual(['Prep', 'Train', 'Eval']);
    expect(plan.warnings).toEqual([]);
  });
});
