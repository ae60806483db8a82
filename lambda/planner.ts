/**
 * The pure planner: given a failed execution's definition and step list, decide which steps a selective execution
 * must run. No I/O; the same function serves the Lambda handler and the `plan` CLI.
 *
 * Rules (DESIGN.md "The planner", sagemaker-facts.md pitfalls 6-9):
 * - seeds: steps that Failed or were Stopped (or were still running when the execution ended), plus steps that
 *   never ran although they should have: absent from the step list and not in the untaken branch of a Condition
 *   whose outcome is known;
 * - selected: the seeds and everything downstream of them, minus the steps of an untaken branch of a Condition that
 *   is not itself selected. A downstream-closed set always satisfies SageMaker's rule that "all step(s) in all
 *   path(s) between two selected steps should be included" (API_SelectiveExecutionConfig);
 * - steps reused by the source run (`SelectiveExecutionResult`, `CacheHitResult`) count as succeeded;
 * - skip when a Fail step failed the run (a deliberate failure), when nothing needs to run, when the selection
 *   exceeds SageMaker's 50-step limit, or when the definition is invalid.
 */
import type { SkipReason } from '../src/kernel/contract';
import {
  ConditionBranch,
  DefinitionGraph,
  InvalidDefinitionError,
  downstreamClosure,
  enclosingBranches,
  findCycle,
  parseDefinition,
  topologicalOrder,
} from '../src/kernel/definition-graph';

/** SageMaker accepts 1 to 50 `SelectedSteps` (API_SelectiveExecutionConfig). */
export const MAX_SELECTED_STEPS = 50;

/** The fields of a `ListPipelineExecutionSteps` entry that the planner reads. */
export interface ExecutionStepRecord {
  readonly StepName?: string;
  readonly StepStatus?: string;
  readonly StartTime?: Date | string | number;
  readonly FailureReason?: string;
  readonly Metadata?: {
    readonly Condition?: { readonly Outcome?: string };
    readonly Fail?: { readonly ErrorMessage?: string };
  };
  readonly CacheHitResult?: unknown;
  readonly SelectiveExecutionResult?: unknown;
}

/** A step the planner found failed, with the reason SageMaker reported. */
export interface FailedStep {
  readonly stepName: string;
  readonly stepType: string;
  readonly status: string;
  readonly failureReason?: string;
}

/** What the planner decided. */
export interface RetryPlan {
  readonly decision: 'retry' | 'skip';
  /** Steps to select, in topological order (ties by name); empty when skipping. */
  readonly selectedSteps: string[];
  /** Why, in one sentence a person can act on. */
  readonly reason: string;
  /** Why, as a `SkipReason` metric dimension (`skip` only). */
  readonly skipReason?: SkipReason;
  readonly warnings: string[];
  /** The steps that failed, stopped or never ran although they should have. */
  readonly seeds: string[];
  /** The steps that failed or stopped, with their reasons. */
  readonly failedSteps: FailedStep[];
}

/** Options of the planner. */
export interface PlanOptions {
  /** At most SageMaker's limit; a larger value is treated as 50. @default 50 (SageMaker's limit) */
  readonly maxSelectedSteps?: number;
}

const SUCCEEDED = 'Succeeded';
const NOT_COMPLETED = new Set(['Failed', 'Stopped', 'Stopping', 'Executing', 'Starting']);

/** Plans the selective execution that heals a failed run. Never throws for bad input: it returns `skip`. */
export function planRetry(definition: unknown, steps: readonly ExecutionStepRecord[], options: PlanOptions = {}): RetryPlan {
  let graph: DefinitionGraph;
  try {
    graph = parseDefinition(definition);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) return skip('INVALID_DEFINITION', `The pipeline definition is invalid: ${e.message}`, []);
    throw e;
  }
  const warnings = [...graph.warnings];
  const cycle = findCycle(graph);
  if (cycle) return skip('INVALID_DEFINITION', `The pipeline definition is invalid: its steps form a cycle: ${cycle.join(' -> ')}.`, warnings);

  const records = latestRecordPerStep(steps, graph, warnings);
  const failedSteps: FailedStep[] = [];
  const seeds = new Set<string>();

  // Steps in the untaken branch of a Condition whose outcome is known, and everything downstream of them.
  const routedAround = downstreamClosure(graph, [...graph.steps.keys()].filter((n) => isInUntakenBranch(graph, records, n)));

  // Topological order (ties by name), not definition order: reordering a definition's Steps must not change the plan.
  for (const name of topologicalOrder(graph)) {
    const step = graph.steps.get(name)!;
    const record = records.get(step.name);
    if (record && isReusedOrSucceeded(record)) continue;
    if (record) {
      const status = record.StepStatus ?? 'Unknown';
      if (!NOT_COMPLETED.has(status)) {
        warnings.push(`Step "${step.name}" has status "${status}", which the planner does not know; it is treated as not completed.`);
      } else if (status !== 'Failed' && status !== 'Stopped') {
        warnings.push(`Step "${step.name}" was still "${status}" when the execution ended; it is treated as not completed.`);
      }
      seeds.add(step.name);
      if (status === 'Failed' || status === 'Stopped') {
        failedSteps.push({
          stepName: step.name,
          stepType: step.type,
          status,
          ...(record.FailureReason ?? record.Metadata?.Fail?.ErrorMessage
            ? { failureReason: record.FailureReason ?? record.Metadata?.Fail?.ErrorMessage }
            : {}),
        });
      }
      continue;
    }
    // Absent: it never started. It should have, unless a Condition with a known outcome routed around it, or it
    // depends on a step so routed around (it could not have run either).
    if (!routedAround.has(step.name)) seeds.add(step.name);
  }

  const deliberate = failedSteps.filter((f) => f.status === 'Failed' && graph.steps.get(f.stepName)!.type === 'Fail');
  if (deliberate.length > 0) {
    const names = deliberate.map((f) => `"${f.stepName}"${f.failureReason ? ` (${f.failureReason})` : ''}`).join(', ');
    return skip('FAIL_STEP',
      `The execution was failed deliberately by Fail step ${names}; a Fail step's outcome is not retried.`,
      warnings, [...seeds].sort(), failedSteps,
    );
  }
  if (seeds.size === 0) {
    return skip('NOTHING_TO_RETRY', 'Every step of the execution succeeded or was legitimately skipped; there is nothing to retry.', warnings, [], failedSteps);
  }

  const selected = downstreamClosure(graph, seeds);
  const untaken = [...graph.steps.keys()].filter((name) => enclosingBranches(graph, name).some(
    ({ condition, branch }) => !selected.has(condition) && branchNotTaken(records, condition, branch),
  ));
  // The untaken branch of a Condition that is not re-run stays untaken, so neither its steps nor anything that
  // depends on them can run: drop them all. Dropping whole downstream regions keeps the selection path-closed.
  for (const name of downstreamClosure(graph, untaken)) selected.delete(name);
  if (selected.size === 0) {
    // SageMaker needs at least one selected step; this only happens when the step list contradicts the outcomes.
    return skip('NOTHING_TO_RETRY',
      'Every step that did not complete sits in a Condition branch that was not taken; there is nothing to retry.',
      warnings, [], failedSteps,
    );
  }

  const ordered = topologicalOrder(graph, selected);
  const orderedSeeds = ordered.filter((n) => seeds.has(n));
  // The option can only lower SageMaker's limit: a larger selection would be rejected by StartPipelineExecution.
  const limit = Math.min(options.maxSelectedSteps ?? MAX_SELECTED_STEPS, MAX_SELECTED_STEPS);
  if (ordered.length > limit) {
    return skip('TOO_MANY_STEPS',
      `The retry would select ${ordered.length} steps, more than SageMaker's limit of ${limit} selected steps per selective execution.`,
      warnings, orderedSeeds, failedSteps,
    );
  }
  if (ordered.length < graph.steps.size) {
    for (const name of ordered.filter((n) => usesExecutionId(graph.steps.get(n)!.json, graph.steps.get(n)!.type))) {
      warnings.push(`Step "${name}" uses Execution.PipelineExecutionId, which is the new execution's id in a selective `
        + 'execution: data that reused steps wrote under the failed run\'s id will not be found there. Pass data between '
        + 'steps with step properties (Get: Steps.X...) instead.');
    }
  }
  const failedNames = failedSteps.map((f) => f.stepName);
  // Steps that never ran are seeds too, so "the others" are counted against the failed steps, not the seeds.
  const others = ordered.filter((n) => !failedNames.includes(n)).length;
  return {
    decision: 'retry',
    selectedSteps: ordered,
    reason: failedNames.length > 0
      ? `Re-running ${failedNames.map((n) => `"${n}"`).join(', ')} and ${others} other step(s) downstream of them or never run; `
        + `${graph.steps.size - ordered.length} step(s) are reused from the failed run.`
      : `Running ${ordered.length} step(s) that never ran or did not complete; ${graph.steps.size - ordered.length} step(s) are reused from the failed run.`,
    warnings,
    seeds: orderedSeeds,
    failedSteps,
  };
}

/** Whether a step reads `{"Get": "Execution.PipelineExecutionId"}` (sagemaker-facts.md pitfall 12). */
function usesExecutionId(json: Record<string, unknown>, type: string): boolean {
  // A Condition's branch steps are nodes of their own: look only at what the Condition evaluates.
  const args = json.Arguments as Record<string, unknown> | undefined;
  const stack: unknown[] = [type === 'Condition' ? args?.Conditions : json];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      stack.push(...value);
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (record.Get === 'Execution.PipelineExecutionId') return true;
      stack.push(...Object.values(record));
    }
  }
  return false;
}

function skip(
  skipReason: SkipReason, reason: string, warnings: string[], seeds: string[] = [], failedSteps: FailedStep[] = [],
): RetryPlan {
  return { decision: 'skip', selectedSteps: [], reason, skipReason, warnings, seeds, failedSteps };
}

function isReusedOrSucceeded(record: ExecutionStepRecord): boolean {
  return record.StepStatus === SUCCEEDED || record.SelectiveExecutionResult !== undefined || record.CacheHitResult !== undefined;
}

/** One record per step name: the latest started one (a step may be listed again after a service-side retry). */
function latestRecordPerStep(
  steps: readonly ExecutionStepRecord[], graph: DefinitionGraph, warnings: string[],
): Map<string, ExecutionStepRecord> {
  const result = new Map<string, ExecutionStepRecord>();
  for (const record of steps) {
    const name = record.StepName;
    if (name === undefined) continue;
    if (!graph.steps.has(name)) {
      warnings.push(`The execution lists step "${name}", which is not in its definition; it is ignored.`);
      continue;
    }
    const previous = result.get(name);
    if (!previous || startedAt(record) > startedAt(previous)) result.set(name, record);
  }
  return result;
}

function startedAt(record: ExecutionStepRecord): number {
  const time = record.StartTime === undefined ? NaN : new Date(record.StartTime).getTime();
  return Number.isNaN(time) ? -Infinity : time;
}

/** The outcome of a Condition that ran ("True"/"False"), or undefined when it is not known. */
function conditionOutcome(records: Map<string, ExecutionStepRecord>, condition: string): boolean | undefined {
  const outcome = records.get(condition)?.Metadata?.Condition?.Outcome;
  if (typeof outcome !== 'string') return undefined;
  if (outcome.toLowerCase() === 'true') return true;
  if (outcome.toLowerCase() === 'false') return false;
  return undefined;
}

function branchNotTaken(records: Map<string, ExecutionStepRecord>, condition: string, branch: ConditionBranch): boolean {
  const outcome = conditionOutcome(records, condition);
  if (outcome === undefined) return false;
  return branch === (outcome ? 'ElseSteps' : 'IfSteps');
}

function isInUntakenBranch(graph: DefinitionGraph, records: Map<string, ExecutionStepRecord>, name: string): boolean {
  return enclosingBranches(graph, name).some(({ condition, branch }) => branchNotTaken(records, condition, branch));
}
