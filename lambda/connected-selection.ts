/**
 * Connectedness of a selection. The API reference only requires every step on a path between two selected steps
 * (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SelectiveExecutionConfig.html); the selective
 * execution guide says the selected steps must be "connected in the directed acyclic graph (DAG) of your pipeline"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html). Two failed sibling branches satisfy
 * the first and not the second. Which one SageMaker enforces is not documented, so the handler sends the minimal
 * selection and, only when SageMaker rejects it as not connected, once more the superset computed here. Pure.
 */
import { pathClosure } from './planner';
import { DefinitionGraph, topologicalOrder } from '../src/kernel/definition-graph';

/** Whether `names` form one connected piece of the pipeline, ignoring edge directions. */
export function isConnected(graph: DefinitionGraph, names: Iterable<string>): boolean {
  return componentsOf(graph, new Set(names)).length <= 1;
}

/** At most this many candidate sets are tried for the smallest superset; beyond, the greedy one is kept. */
export const SMALLEST_SUPERSET_BUDGET = 5000;

/**
 * The smallest connected, path-closed superset of `names`, in topological order (ties: the first in topological
 * order). A greedy superset bounds the search: it joins the piece holding the first step to the nearest other piece
 * by a shortest undirected path (ties broken by name) until one piece remains, adding the steps on every path between
 * selected steps, then drops each added step the selection can do without. Smaller supersets are then searched
 * exhaustively, by size, while at most `SMALLEST_SUPERSET_BUDGET` candidate sets remain to try (the exact problem is a
 * Steiner tree); beyond that, the greedy superset is returned, which is irreducible (no single added step can go).
 * Undefined when no superset is connected: the steps sit in parts of the pipeline that share no step.
 */
export function connectedSuperset(graph: DefinitionGraph, names: Iterable<string>): string[] | undefined {
  const base = pathClosure(graph, names); // every path-closed superset holds these
  let greedy = base;
  for (let pieces = componentsOf(graph, greedy); pieces.length > 1; pieces = componentsOf(graph, greedy)) {
    const path = shortestPathBetween(graph, pieces[0], new Set(pieces.slice(1).flatMap((p) => [...p])));
    if (path === undefined) return undefined;
    greedy = pathClosure(graph, [...greedy, ...path]);
  }
  greedy = withoutUnneeded(graph, greedy, base);
  return topologicalOrder(graph, smallerSuperset(graph, base, greedy.size - base.size) ?? greedy);
}

/**
 * Drops, one at a time (upstream first), each step of `selection` outside `required` without which the selection
 * stays connected and path-closed. The first shortest join can be a step whose path closure adds another step that
 * alone joins the pieces (A -> B, and A and B both -> C and D: C and D are joined through A, whose closure adds B).
 */
function withoutUnneeded(graph: DefinitionGraph, selection: ReadonlySet<string>, required: ReadonlySet<string>): Set<string> {
  const kept = new Set(selection);
  for (const name of topologicalOrder(graph, selection)) {
    if (required.has(name)) continue;
    const rest = [...kept].filter((n) => n !== name);
    if (isValidSelection(graph, rest)) kept.delete(name);
  }
  return kept;
}

/**
 * A connected, path-closed superset of `base` with fewer than `bound` added steps, the fewest possible, or undefined
 * when there is none or the search would try more than `SMALLEST_SUPERSET_BUDGET` sets. Candidates are the steps of
 * the pipeline outside `base`, in topological order, so the first set found of each size is the most upstream.
 */
function smallerSuperset(graph: DefinitionGraph, base: ReadonlySet<string>, bound: number): Set<string> | undefined {
  const candidates = topologicalOrder(graph, [...graph.steps.keys()].filter((n) => !base.has(n)));
  let tried = 0;
  for (let size = 1; size < bound; size++) {
    if ((tried += combinationCount(candidates.length, size)) > SMALLEST_SUPERSET_BUDGET) return undefined;
    for (const added of combinations(candidates, size)) {
      const selection = [...base, ...added];
      if (isValidSelection(graph, selection)) return new Set(selection);
    }
  }
  return undefined;
}

/** Connected, and holding every step on a path between two of its steps. */
function isValidSelection(graph: DefinitionGraph, selection: readonly string[]): boolean {
  return isConnected(graph, selection) && pathClosure(graph, selection).size === selection.length;
}

function* combinations<T>(items: readonly T[], size: number, from = 0): Generator<T[]> {
  if (size === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= items.length - size; i++) {
    for (const rest of combinations(items, size - 1, i + 1)) yield [items[i], ...rest];
  }
}

function combinationCount(n: number, k: number): number {
  let count = 1;
  for (let i = 0; i < k; i++) count = (count * (n - i)) / (i + 1);
  return count;
}

function neighboursOf(graph: DefinitionGraph, name: string): string[] {
  return [...new Set([...graph.successors.get(name) ?? [], ...graph.predecessors.get(name) ?? []])].sort();
}

/** The connected pieces of `members` (undirected, through members only), the piece of the smallest name first. */
function componentsOf(graph: DefinitionGraph, members: ReadonlySet<string>): Array<Set<string>> {
  const seen = new Set<string>();
  const pieces: Array<Set<string>> = [];
  for (const start of [...members].sort()) {
    if (seen.has(start)) continue;
    const piece = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      piece.add(name);
      for (const n of neighboursOf(graph, name)) if (members.has(n) && !seen.has(n)) stack.push(n);
    }
    pieces.push(piece);
  }
  return pieces;
}

/** The steps strictly between `from` and the nearest member of `to`, by breadth-first search ignoring directions. */
function shortestPathBetween(graph: DefinitionGraph, from: ReadonlySet<string>, to: ReadonlySet<string>): string[] | undefined {
  const previous = new Map<string, string | undefined>();
  const queue = [...from].sort();
  for (const name of queue) previous.set(name, undefined);
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i];
    if (to.has(name)) {
      const path: string[] = [];
      for (let at = previous.get(name); at !== undefined && !from.has(at); at = previous.get(at)) path.push(at);
      return path;
    }
    for (const n of neighboursOf(graph, name)) {
      if (!previous.has(n)) {
        previous.set(n, name);
        queue.push(n);
      }
    }
  }
  return undefined;
}
