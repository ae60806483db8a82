import { Token } from 'aws-cdk-lib';
import { AnalysedDefinition } from './analysis';
import { findCycle } from '../../kernel/definition-graph';
import { DefinitionProblem } from '../../kernel/problems';

/** `PipelineDefinition` 1 to 1,048,576 characters (API_CreatePipeline). */
export const MAX_DEFINITION_CHARS = 1_048_576;

const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * Validates a rendered definition (DSL-built or JSON) on the shared kernel's model, the one the remediation planner
 * plans on, so what synth accepts is what the planner can plan. Returns problems, each naming the fix; an empty list
 * means valid.
 */
export function validateDefinition(analysed: AnalysedDefinition): DefinitionProblem[] {
  const { model } = analysed;
  if (!model) return [analysed.invalid!];
  const problems: DefinitionProblem[] = [];
  const problem = (code: string, path: string, message: string) => problems.push({ code, message, path });

  if (model.steps.size === 0) {
    problem('Pipeline.NoSteps', 'Steps', 'the definition has no steps. Give PipelineDefinition.fromSteps at least one step '
      + '(or add one to the JSON\'s "Steps").');
  }

  for (const step of model.steps.values()) {
    if (!STEP_NAME.test(step.name)) {
      problem('Pipeline.InvalidStepName', `${step.location}.Name`, `step name "${step.name}" is invalid: step names must match `
        + '^[A-Za-z0-9\\-_]{1,64}$ (letters, digits, \'-\' and \'_\', at most 64). Rename the step.');
    }
  }

  for (const p of model.problems) {
    problems.push({ ...p, message: `${p.message} Add the missing step to the pipeline or remove the reference.` });
  }

  const cycle = findCycle(model);
  if (cycle) {
    problem('Pipeline.Cycle', 'Steps', `the steps form a cycle: ${cycle.join(' -> ')}. A pipeline is a DAG: remove one of `
      + 'these dependencies (a dependsOn entry or a use of a step\'s output).');
  }

  for (const step of model.steps.values()) {
    if (step.type !== 'Fail') continue;
    for (const dependent of model.successors.get(step.name) ?? []) {
      problem('Pipeline.FailStepDependency', model.steps.get(dependent)!.location, `step "${dependent}" depends on Fail step `
        + `"${step.name}". A Fail step ends the execution, so no step can run after it: remove "${step.name}" from the `
        + `dependsOn of "${dependent}".`);
    }
  }

  model.parameters.forEach((p, i) => {
    if (!STEP_NAME.test(p.name)) {
      problem('Pipeline.InvalidParameterName', `Parameters[${i}].Name`, `parameter name "${p.name}" is invalid: names must `
        + 'match ^[A-Za-z0-9\\-_]{1,64}$. Rename it.');
    }
  });
  const declared = new Set(model.parameters.map((p) => p.name));
  // parameter -> who uses it: step names, or the definition section (e.g. PipelineExperimentConfig) outside the steps
  const undeclared = new Map<string, { steps: Set<string>; sections: Set<string> }>();
  for (const reference of model.references) {
    if (reference.namespace !== 'Parameters' || declared.has(reference.name)) continue;
    const users = undeclared.get(reference.name) ?? { steps: new Set<string>(), sections: new Set<string>() };
    if (reference.step !== undefined) users.steps.add(reference.step);
    else users.sections.add(String(reference.path[0]));
    undeclared.set(reference.name, users);
  }
  for (const [name, { steps, sections }] of undeclared) {
    const users = [
      ...(steps.size > 0 ? [`step(s) ${[...steps].map((s) => `"${s}"`).join(', ')}`] : []),
      ...[...sections],
    ].join(' and ');
    problem('Pipeline.UnknownParameter', 'Parameters', `${users} use parameter "${name}", which the definition does not `
      + 'declare. Declare it in "Parameters" (with the DSL: use a Parameter object, or pass it in '
      + 'fromSteps(steps, { parameters })).');
  }

  const length = analysed.text.length;
  if (length > MAX_DEFINITION_CHARS) {
    problem('Pipeline.DefinitionTooLarge', '', `the definition is ${length} characters`
      + `${Token.isUnresolved(analysed.text) ? ' (before CDK tokens are resolved)' : ''}, over SageMaker's limit of `
      + `${MAX_DEFINITION_CHARS}. Split the pipeline, or move large literal arguments out of it (e.g. into parameters).`);
  }
  return problems;
}
