import { DefinitionModel, InvalidDefinitionError, parseDefinition } from '../../kernel/definition-model';
import { DefinitionProblem } from '../../kernel/problems';

/**
 * A rendered definition and what the shared kernel read from it, computed once per definition and shared by the
 * synth checks, the role's permissions, the storage choice and the synth-time warnings.
 */
export interface AnalysedDefinition {
  /** Definition JSON: references as `{"Get": ...}` objects; CDK tokens unresolved. */
  readonly json: any;
  /** `JSON.stringify(json)`: for size limits and the storage choice. */
  readonly text: string;
  /** The kernel's model of the definition; undefined when the definition cannot be modelled (see `invalid`). */
  readonly model?: DefinitionModel;
  /** Why the definition cannot be modelled, when it cannot. */
  readonly invalid?: DefinitionProblem;
}

/** Parses a rendered definition once. */
export function analyseDefinition(json: any): AnalysedDefinition {
  const text = JSON.stringify(json);
  try {
    return { json, text, model: parseDefinition(json) };
  } catch (e) {
    if (!(e instanceof InvalidDefinitionError)) throw e;
    return {
      json,
      text,
      invalid: { code: 'Pipeline.InvalidDefinition', message: `the pipeline definition is invalid: ${e.message}`, path: e.path },
    };
  }
}
