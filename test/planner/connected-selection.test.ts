import * as fc from 'fast-check';
import { dependenciesArb } from './helpers';
import { connectedSuperset, isConnected } from '../../lambda/connected-selection';
import { pathClosure } from '../../lambda/planner';
import { parseDefinition } from '../../src/kernel/definition-graph';

const step = (Name: string, DependsOn: string[] = []) => ({ Name, Type: 'Processing', Arguments: {}, ...(DependsOn.length ? { DependsOn } : {}) });
const graphOf = (...steps: unknown[]) => parseDefinition({ Version: '2020-12-01', Steps: steps });

describe('connected selections', () => {
  // Root -> P -> A, Root -> P -> B, Root -> Q -> C; Lone has no edge
  const graph = graphOf(step('Root'), step('P', ['Root']), step('A', ['P']), step('B', ['P']), step('Q', ['Root']), step('C', ['Q']), step('Lone'));

  test('two failed siblings are path-closed but not connected; their parent connects them', () => {
    expect(isConnected(graph, ['A', 'B'])).toBe(false);
    expect([...pathClosure(graph, ['A', 'B'])].sort()).toEqual(['A', 'B']);
    expect(connectedSuperset(graph, ['A', 'B'])).toEqual(['P', 'A', 'B']);
  });

  test('three pieces are joined by the nearest paths, and the result is path-closed', () => {
    const superset = connectedSuperset(graph, ['A', 'B', 'C'])!;
    expect(superset).toEqual(['Root', 'P', 'A', 'B', 'Q', 'C']);
    expect([...pathClosure(graph, superset)].sort()).toEqual([...superset].sort());
    expect(isConnected(graph, superset)).toBe(true);
  });

  test('a connected selection is returned as it is', () => {
    expect(connectedSuperset(graph, ['P', 'A'])).toEqual(['P', 'A']);
  });

  test('a step the joining path added is dropped when the path closure already connects the pieces', () => {
    // S0 -> S1 -> S2, S0 -> S2, S0 -> S4, S1 -> S4 (found by the e2e property test): the nearest join of S2 and S4 is
    // S0, whose closure adds S1, and S1 alone joins them
    const g = graphOf(step('S0'), step('S1', ['S0']), step('S2', ['S0', 'S1']), step('S4', ['S0', 'S1']));
    expect(connectedSuperset(g, ['S2', 'S4'])).toEqual(['S1', 'S2', 'S4']);
  });

  test('steps that no path joins have no connected superset', () => {
    expect(connectedSuperset(graph, ['A', 'Lone'])).toBeUndefined();
  });
});

describe('the connected superset is the smallest', () => {
  /** Step k depends on some steps before it. */
  const dagArb = fc.integer({ min: 2, max: 9 }).chain((n) => fc.tuple(
    dependenciesArb(n),
    fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 2, maxLength: n }),
  ));

  /** The fewest steps of any connected, path-closed superset, by trying every subset. */
  function bruteForceMinimum(graph: ReturnType<typeof graphOf>, required: string[]): number | undefined {
    const all = [...graph.steps.keys()];
    let best: number | undefined;
    const subsets = all.reduce<string[][]>((found, name) => [...found, ...found.map((subset) => [...subset, name])], [[]]);
    for (const subset of subsets) {
      if (!required.every((r) => subset.includes(r)) || (best !== undefined && subset.length >= best)) continue;
      if (isConnected(graph, subset) && pathClosure(graph, subset).size === subset.length) best = subset.length;
    }
    return best;
  }

  test('for random pipelines and selections, as small as an exhaustive search finds, and valid', () => {
    fc.assert(fc.property(dagArb, ([deps, picked]) => {
      const g = graphOf(...deps.map((d, k) => step(`S${k}`, d.map((i) => `S${i}`))));
      const required = picked.map((k) => `S${k}`);
      const superset = connectedSuperset(g, required);
      const minimum = bruteForceMinimum(g, required);
      expect(superset?.length).toBe(minimum);
      if (superset) {
        expect(superset).toEqual(expect.arrayContaining(required));
        expect(isConnected(g, superset) && pathClosure(g, superset).size === superset.length).toBe(true);
      }
    }), {
      numRuns: 300,
      // found by this test against the greedy superset alone: S1 joins S3 and S5; the greedy join S0 needs S4 too (S0 -> S4 -> S5)
      examples: [[[[[], [], [], [0, 1], [0], [1, 4, 0]], [3, 5]]]],
    });
  });
});
