/**
 * The pure planner: given a failed execution's definition and step list, decide which steps a selective execution
 * must run. No I/O; the same function serves the Lambda handler and the `plan` CLI.
 *
 * Rules (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html):
 * - seeds: steps that Failed or were Stopped (or were still running when the execution ended), plus steps that
 *   never ran although they should have: absent from the step list and not in the untaken branch of a Condition
 *   whose outcome is known;
 * - selected: the seeds and everything downstream of them, minus the steps of an untaken branch of a Condition that
 *   is not itself selected. A downstream-closed set always satisfies SageMaker's rule that "all step(s) in all
 *   path(s) between two selected steps should be included" (API_SelectiveExecutionConfig);
 * - steps reused by the source run (`SelectiveExecutionResult`, `CacheHitResult`) count as succeeded;
 * - when the failed run was itself a selective execution, the retry stays inside that run's selection: its failed
 *   steps and, downstream of them, only steps it had selected (the steps it reused were someone's choice not to run).
 *   The intersection of a downstream-closed set with a path-closed selection is path-closed again;
 * - a reused Condition whose outcome the step list does not carry takes it from the source run's step list
 *   (`sourceSteps`, read by the caller only when `sourceRunToRead` says so);
 * - when a selected step reads a value built from the execution's id, ARN or start time (the kernel's
 *   `runScopedReads`: not a Fail step's message, not a step's own output prefix) and a reused step upstream of it
 *   also builds values from them, the data probably flows through a path named after the failed run, which the
 *   selective execution would look up under its own id: the upstream step is selected too (and every step on a path
 *   between), or the plan skips when that exceeds the limit;
 * - skip when a Fail step failed the run (a deliberate failure), when nothing needs to run, when the selection
 *   exceeds SageMaker's 50-step limit, or when the definition is invalid.
 *
 * The definition is read through the shared kernel's model (src/kernel/definition-model.ts), the same one the
 * constructs validate at synth.
 */
import type { SkipReason } from '../src/kernel/contract';
import {
  ConditionBranch,
  DefinitionGraph,
  DefinitionModel,
  InvalidDefinitionError,
  downstreamClosure,
  enclosingBranches,
  findCycle,
  parseDefinition,
  topologicalOrder,
} from '../src/kernel/definition-graph';
import { RUN_SCOPED_VARIABLES, runScopedReads } from '../src/kernel/run-scoped-reads';

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
  /**
   * Reused steps added to the selection because a selected step reads what they wrote under a path built from the
   * execution's id, ARN or start time (the steps on the paths between are added too). Empty when none.
   */
  readonly addedProducers: string[];
  /**
   * Set when the plan skips only because the selection exceeds the limit: the steps a selective execution would
   * need, in topological order. A caller may offer a full (non-selective) re-run instead.
   */
  readonly overLimitSelection?: string[];
}

/** Options of the planner. */
export interface PlanOptions {
  /** At most SageMaker's limit; a larger value is treated as 50. @default 50 (SageMaker's limit) */
  readonly maxSelectedSteps?: number;
  /**
   * The steps the failed run selected, when it was itself a selective execution
   * (`DescribePipelineExecution.SelectiveExecutionConfig.SelectedSteps`). The retry stays inside them.
   * @default - the failed run ran the whole pipeline
   */
  readonly runSelection?: readonly string[];
  /**
   * The step list of the run the failed selective run reused its steps from, read only when `sourceRunToRead` asks
   * for it: it supplies the outcome of reused Condition steps whose outcome the failed run's list does not carry.
   * @default - none
   */
  readonly sourceSteps?: readonly ExecutionStepRecord[];
}

const SUCCEEDED = 'Succeeded';
const NOT_COMPLETED = new Set(['Failed', 'Stopped', 'Stopping', 'Executing', 'Starting']);

/**
 * Plans the selective execution that heals a failed run. Never throws for bad input: it returns `skip`.
 *
 * @param definition the definition: its JSON text or object, or the model a caller already parsed with
 *   `parseDefinition` (so that a definition is parsed once per failure)
 */
export function planRetry(definition: unknown, steps: readonly ExecutionStepRecord[], options: PlanOptions = {}): RetryPlan {
  let graph: DefinitionGraph;
  try {
    graph = isDefinitionModel(definition) ? definition : parseDefinition(definition);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) return skip('INVALID_DEFINITION', `The pipeline definition is invalid: ${e.message}`, []);
    throw e;
  }
  const warnings = graph.problems.map((p) => `${p.message} The reference is ignored.`);
  const cycle = findCycle(graph);
  if (cycle) return skip('INVALID_DEFINITION', `The pipeline definition is invalid: its steps form a cycle: ${cycle.join(' -> ')}.`, warnings);

  const records = withSourceOutcomes(latestRecordPerStep(steps, graph, warnings), options.sourceSteps ?? [], graph);
  const runSelection = options.runSelection ? new Set(options.runSelection.filter((n) => graph.steps.has(n))) : undefined;
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
    // depends on a step so routed around (it could not have run either), or the failed run did not select it.
    if (!routedAround.has(step.name) && (!runSelection || runSelection.has(step.name))) seeds.add(step.name);
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
  // A retry of a selective run stays inside that run's selection (the seeds are in it: they ran, or it selected them).
  if (runSelection) for (const name of [...selected]) if (!seeds.has(name) && !runSelection.has(name)) selected.delete(name);
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

  const producers = addExecutionVariableProducers(graph, records, selected);
  const ordered = topologicalOrder(graph, selected);
  const orderedSeeds = ordered.filter((n) => seeds.has(n));
  // The option can only lower SageMaker's limit: a larger selection would be rejected by StartPipelineExecution.
  const limit = Math.min(options.maxSelectedSteps ?? MAX_SELECTED_STEPS, MAX_SELECTED_STEPS);
  if (ordered.length > limit) {
    const plan = skip('TOO_MANY_STEPS',
      `The retry would select ${ordered.length} steps, more than SageMaker's limit of ${limit} selected steps per selective execution`
      + `${producers.added.length > 0 ? ` (with ${describeProducers(producers.added)})` : ''}.`,
      warnings, orderedSeeds, failedSteps,
    );
    return { ...plan, addedProducers: producers.added, overLimitSelection: ordered };
  }
  warnings.push(...producers.warnings);

  const failedNames = failedSteps.map((f) => f.stepName);
  const others = ordered.filter((n) => !failedNames.includes(n) && !producers.added.includes(n)).length;
  const notSelected = [...graph.steps.keys()].filter((n) => !selected.has(n));
  const reusedCount = notSelected.filter((n) => records.has(n) && isReusedOrSucceeded(records.get(n)!)).length;
  const notRun = notSelected.length - reusedCount;
  const rest = `${reusedCount} step(s) are reused from the failed run`
    + (notRun > 0
      ? `; ${notRun} step(s) did not run in it and need not (an untaken Condition branch${runSelection ? ', or not selected by the failed run' : ''})`
      : '')
    + (producers.added.length > 0 ? `; added ${describeProducers(producers.added)}` : '')
    + '.';
  return {
    decision: 'retry',
    selectedSteps: ordered,
    reason: failedNames.length > 0
      ? `Re-running ${failedNames.map((n) => `"${n}"`).join(', ')} and ${others} other step(s) downstream of them or never run; ${rest}`
      : `Running ${ordered.length - producers.added.length} step(s) that never ran or did not complete; ${rest}`,
    warnings,
    seeds: orderedSeeds,
    failedSteps,
    addedProducers: producers.added,
  };
}

/**
 * The ARN of the run whose step list supplies the outcome of reused Condition steps, when the failed run's list does
 * not carry one (nothing documents that SageMaker copies `Metadata.Condition.Outcome` to a reused Condition).
 * Undefined when every listed Condition has its outcome: then no extra read is made.
 */
export function sourceRunToRead(graph: DefinitionGraph, steps: readonly ExecutionStepRecord[]): string | undefined {
  const records = latestRecordPerStep(steps, graph, []);
  for (const [name, step] of graph.steps) {
    const record = records.get(name);
    if (step.type !== 'Condition' || !record || conditionOutcome(records, name) !== undefined) continue;
    const source = sourceOf(record);
    if (source) return source;
  }
  return undefined;
}

function sourceOf(record: ExecutionStepRecord): string | undefined {
  const source = (record.SelectiveExecutionResult as { SourcePipelineExecutionArn?: unknown } | undefined)?.SourcePipelineExecutionArn;
  return typeof source === 'string' && source.length > 0 ? source : undefined;
}

/**
 * `steps` (one record per step) with the outcome of each reused Condition that lacks one copied from `sourceSteps`,
 * the step list of the run it was reused from: how a chain of selective runs is filled from its end.
 */
export function withConditionOutcomesFrom(
  graph: DefinitionGraph, steps: readonly ExecutionStepRecord[], sourceSteps: readonly ExecutionStepRecord[],
): ExecutionStepRecord[] {
  return [...withSourceOutcomes(latestRecordPerStep(steps, graph, []), sourceSteps, graph).values()];
}

/** Copies the outcome of reused Condition steps that lack one from the source run's records. */
function withSourceOutcomes(
  records: Map<string, ExecutionStepRecord>, sourceSteps: readonly ExecutionStepRecord[], graph: DefinitionGraph,
): Map<string, ExecutionStepRecord> {
  if (sourceSteps.length === 0) return records;
  const source = latestRecordPerStep(sourceSteps, graph, []);
  const result = new Map(records);
  for (const [name, record] of records) {
    if (graph.steps.get(name)?.type !== 'Condition' || !sourceOf(record) || conditionOutcome(records, name) !== undefined) continue;
    const outcome = source.get(name)?.Metadata?.Condition?.Outcome;
    if (typeof outcome === 'string') result.set(name, { ...record, Metadata: { ...record.Metadata, Condition: { Outcome: outcome } } });
  }
  return result;
}

/**
 * The steps that build a value from the run's identity (`Execution.PipelineExecutionId`, `PipelineExecutionArn`,
 * `StartDateTime`) anywhere: in an output location (where a producer writes under the run's id) or in a value it
 * reads with. Not a Fail step, whose message is for people.
 */
function runScopedProducers(graph: DefinitionGraph): Set<string> {
  return new Set(graph.references
    .filter((r) => r.namespace === 'Execution' && RUN_SCOPED_VARIABLES.includes(r.name) && r.step !== undefined
      && graph.steps.get(r.step)?.type !== 'Fail')
    .map((r) => r.step!));
}

/**
 * Adds to `selected` (in place) the reused steps upstream of a selected step that reads an execution variable, when
 * they build values from those variables too, with every step on a path between (path closure), until nothing
 * changes. Returns the added producers, and a warning when such steps are not upstream (no edge to follow).
 */
function addExecutionVariableProducers(
  graph: DefinitionGraph, records: Map<string, ExecutionStepRecord>, selected: Set<string>,
): { added: string[]; warnings: string[] } {
  // What counts as a read is the kernel's rule (run-scoped-reads.ts): not a step's own output prefix, not text for people.
  const readers = new Set(runScopedReads(graph).map((r) => r.step));
  const producers = runScopedProducers(graph);
  const reused = (name: string) => records.has(name) && isReusedOrSucceeded(records.get(name)!);
  const added: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const reader of [...selected].filter((n) => readers.has(n))) {
      for (const producer of ancestorsOf(graph, reader)) {
        if (selected.has(producer) || !producers.has(producer) || !reused(producer)) continue;
        added.push(producer);
        selected.add(producer);
        changed = true;
      }
    }
    if (changed) for (const name of pathClosure(graph, selected)) selected.add(name);
  }
  const warnings: string[] = [];
  const selectedReaders = [...selected].filter((n) => readers.has(n));
  const unrelated = [...graph.steps.keys()].filter((n) => !selected.has(n) && producers.has(n) && reused(n));
  if (selectedReaders.length > 0 && unrelated.length > 0) {
    warnings.push(`Selected step(s) ${quoted(selectedReaders.sort())} build values from the execution's id, ARN or start time, and so do `
      + `reused step(s) ${quoted(unrelated.sort())}, which they do not depend on: if data passes between them through such a path, `
      + 'the selective execution looks for it under its own id. Pass data between steps with step properties (Get: Steps.X...) '
      + 'or declare the dependency (DependsOn).');
  }
  return { added: topologicalOrder(graph, added), warnings };
}

function describeProducers(added: string[]): string {
  return `reused upstream step(s) ${quoted(added)}, because a selected step reads what they wrote under a path built from the `
    + 'execution\'s id, ARN or start time (a selective execution has its own), and the steps between';
}

function quoted(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** Every step that `name` depends on, directly or not. */
function ancestorsOf(graph: DefinitionGraph, name: string): Set<string> {
  const result = new Set<string>();
  const stack = [...graph.predecessors.get(name) ?? []];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (result.has(current)) continue;
    result.add(current);
    stack.push(...graph.predecessors.get(current) ?? []);
  }
  return result;
}

/**
 * `names` and the steps on a path between two of them (downstream of one and upstream of another): the smallest
 * superset that satisfies SageMaker's rule that "all step(s) in all path(s) between two selected steps should be
 * included" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SelectiveExecutionConfig.html).
 */
export function pathClosure(graph: DefinitionGraph, names: Iterable<string>): Set<string> {
  const members = [...names];
  const upstream = new Set(members);
  for (const name of members) for (const a of ancestorsOf(graph, name)) upstream.add(a);
  return new Set([...downstreamClosure(graph, members)].filter((n) => upstream.has(n)));
}

/** A model from `parseDefinition` (plain data: a steps map and a references list), not definition JSON. */
function isDefinitionModel(value: unknown): value is DefinitionModel {
  return typeof value === 'object' && value !== null && (value as DefinitionModel).steps instanceof Map
    && Array.isArray((value as DefinitionModel).references);
}

function skip(
  skipReason: SkipReason, reason: string, warnings: string[], seeds: string[] = [], failedSteps: FailedStep[] = [],
): RetryPlan {
  return { decision: 'skip', selectedSteps: [], reason, skipReason, warnings, seeds, failedSteps, addedProducers: [] };
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
