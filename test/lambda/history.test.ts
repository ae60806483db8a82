import { PipelineExecutionStep } from '@aws-sdk/client-sagemaker';
import { HistoryMember, buildHistory, formatHistory, formatSeconds } from '../../lambda/history';
import { retryDescription } from '../../lambda/lineage';

const PIPELINE = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/churn';
const ROOT = `${PIPELINE}/execution/root`;
const RETRY1 = `${PIPELINE}/execution/retry1`;
const RETRY2 = `${PIPELINE}/execution/retry2`;
const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 2, minute));
const step = (
  StepName: string, from: number, to: number, StepStatus: any = 'Succeeded', extra: Partial<PipelineExecutionStep> = {},
): PipelineExecutionStep => ({ StepName, StepStatus, StartTime: at(from), EndTime: at(to), ...extra });

interface RetryOf { readonly attempt: number; readonly source?: string; readonly selected: string[] }

function member(arn: string, status: string, steps: PipelineExecutionStep[], retry?: RetryOf): HistoryMember {
  const description = retry
    ? retry.source
      ? retryDescription(retry.attempt, 2, ROOT, retry.source)
      : `[cdk-sagemaker-pipelines:selective-retry attempt=${retry.attempt} root=${ROOT}]`
    : undefined;
  return {
    arn,
    steps,
    description: {
      $metadata: {},
      PipelineArn: PIPELINE,
      PipelineExecutionArn: arn,
      PipelineExecutionStatus: status as any,
      PipelineExecutionDescription: description,
      ...(retry ? {
        SelectiveExecutionConfig: {
          SourcePipelineExecutionArn: retry.source ?? ROOT,
          SelectedSteps: retry.selected.map((StepName) => ({ StepName })),
        },
      } : {}),
    },
  };
}

const root = member(ROOT, 'Failed', [step('Prep', 0, 10), step('Train', 10, 12, 'Failed', { FailureReason: 'CapacityError: no capacity' })]);
const retry1 = member(RETRY1, 'Failed', [
  step('Prep', 20, 20, 'Succeeded', { SelectiveExecutionResult: { SourcePipelineExecutionArn: ROOT } }),
  step('Train', 20, 50),
  step('Eval', 50, 51, 'Failed', { FailureReason: 'ClientError: bad input' }),
], { attempt: 1, source: ROOT, selected: ['Train', 'Eval'] });
const retry2 = member(RETRY2, 'Succeeded', [], { attempt: 2, source: RETRY1, selected: ['Eval'] });

describe('buildHistory', () => {
  test('links each retry under its source and sums what the retries reused, each step time once', () => {
    // Members may arrive in any order.
    const history = buildHistory(RETRY2, ROOT, PIPELINE, [retry2, root, retry1], []);

    expect(history.root.executionArn).toBe(ROOT);
    expect(history.root.retries.map((r) => r.executionArn)).toEqual([RETRY1]);
    expect(history.root.retries[0].retries.map((r) => r.executionArn)).toEqual([RETRY2]);
    expect(history.root.retries[0].savings).toMatchObject({ reusedSteps: ['Prep'], stepSecondsReused: 600 });
    expect(history.root.retries[0].retries[0].savings).toMatchObject({ reusedSteps: ['Train'], stepSecondsReused: 1800, carriedOverSteps: ['Prep'] });
    expect(history.totals).toEqual({ retries: 2, stepsReused: 2, stepSecondsReused: 2400 });
    expect(history.root.retries[0].failedSteps).toEqual([{ stepName: 'Eval', status: 'Failed', failureClass: 'CLIENT_ERROR', failureReason: 'ClientError: bad input' }]);
    expect(history.warnings).toEqual([]);
  });

  test('without its root (not found), the chain starts at its first retry and says so', () => {
    const warnings = ['The root execution was not found.'];

    const history = buildHistory(RETRY2, ROOT, PIPELINE, [retry2, retry1], warnings);

    expect(history.root.executionArn).toBe(RETRY1);
    // Its source was not read: no savings rather than wrong ones.
    expect(history.root.savings).toBeUndefined();
    expect(history.root.retries[0].savings).toMatchObject({ stepSecondsReused: 1800 });
    expect(history.totals.retries).toBe(2);
  });

  test('a retry whose source is not recorded is shown under the top of the chain, with a warning, never dropped', () => {
    const orphan = member(RETRY2, 'Succeeded', [], { attempt: 2, selected: ['Eval'] });
    const warnings: string[] = [];

    const history = buildHistory(ROOT, ROOT, PIPELINE, [root, retry1, orphan], warnings);

    expect(history.root.retries.map((r) => r.executionArn).sort()).toEqual([RETRY1, RETRY2]);
    expect(warnings).toEqual(['The source of retry retry2 is not recorded; it is shown under root.']);
  });

  test('a marker that SageMaker\'s own record contradicts is reported (descriptions can be written by anyone)', () => {
    const forged = member(RETRY2, 'Succeeded', [], { attempt: 2, source: RETRY1, selected: ['Eval'] });
    const notSelective = { ...forged, description: { ...forged.description, SelectiveExecutionConfig: undefined } };
    const warnings: string[] = [];

    buildHistory(ROOT, ROOT, PIPELINE, [root, retry1, notSelective], warnings);

    expect(warnings).toEqual(['Execution retry2 carries a retry marker, but SageMaker records it as no selective execution.']);

    const ranFromRoot = { SourcePipelineExecutionArn: ROOT, SelectedSteps: [] };
    const elsewhere = { ...forged, description: { ...forged.description, SelectiveExecutionConfig: ranFromRoot } };
    const more: string[] = [];
    buildHistory(ROOT, ROOT, PIPELINE, [root, retry1, elsewhere], more);
    expect(more).toEqual(['Execution retry2 carries a retry marker, but SageMaker records it as a selective execution of root, not of retry1.']);
  });

  test('the tree marks the execution asked about and prints warnings', () => {
    const text = formatHistory(buildHistory(RETRY1, ROOT, PIPELINE, [root, retry1, retry2], ['something was not read']));

    expect(text.split('\n')[0]).toBe('Pipeline churn: 2 selective retries, 40m 00s of step time reused (2 step runs not repeated)');
    expect(text).toMatch(/└── retry 1 retry1 {2}Failed {3}<- asked about/);
    expect(text).toContain('failed      Train [CAPACITY] CapacityError: no capacity');
    expect(text.trimEnd().split('\n').pop()).toBe('warning: something was not read');
  });

  test('formatSeconds', () => {
    expect([formatSeconds(6), formatSeconds(245), formatSeconds(3723)]).toEqual(['6s', '4m 05s', '1h 02m 03s']);
  });
});
