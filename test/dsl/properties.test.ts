import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { newStack } from './util';
import { planRetry } from '../../lambda/planner';
import { PipelineDefinition, ProcessingStep } from '../../src';
import { downstreamClosure, findCycle, parseDefinition } from '../../src/kernel/definition-graph';
import { validateDefinition } from '../../src/private/dsl/validate';

/** A random DAG: for each step j, the earlier steps it reads from and the earlier steps it waits for. */
const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((size) => fc.tuple(
  fc.constant(size),
  fc.array(fc.tuple(fc.nat({ max: size - 1 }), fc.nat({ max: size - 1 }), fc.boolean()), { maxLength: size * 2 }),
  fc.nat({ max: size - 1 }),
));

describe('DSL rendering (property-based)', () => {
  test('the rendered graph has exactly the edges the DSL expressed, and the planner retries exactly the downstream closure', () => {
    fc.assert(fc.property(dagArbitrary, ([size, rawEdges, failedIndex]) => {
      // GIVEN random steps whose edges go from a lower to a higher index, as data references or dependsOn
      const stack = newStack();
      const role = iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111122223333:role/job', { mutable: false });
      const edges = new Map<number, { data: Set<number>; explicit: Set<number> }>();
      for (let j = 0; j < size; j++) edges.set(j, { data: new Set(), explicit: new Set() });
      for (const [a, b, asData] of rawEdges) {
        if (a === b) continue;
        const [from, to] = a < b ? [a, b] : [b, a];
        (asData ? edges.get(to)!.data : edges.get(to)!.explicit).add(from);
      }
      const steps: ProcessingStep[] = [];
      for (let j = 0; j < size; j++) {
        const { data, explicit } = edges.get(j)!;
        steps.push(new ProcessingStep(stack, `Step-${j}`, {
          role,
          imageUri: 'image',
          instanceType: 'ml.m5.large',
          inputs: [...data].map((i) => ({ inputName: `from-${i}`, s3Uri: steps[i].outputUri('out'), localPath: `/opt/ml/processing/input/${i}` })),
          outputs: [{ outputName: 'out', localPath: '/opt/ml/processing/out', s3Uri: `s3://bucket/${j}` }],
          dependsOn: [...explicit].map((i) => steps[i]),
        }));
      }

      // WHEN rendered (in a shuffled order: the definition's order must not matter)
      const definition = PipelineDefinition.fromSteps([...steps].reverse())._renderJson();
      const graph = parseDefinition(definition);

      // THEN the graph's predecessors are exactly the expressed edges
      for (let j = 0; j < size; j++) {
        const { data, explicit } = edges.get(j)!;
        const expected = [...new Set([...data, ...explicit])].map((i) => `Step-${i}`).sort();
        expect([...graph.predecessors.get(`Step-${j}`)!].sort()).toEqual(expected);
      }
      expect(findCycle(graph)).toBeUndefined();
      expect(validateDefinition(definition)).toEqual([]);

      // and the planner re-runs the failed step and exactly what is downstream of it
      const failed = `Step-${failedIndex}`;
      const closure = downstreamClosure(graph, [failed]);
      const plan = planRetry(definition, steps
        .filter((s) => !closure.has(s.stepName))
        .map((s) => ({ StepName: s.stepName, StepStatus: 'Succeeded' }))
        .concat([{ StepName: failed, StepStatus: 'Failed' }]));
      expect(plan.decision).toBe('retry');
      expect([...plan.selectedSteps].sort()).toEqual([...closure].sort());
    }), { numRuns: 40 });
  });
});
