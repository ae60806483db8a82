import { RenderContext, renderDslValue } from './references';
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
export interface RenderedDefinition {
  /** Definition JSON: references as `{"Get": ...}` objects; CDK tokens still in place (as strings). */
  readonly definition: any;
  /** Problems in the DSL usage that make the definition invalid (each names the fix). */
  readonly problems: string[];
  /** Every step, including those nested in Condition branches. */
  readonly steps: Step[];
}

/**
 * Renders DSL steps into a definition: nests Condition branches, turns references into `{"Get": ...}`, declares
 * the parameters the steps use, and reports DSL-level problems (steps listed twice, references to steps not in the
 * pipeline, conflicting parameters, unattached property files). Graph problems (cycles, Fail dependencies,
 * unknown parameters) are found on the rendered JSON by `validateDefinition`, like for JSON definitions.
 */
export function renderSteps(topLevel: Step[], options: RenderStepsOptions = {}): RenderedDefinition {
  const problems: string[] = [];

  // 1. every step, where it is, and names used twice
  const all: Step[] = [];
  const where = new Map<Step, string>();
  const byName = new Map<string, Step>();
  const add = (step: Step, location: string) => {
    const previous = where.get(step);
    if (previous !== undefined) {
      problems.push(`step "${step.stepName}" (${step.node.path}) is placed twice: ${previous} and ${location}. A branch step `
        + 'is rendered inside its Condition: list it only there, not also in PipelineDefinition.fromSteps or another branch. '
        + '[Pipeline.StepPlacement]');
      return;
    }
    const sameName = byName.get(step.stepName);
    if (sameName) {
      problems.push(`step name "${step.stepName}" is used by two steps: ${sameName.node.path} and ${step.node.path}. Step `
        + 'names must be unique in a pipeline, including inside Condition branches; give one of them another stepName. '
        + '[Pipeline.DuplicateStepName]');
    }
    byName.set(step.stepName, step);
    where.set(step, location);
    all.push(step);
    step._nestedSteps().forEach((child) => add(child, `in a branch of Condition "${step.stepName}"`));
  };
  topLevel.forEach((s) => add(s, 'in PipelineDefinition.fromSteps'));

  // 2. references and explicit dependencies must point at steps of this pipeline
  const context = new RenderContext();
  for (const step of all) {
    const probe = new RenderContext();
    probe.current = step.stepName;
    // Branch steps are nodes of their own: a Condition's references are only those of its conditions.
    const json = step.toStepJson();
    renderDslValue(step.stepType.value === 'Condition' ? json.Arguments?.Conditions : json, probe);
    problems.push(...probe.problems.map((p) => `step "${step.stepName}" (${step.node.path}): ${p}`));
    for (const used of probe.stepReferences.get(step.stepName) ?? []) {
      if (!where.has(used as Step)) {
        problems.push(`step "${step.stepName}" (${step.node.path}) uses an output of step "${used.stepName}" (${used.node.path}), `
          + 'which is not part of this pipeline. Add it to PipelineDefinition.fromSteps (or to a Condition branch). '
          + '[Pipeline.UnknownStepReference]');
      }
    }
    for (const dep of step.dependsOn) {
      if (!where.has(dep)) {
        problems.push(`step "${step.stepName}" (${step.node.path}) depends on step "${dep.stepName}" (${dep.node.path}), which `
          + 'is not part of this pipeline. Add it to PipelineDefinition.fromSteps or remove it from dependsOn. '
          + '[Pipeline.UnknownStepReference]');
      }
    }
  }

  // 3. the definition
  context.current = undefined;
  const stepsJson = topLevel.filter((s, i) => topLevel.indexOf(s) === i).map((s) => {
    context.current = s.stepName;
    return renderDslValue(s.toStepJson(), context);
  });
  for (const p of options.parameters ?? []) context.recordParameter(p);
  const declared: any[] = [];
  const order = [...(options.parameters ?? []).map((p) => p.name), ...context.parameters.keys()];
  for (const name of order.filter((n, i) => order.indexOf(n) === i)) {
    const variants = context.parameters.get(name) ?? [];
    const jsons = variants.map((v) => JSON.stringify(v._toParameterJson()));
    if (new Set(jsons).size > 1) {
      problems.push(`parameter "${name}" is declared twice with different settings (${jsons.join(' vs ')}). Use one `
        + 'Parameter object per name. [Pipeline.ConflictingParameter]');
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
  problems.push(...context.problems);
  return { definition, problems: [...new Set(problems)], steps: all };
}
