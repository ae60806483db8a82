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
