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

/**
 * A small connected, path-closed superset of `names`, in topological order: repeatedly joins the piece holding the
 * first step to the nearest other piece by a shortest undirected path through the pipeline (ties broken by name),
 * adding the steps on every path between selected steps, then drops each added step the selection can do without.
 * The result is irreducible (no single added step can be removed), not guaranteed the smallest possible (the exact
 * problem is a Steiner tree). Undefined when no superset is connected: the steps sit in parts of the pipeline that
 * share no step.
 */
export function connectedSuperset(graph: DefinitionGraph, names: Iterable<string>): string[] | undefined {
  const required = new Set(names);
  let selection = pathClosure(graph, required);
  for (let pieces = componentsOf(graph, selection); pieces.length > 1; pieces = componentsOf(graph, selection)) {
    const path = shortestPathBetween(graph, pieces[0], new Set(pieces.slice(1).flatMap((p) => [...p])));
    if (path === undefined) return undefined;
    selection = pathClosure(graph, [...selection, ...path]);
  }
  return topologicalOrder(graph, withoutUnneeded(graph, selection, required));
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
    if (isConnected(graph, rest) && pathClosure(graph, rest).size === rest.length) kept.delete(name);
  }
  return kept;
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
