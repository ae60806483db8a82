/**
 * Queries on the dependency graph of a definition model: cycles, topological order, downstream closures and the
 * Condition branches that enclose a step. The model itself (steps, references, edges) is built by
 * `parseDefinition` in `definition-model.ts`; it is re-exported here for the modules that use both.
 */
import { ConditionBranch, DefinitionModel, InvalidDefinitionError } from './definition-model';

export type {
  ConditionBranch,
  DefinitionModel,
  DefinitionParameter,
  DefinitionReference,
  DefinitionStep,
  JsonPath,
  ReferenceContext,
  ReferenceNamespace,
} from './definition-model';
export { InvalidDefinitionError, formatJsonPath, parseDefinition } from './definition-model';

/** The model seen as a graph (the same object; the name the graph queries have always used). */
export type DefinitionGraph = DefinitionModel;

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

function sortedIterator(names: ReadonlySet<string>): Iterator<string> {
  return [...names].sort()[Symbol.iterator]();
}

function insertSorted(sorted: string[], value: string): void {
  let i = 0;
  while (i < sorted.length && sorted[i] < value) i++;
  sorted.splice(i, 0, value);
}
