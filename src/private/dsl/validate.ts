import { Token } from 'aws-cdk-lib';
import { collectStepObjects } from './permissions';
import { InvalidDefinitionError, findCycle, parseDefinition } from '../../kernel/definition-graph';

/** `PipelineDefinition` 1 to 1,048,576 characters (API_CreatePipeline). */
export const MAX_DEFINITION_CHARS = 1_048_576;

const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * Validates a rendered definition (DSL-built or JSON) with the same graph code the remediation planner uses
 * (`private/definition-graph.ts`), so what synth accepts is what the planner can plan. Returns problems, each
 * naming the fix; an empty list means valid.
 */
export function validateDefinition(definition: any): string[] {
  const problems: string[] = [];
  let graph;
  try {
    graph = parseDefinition(definition);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) {
      return [`the pipeline definition is invalid: ${e.message} [Pipeline.InvalidDefinition]`];
    }
    throw e;
  }

  if (graph.steps.size === 0) {
    problems.push('the definition has no steps. Give PipelineDefinition.fromSteps at least one step (or add one to the '
      + 'JSON\'s "Steps"). [Pipeline.NoSteps]');
  }

  for (const step of graph.steps.values()) {
    if (!STEP_NAME.test(step.name)) {
      problems.push(`step name "${step.name}" is invalid: step names must match ^[A-Za-z0-9\\-_]{1,64}$ (letters, digits, `
        + "'-' and '_', at most 64). Rename the step. [Pipeline.InvalidStepName]");
    }
  }

  for (const warning of graph.warnings) {
    problems.push(`${warning.replace(/; the reference is ignored\.$/, '.')} Add the missing step to the pipeline or `
      + 'remove the reference. [Pipeline.UnknownStepReference]');
  }

  const cycle = findCycle(graph);
  if (cycle) {
    problems.push(`the steps form a cycle: ${cycle.join(' -> ')}. A pipeline is a DAG: remove one of these dependencies `
      + '(a dependsOn entry or a use of a step\'s output). [Pipeline.Cycle]');
  }

  for (const step of graph.steps.values()) {
    if (step.type !== 'Fail') continue;
    for (const dependent of graph.successors.get(step.name) ?? []) {
      problems.push(`step "${dependent}" depends on Fail step "${step.name}". A Fail step ends the execution, so no step `
        + `can run after it: remove "${step.name}" from the dependsOn of "${dependent}". [Pipeline.FailStepDependency]`);
    }
  }

  const declared = new Set(graph.parameters.map((p) => p.name));
  for (const p of graph.parameters) {
    if (!STEP_NAME.test(p.name)) {
      problems.push(`parameter name "${p.name}" is invalid: names must match ^[A-Za-z0-9\\-_]{1,64}$. Rename it. `
        + '[Pipeline.InvalidParameterName]');
    }
  }
  const used = new Map<string, Set<string>>();
  for (const step of collectStepObjects(definition)) {
    const scanned = step.Type === 'Condition' ? step.Arguments?.Conditions : { ...step, Arguments: withoutBranches(step) };
    for (const name of parameterReferences(scanned)) {
      if (!declared.has(name)) {
        const set = used.get(name) ?? new Set<string>();
        set.add(String(step.Name));
        used.set(name, set);
      }
    }
  }
  for (const [name, steps] of used) {
    problems.push(`step(s) ${[...steps].map((s) => `"${s}"`).join(', ')} use parameter "${name}", which the definition `
      + 'does not declare. Declare it in "Parameters" (with the DSL: use a Parameter object, or pass it in '
      + 'fromSteps(steps, { parameters })). [Pipeline.UnknownParameter]');
  }

  const text = JSON.stringify(definition);
  if (text.length > MAX_DEFINITION_CHARS) {
    problems.push(`the definition is ${text.length} characters${Token.isUnresolved(text) ? ' (before CDK tokens are resolved)' : ''}, `
      + `over SageMaker's limit of ${MAX_DEFINITION_CHARS}. Split the pipeline, or move large literal arguments out of `
      + 'it (e.g. into parameters). [Pipeline.DefinitionTooLarge]');
  }
  return problems;
}

function withoutBranches(step: any): any {
  if (step.Type !== 'Condition') return step.Arguments;
  return { Conditions: step.Arguments?.Conditions };
}

function parameterReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => parameterReferences(v, into));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Get' && typeof item === 'string') {
        const match = /^Parameters\.([^.[\]]+)/.exec(item);
        if (match) into.add(match[1]);
      } else {
        parameterReferences(item, into);
      }
    }
  }
  return into;
}
