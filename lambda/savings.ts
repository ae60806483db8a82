/**
 * What a selective retry saves: the steps it reuses from the failed run instead of running them again, and the step
 * time those steps took in that run. Pure: computed from the step list the handler has already read
 * (ListPipelineExecutionSteps) and the selection, with no SageMaker call of its own.
 *
 * How steps count:
 * - reused: a step the source run ran to `Succeeded` itself and the retry does not select. Its time is
 *   `EndTime - StartTime` of its latest record in the source run.
 * - carried over: a step the source run did not run but took from an earlier run (its record has a
 *   `SelectiveExecutionResult` or a `CacheHitResult`). The retry reuses it again, but its time was spent, and counted,
 *   in that earlier run: it is listed apart and adds no time. Summed over a chain of retries, the step time reused is
 *   then the work that was kept rather than redone, each piece counted once.
 * - neither: selected steps, steps that failed or stopped, steps that never ran, and steps of a Condition branch that
 *   was not taken (they have no record, so nothing was reused).
 *
 * `runStepSeconds` is the step time the source run spent itself (every record with a start and an end, carried-over
 * steps excluded), so `shareOfRunStepTime` compares like with like. Step time is summed, not wall-clock time: steps
 * that ran in parallel add up.
 */

/** The fields of a ListPipelineExecutionSteps entry used here (API_PipelineExecutionStep). */
export interface TimedStepRecord {
  readonly StepName?: string;
  readonly StepStatus?: string;
  readonly StartTime?: Date | string | number;
  readonly EndTime?: Date | string | number;
  readonly CacheHitResult?: unknown;
  readonly SelectiveExecutionResult?: unknown;
}

/** What one selective retry reuses from its source run. */
export interface RetrySavings {
  /** Steps that succeeded in the source run and are not run again, by name. */
  readonly reusedSteps: string[];
  /** The step time of `reusedSteps` in the source run, in whole seconds. */
  readonly stepSecondsReused: number;
  /** The step time the source run spent on all its steps, in whole seconds. */
  readonly runStepSeconds: number;
  /** `stepSecondsReused / runStepSeconds`, from 0 to 1 with 3 decimals; 0 when the run spent no measurable time. */
  readonly shareOfRunStepTime: number;
  /** Steps the source run itself reused from an earlier run: reused again, their time counted where it was spent. */
  readonly carriedOverSteps: string[];
}

/** The savings of a retry that runs `selectedSteps` with `sourceSteps` (the failed run's step list) as its source. */
export function retrySavings(sourceSteps: readonly TimedStepRecord[], selectedSteps: readonly string[]): RetrySavings {
  const selected = new Set(selectedSteps);
  const reusedSteps: string[] = [];
  const carriedOverSteps: string[] = [];
  let reusedMs = 0;
  let runMs = 0;
  for (const [name, record] of latestRecordPerStep(sourceSteps)) {
    const carriedOver = record.SelectiveExecutionResult !== undefined || record.CacheHitResult !== undefined;
    const ms = carriedOver ? 0 : durationMs(record);
    runMs += ms;
    if (selected.has(name)) continue;
    if (carriedOver) {
      carriedOverSteps.push(name);
    } else if (record.StepStatus === 'Succeeded') {
      reusedSteps.push(name);
      reusedMs += ms;
    }
  }
  const stepSecondsReused = Math.round(reusedMs / 1000);
  const runStepSeconds = Math.round(runMs / 1000);
  return {
    reusedSteps: reusedSteps.sort(),
    stepSecondsReused,
    runStepSeconds,
    shareOfRunStepTime: runMs > 0 ? Math.round((1000 * reusedMs) / runMs) / 1000 : 0,
    carriedOverSteps: carriedOverSteps.sort(),
  };
}

/**
 * One record per step: the latest started (a step may be listed again after SageMaker retried it; its output, and so
 * what a retry reuses, is the latest attempt's).
 */
function latestRecordPerStep(steps: readonly TimedStepRecord[]): Map<string, TimedStepRecord> {
  const latest = new Map<string, TimedStepRecord>();
  for (const record of steps) {
    if (typeof record.StepName !== 'string') continue;
    const previous = latest.get(record.StepName);
    if (!previous || startOrder(record) > startOrder(previous)) latest.set(record.StepName, record);
  }
  return latest;
}

/** The step's run time; 0 when either time is missing or unreadable, or the end precedes the start. */
function durationMs(record: TimedStepRecord): number {
  const ms = epochMs(record.EndTime) - epochMs(record.StartTime);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** A record without a readable start sorts before any with one. */
function startOrder(record: TimedStepRecord): number {
  const ms = epochMs(record.StartTime);
  return Number.isNaN(ms) ? -Infinity : ms;
}

/** Milliseconds since the epoch (a number is taken as milliseconds, as `new Date` does); NaN when unreadable. */
function epochMs(time: Date | string | number | undefined): number {
  return time === undefined ? NaN : new Date(time).getTime();
}
