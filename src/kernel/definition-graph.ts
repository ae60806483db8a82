/**
 * The dependency graph of a SageMaker pipeline definition (`"Version": "2020-12-01"` JSON).
 *
 * Pure and dependency-free on purpose: the constructs use it to validate a definition at synth time, and the
 * remediation Lambda (bundled from `lambda/`) uses the very same code to plan a selective execution, so what is
 * validated at deploy time is exactly what is planned at run time.
 *
 * Edge rules (see DESIGN.md "The planner"): U -> V when V's `DependsOn` names U; when `{"Get": "Steps.U..."}` appears
 * anywhere inside V (for a Condition step only inside its `Conditions`, since its branch steps are nodes of their
 * own); or when V is a direct member of Condition U's `IfSteps`/`ElseSteps`. `Parameters.*` and `Execution.*`
 * references make no edge. References to unknown steps are warnings, not edges.
 */

/** Which branch of a Condition step a nested step belongs to. */
export type ConditionBranch = 'IfSteps' | 'ElseSteps';

/** One step of a definition, wherever it is nested. */
export interface DefinitionStep {
  /** The step's `Name`. */
  readonly name: string;
  /** The step's `Type` (e.g. `Processing`, `Condition`, `Fail`). */
  readonly type: string;
  /** The step object exactly as it appears in the definition. */
  readonly json: Record<string, unknown>;
  /** The Condition step that lists this step directly in one of its branches, if any. */
  readonly parent?: { readonly condition: string; readonly branch: ConditionBranch };
}

/** A parameter declared by the definition. */
export interface DefinitionParameter {
  readonly name: string;
  readonly type: string;
  readonly defaultValue?: unknown;
}

/** The parsed graph. Maps iterate in definition order (parents before their nested branch steps). */
export interface DefinitionGraph {
  readonly steps: ReadonlyMap<string, DefinitionStep>;
  /** upstream -> the steps that depend on it */
  readonly successors: ReadonlyMap<string, ReadonlySet<string>>;
  /** downstream -> the steps it depends on */
  readonly predecessors: ReadonlyMap<string, ReadonlySet<string>>;
  readonly parameters: readonly DefinitionParameter[];
  /** Dangling references and other oddities that do not make the definition unusable. */
  readonly warnings: readonly string[];
}

/** Thrown when a definition cannot be turned into a graph (not JSON, no steps, duplicate names, …). */
export class InvalidDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDefinitionError';
  }
}

const STEP_REFERENCE = /^Steps\.([^.[\]]+)/;

/**
 * Parses a definition (a JSON string or the parsed object) into its dependency graph.
 *
 * @throws InvalidDefinitionError when the definition is not a usable pipeline definition.
 */
export function parseDefinition(definition: unknown): DefinitionGraph {
  const root = typeof definition === 'string' ? parseJson(definition) : definition;
  if (!isObject(root)) {
    throw new InvalidDefinitionError(`A pipeline definition must be a JSON object; received ${describe(root)}.`);
  }
  if (!Array.isArray(root.Steps)) {
    throw new InvalidDefinitionError(`A pipeline definition must have a "Steps" array; received ${describe(root.Steps)}.`);
  }

  const steps = new Map<string, DefinitionStep>();
  collectSteps(root.Steps, 'Steps', undefined, steps);

  const successors = new Map<string, Set<string>>();
  const predecessors = new Map<string, Set<string>>();
  for (const name of steps.keys()) {
    successors.set(name, new Set());
    predecessors.set(name, new Set());
  }
  const warnings: string[] = [];
  const addEdge = (from: string, to: string, how: string) => {
    if (!steps.has(from)) {
      warnings.push(`Step "${to}" ${how} "${from}", which is not a step of this pipeline; the reference is ignored.`);
      return;
    }
    successors.get(from)!.add(to);
    predecessors.get(to)!.add(from);
  };

  for (const step of steps.values()) {
    for (const upstream of dependsOnOf(step)) addEdge(upstream, step.name, 'depends on (DependsOn)');
    for (const upstream of stepReferencesOf(step)) addEdge(upstream, step.name, 'references (Get: Steps.…)');
    if (step.parent) addEdge(step.parent.condition, step.name, 'is a branch step of Condition');
  }

  return { steps, successors, predecessors, parameters: parametersOf(root.Parameters), warnings };
}

/** Returns a cycle as a path whose first and last names are equal (`A -> B -> A`), or undefined when acyclic. */
export function findCycle(graph: DefinitionGraph): string[] | undefined {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  for (const name of graph.steps.keys()) color.set(name, WHITE);

  // Iterative DFS so that 31-deep condition nests or long chains never hit the call-stack limit.
  for (const start of [...graph.steps.keys()].sort()) {
    if (color.get(start) !== WHITE) continue;
    const path: string[] = [start];
    const iterators: Iterator<string>[] = [sortedIterator(graph.successors.get(start)!)];
    color.set(start, GREY);
    while (path.length > 0) {
      const next = iterators[iterators.length - 1].next();
      if (next.done) {
        color.set(path.pop()!, BLACK);
        iterators.pop();
        continue;
      }
      const child = next.value;
      if (color.get(child) === GREY) return [...path.slice(path.indexOf(child)), child];
      if (color.get(child) === WHITE) {
        color.set(child, GREY);
        path.push(child);
        iterators.push(sortedIterator(graph.successors.get(child)!));
      }
    }
  }
  return undefined;
}

/**
 * Orders `names` (default: all steps) so that every step comes after the steps it depends on; ties are broken by
 * name, so the same graph always gives the same order. Only edges between members of `names` are considered.
 *
 * @throws InvalidDefinitionError when the steps form a cycle.
 */
export function topologicalOrder(graph: DefinitionGraph, names: Iterable<string> = graph.steps.keys()): string[] {
  const members = new Set(names);
  const remaining = new Map<string, number>();
  for (const name of members) {
    let count = 0;
    for (const p of graph.predecessors.get(name) ?? []) if (members.has(p)) count++;
    remaining.set(name, count);
  }
  const ready = [...members].filter((n) => remaining.get(n) === 0).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const name = ready.shift()!;
    order.push(name);
    for (const s of graph.successors.get(name) ?? []) {
      if (!members.has(s)) continue;
      const left = remaining.get(s)! - 1;
      remaining.set(s, left);
      if (left === 0) insertSorted(ready, s);
    }
  }
  if (order.length !== members.size) {
    const cycle = findCycle(graph);
    throw new InvalidDefinitionError(`The pipeline's steps form a cycle: ${(cycle ?? []).join(' -> ')}.`);
  }
  return order;
}

/** The given steps and every step reachable downstream of them. */
export function downstreamClosure(graph: DefinitionGraph, seeds: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const stack = [...seeds];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (result.has(name)) continue;
    result.add(name);
    for (const s of graph.successors.get(name) ?? []) stack.push(s);
  }
  return result;
}

/** The chain of Condition branches that contain `name`, innermost first. */
export function enclosingBranches(graph: DefinitionGraph, name: string): Array<{ condition: string; branch: ConditionBranch }> {
  const chain: Array<{ condition: string; branch: ConditionBranch }> = [];
  let parent = graph.steps.get(name)?.parent;
  while (parent) {
    chain.push(parent);
    parent = graph.steps.get(parent.condition)?.parent;
  }
  return chain;
}

function collectSteps(list: unknown[], where: string, parent: DefinitionStep['parent'], into: Map<string, DefinitionStep>): void {
  // Depth-first, in definition order (a Condition, then its IfSteps, then its ElseSteps, then the next step), with an
  // explicit stack: a definition may nest Conditions thousands deep and still be well under the 1 MB size limit.
  type Pending = { kind: 'step'; candidate: unknown; at: string; parent: DefinitionStep['parent'] }
  | { kind: 'branch'; condition: string; branch: ConditionBranch; members: unknown; at: string };
  const pending: Pending[] = [];
  const pushList = (items: unknown[], at: string, owner: DefinitionStep['parent']) => {
    for (let index = items.length - 1; index >= 0; index--) {
      pending.push({ kind: 'step', candidate: items[index], at: `${at}[${index}]`, parent: owner });
    }
  };
  pushList(list, where, parent);
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (item.kind === 'branch') {
      if (item.members === undefined) continue;
      if (!Array.isArray(item.members)) {
        throw new InvalidDefinitionError(`${item.at} of Condition "${item.condition}" must be an array; received ${describe(item.members)}.`);
      }
      pushList(item.members, item.at, { condition: item.condition, branch: item.branch });
      continue;
    }
    const { candidate, at } = item;
    if (!isObject(candidate)) throw new InvalidDefinitionError(`${at} must be a step object; received ${describe(candidate)}.`);
    const name = candidate.Name;
    const type = candidate.Type;
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidDefinitionError(`${at}.Name must be a non-empty string; received ${describe(name)}.`);
    }
    if (typeof type !== 'string' || type.length === 0) {
      throw new InvalidDefinitionError(`${at}.Type of step "${name}" must be a non-empty string; received ${describe(type)}.`);
    }
    if (into.has(name)) {
      throw new InvalidDefinitionError(`Step name "${name}" is used more than once (again at ${at}); step names must be unique.`);
    }
    into.set(name, { name, type, json: candidate, parent: item.parent });
    if (type === 'Condition') {
      const args = isObject(candidate.Arguments) ? candidate.Arguments : {};
      // Pushed in reverse so that IfSteps are collected (in full) before ElseSteps.
      for (const branch of ['ElseSteps', 'IfSteps'] as const) {
        pending.push({ kind: 'branch', condition: name, branch, members: args[branch], at: `${at}.Arguments.${branch}` });
      }
    }
  }
}

function dependsOnOf(step: DefinitionStep): string[] {
  const dependsOn = step.json.DependsOn;
  if (dependsOn === undefined || dependsOn === null) return [];
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
    throw new InvalidDefinitionError(`DependsOn of step "${step.name}" must be an array of step names; received ${describe(dependsOn)}.`);
  }
  return dependsOn as string[];
}

function stepReferencesOf(step: DefinitionStep): Set<string> {
  const found = new Set<string>();
  // A Condition's branch steps are nodes of their own: scan only what the Condition itself evaluates.
  const scanned = step.type === 'Condition'
    ? (isObject(step.json.Arguments) ? step.json.Arguments.Conditions : undefined)
    : withoutKey(step.json, 'DependsOn');
  visit(scanned, found);
  return found;
}

function visit(root: unknown, found: Set<string>): void {
  // An explicit stack rather than recursion (arguments may nest arbitrarily deep); children are pushed in reverse so
  // that references are found in document order.
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    let children: unknown[] = [];
    if (Array.isArray(value)) {
      children = value;
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'Get' && typeof item === 'string') {
          const match = STEP_REFERENCE.exec(item);
          if (match) found.add(match[1]);
        } else {
          children.push(item);
        }
      }
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
}

function parametersOf(value: unknown): DefinitionParameter[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((p) => ({
    name: String(p.Name),
    type: String(p.Type ?? 'String'),
    ...('DefaultValue' in p ? { defaultValue: p.DefaultValue } : {}),
  }));
}

function withoutKey(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidDefinitionError(`The pipeline definition is not valid JSON: ${(e as Error).message}`);
  }
}

function sortedIterator(names: ReadonlySet<string>): Iterator<string> {
  return [...names].sort()[Symbol.iterator]();
}

function insertSorted(sorted: string[], value: string): void {
  let i = 0;
  while (i < sorted.length && sorted[i] < value) i++;
  sorted.splice(i, 0, value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Circular (or otherwise unserializable) objects handed in by a caller must not turn an error message into a crash.
    return 'an object that cannot be shown as JSON';
  }
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
