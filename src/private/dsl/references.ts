import { IResolvable, IResolveContext, Token, Tokenization } from 'aws-cdk-lib';
import { DefinitionProblem } from '../../kernel/problems';

/**
 * The steps, parameters and problems met while rendering DSL values into definition JSON.
 *
 * One instance per rendering of a whole definition; `current` is the step whose own values are being rendered (a
 * Condition's branch steps switch it while they render), so references are recorded against the step that uses them.
 */
export class RenderContext {
  /** consumer step -> the step objects it references (`Get: Steps.X...`). */
  public readonly stepReferences = new Map<IStepLike, Set<IStepLike>>();
  /** parameter name -> the parameter objects met (several objects may share a name). */
  public readonly parameters = new Map<string, IParameterLike[]>();
  /** Problems that make the definition invalid; reported by the pipeline's validation. */
  public readonly problems: DefinitionProblem[] = [];
  /** The step being rendered, if any. */
  public current?: IStepLike;

  public recordStep(step: IStepLike): void {
    if (!this.current) return;
    let set = this.stepReferences.get(this.current);
    if (!set) {
      set = new Set();
      this.stepReferences.set(this.current, set);
    }
    set.add(step);
  }

  public recordParameter(parameter: IParameterLike): void {
    const list = this.parameters.get(parameter.name) ?? [];
    if (!list.includes(parameter)) list.push(parameter);
    this.parameters.set(parameter.name, list);
  }

  /** Records a problem of the step being rendered (named in the message), or of the definition when there is none. */
  public addProblem(code: string, message: string): void {
    const step = this.current;
    this.problems.push(step
      ? { code, message: `step "${step.stepName}" (${step.node.path}): ${message}`, path: step.node.path }
      : { code, message, path: '' });
  }
}

/** What the renderer needs to know of a step (avoids an import cycle with steps/step.ts). */
export interface IStepLike {
  readonly stepName: string;
  readonly node: { readonly path: string };
  /** The step's object, with DSL tokens still in it. */
  toStepJson(): any;
}

/** What the renderer needs to know of a parameter. */
export interface IParameterLike {
  readonly name: string;
  /** @internal */
  _toParameterJson(): any;
}

/**
 * A value only known when the pipeline runs: a parameter, an execution variable, a step property, `Std:Join` or
 * `Std:JsonGet`. Users see it as a string or number token (like Step Functions' `JsonPath.stringAt`); the renderer
 * finds the token again and writes the reference object (`{"Get": ...}`) in its place.
 */
export abstract class DslExpression implements IResolvable {
  public readonly creationStack: string[] = [];

  /** The JSON of the expression; may itself contain DSL tokens, which the renderer walks too. */
  public abstract toExpressionJson(context: RenderContext): any;

  /** The expression rendered: its JSON with every DSL token in it rendered too. */
  public renderIn(context: RenderContext): any {
    return renderDslValue(this.toExpressionJson(context), context);
  }

  /**
   * Used only when a DSL token escapes the renderer (e.g. it was put into another resource's property): resolve
   * to the reference object, which is what the definition would hold.
   */
  public resolve(_context: IResolveContext): any {
    return this.renderIn(new RenderContext());
  }

  public asString(): string {
    return Token.asString(this, { displayHint: 'SageMakerPipelineExpression' });
  }

  public asNumber(): number {
    return Token.asNumber(this);
  }

  public toString(): string {
    return this.asString();
  }
}

/** `{"Get": "Steps.<name>.<path>"}`: records a data dependency on the step. */
export class StepPropertyExpression extends DslExpression {
  constructor(public readonly step: IStepLike, public readonly path: string) {
    super();
  }

  public toExpressionJson(context: RenderContext): any {
    context.recordStep(this.step);
    return { Get: `Steps.${this.step.stepName}.${this.path}` };
  }
}

/** `{"Get": "Parameters.<name>"}`: records the parameter so the definition declares it. */
export class ParameterExpression extends DslExpression {
  constructor(public readonly parameter: IParameterLike) {
    super();
  }

  public toExpressionJson(context: RenderContext): any {
    context.recordParameter(this.parameter);
    return { Get: `Parameters.${this.parameter.name}` };
  }
}

/** `{"Get": "Execution.<name>"}`. */
export class ExecutionVariableExpression extends DslExpression {
  constructor(public readonly variableName: string) {
    super();
  }

  public toExpressionJson(_context: RenderContext): any {
    return { Get: `Execution.${this.variableName}` };
  }
}

/** `{"Std:Join": {"On": ..., "Values": [...]}}`. */
export class JoinExpression extends DslExpression {
  constructor(public readonly separator: string, public readonly values: any[]) {
    super();
  }

  public toExpressionJson(context: RenderContext): any {
    return { 'Std:Join': { On: this.separator, Values: this.values.map((v) => renderDslValue(v, context)) } };
  }
}

/**
 * A step nested in a Condition's branch: renders as the step's object, with the step as the current one while its
 * own values render, so that what it references is recorded against it (not against the Condition).
 */
export class NestedStepExpression extends DslExpression {
  constructor(public readonly step: IStepLike) {
    super();
  }

  public toExpressionJson(context: RenderContext): any {
    const outer = context.current;
    context.current = this.step;
    try {
      return renderDslValue(this.step.toStepJson(), context);
    } finally {
      context.current = outer;
    }
  }

  /** The JSON above is already rendered. */
  public renderIn(context: RenderContext): any {
    return this.toExpressionJson(context);
  }
}

/** Anything that renders to arbitrary JSON, walked like user input (used by JsonGet and property files). */
export class CallbackExpression extends DslExpression {
  constructor(private readonly render: (context: RenderContext) => any) {
    super();
  }

  public toExpressionJson(context: RenderContext): any {
    return this.render(context);
  }
}

/** Matches one CDK token inside a string, e.g. `${Token[TOKEN.8]}`. */
const TOKEN_IN_STRING = /\$\{Token\[[^\]]*\]\}/g;

/** Returns the DSL expression behind a token, if the value is (exactly) one. */
export function dslExpressionOf(value: unknown): DslExpression | undefined {
  if (value instanceof DslExpression) return value;
  if (typeof value === 'number' && Token.isUnresolved(value)) {
    const resolvable = Tokenization.reverseNumber(value);
    return resolvable instanceof DslExpression ? resolvable : undefined;
  }
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    const pieces = splitTokens(value);
    if (pieces.length === 1 && pieces[0] instanceof DslExpression) return pieces[0];
  }
  return undefined;
}

/**
 * The one walker: turns DSL tokens anywhere in `value` (strings, numbers, lists, objects) into the definition's
 * reference objects, records the steps and parameters they reference, and leaves everything else, including CDK
 * tokens such as role ARNs, untouched (they are resolved later by `Stack.toJsonString`). A string that mixes
 * literal text with DSL tokens becomes a `Std:Join` with an empty separator.
 */
export function renderDslValue(value: any, context: RenderContext): any {
  if (value === undefined || value === null) return value;
  if (value instanceof DslExpression) return value.renderIn(context);
  if (typeof value === 'number') {
    const expression = dslExpressionOf(value);
    return expression ? expression.renderIn(context) : value;
  }
  if (typeof value === 'string') {
    if (!Token.isUnresolved(value)) return value;
    const pieces = splitTokens(value);
    if (!pieces.some((p) => p instanceof DslExpression)) return value;
    if (pieces.length === 1) return (pieces[0] as DslExpression).renderIn(context);
    return {
      'Std:Join': {
        On: '',
        Values: pieces.map((p) => (p instanceof DslExpression ? p.renderIn(context) : p)),
      },
    };
  }
  if (Array.isArray(value)) return value.map((v) => renderDslValue(v, context));
  if (typeof value === 'object') {
    // Other resolvables (CDK intrinsics, Lazy values) are resolved by Stack.toJsonString later.
    if (Tokenization.isResolvable(value)) return value;
    const result: Record<string, any> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      result[key] = renderDslValue(item, context);
    }
    return result;
  }
  return value;
}

/** Splits a string into literal pieces, DSL expressions and other (CDK) token strings, in order. */
function splitTokens(value: string): Array<string | DslExpression> {
  const pieces: Array<string | DslExpression> = [];
  let last = 0;
  for (const match of value.matchAll(TOKEN_IN_STRING)) {
    const start = match.index ?? 0;
    if (start > last) pieces.push(value.slice(last, start));
    const resolvable = Tokenization.reverseString(match[0]).firstToken;
    pieces.push(resolvable instanceof DslExpression ? resolvable : match[0]);
    last = start + match[0].length;
  }
  if (last < value.length) pieces.push(value.slice(last));
  // Merge adjacent plain strings (literals next to CDK tokens) so Join values stay minimal.
  const merged: Array<string | DslExpression> = [];
  for (const piece of pieces) {
    const previous = merged[merged.length - 1];
    if (typeof piece === 'string' && typeof previous === 'string') merged[merged.length - 1] = previous + piece;
    else merged.push(piece);
  }
  return merged;
}
