/**
 * A problem found in a pipeline definition, as data: callers decide by `code`, never by matching message text.
 *
 * The same shape serves the shared kernel (problems of definition JSON, located by a JSON path) and the construct
 * library (problems of DSL usage, located by a construct path).
 */
export interface DefinitionProblem {
  /** A stable identifier of the kind of problem, e.g. `Pipeline.Cycle`. */
  readonly code: string;
  /** What is wrong, the value received, and (where the reader can act) how to fix it. */
  readonly message: string;
  /**
   * Where the problem sits: a JSON path in the definition (`Steps[1].Arguments.IfSteps[0]`), a construct path
   * (`Stack/Train`), or `''` when it concerns the definition as a whole.
   */
  readonly path: string;
}

/** The one-line form used in synth errors and logs: the message, then the code in brackets. */
export function formatProblem(problem: DefinitionProblem): string {
  return `${problem.message} [${problem.code}]`;
}
