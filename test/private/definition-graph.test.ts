import * as fs from 'fs';
import * as path from 'path';
import {
  DefinitionGraph,
  InvalidDefinitionError,
  downstreamClosure,
  enclosingBranches,
  findCycle,
  parseDefinition,
  topologicalOrder,
} from '../../src/kernel/definition-graph';

/** The shared fixtures sit beside the repository as `../shared`. */
const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'definitions');

function loadFixture(file: string): string {
  return fs.readFileSync(path.join(FIXTURES, file), 'utf8');
}

type StepJson = Record<string, unknown>;

function step(name: string, extra: StepJson = {}, type = 'Processing'): StepJson {
  return { Name: name, Type: type, Arguments: {}, ...extra };
}

function condition(name: string, conditions: unknown[], ifSteps: StepJson[], elseSteps: StepJson[] = [], extra: StepJson = {}): StepJson {
  return { Name: name, Type: 'Condition', Arguments: { Conditions: conditions, IfSteps: ifSteps, ElseSteps: elseSteps }, ...extra };
}

function definition(...steps: StepJson[]): StepJson {
  return { Version: '2020-12-01', Metadata: {}, Parameters: [], Steps: steps };
}

/** Every edge of the graph as `U -> V`, sorted, after checking that predecessors mirror successors. */
function edgesOf(graph: DefinitionGraph): string[] {
  const edges: string[] = [];
  for (const [from, tos] of graph.successors) {
    for (const to of tos) {
      expect(graph.predecessors.get(to)?.has(from)).toBe(true);
      edges.push(`${from} -> ${to}`);
    }
  }
  let mirrored = 0;
  for (const froms of graph.predecessors.values()) mirrored += froms.size;
  expect(mirrored).toBe(edges.length);
  return edges.sort();
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw, but it returned');
}

describe('parseDefinition edge rules', () => {
  test('GIVEN a step whose DependsOn names another step WHEN parsed THEN there is an edge from the named step', () => {
    // GIVEN
    const def = definition(step('A'), step('B', { DependsOn: ['A'] }));
    // WHEN
    const graph = parseDefinition(def);
    // THEN
    expect(edgesOf(graph)).toEqual(['A -> B']);
    expect(graph.problems.map((p) => p.message)).toEqual([]);
  });

  test('GIVEN a Get of Steps.X inside a list WHEN parsed THEN X is upstream of the step', () => {
    const def = definition(
      step('Producer'),
      step('Consumer', { Arguments: { InputDataConfig: [{ Uri: 's3://x' }, { Uri: { Get: 'Steps.Producer.ModelArtifacts.S3ModelArtifacts' } }] } }),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual(['Producer -> Consumer']);
  });

  test('GIVEN a Get of Steps.X inside Std:Join Values WHEN parsed THEN X is upstream of the step', () => {
    const def = definition(
      step('Prep'),
      step('Train', {
        Arguments: {
          OutputDataConfig: {
            S3OutputPath: { 'Std:Join': { On: '/', Values: ['s3://bucket', { Get: 'Execution.PipelineExecutionId' }, { Get: 'Steps.Prep.ProcessingJobName' }] } },
          },
        },
      }, 'Training'),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual(['Prep -> Train']);
  });

  test('GIVEN a Std:JsonGet whose PropertyFile is a Get of Steps.X WHEN parsed THEN X is upstream of the step', () => {
    const def = definition(
      step('Eval'),
      step('Check', {
        Arguments: {
          Value: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Eval.PropertyFiles.EvaluationReport' }, Path: 'mse' } },
        },
      }, 'Lambda'),
    );
    expect(edgesOf(parseDefinition(def))).toEqual(['Eval -> Check']);
  });

  test('GIVEN a Std:JsonGet whose S3Uri is a Std:Join with a Get of Steps.X WHEN parsed THEN X is upstream of the step', () => {
    const def = definition(
      step('Eval'),
      step('Check', {
        Arguments: {
          Value: {
            'Std:JsonGet': {
              S3Uri: { 'Std:Join': { On: '/', Values: [{ Get: 'Steps.Eval.ProcessingOutputConfig.Outputs[\'evaluation\'].S3Output.S3Uri' }, 'evaluation.json'] } },
              Path: 'mse',
            },
          },
        },
      }, 'Lambda'),
    );
    expect(edgesOf(parseDefinition(def))).toEqual(['Eval -> Check']);
  });

  test('GIVEN a Get of a Lambda step OutputParameters[...] path WHEN parsed THEN the Lambda step is upstream', () => {
    const def = definition(
      step('MyLambda', {}, 'Lambda'),
      step('UseIt', { Arguments: { Environment: { OUT: { Get: 'Steps.MyLambda.OutputParameters[\'output1\']' } } } }),
    );
    expect(edgesOf(parseDefinition(def))).toEqual(['MyLambda -> UseIt']);
  });

  test('GIVEN a Get of Steps.X outside Arguments (e.g. in PropertyFiles or CacheConfig) WHEN parsed THEN it still makes an edge', () => {
    // "anywhere inside V": the rule is not limited to Arguments.
    const def = definition(step('A'), step('B', { Arguments: {}, Extra: { deep: [[{ Get: 'Steps.A.Whatever' }]] } }));
    expect(edgesOf(parseDefinition(def))).toEqual(['A -> B']);
  });

  test('GIVEN the same upstream named by DependsOn and by several Gets WHEN parsed THEN there is exactly one edge', () => {
    const def = definition(
      step('A'),
      step('B', { DependsOn: ['A', 'A'], Arguments: { x: { Get: 'Steps.A.p' }, y: [{ Get: 'Steps.A.q' }] } }),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual(['A -> B']);
    expect(graph.successors.get('A')!.size).toBe(1);
  });

  test('GIVEN step names with dashes and underscores WHEN referenced by Get THEN the whole name up to the first dot is the step', () => {
    const def = definition(
      step('my-step_1'),
      step('my-step', {}),
      step('user', { Arguments: { a: { Get: 'Steps.my-step_1.Properties[0].x' }, b: { Get: 'Steps.my-step[\'k\']' } } }),
    );
    expect(edgesOf(parseDefinition(def))).toEqual(['my-step -> user', 'my-step_1 -> user']);
  });

  test('GIVEN Parameters.*, Execution.* and PipelineExperimentConfig.* Gets WHEN parsed THEN they make no edge and no warning', () => {
    const def = definition(
      step('Parameters'),
      step('Execution'),
      step('B', {
        Arguments: {
          a: { Get: 'Parameters.InputData' },
          b: { Get: 'Execution.PipelineExecutionId' },
          c: { Get: 'PipelineExperimentConfig.ExperimentName' },
          d: { 'Std:Join': { On: '/', Values: [{ Get: 'Parameters.Execution' }] } },
        },
      }),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual([]);
    expect(graph.problems.map((p) => p.message)).toEqual([]);
  });

  test('GIVEN a plain string mentioning Steps.X (not a Get) WHEN parsed THEN it makes no edge', () => {
    const def = definition(step('A'), step('B', { Description: 'Steps.A is upstream', Arguments: { Steps: 'Steps.A.x', Get2: 'Steps.A.y' } }));
    expect(edgesOf(parseDefinition(def))).toEqual([]);
  });

  test('GIVEN a Condition WHEN parsed THEN only its Conditions are scanned and each direct branch member has an edge from it', () => {
    // GIVEN: the branch steps reference Up2 themselves; the Condition's own Conditions reference only Up1.
    const def = definition(
      step('Up1'),
      step('Up2'),
      condition(
        'Cond',
        [{ Type: 'GreaterThan', LeftValue: { Get: 'Steps.Up1.x' }, RightValue: 1 }],
        [step('IfA', { Arguments: { m: { Get: 'Steps.Up2.ModelArtifacts.S3ModelArtifacts' } } })],
        [step('ElseA', {}, 'Fail')],
      ),
    );
    // WHEN
    const graph = parseDefinition(def);
    // THEN: no Up2 -> Cond edge from the nested branch step's Get.
    expect(edgesOf(graph)).toEqual(['Cond -> ElseA', 'Cond -> IfA', 'Up1 -> Cond', 'Up2 -> IfA']);
    expect(graph.predecessors.get('Cond')).toEqual(new Set(['Up1']));
  });

  test('GIVEN a Condition with a Get hidden in a Not/Or/In condition WHEN parsed THEN the Condition depends on it', () => {
    const def = definition(
      step('A'),
      step('B'),
      condition('Cond', [
        { Type: 'Not', Expression: { Type: 'In', QueryValue: 3, Values: [1, { Get: 'Steps.A.x' }] } },
        { Type: 'Or', Conditions: [{ Type: 'Equals', LeftValue: { Get: 'Steps.B.y' }, RightValue: 'ok' }] },
      ], []),
    );
    expect(edgesOf(parseDefinition(def))).toEqual(['A -> Cond', 'B -> Cond']);
  });

  test('GIVEN a Condition with DependsOn WHEN parsed THEN DependsOn also counts for a Condition', () => {
    const def = definition(step('A'), condition('Cond', [], [], [], { DependsOn: ['A'] }));
    expect(edgesOf(parseDefinition(def))).toEqual(['A -> Cond']);
  });

  test('GIVEN nested Conditions WHEN parsed THEN only the direct parent has a branch edge to a nested step, at any depth', () => {
    const def = definition(
      condition('Outer', [], [
        condition('Middle', [], [], [
          condition('Inner', [], [step('Leaf')]),
        ]),
      ], [step('OuterElse')]),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual(['Inner -> Leaf', 'Middle -> Inner', 'Outer -> Middle', 'Outer -> OuterElse']);
    expect(graph.steps.get('Leaf')!.parent).toEqual({ condition: 'Inner', branch: 'IfSteps' });
    expect(graph.steps.get('Inner')!.parent).toEqual({ condition: 'Middle', branch: 'ElseSteps' });
    expect(graph.steps.get('Outer')!.parent).toBeUndefined();
    expect(enclosingBranches(graph, 'Leaf')).toEqual([
      { condition: 'Inner', branch: 'IfSteps' },
      { condition: 'Middle', branch: 'ElseSteps' },
      { condition: 'Outer', branch: 'IfSteps' },
    ]);
    expect(enclosingBranches(graph, 'Outer')).toEqual([]);
  });

  test('GIVEN a top-level step that references a step nested in a branch WHEN parsed THEN the nested step is a node and the edge exists', () => {
    const def = definition(
      condition('Cond', [], [step('Nested')]),
      step('After', { DependsOn: ['Nested'] }),
    );
    const graph = parseDefinition(def);
    expect([...graph.steps.keys()]).toEqual(['Cond', 'Nested', 'After']);
    expect(edgesOf(graph)).toEqual(['Cond -> Nested', 'Nested -> After']);
  });

  test('GIVEN references to steps that do not exist WHEN parsed THEN they are warnings naming both steps, not edges', () => {
    const def = definition(
      step('A', { DependsOn: ['Ghost'] }),
      step('B', { Arguments: { x: { Get: 'Steps.Phantom.ModelArtifacts' } } }),
      condition('C', [{ Type: 'Equals', LeftValue: { Get: 'Steps.Spook.x' }, RightValue: 1 }], []),
    );
    const graph = parseDefinition(def);
    expect(edgesOf(graph)).toEqual([]);
    expect([...graph.steps.keys()]).toEqual(['A', 'B', 'C']);
    expect(graph.problems.map((p) => p.message)).toHaveLength(3);
    expect(graph.problems.map((p) => p.message)[0]).toMatch(/"A".*"Ghost"/);
    expect(graph.problems.map((p) => p.message)[1]).toMatch(/"B".*"Phantom"/);
    expect(graph.problems.map((p) => p.message)[2]).toMatch(/"C".*"Spook"/);
  });

  test('GIVEN several dangling references in one step WHEN parsed THEN the warnings follow document order', () => {
    const def = definition(step('A', {
      DependsOn: ['Zed'],
      Arguments: { first: { Get: 'Steps.Missing1.x' }, nested: [{ deeper: { Get: 'Steps.Missing2.y' } }], last: { Get: 'Steps.Missing3.z' } },
    }));
    const warnings = parseDefinition(def).problems.map((p) => p.message);
    expect(warnings).toHaveLength(4);
    ['Zed', 'Missing1', 'Missing2', 'Missing3'].forEach((missing, i) => expect(warnings[i]).toContain(`"${missing}"`));
  });

  test('GIVEN parameters WHEN parsed THEN they are listed with their types and defaults', () => {
    const def = {
      ...definition(step('A')),
      Parameters: [
        { Name: 'InputData', Type: 'String', DefaultValue: 's3://b/k' },
        { Name: 'Count', Type: 'Integer' },
        { Name: 'Untyped' },
      ],
    };
    expect(parseDefinition(def).parameters).toEqual([
      { name: 'InputData', type: 'String', defaultValue: 's3://b/k' },
      { name: 'Count', type: 'Integer' },
      { name: 'Untyped', type: 'String' },
    ]);
  });

  test('GIVEN the same definition as a JSON string and as an object WHEN parsed THEN the graphs are equal', () => {
    const def = definition(step('A'), step('B', { DependsOn: ['A'] }));
    const fromString = parseDefinition(JSON.stringify(def));
    const fromObject = parseDefinition(def);
    expect(edgesOf(fromString)).toEqual(edgesOf(fromObject));
    expect([...fromString.steps.keys()]).toEqual([...fromObject.steps.keys()]);
  });
});

describe('parseDefinition rejects unusable input with InvalidDefinitionError', () => {
  test.each([
    ['not JSON', '{"Steps": [', /not valid JSON/],
    ['a JSON array', '[]', /must be a JSON object; received \[\]/],
    ['null', null, /must be a JSON object; received null/],
    ['a number', 42, /must be a JSON object; received 42/],
    ['no Steps', { Version: '2020-12-01' }, /must have a "Steps" array; received nothing/],
    ['Steps not an array', { Steps: { A: 1 } }, /must have a "Steps" array; received \{"A":1\}/],
    ['a step that is not an object', { Steps: ['A'] }, /Steps\[0\] must be a step object; received "A"/],
    ['a step without a Name', { Steps: [{ Type: 'Processing' }] }, /Steps\[0\]\.Name must be a non-empty string; received nothing/],
    ['a step with an empty Name', { Steps: [{ Name: '', Type: 'Processing' }] }, /Steps\[0\]\.Name must be a non-empty string/],
    ['a step without a Type', { Steps: [{ Name: 'A' }] }, /Steps\[0\]\.Type of step "A" must be a non-empty string/],
    ['IfSteps not an array', { Steps: [{ Name: 'C', Type: 'Condition', Arguments: { IfSteps: {} } }] }, /Steps\[0\]\.Arguments\.IfSteps of Condition "C" must be an array/],
    ['a nested step without a Name', { Steps: [{ Name: 'C', Type: 'Condition', Arguments: { ElseSteps: [{ Type: 'Fail' }] } }] }, /Steps\[0\]\.Arguments\.ElseSteps\[0\]\.Name/],
    ['DependsOn not an array', { Steps: [{ Name: 'A', Type: 'Processing', DependsOn: 'B' }] }, /DependsOn of step "A" must be an array of step names; received "B"/],
    ['DependsOn with a non-string', { Steps: [{ Name: 'A', Type: 'Processing', DependsOn: [1] }] }, /DependsOn of step "A" must be an array of step names/],
  ])('GIVEN %s WHEN parsed THEN an InvalidDefinitionError explains what is wrong', (_label, input, message) => {
    // WHEN
    const error = thrownBy(() => parseDefinition(input));
    // THEN
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.name).toBe('InvalidDefinitionError');
    expect(error.message).toMatch(message);
  });

  test.each([
    ['a function as Type', { Steps: [{ Name: 'A', Type: () => 'Processing' }] }, /Type of step "A" must be a non-empty string; received a function/],
    ['a BigInt as Name', { Steps: [{ Name: BigInt(7), Type: 'Processing' }] }, /Steps\[0\]\.Name must be a non-empty string; received 7/],
    ['a circular Steps value', (() => { const o: Record<string, unknown> = {}; o.self = o; return { Steps: o }; })(), /must have a "Steps" array; received an object that cannot be shown as JSON/],
  ])('GIVEN a definition object with %s (not representable as JSON) WHEN parsed THEN it is still an InvalidDefinitionError, not a crash', (_label, input, message) => {
    const error = thrownBy(() => parseDefinition(input));
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.message).toMatch(message);
  });

  test('GIVEN two top-level steps with the same name WHEN parsed THEN the error names the duplicate and where it is', () => {
    const error = thrownBy(() => parseDefinition(definition(step('Train'), step('Train'))));
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.message).toBe('Step name "Train" is used more than once (again at Steps[1]); step names must be unique.');
  });

  test('GIVEN a branch step that repeats a top-level step name WHEN parsed THEN it is a duplicate too', () => {
    const error = thrownBy(() => parseDefinition(definition(step('Register'), condition('C', [], [], [step('Register')]))));
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.message).toContain('"Register" is used more than once (again at Steps[1].Arguments.ElseSteps[0])');
  });

  test('GIVEN a huge malformed value WHEN parsed THEN the message quotes it truncated', () => {
    const error = thrownBy(() => parseDefinition({ Steps: 'x'.repeat(500) }));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain('...');
  });
});

describe('findCycle', () => {
  test('GIVEN an acyclic definition WHEN checked THEN there is no cycle', () => {
    const graph = parseDefinition(definition(step('A'), step('B', { DependsOn: ['A'] }), step('C', { DependsOn: ['A', 'B'] })));
    expect(findCycle(graph)).toBeUndefined();
  });

  test('GIVEN two steps that depend on each other WHEN checked THEN the cycle is reported as a closed path', () => {
    const graph = parseDefinition(definition(step('A', { DependsOn: ['B'] }), step('B', { Arguments: { x: { Get: 'Steps.A.y' } } })));
    expect(findCycle(graph)).toEqual(['A', 'B', 'A']);
  });

  test('GIVEN a step that references itself WHEN checked THEN the cycle is X -> X', () => {
    const graph = parseDefinition(definition(step('Other'), step('Self', { Arguments: { x: { Get: 'Steps.Self.Out' } } })));
    expect(findCycle(graph)).toEqual(['Self', 'Self']);
  });

  test('GIVEN a step that depends on itself via DependsOn WHEN checked THEN the cycle is X -> X', () => {
    expect(findCycle(parseDefinition(definition(step('Loop', { DependsOn: ['Loop'] }))))).toEqual(['Loop', 'Loop']);
  });

  test('GIVEN a longer cycle behind an acyclic prefix WHEN checked THEN only the cycle is reported, in edge order', () => {
    // Start -> X -> Y -> Z -> X
    const graph = parseDefinition(definition(
      step('Start'),
      step('X', { DependsOn: ['Start', 'Z'] }),
      step('Y', { DependsOn: ['X'] }),
      step('Z', { DependsOn: ['Y'] }),
    ));
    const cycle = findCycle(graph)!;
    expect(cycle).toEqual(['X', 'Y', 'Z', 'X']);
    for (let i = 0; i + 1 < cycle.length; i++) expect(graph.successors.get(cycle[i])!.has(cycle[i + 1])).toBe(true);
  });

  test('GIVEN a Condition whose Conditions read one of its own branch steps WHEN checked THEN that is a cycle', () => {
    const graph = parseDefinition(definition(
      condition('Cond', [{ Type: 'Equals', LeftValue: { Get: 'Steps.Inside.x' }, RightValue: 1 }], [step('Inside')]),
    ));
    expect(findCycle(graph)).toEqual(['Cond', 'Inside', 'Cond']);
  });

  test('GIVEN a cycle WHEN ordered topologically THEN an InvalidDefinitionError names the cycle path', () => {
    const graph = parseDefinition(definition(step('A', { DependsOn: ['B'] }), step('B', { DependsOn: ['A'] })));
    const error = thrownBy(() => topologicalOrder(graph));
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.message).toBe('The pipeline\'s steps form a cycle: A -> B -> A.');
  });
});

describe('topologicalOrder', () => {
  test('GIVEN independent steps listed out of order WHEN ordered THEN ties are broken by name', () => {
    const graph = parseDefinition(definition(step('c'), step('a'), step('B'), step('b')));
    // Plain code-unit order: upper case before lower case.
    expect(topologicalOrder(graph)).toEqual(['B', 'a', 'b', 'c']);
  });

  test('GIVEN a diamond listed backwards WHEN ordered THEN every step follows its upstream steps, ties by name', () => {
    const graph = parseDefinition(definition(
      step('Join', { DependsOn: ['Right', 'Left'] }),
      step('Right', { DependsOn: ['Root'] }),
      step('Left', { DependsOn: ['Root'] }),
      step('Root'),
    ));
    expect(topologicalOrder(graph)).toEqual(['Root', 'Left', 'Right', 'Join']);
  });

  test('GIVEN a step that becomes ready later but sorts first WHEN ordered THEN it is taken as soon as it is ready', () => {
    // A -> Z, A -> b; after A, both "Z" and "b" are ready; "Z" < "b" in code-unit order; then a depends on Z.
    const graph = parseDefinition(definition(step('A'), step('b', { DependsOn: ['A'] }), step('Z', { DependsOn: ['A'] }), step('a', { DependsOn: ['Z'] })));
    expect(topologicalOrder(graph)).toEqual(['A', 'Z', 'a', 'b']);
  });

  test('GIVEN a subset of names WHEN ordered THEN only those are returned and edges via other steps are ignored', () => {
    const graph = parseDefinition(definition(step('A'), step('B', { DependsOn: ['A'] }), step('C', { DependsOn: ['B'] }), step('D')));
    expect(topologicalOrder(graph, ['C', 'A', 'D'])).toEqual(['A', 'C', 'D']);
    expect(topologicalOrder(graph, ['C', 'B'])).toEqual(['B', 'C']);
    expect(topologicalOrder(graph, [])).toEqual([]);
  });

  test('GIVEN the same graph built from differently ordered Steps WHEN ordered THEN the order is the same', () => {
    const steps = [step('P'), step('Q', { DependsOn: ['P'] }), step('R', { DependsOn: ['P'] }), step('S', { DependsOn: ['Q', 'R'] }), step('T')];
    const forward = topologicalOrder(parseDefinition(definition(...steps)));
    const backward = topologicalOrder(parseDefinition(definition(...[...steps].reverse())));
    expect(forward).toEqual(backward);
    expect(forward).toEqual(['P', 'Q', 'R', 'S', 'T']);
  });
});

describe('downstreamClosure', () => {
  test('GIVEN seeds WHEN closed THEN the seeds and everything reachable downstream are returned, nothing upstream', () => {
    const graph = parseDefinition(definition(
      step('A'), step('B', { DependsOn: ['A'] }), step('C', { DependsOn: ['B'] }), step('D', { DependsOn: ['A'] }), step('E'),
    ));
    expect(downstreamClosure(graph, ['B'])).toEqual(new Set(['B', 'C']));
    expect(downstreamClosure(graph, ['A'])).toEqual(new Set(['A', 'B', 'C', 'D']));
    expect(downstreamClosure(graph, ['E', 'C'])).toEqual(new Set(['E', 'C']));
    expect(downstreamClosure(graph, [])).toEqual(new Set());
  });

  test('GIVEN a Condition WHEN closed THEN both branches (at any depth) are downstream of it', () => {
    const graph = parseDefinition(definition(condition('C1', [], [condition('C2', [], [step('X')], [step('Y')])], [step('Z')])));
    expect(downstreamClosure(graph, ['C1'])).toEqual(new Set(['C1', 'C2', 'X', 'Y', 'Z']));
  });
});

describe('scale', () => {
  test('GIVEN a 5,000-step chain listed in reverse WHEN parsed, checked, ordered and closed THEN nothing overflows and the order is the chain', () => {
    // GIVEN
    const n = 5000;
    const name = (i: number) => `S${String(i).padStart(5, '0')}`;
    const steps: StepJson[] = [];
    for (let i = n - 1; i >= 0; i--) {
      steps.push(step(name(i), i === 0 ? {} : { Arguments: { In: { Get: `Steps.${name(i - 1)}.Out` } } }));
    }
    // WHEN
    const graph = parseDefinition(JSON.stringify(definition(...steps)));
    // THEN
    expect(graph.steps.size).toBe(n);
    expect(findCycle(graph)).toBeUndefined();
    const order = topologicalOrder(graph);
    expect(order).toHaveLength(n);
    order.forEach((s, i) => expect(s).toBe(name(i)));
    expect(downstreamClosure(graph, [name(0)]).size).toBe(n);
  });

  test('GIVEN a 5,000-step chain closed into a loop WHEN checked THEN the whole loop is reported without overflowing', () => {
    const n = 5000;
    const steps: StepJson[] = [];
    for (let i = 0; i < n; i++) steps.push(step(`S${i}`, { DependsOn: [`S${(i + n - 1) % n}`] }));
    const cycle = findCycle(parseDefinition(definition(...steps)))!;
    expect(cycle).toHaveLength(n + 1);
    expect(cycle[0]).toBe(cycle[n]);
  });

  test('GIVEN Conditions nested 5,000 deep (well within the 1 MB definition limit) WHEN parsed THEN nothing overflows the stack', () => {
    // GIVEN: built as text, so that no recursive serializer is involved in making the input.
    const depth = 5000;
    let text = '{"Name":"Leaf","Type":"Processing","Arguments":{}}';
    for (let i = 0; i < depth; i++) {
      text = `{"Name":"C${i}","Type":"Condition","Arguments":{"Conditions":[],"IfSteps":[${text}],"ElseSteps":[]}}`;
    }
    // WHEN
    const graph = parseDefinition(`{"Version":"2020-12-01","Steps":[${text}]}`);
    // THEN
    expect(graph.steps.size).toBe(depth + 1);
    expect([...graph.steps.keys()].slice(0, 2)).toEqual([`C${depth - 1}`, `C${depth - 2}`]);
    expect(graph.steps.get('Leaf')!.parent).toEqual({ condition: 'C0', branch: 'IfSteps' });
    expect(enclosingBranches(graph, 'Leaf')).toHaveLength(depth);
    expect(topologicalOrder(graph)[depth]).toBe('Leaf');
  });

  test('GIVEN a Get buried 10,000 lists deep in a step WHEN parsed THEN it is found without overflowing the stack', () => {
    const depth = 10000;
    const value = `${'['.repeat(depth)}{"Get":"Steps.A.Out"}${']'.repeat(depth)}`;
    const graph = parseDefinition(`{"Steps":[{"Name":"A","Type":"Processing"},{"Name":"B","Type":"Processing","Arguments":{"x":${value}}}]}`);
    expect(edgesOf(graph)).toEqual(['A -> B']);
  });

  test('GIVEN a malformed step nested deep in branches WHEN parsed THEN the error gives its full path', () => {
    const def = definition(condition('C1', [], [step('A')], [condition('C2', [], [], [step('B'), { Name: 'Broken' }])]));
    const error = thrownBy(() => parseDefinition(def));
    expect(error).toBeInstanceOf(InvalidDefinitionError);
    expect(error.message).toBe('Steps[0].Arguments.ElseSteps[0].Arguments.ElseSteps[1].Type of step "Broken" must be a non-empty string; received nothing.');
  });

  test('GIVEN steps nested in both branches WHEN parsed THEN steps are listed in definition order, parents before their branch steps', () => {
    const def = definition(
      step('First'),
      condition('C1', [], [step('If1'), condition('C2', [], [step('If2')], [step('Else2')])], [step('Else1')]),
      step('Last'),
    );
    expect([...parseDefinition(def).steps.keys()]).toEqual(['First', 'C1', 'If1', 'C2', 'If2', 'Else2', 'Else1', 'Last']);
  });

  test('GIVEN Conditions nested 500 deep WHEN parsed and ordered THEN every level is a node under its parent', () => {
    let inner: StepJson = step('Leaf');
    for (let i = 0; i < 500; i++) inner = condition(`C${i}`, [], [inner]);
    const graph = parseDefinition(definition(inner));
    expect(graph.steps.size).toBe(501);
    expect(enclosingBranches(graph, 'Leaf')).toHaveLength(500);
    const order = topologicalOrder(graph);
    expect(order[0]).toBe('C499');
    expect(order[500]).toBe('Leaf');
  });
});

describe('real-world fixtures', () => {
  const fixtures: Array<{ file: string; steps: string[]; edges: string[]; order: string[]; parameters: string[] }> = [
    {
      file: '01-sdk-two-step-linear.json',
      steps: ['MyStep1', 'MyStep2'],
      edges: ['MyStep1 -> MyStep2'],
      order: ['MyStep1', 'MyStep2'],
      parameters: ['MyStr'],
    },
    {
      file: '02-sdk-condition-branches-upstream-ref.json',
      // The upstream step comes after the Condition in Steps and is referenced only from an In condition's Values.
      steps: ['MyConditionStep', 'MyStep1', 'MyStep2', 'MyStep0'],
      edges: ['MyConditionStep -> MyStep1', 'MyConditionStep -> MyStep2', 'MyStep0 -> MyConditionStep'],
      order: ['MyStep0', 'MyConditionStep', 'MyStep1', 'MyStep2'],
      parameters: ['MyInt1', 'MyInt2', 'MyStr'],
    },
    {
      file: '10-abalone-condition-register-transform-fail.json',
      steps: [
        'AbaloneProcess', 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond',
        'AbaloneRegisterModel-RegisterModel', 'AbaloneCreateModel', 'AbaloneTransform', 'AbaloneMSEFail',
      ],
      edges: [
        'AbaloneCreateModel -> AbaloneTransform',
        'AbaloneEval -> AbaloneMSECond',
        'AbaloneMSECond -> AbaloneCreateModel',
        'AbaloneMSECond -> AbaloneMSEFail',
        'AbaloneMSECond -> AbaloneRegisterModel-RegisterModel',
        'AbaloneMSECond -> AbaloneTransform',
        'AbaloneProcess -> AbaloneEval',
        'AbaloneProcess -> AbaloneTrain',
        'AbaloneTrain -> AbaloneCreateModel',
        'AbaloneTrain -> AbaloneEval',
        'AbaloneTrain -> AbaloneRegisterModel-RegisterModel',
      ],
      order: [
        'AbaloneProcess', 'AbaloneTrain', 'AbaloneEval', 'AbaloneMSECond',
        'AbaloneCreateModel', 'AbaloneMSEFail', 'AbaloneRegisterModel-RegisterModel', 'AbaloneTransform',
      ],
      parameters: ['ProcessingInstanceCount', 'ModelApprovalStatus', 'InputData', 'BatchData', 'MseThreshold'],
    },
    {
      file: '11-dynamic-framework-two-chains.json',
      steps: [
        'falcon-text-summarization-preprocess', 'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
        'calhousing-Preprocessing', 'calhousing-Training', 'calhousing-CreateModel-CreateModel', 'calhousing-Transform',
        'calhousing-Metrics', 'calhousing-Register-RegisterModel',
      ],
      edges: [
        'calhousing-CreateModel-CreateModel -> calhousing-Transform',
        'calhousing-Metrics -> calhousing-Register-RegisterModel',
        'calhousing-Preprocessing -> calhousing-Metrics',
        'calhousing-Preprocessing -> calhousing-Training',
        'calhousing-Preprocessing -> calhousing-Transform',
        'calhousing-Training -> calhousing-CreateModel-CreateModel',
        'calhousing-Training -> calhousing-Register-RegisterModel',
        'calhousing-Transform -> calhousing-Metrics',
        'falcon-text-summarization-preprocess -> falcon-text-summarization-tuning',
        'falcon-text-summarization-tuning -> falcon-text-summarization-register-RegisterModel',
      ],
      order: [
        'calhousing-Preprocessing', 'calhousing-Training', 'calhousing-CreateModel-CreateModel', 'calhousing-Transform',
        'calhousing-Metrics', 'calhousing-Register-RegisterModel',
        'falcon-text-summarization-preprocess', 'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
      ],
      parameters: [],
    },
    {
      file: '14-serial-inference-condition-register.json',
      steps: ['PreprocessData', 'TrainTensorflowModel', 'EvaluateModelPerformance', 'MSE-Lower-Than-Threshold-Condition', 'PipelineModel-RegisterModel'],
      edges: [
        'EvaluateModelPerformance -> MSE-Lower-Than-Threshold-Condition',
        'MSE-Lower-Than-Threshold-Condition -> PipelineModel-RegisterModel',
        'PreprocessData -> EvaluateModelPerformance',
        'PreprocessData -> TrainTensorflowModel',
        'TrainTensorflowModel -> EvaluateModelPerformance',
        'TrainTensorflowModel -> PipelineModel-RegisterModel',
      ],
      order: ['PreprocessData', 'TrainTensorflowModel', 'EvaluateModelPerformance', 'MSE-Lower-Than-Threshold-Condition', 'PipelineModel-RegisterModel'],
      parameters: ['TrainingInstanceType', 'ProcessingInstanceType', 'ProcessingInstanceCount', 'InputData', 'ModelApprovalStatus', 'TrainingEpochs', 'AccuracyMseThreshold'],
    },
  ];

  test.each(fixtures)('GIVEN fixture $file WHEN parsed THEN its steps, edges, order and parameters are the expected ones', (expected) => {
    // WHEN
    const graph = parseDefinition(loadFixture(expected.file));
    // THEN
    expect([...graph.steps.keys()]).toEqual(expected.steps);
    expect(edgesOf(graph)).toEqual([...expected.edges].sort());
    expect(graph.problems.map((p) => p.message)).toEqual([]);
    expect(findCycle(graph)).toBeUndefined();
    expect(topologicalOrder(graph)).toEqual(expected.order);
    expect(graph.parameters.map((p) => p.name)).toEqual(expected.parameters);
  });

  test('GIVEN fixture 10 WHEN parsed THEN branch membership and step types are recorded', () => {
    const graph = parseDefinition(loadFixture('10-abalone-condition-register-transform-fail.json'));
    expect(graph.steps.get('AbaloneMSEFail')).toMatchObject({ type: 'Fail', parent: { condition: 'AbaloneMSECond', branch: 'ElseSteps' } });
    expect(graph.steps.get('AbaloneTransform')).toMatchObject({ type: 'Transform', parent: { condition: 'AbaloneMSECond', branch: 'IfSteps' } });
    expect(graph.steps.get('AbaloneMSECond')).toMatchObject({ type: 'Condition' });
    expect(graph.steps.get('AbaloneMSECond')!.parent).toBeUndefined();
    expect(downstreamClosure(graph, ['AbaloneEval'])).toEqual(new Set([
      'AbaloneEval', 'AbaloneMSECond', 'AbaloneRegisterModel-RegisterModel', 'AbaloneCreateModel', 'AbaloneTransform', 'AbaloneMSEFail',
    ]));
  });

  test('GIVEN fixture 11 WHEN closed downstream of one chain THEN the other chain is untouched', () => {
    const graph = parseDefinition(loadFixture('11-dynamic-framework-two-chains.json'));
    expect(downstreamClosure(graph, ['falcon-text-summarization-preprocess'])).toEqual(new Set([
      'falcon-text-summarization-preprocess', 'falcon-text-summarization-tuning', 'falcon-text-summarization-register-RegisterModel',
    ]));
    expect(downstreamClosure(graph, ['calhousing-Training'])).toEqual(new Set([
      'calhousing-Training', 'calhousing-CreateModel-CreateModel', 'calhousing-Transform', 'calhousing-Metrics', 'calhousing-Register-RegisterModel',
    ]));
  });

  test('GIVEN fixture 09 with 31 nested Conditions WHEN parsed THEN it is one chain of branch edges from DummyCond29 down to DummyCond', () => {
    // GIVEN
    const names = [...Array.from({ length: 30 }, (_, i) => `DummyCond${29 - i}`), 'DummyCond'];
    // WHEN
    const graph = parseDefinition(loadFixture('09-airflow-nested-conditions-31.json'));
    // THEN
    expect(graph.steps.size).toBe(31);
    expect([...graph.steps.keys()]).toEqual(names);
    const expectedEdges = names.slice(1).map((child, i) => `${names[i]} -> ${child}`);
    expect(edgesOf(graph)).toEqual(expectedEdges.sort());
    expect(graph.problems.map((p) => p.message)).toEqual([]);
    expect(findCycle(graph)).toBeUndefined();
    expect(topologicalOrder(graph)).toEqual(names);
    for (let i = 1; i < names.length; i++) {
      expect(graph.steps.get(names[i])!.parent).toEqual({ condition: names[i - 1], branch: 'IfSteps' });
    }
    const chain = enclosingBranches(graph, 'DummyCond');
    expect(chain).toHaveLength(30);
    expect(chain[0]).toEqual({ condition: 'DummyCond0', branch: 'IfSteps' });
    expect(chain[29]).toEqual({ condition: 'DummyCond29', branch: 'IfSteps' });
    expect(downstreamClosure(graph, ['DummyCond29']).size).toBe(31);
  });
});
