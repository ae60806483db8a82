/*
 * Property-based tests of the planner (and of the graph it is built on) with fast-check.
 *
 * The generator builds a random pipeline *model* first (steps, their DependsOn and `Get` references to earlier steps
 * only, Condition steps with steps nested in their branches at any depth), renders it to definition JSON in the
 * shapes SageMaker uses, and keeps the model's own edges as the independent oracle: the properties never ask the
 * code under test what the graph is.
 */
import * as fc from 'fast-check';
import { SOURCE_ARN } from './helpers';
import { ExecutionStepRecord, RetryPlan, planRetry } from '../../lambda/planner';
import { findCycle, parseDefinition } from '../../src/kernel/definition-graph';

type Branch = 'IfSteps' | 'ElseSteps';
type StepType = 'Processing' | 'Training' | 'Condition' | 'Fail';

interface ModelStep {
  readonly name: string;
  readonly type: StepType;
  readonly parent?: { readonly cond: number; readonly branch: Branch };
  readonly dependsOn: number[];
  readonly gets: Array<{ readonly target: number; readonly shape: number }>;
}

interface Model {
  readonly steps: ModelStep[];
  /** index -> indexes of its direct successors (every edge goes from a lower to a higher index). */
  readonly successors: number[][];
  readonly predecessors: number[][];
}

/** Names chosen so that name order, index order and case order all disagree. */
const NAME_POOL = [
  'Prep', 'train', 'Eval', 'eval-2', 'Cond_A', 'cond-b', 'Register-RegisterModel', 'transform', 'Fail-1', 'B', 'a', 'Z9',
  'deploy', 'Check', 'x_y', 'Q',
];

const RUNS = { numRuns: 200 };
const SHUFFLE_KEYS = fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 10 });

// ---------------------------------------------------------------------------------------------------------------
// Random models
// ---------------------------------------------------------------------------------------------------------------

const rawStepArb = fc.record({
  kind: fc.constantFrom<StepType>('Processing', 'Processing', 'Processing', 'Training', 'Condition', 'Condition', 'Fail'),
  nested: fc.boolean(),
  nest: fc.nat(),
  branchIf: fc.boolean(),
  deps: fc.array(fc.nat(), { maxLength: 3 }),
  gets: fc.array(fc.record({ target: fc.nat(), shape: fc.nat({ max: 3 }) }), { maxLength: 3 }),
});

/**
 * Random models. `structured`: data only flows into the same or a deeper branch scope (a step inside a Condition
 * branch is referenced only from inside that branch), which is how the SDK builds pipelines and what every fixture
 * does. Unstructured models also let a step outside a branch depend on a step inside it.
 */
const modelArbOf = (structured: boolean): fc.Arbitrary<Model> => fc.integer({ min: 1, max: 10 }).chain((n) => fc.record({
  names: fc.shuffledSubarray(NAME_POOL, { minLength: n, maxLength: n }),
  raw: fc.array(rawStepArb, { minLength: n, maxLength: n }),
})).map(({ names, raw }) => buildModel(names, raw, structured));

const modelArb = modelArbOf(false);

type RawStep = typeof rawStepArb extends fc.Arbitrary<infer T> ? T : never;

function buildModel(names: string[], raw: RawStep[], structured: boolean): Model {
  const steps: ModelStep[] = [];
  const scope = (i: number) => {
    const chain: string[] = [];
    for (let p = steps[i].parent; p; p = steps[p.cond].parent) chain.push(`${p.cond}/${p.branch}`);
    return chain;
  };
  raw.forEach((r, i) => {
    const conditions = steps.map((_, j) => j).filter((j) => steps[j].type === 'Condition');
    const pick = (k: number, from: number[]) => from[k % from.length];
    const parent = r.nested && conditions.length > 0
      ? { cond: pick(r.nest, conditions), branch: (r.branchIf ? 'IfSteps' : 'ElseSteps') as Branch }
      : undefined;
    const myScope = parent ? [`${parent.cond}/${parent.branch}`, ...scope(parent.cond)] : [];
    // Only earlier steps can be referenced (so the graph is acyclic); a Fail step has no outputs and ends the run.
    const targets = steps.map((_, j) => j).filter((j) => steps[j].type !== 'Fail' && (!structured || scope(j).every((b) => myScope.includes(b))));
    const dependsOn = targets.length === 0 ? [] : [...new Set<number>(r.deps.map((d) => pick(d, targets)))];
    const gets = targets.length === 0 ? [] : r.gets.map((g) => ({ target: pick(g.target, targets), shape: g.shape }));
    steps.push({ name: names[i], type: r.kind, dependsOn, gets, ...(parent ? { parent } : {}) });
  });
  const successors: number[][] = steps.map(() => []);
  const predecessors: number[][] = steps.map(() => []);
  steps.forEach((s, i) => {
    const ups = new Set<number>([...s.dependsOn, ...s.gets.map((g) => g.target), ...(s.parent ? [s.parent.cond] : [])]);
    for (const u of ups) {
      successors[u].push(i);
      predecessors[i].push(u);
    }
  });
  return { steps, successors, predecessors };
}

/** The `Get` expression shapes real definitions use (fixtures 01, 10, 11, 14). */
function reference(target: string, shape: number): unknown {
  switch (shape) {
    case 0: return { Get: `Steps.${target}.ModelArtifacts.S3ModelArtifacts` };
    case 1: return ['literal', { Get: `Steps.${target}.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri` }];
    // Not built from Execution.PipelineExecutionId: the rule for data passed through execution-id paths (which adds
    // reused producers) is tested on its own, in planner-execution-variables.test.ts.
    case 2: return { 'Std:Join': { On: '/', Values: ['s3://bucket', { Get: 'Parameters.Prefix' }, { Get: `Steps.${target}.OutputParameters['out']` }] } };
    default: return { 'Std:JsonGet': { PropertyFile: { Get: `Steps.${target}.PropertyFiles.Report` }, Path: 'metrics.mse' } };
  }
}

/** Renders the model as a definition; `topLevelOrder` permutes the top-level `Steps` (the graph must not care). */
function render(model: Model, topLevelOrder: 'forward' | 'reverse' = 'forward'): Record<string, unknown> {
  const json = model.steps.map((s) => {
    const refs = s.gets.map((g) => reference(model.steps[g.target].name, g.shape));
    const base: Record<string, unknown> = { Name: s.name, Type: s.type };
    if (s.dependsOn.length > 0) base.DependsOn = s.dependsOn.map((d) => model.steps[d].name);
    if (s.type === 'Condition') {
      base.Arguments = {
        Conditions: [
          { Type: 'LessThanOrEqualTo', LeftValue: { Get: 'Parameters.Threshold' }, RightValue: 6 },
          ...refs.map((r) => ({ Type: 'GreaterThan', LeftValue: r, RightValue: { Get: 'Parameters.Threshold' } })),
        ],
        IfSteps: [] as unknown[],
        ElseSteps: [] as unknown[],
      };
    } else if (s.type === 'Fail') {
      base.Arguments = { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['failed', ...refs] } } };
    } else {
      base.Arguments = { Role: { Get: 'Parameters.Role' }, Inputs: refs.map((r, k) => ({ Name: `in${k}`, Source: r })) };
    }
    return base;
  });
  const top: unknown[] = [];
  model.steps.forEach((s, i) => {
    if (s.parent) ((json[s.parent.cond].Arguments as Record<string, unknown[]>)[s.parent.branch]).push(json[i]);
    else top.push(json[i]);
  });
  if (topLevelOrder === 'reverse') top.reverse();
  return { Version: '2020-12-01', Parameters: [{ Name: 'Threshold', Type: 'Float', DefaultValue: 6 }], Steps: top };
}

// ---------------------------------------------------------------------------------------------------------------
// Random step lists
// ---------------------------------------------------------------------------------------------------------------

type Presentation = 'plain' | 'reused' | 'cache';

interface SimulationChoices {
  readonly fails: boolean[];
  readonly outcomes: boolean[];
  readonly afterFailure: Array<'Succeeded' | 'Stopped' | 'absent'>;
  readonly presentation: Presentation[];
}

const simulationArb = (n: number): fc.Arbitrary<SimulationChoices> => fc.record({
  fails: fc.array(fc.integer({ min: 0, max: 3 }).map((k) => k === 0), { minLength: n, maxLength: n }),
  outcomes: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  afterFailure: fc.array(fc.constantFrom<'Succeeded' | 'Stopped' | 'absent'>('Succeeded', 'Stopped', 'absent'), { minLength: n, maxLength: n }),
  presentation: fc.array(fc.constantFrom<Presentation>('plain', 'plain', 'reused', 'cache'), { minLength: n, maxLength: n }),
});

/**
 * Runs the model the way SageMaker would: a step runs once every step it depends on succeeded and, for a branch step,
 * once its Condition chose its branch; a Fail step that runs fails; steps that become ready after a failure may still
 * succeed, be stopped or never start. Returns the step list newest first.
 */
function simulate(model: Model, c: SimulationChoices): ExecutionStepRecord[] {
  const state: Array<'Succeeded' | 'Failed' | 'Stopped' | 'absent'> = [];
  let failureSeen = false;
  const records: ExecutionStepRecord[] = [];
  model.steps.forEach((s, i) => {
    const ready = model.predecessors[i].every((p) => state[p] === 'Succeeded')
      && (!s.parent || (c.outcomes[s.parent.cond] ? 'IfSteps' : 'ElseSteps') === s.parent.branch);
    let status: (typeof state)[number];
    if (!ready) status = 'absent';
    else if (failureSeen && c.afterFailure[i] !== 'Succeeded') status = c.afterFailure[i];
    else if (s.type === 'Fail' || c.fails[i]) status = 'Failed';
    else status = 'Succeeded';
    state.push(status);
    if (status === 'Failed') failureSeen = true;
    if (status === 'absent') return;
    records.push(present(s, i, status, c.outcomes[i], c.presentation[i]));
  });
  return records.reverse();
}

function present(s: ModelStep, i: number, status: string, outcome: boolean, presentation: Presentation): ExecutionStepRecord {
  const metadata = s.type === 'Condition' && status === 'Succeeded' ? { Metadata: { Condition: { Outcome: outcome ? 'True' : 'False' } } } : {};
  const startTime = new Date(Date.UTC(2026, 10, 20, 10, i));
  if (status === 'Succeeded' && presentation === 'reused') {
    return { StepName: s.name, StartTime: startTime, SelectiveExecutionResult: { SourcePipelineExecutionArn: SOURCE_ARN }, ...metadata };
  }
  if (status === 'Succeeded' && presentation === 'cache') {
    return { StepName: s.name, StartTime: startTime, CacheHitResult: { SourcePipelineExecutionArn: SOURCE_ARN }, ...metadata };
  }
  return {
    StepName: s.name,
    StepStatus: status,
    StartTime: startTime,
    ...(status === 'Failed' ? { FailureReason: s.type === 'Fail' ? 'Deliberate failure' : 'InternalServerError: try again' } : {}),
    ...metadata,
  };
}

/** Statuses drawn independently per step, consistent with nothing: the planner must still behave. */
const arbitraryListArb = (model: Model): fc.Arbitrary<ExecutionStepRecord[]> => fc.tuple(
  fc.array(fc.constantFrom('absent', 'Succeeded', 'Failed', 'Stopped', 'Executing', 'reused', 'cache'), {
    minLength: model.steps.length, maxLength: model.steps.length,
  }),
  fc.array(fc.boolean(), { minLength: model.steps.length, maxLength: model.steps.length }),
).map(([statuses, outcomes]) => {
  const records: ExecutionStepRecord[] = [];
  model.steps.forEach((s, i) => {
    const st = statuses[i];
    if (st === 'absent') return;
    if (st === 'reused' || st === 'cache') records.push(present(s, i, 'Succeeded', outcomes[i], st));
    else records.push(present(s, i, st, outcomes[i], 'plain'));
  });
  return records.reverse();
});

const simulatedCaseArbOf = (models: fc.Arbitrary<Model>) => models.chain((model) => fc.record({
  model: fc.constant(model),
  steps: simulationArb(model.steps.length).map((c) => simulate(model, c)),
}));
const simulatedCaseArb = simulatedCaseArbOf(modelArb);
const structuredSimulatedCaseArb = simulatedCaseArbOf(modelArbOf(true));

const arbitraryCaseArb = modelArb.chain((model) => fc.record({ model: fc.constant(model), steps: arbitraryListArb(model) }));

// ---------------------------------------------------------------------------------------------------------------
// The oracle: the DESIGN rules evaluated on the model, independently of the code under test
// ---------------------------------------------------------------------------------------------------------------

interface Facts {
  readonly index: Map<string, number>;
  readonly record: Map<number, ExecutionStepRecord>;
  readonly completed: (i: number) => boolean;
  readonly notCompleted: (i: number) => boolean;
  readonly outcome: (i: number) => boolean | undefined;
  /** The (condition, branch) pairs that contain step i, at any depth. */
  readonly enclosing: (i: number) => Array<{ cond: number; branch: Branch }>;
  readonly inUntakenBranch: (i: number) => boolean;
  readonly expectedSeeds: Set<number>;
  readonly reach: boolean[][];
}

function factsOf(model: Model, steps: readonly ExecutionStepRecord[]): Facts {
  const index = new Map(model.steps.map((s, i) => [s.name, i]));
  const record = new Map<number, ExecutionStepRecord>();
  for (const r of steps) if (r.StepName !== undefined && index.has(r.StepName)) record.set(index.get(r.StepName)!, r);
  const completed = (i: number) => {
    const r = record.get(i);
    return r !== undefined && (r.StepStatus === 'Succeeded' || r.SelectiveExecutionResult !== undefined || r.CacheHitResult !== undefined);
  };
  const notCompleted = (i: number) => record.has(i) && !completed(i);
  const outcome = (i: number) => {
    const o = record.get(i)?.Metadata?.Condition?.Outcome;
    return o === 'True' ? true : o === 'False' ? false : undefined;
  };
  const enclosing = (i: number) => {
    const chain: Array<{ cond: number; branch: Branch }> = [];
    for (let p = model.steps[i].parent; p; p = model.steps[p.cond].parent) chain.push(p);
    return chain;
  };
  const untaken = (cond: number, branch: Branch) => {
    const o = outcome(cond);
    return o !== undefined && branch !== (o ? 'IfSteps' : 'ElseSteps');
  };
  const inUntakenBranch = (i: number) => enclosing(i).some(({ cond, branch }) => untaken(cond, branch));
  // reach[a][b]: b is reachable from a by one or more edges (indexes only grow along edges).
  const n = model.steps.length;
  const reach = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (let a = n - 1; a >= 0; a--) {
    for (const b of model.successors[a]) {
      reach[a][b] = true;
      for (let c = 0; c < n; c++) if (reach[b][c]) reach[a][c] = true;
    }
  }
  // A step that never ran legitimately: in an untaken branch, or downstream of a step that is (it could not run).
  const routedAround = (i: number) => model.steps.some((_, u) => inUntakenBranch(u) && (u === i || reach[u][i]));
  const expectedSeeds = new Set<number>();
  model.steps.forEach((_, i) => {
    if (notCompleted(i) || (!record.has(i) && !routedAround(i))) expectedSeeds.add(i);
  });
  return { index, record, completed, notCompleted, outcome, enclosing, inUntakenBranch, expectedSeeds, reach };
}

/**
 * Excused from downstream closure by the rules: inside the untaken branch of a Condition that is not selected, or
 * downstream of such a step (it cannot run while that branch stays untaken).
 */
function excused(f: Facts, selected: Set<number>, i: number): boolean {
  const inUntakenBranchOfUnselected = (x: number) => f.enclosing(x).some(({ cond, branch }) => {
    const o = f.outcome(cond);
    return !selected.has(cond) && o !== undefined && branch !== (o ? 'IfSteps' : 'ElseSteps');
  });
  return f.reach.some((row, u) => (u === i || row[i]) && inUntakenBranchOfUnselected(u));
}

function selectedIndexes(f: Facts, plan: RetryPlan): Set<number> {
  return new Set(plan.selectedSteps.map((name) => f.index.get(name)!));
}

/** The order the rules ask for: at every position, the smallest name among the steps whose selected upstream steps are placed. */
function expectTopologicalWithTiesByName(model: Model, f: Facts, order: string[]): void {
  const selected = new Set(order.map((n) => f.index.get(n)!));
  const placed = new Set<number>();
  for (const name of order) {
    const ready = [...selected].filter((i) => !placed.has(i) && model.predecessors[i].every((p) => !selected.has(p) || placed.has(p)));
    const smallest = ready.map((i) => model.steps[i].name).sort()[0];
    expect(name).toBe(smallest);
    placed.add(f.index.get(name)!);
  }
}

/** Unselected steps (not `allowed`) that lie on a path between two selected steps, with the witnesses. */
function stepsBetweenSelected(model: Model, f: Facts, selected: Set<number>, allowed: (x: number) => boolean): string[] {
  const violations: string[] = [];
  model.steps.forEach((s, x) => {
    if (selected.has(x) || allowed(x)) return;
    const from = [...selected].find((a) => f.reach[a][x]);
    const to = [...selected].find((b) => f.reach[x][b]);
    if (from !== undefined && to !== undefined) violations.push(`${model.steps[from].name} -> ... -> ${s.name} -> ... -> ${model.steps[to].name}`);
  });
  return violations;
}

/** Edges from a selected step to an unselected one that the untaken-branch rule does not excuse. */
function unexcusedEdgesLeavingSelection(model: Model, f: Facts, selected: Set<number>): string[] {
  const violations: string[] = [];
  for (const s of selected) {
    for (const t of model.successors[s]) {
      if (!selected.has(t) && !excused(f, selected, t)) violations.push(`${model.steps[s].name} -> ${model.steps[t].name}`);
    }
  }
  return violations;
}

/** The items reordered by random sort keys (ties keep their relative order). */
function shuffled<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys.length === 0 ? 0 : keys[i % keys.length], i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}

function sortedWarnings(plan: RetryPlan): RetryPlan {
  return { ...plan, warnings: [...plan.warnings].sort() };
}

// ---------------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------------

describe('definition graph on random definitions', () => {
  test('GIVEN a random acyclic definition with nested Conditions WHEN parsed THEN the graph has exactly the generated edges and no cycle', () => {
    fc.assert(fc.property(modelArb, fc.boolean(), (model, reverse) => {
      // WHEN
      const graph = parseDefinition(JSON.stringify(render(model, reverse ? 'reverse' : 'forward')));
      // THEN
      expect(new Set(graph.steps.keys())).toEqual(new Set(model.steps.map((s) => s.name)));
      const expected = model.steps.flatMap((s, i) => model.successors[i].map((j) => `${s.name} -> ${model.steps[j].name}`)).sort();
      const actual = [...graph.successors].flatMap(([from, tos]) => [...tos].map((to) => `${from} -> ${to}`)).sort();
      expect(actual).toEqual(expected);
      expect(graph.problems.map((p) => p.message)).toEqual([]);
      expect(findCycle(graph)).toBeUndefined();
      model.steps.forEach((s) => {
        const parent = s.parent ? { condition: model.steps[s.parent.cond].name, branch: s.parent.branch } : undefined;
        expect(graph.steps.get(s.name)!.parent).toEqual(parent);
      });
    }), RUNS);
  });
});

describe('planRetry on random DAGs with simulated executions', () => {
  test('GIVEN a simulated failed run WHEN planned THEN the decision follows the rules: Fail step -> skip, no seeds -> skip, otherwise retry', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      const f = factsOf(model, steps);
      const deliberate = model.steps.some((s, i) => s.type === 'Fail' && f.record.get(i)?.StepStatus === 'Failed');
      if (deliberate) {
        expect(plan.decision).toBe('skip');
        expect(plan.reason).toMatch(/Fail step/);
      } else if (f.expectedSeeds.size === 0) {
        expect(plan.decision).toBe('skip');
        expect(plan.reason).toMatch(/nothing to retry/);
      } else {
        expect(plan.decision).toBe('retry');
      }
      if (plan.decision === 'skip') expect(plan.selectedSteps).toEqual([]);
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN the seeds are exactly the failed/stopped/never-run steps and all are selected', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const selected = selectedIndexes(f, plan);
      expect(new Set(plan.seeds.map((n) => f.index.get(n)))).toEqual(f.expectedSeeds);
      for (const seed of f.expectedSeeds) expect(selected.has(seed)).toBe(true);
      // Every step that failed or stopped is reported.
      const failedOrStopped = model.steps.filter((_, i) => f.notCompleted(i)).map((s) => s.name).sort();
      expect(plan.failedSteps.map((x) => x.stepName).sort()).toEqual(failedOrStopped);
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN the selection is downstream-closed, except for untaken branches of unselected Conditions', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const selected = selectedIndexes(f, plan);
      expect(unexcusedEdgesLeavingSelection(model, f, selected)).toEqual([]);
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN the selection is path-closed (SageMaker\'s rule), even when steps outside a branch depend on steps inside it', () => {
    // E.g. B failed; Check took Else; `a` in Check's IfSteps reads B; `x_y` outside reads `a` and never ran. `x_y` could
    // not have run (its input is in the untaken branch), so it is no seed, and it is dropped with `a`: selection {B}.
    fc.assert(fc.property(fc.oneof(structuredSimulatedCaseArb, simulatedCaseArb), ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const selected = selectedIndexes(f, plan);
      expect(stepsBetweenSelected(model, f, selected, () => false)).toEqual([]);
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN no step that succeeded is selected unless it is downstream of a seed', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      for (const s of selectedIndexes(f, plan)) {
        if (!f.completed(s)) continue;
        const upstreamSeeds = [...f.expectedSeeds].filter((seed) => f.reach[seed][s]);
        expect({ step: model.steps[s].name, upstreamSeeds: upstreamSeeds.length > 0 }).toEqual({ step: model.steps[s].name, upstreamSeeds: true });
      }
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN the selection is in topological order with ties by name', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      expectTopologicalWithTiesByName(model, f, plan.selectedSteps);
      expect(plan.seeds).toEqual(plan.selectedSteps.filter((n) => plan.seeds.includes(n)));
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN a retry is planned THEN no selected step sits in the untaken branch of an unselected Condition', () => {
    fc.assert(fc.property(simulatedCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const selected = selectedIndexes(f, plan);
      expect([...selected].filter((x) => excused(f, selected, x)).map((x) => model.steps[x].name)).toEqual([]);
    }), RUNS);
  });

  test('GIVEN any statuses WHEN a retry is planned THEN the selection is exactly the rules\' set: seeds and their downstream, minus untaken branches of unselected Conditions', () => {
    fc.assert(fc.property(fc.oneof(simulatedCaseArb, arbitraryCaseArb), ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const seeds = [...f.expectedSeeds];
      const closure = new Set<number>(model.steps.map((_, x) => x).filter((x) => seeds.some((seed) => seed === x || f.reach[seed][x])));
      const expected = [...closure].filter((x) => !excused(f, closure, x)).map((x) => model.steps[x].name).sort();
      expect([...plan.selectedSteps].sort()).toEqual(expected);
    }), RUNS);
  });

  test('GIVEN a simulated failed run WHEN the limit is below or at the selection size THEN it skips or retries accordingly', () => {
    fc.assert(fc.property(simulatedCaseArb, fc.integer({ min: 1, max: 12 }), ({ model, steps }, limit) => {
      const unlimited = planRetry(render(model), steps);
      fc.pre(unlimited.decision === 'retry');
      const limited = planRetry(render(model), steps, { maxSelectedSteps: limit });
      if (unlimited.selectedSteps.length <= limit) {
        expect(limited).toEqual(unlimited);
      } else {
        expect(limited.decision).toBe('skip');
        expect(limited.reason).toContain(`select ${unlimited.selectedSteps.length} steps, more than SageMaker's limit of ${limit}`);
      }
    }), RUNS);
  });
});

describe('planRetry on random DAGs with arbitrary step statuses', () => {
  test('GIVEN any statuses WHEN planned THEN it never throws and selects only steps of the definition, in topological order with ties by name', () => {
    fc.assert(fc.property(arbitraryCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      const f = factsOf(model, steps);
      expect(['retry', 'skip']).toContain(plan.decision);
      // SageMaker accepts 1 to 50 SelectedSteps.
      if (plan.decision === 'retry') expect(plan.selectedSteps.length).toBeGreaterThanOrEqual(1);
      if (plan.decision === 'retry') expect(plan.selectedSteps.length).toBeLessThanOrEqual(50);
      expect(plan.selectedSteps.every((n) => f.index.has(n))).toBe(true);
      expect(new Set(plan.selectedSteps).size).toBe(plan.selectedSteps.length);
      expectTopologicalWithTiesByName(model, f, plan.selectedSteps);
    }), RUNS);
  });

  test('GIVEN any statuses WHEN a retry is planned THEN every failed or stopped step is selected unless it sits in the untaken branch of an unselected Condition', () => {
    fc.assert(fc.property(arbitraryCaseArb, ({ model, steps }) => {
      const plan = planRetry(render(model), steps);
      fc.pre(plan.decision === 'retry');
      const f = factsOf(model, steps);
      const selected = selectedIndexes(f, plan);
      for (const seed of f.expectedSeeds) {
        if (!selected.has(seed)) expect({ seed: model.steps[seed].name, excused: excused(f, selected, seed) }).toMatchObject({ excused: true });
      }
      expect(unexcusedEdgesLeavingSelection(model, f, selected)).toEqual([]);
    }), RUNS);
  });

  test('GIVEN any statuses WHEN planned twice, with the step list shuffled, or with the top-level Steps reversed THEN the plan is the same', () => {
    fc.assert(fc.property(arbitraryCaseArb, SHUFFLE_KEYS, ({ model, steps }, keys) => {
      const plan = planRetry(render(model), steps);
      expect(planRetry(render(model), steps)).toEqual(plan);
      expect(sortedWarnings(planRetry(render(model), shuffled(steps, keys)))).toEqual(sortedWarnings(plan));
      const reversed = planRetry(render(model, 'reverse'), steps);
      expect({ ...reversed, failedSteps: [...reversed.failedSteps].sort((a, b) => a.stepName.localeCompare(b.stepName)) })
        .toEqual({ ...plan, failedSteps: [...plan.failedSteps].sort((a, b) => a.stepName.localeCompare(b.stepName)) });
    }), RUNS);
  });

  test('GIVEN a simulated run WHEN planned with the step list shuffled THEN the plan is the same', () => {
    fc.assert(fc.property(simulatedCaseArb, SHUFFLE_KEYS, ({ model, steps }, keys) => {
      const plan = planRetry(render(model), steps);
      expect(sortedWarnings(planRetry(render(model), shuffled(steps, keys)))).toEqual(sortedWarnings(plan));
    }), RUNS);
  });
});
