import { NestedStepExpression, RenderContext, renderDslValue } from './references';
import { DefinitionProblem } from '../../kernel/problems';
import type { Parameter } from '../../parameters';
import type { Step } from '../../steps/step';

/** The SageMaker pipeline definition format version. */
export const DEFINITION_VERSION = '2020-12-01';

/** Options of rendering steps into a definition. */
export interface RenderStepsOptions {
  readonly parameters?: Parameter[];
  readonly experimentName?: string;
  readonly trialName?: string;
  readonly disableExperiment?: boolean;
}

/** A rendered definition, with the problems found while rendering. */
export interface RenderedSteps {
  /** Definition JSON: references as `{"Get": ...}` objects; CDK tokens still in place (as strings). */
  readonly definition: any;
  /** Problems in the DSL usage that make the definition invalid (each names the fix). */
  readonly problems: DefinitionProblem[];
  /** Every step, including those nested in Condition branches. */
  readonly steps: Step[];
}

/**
 * Renders DSL steps into a definition, in one pass: nests Condition branches, turns references into `{"Get": ...}`,
 * declares the parameters the steps use, and reports DSL-level problems (steps placed twice, references to steps not
 * in the pipeline, conflicting parameters, unattached property files). Graph problems (cycles, Fail dependencies,
 * unknown parameters) are found on the rendered JSON by `validateDefinition`, like for JSON definitions.
 */
export function renderSteps(topLevel: Step[], options: RenderStepsOptions = {}): RenderedSteps {
  const problems: DefinitionProblem[] = [];
  const problem = (code: string, path: string, message: string) => problems.push({ code, message, path });

  // 1. every step, where it is, and names used twice
  const all: Step[] = [];
  const where = new Map<Step, string>();
  const byName = new Map<string, Step>();
  const add = (step: Step, location: string) => {
    const previous = where.get(step);
    if (previous !== undefined) {
      problem('Pipeline.StepPlacement', step.node.path, `step "${step.stepName}" (${step.node.path}) is placed twice: ${previous} `
        + `and ${location}. A branch step is rendered inside its Condition: list it only there, not also in `
        + 'PipelineDefinition.fromSteps or another branch.');
      return;
    }
    const sameName = byName.get(step.stepName);
    if (sameName) {
      problem('Pipeline.DuplicateStepName', step.node.path, `step name "${step.stepName}" is used by two steps: `
        + `${sameName.node.path} and ${step.node.path}. Step names must be unique in a pipeline, including inside Condition `
        + 'branches; give one of them another stepName.');
    }
    byName.set(step.stepName, step);
    where.set(step, location);
    all.push(step);
    step._nestedSteps().forEach((child) => add(child, `in a branch of Condition "${step.stepName}"`));
  };
  topLevel.forEach((s) => add(s, 'in PipelineDefinition.fromSteps'));

  // 2. the definition: each step renders once, as the current step of the context (branch steps switch it)
  const context = new RenderContext();
  const stepsJson = topLevel.filter((s, i) => topLevel.indexOf(s) === i).map((s) => new NestedStepExpression(s).renderIn(context));
  for (const p of options.parameters ?? []) context.recordParameter(p);
  const declared: any[] = [];
  const order = [...(options.parameters ?? []).map((p) => p.name), ...context.parameters.keys()];
  for (const name of order.filter((n, i) => order.indexOf(n) === i)) {
    const variants = context.parameters.get(name) ?? [];
    const jsons = variants.map((v) => JSON.stringify(v._toParameterJson()));
    if (new Set(jsons).size > 1) {
      problem('Pipeline.ConflictingParameter', '', `parameter "${name}" is declared twice with different settings `
        + `(${jsons.join(' vs ')}). Use one Parameter object per name.`);
    }
    if (variants.length > 0) declared.push(variants[0]._toParameterJson());
  }

  const definition: any = {
    Version: DEFINITION_VERSION,
    Metadata: {},
    Parameters: declared,
  };
  if (!options.disableExperiment) {
    definition.PipelineExperimentConfig = renderDslValue({
      ExperimentName: options.experimentName ?? { Get: 'Execution.PipelineName' },
      TrialName: options.trialName ?? { Get: 'Execution.PipelineExecutionId' },
    }, context);
  }
  definition.Steps = stepsJson;

  // 3. references and explicit dependencies must point at steps of this pipeline
  for (const step of all) {
    for (const used of context.stepReferences.get(step) ?? []) {
      if (!where.has(used as Step)) {
        problem('Pipeline.UnknownStepReference', step.node.path, `step "${step.stepName}" (${step.node.path}) uses an output `
          + `of step "${used.stepName}" (${used.node.path}), which is not part of this pipeline. Add it to `
          + 'PipelineDefinition.fromSteps (or to a Condition branch).');
      }
    }
    for (const dep of step.dependsOn) {
      if (!where.has(dep)) {
        problem('Pipeline.UnknownStepReference', step.node.path, `step "${step.stepName}" (${step.node.path}) depends on step `
          + `"${dep.stepName}" (${dep.node.path}), which is not part of this pipeline. Add it to PipelineDefinition.fromSteps `
          + 'or remove it from dependsOn.');
      }
    }
  }
  problems.push(...context.problems);
  return { definition, problems: uniqueProblems(problems), steps: all };
}

/** The same problem met twice (a step placed twice renders twice) is reported once. */
function uniqueProblems(problems: DefinitionProblem[]): DefinitionProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.code, p.message, p.path]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
