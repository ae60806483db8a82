/**
 * The one model of a SageMaker pipeline definition (`"Version": "2020-12-01"` JSON): its steps (nested Condition
 * branch steps included, at any depth), every `{"Get": ...}` reference with where it sits, the parameters, and the
 * dependency edges.
 *
 * A definition is parsed once, here, and everything else asks the model: the constructs' synth-time checks and
 * warnings, the pipeline role's permissions, the remediation planner, the handler and the CLI. Pure and
 * dependency-free on purpose (lint-enforced: no aws-cdk-lib, no constructs), so the remediation Lambda bundles the
 * very same code and what is validated at synth is exactly what is planned at run time.
 *
 * What belongs to a step: its whole object, except `DependsOn` (edges of their own) and, for a Condition step, the
 * steps of its `IfSteps`/`ElseSteps` (nodes of their own). References outside every step (e.g. the
 * `PipelineExperimentConfig`) belong to no step.
 *
 * Edge rules: U -> V when V's `DependsOn` names U; when a `{"Get": "Steps.U..."}` belongs to V (this includes a
 * property file read with `Std:JsonGet`); or when V is a direct member of Condition U's `IfSteps`/`ElseSteps`.
 * `Parameters.*` and `Execution.*` references make no edge. A reference to a step the definition does not have is a
 * problem (`Pipeline.UnknownStepReference`), not an edge.
 *
 * Reference syntax: https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-propertyfile.html and
 * https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps.html (data dependencies, custom
 * dependencies, Condition branches).
 */
import { DefinitionProblem } from './problems';

/** Which branch of a Condition step a nested step belongs to. */
export type ConditionBranch = 'IfSteps' | 'ElseSteps';

/** A path inside a JSON value: object keys and list indices. */
export type JsonPath = ReadonlyArray<string | number>;

/** One step of a definition, wherever it is nested. */
export interface DefinitionStep {
  /** The step's `Name`. */
  readonly name: string;
  /** The step's `Type` (e.g. `Processing`, `Condition`, `Fail`). */
  readonly type: string;
  /** The step object exactly as it appears in the definition. */
  readonly json: Record<string, unknown>;
  /** Where the step object sits in the definition, e.g. `Steps[2].Arguments.IfSteps[0]`. */
  readonly location: string;
  /** The Condition step that lists this step directly in one of its branches, if any. */
  readonly parent?: { readonly condition: string; readonly branch: ConditionBranch };
}

/** The namespace of a `Get` expression: the part before the first dot. */
export type ReferenceNamespace = 'Steps' | 'Parameters' | 'Execution' | 'Other';

/** The function a `Get` is an argument of, if any (the innermost one). */
export type ReferenceContext = 'Std:Join' | 'Std:JsonGet';

/** One `{"Get": "..."}` of the definition, recorded once. */
export interface DefinitionReference {
  /** The expression, e.g. `Steps.Train.ModelArtifacts.S3ModelArtifacts`. */
  readonly expression: string;
  /** `Steps`, `Parameters`, `Execution`, or `Other` for anything else. */
  readonly namespace: ReferenceNamespace;
  /** The step, parameter or execution variable named after the namespace (`Train`); `''` when there is none. */
  readonly name: string;
  /**
   * The function the reference is an argument of: `Std:Join` (a value built from parts) or `Std:JsonGet` (a value
   * read from a JSON file; a `Steps.X.PropertyFiles.Y` reference there reads X's property file). Undefined when the
   * `Get` is a value by itself.
   */
  readonly within?: ReferenceContext;
  /** The step the reference belongs to; undefined for references outside every step (`PipelineExperimentConfig`). */
  readonly step?: string;
  /** Where the `{"Get": ...}` object sits: inside its step's object, or inside the definition when `step` is undefined. */
  readonly path: JsonPath;
}

/** A parameter declared by the definition. */
export interface DefinitionParameter {
  readonly name: string;
  readonly type: string;
  readonly defaultValue?: unknown;
}

/** The parsed definition. Maps and lists follow definition order (parents before their nested branch steps). */
export interface DefinitionModel {
  readonly steps: ReadonlyMap<string, DefinitionStep>;
  /** upstream -> the steps that depend on it */
  readonly successors: ReadonlyMap<string, ReadonlySet<string>>;
  /** downstream -> the steps it depends on */
  readonly predecessors: ReadonlyMap<string, ReadonlySet<string>>;
  readonly parameters: readonly DefinitionParameter[];
  /** Every `Get` of the definition, in document order (each step's in turn, then those outside steps). */
  readonly references: readonly DefinitionReference[];
  /** Problems that do not make the definition unusable (references to missing steps); they make no edge. */
  readonly problems: readonly DefinitionProblem[];
}

/** Thrown when a definition cannot be modelled at all (not JSON, no steps list, duplicate names, ...). */
export class InvalidDefinitionError extends Error {
  /** Where in the definition, e.g. `Steps[3].Name`; `''` for the definition as a whole. */
  public readonly path: string;

  constructor(message: string, path = '') {
    super(message);
    this.name = 'InvalidDefinitionError';
    this.path = path;
  }
}

/**
 * Parses a definition (a JSON string or the parsed object) into its model.
 *
 * @throws InvalidDefinitionError when the definition is not a usable pipeline definition.
 */
export function parseDefinition(definition: unknown): DefinitionModel {
  const root = typeof definition === 'string' ? parseJson(definition) : definition;
  if (!isObject(root)) {
    throw new InvalidDefinitionError(`A pipeline definition must be a JSON object; received ${describe(root)}.`);
  }
  if (!Array.isArray(root.Steps)) {
    throw new InvalidDefinitionError(`A pipeline definition must have a "Steps" array; received ${describe(root.Steps)}.`, 'Steps');
  }

  const steps = collectSteps(root.Steps);
  const references: DefinitionReference[] = [];
  const successors = new Map<string, Set<string>>();
  const predecessors = new Map<string, Set<string>>();
  for (const name of steps.keys()) {
    successors.set(name, new Set());
    predecessors.set(name, new Set());
  }
  const problems: DefinitionProblem[] = [];
  const reported = new Set<string>();
  const addEdge = (from: string, to: string, how: string, path: string) => {
    if (!steps.has(from)) {
      // One problem per missing step and referring step, however often it is named there.
      const key = JSON.stringify([to, from]);
      if (reported.has(key)) return;
      reported.add(key);
      problems.push({
        code: 'Pipeline.UnknownStepReference',
        message: `Step "${to}" ${how} "${from}", which is not a step of this pipeline.`,
        path,
      });
      return;
    }
    successors.get(from)!.add(to);
    predecessors.get(to)!.add(from);
  };

  for (const step of steps.values()) {
    dependsOnOf(step).forEach((upstream, i) => addEdge(upstream, step.name, 'depends on (DependsOn)', `${step.location}.DependsOn[${i}]`));
    const own = referencesIn(ownValues(step), step.name);
    references.push(...own);
    for (const reference of own) {
      if (reference.namespace === 'Steps') {
        addEdge(reference.name, step.name, 'references (Get: Steps.…)', `${step.location}${formatJsonPath(reference.path)}`);
      }
    }
    if (step.parent) addEdge(step.parent.condition, step.name, 'is a branch step of Condition', step.location);
  }
  const { Steps: _steps, ...outsideSteps } = root;
  references.push(...referencesIn(outsideSteps, undefined));

  return { steps, successors, predecessors, parameters: parametersOf(root.Parameters), references, problems };
}

/** `['Arguments', 'Outputs', 0, 'Std:Join']` -> `.Arguments.Outputs[0]['Std:Join']` (appendable to a location). */
export function formatJsonPath(path: JsonPath): string {
  return path.map((segment) => {
    if (typeof segment === 'number') return `[${segment}]`;
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }).join('');
}

function collectSteps(list: unknown[]): Map<string, DefinitionStep> {
  // Depth-first, in definition order (a Condition, then its IfSteps, then its ElseSteps, then the next step), with an
  // explicit stack: a definition may nest Conditions thousands deep and still be well under the 1 MB size limit.
  type Pending = { kind: 'step'; candidate: unknown; at: string; parent: DefinitionStep['parent'] }
  | { kind: 'branch'; condition: string; branch: ConditionBranch; members: unknown; at: string };
  const into = new Map<string, DefinitionStep>();
  const pending: Pending[] = [];
  const pushList = (items: unknown[], at: string, owner: DefinitionStep['parent']) => {
    for (let index = items.length - 1; index >= 0; index--) {
      pending.push({ kind: 'step', candidate: items[index], at: `${at}[${index}]`, parent: owner });
    }
  };
  pushList(list, 'Steps', undefined);
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (item.kind === 'branch') {
      if (item.members === undefined) continue;
      if (!Array.isArray(item.members)) {
        throw new InvalidDefinitionError(`${item.at} of Condition "${item.condition}" must be an array; received ${describe(item.members)}.`, item.at);
      }
      pushList(item.members, item.at, { condition: item.condition, branch: item.branch });
      continue;
    }
    const { candidate, at } = item;
    if (!isObject(candidate)) throw new InvalidDefinitionError(`${at} must be a step object; received ${describe(candidate)}.`, at);
    const name = candidate.Name;
    const type = candidate.Type;
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidDefinitionError(`${at}.Name must be a non-empty string; received ${describe(name)}.`, `${at}.Name`);
    }
    if (typeof type !== 'string' || type.length === 0) {
      throw new InvalidDefinitionError(`${at}.Type of step "${name}" must be a non-empty string; received ${describe(type)}.`, `${at}.Type`);
    }
    if (into.has(name)) {
      throw new InvalidDefinitionError(`Step name "${name}" is used more than once (again at ${at}); step names must be unique.`, `${at}.Name`);
    }
    into.set(name, { name, type, json: candidate, location: at, parent: item.parent });
    if (type === 'Condition') {
      const args = isObject(candidate.Arguments) ? candidate.Arguments : {};
      // Pushed in reverse so that IfSteps are collected (in full) before ElseSteps.
      for (const branch of ['ElseSteps', 'IfSteps'] as const) {
        pending.push({ kind: 'branch', condition: name, branch, members: args[branch], at: `${at}.Arguments.${branch}` });
      }
    }
  }
  return into;
}

/** The step's own values: its object without `DependsOn` and, for a Condition, without its branch steps. */
function ownValues(step: DefinitionStep): Record<string, unknown> {
  const { DependsOn: _dependsOn, ...own } = step.json;
  if (step.type === 'Condition' && isObject(own.Arguments)) {
    const { IfSteps: _if, ElseSteps: _else, ...args } = own.Arguments;
    own.Arguments = args;
  }
  return own;
}

function dependsOnOf(step: DefinitionStep): string[] {
  const dependsOn = step.json.DependsOn;
  if (dependsOn === undefined || dependsOn === null) return [];
  if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
    throw new InvalidDefinitionError(`DependsOn of step "${step.name}" must be an array of step names; received ${describe(dependsOn)}.`,
      `${step.location}.DependsOn`);
  }
  return dependsOn as string[];
}

/** Every `Get` inside `root`, in document order, with its path relative to `root`. */
function referencesIn(root: unknown, step: string | undefined): DefinitionReference[] {
  const found: DefinitionReference[] = [];
  // An explicit stack rather than recursion (arguments may nest arbitrarily deep); children are pushed in reverse so
  // that references are found in document order. Paths are linked to their parent and only spelled out for a `Get`.
  type PathNode = { readonly segment: string | number; readonly parent?: PathNode };
  type Pending = { value: unknown; at?: PathNode; within?: ReferenceContext };
  const spell = (node: PathNode | undefined): JsonPath => {
    const path: Array<string | number> = [];
    for (let n = node; n; n = n.parent) path.push(n.segment);
    return path.reverse();
  };
  const pending: Pending[] = [{ value: root }];
  while (pending.length > 0) {
    const { value, at, within } = pending.pop()!;
    const children: Pending[] = [];
    if (Array.isArray(value)) {
      value.forEach((item, index) => children.push({ value: item, at: { segment: index, parent: at }, within }));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'Get' && typeof item === 'string') {
          found.push({ ...describeGet(item), ...(within ? { within } : {}), ...(step !== undefined ? { step } : {}), path: spell(at) });
        } else {
          const context = key === 'Std:Join' || key === 'Std:JsonGet' ? key : within;
          children.push({ value: item, at: { segment: key, parent: at }, within: context });
        }
      }
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return found;
}

function describeGet(expression: string): Pick<DefinitionReference, 'expression' | 'namespace' | 'name'> {
  const match = /^(Steps|Parameters|Execution)\.([^.[\]]+)/.exec(expression);
  if (!match) return { expression, namespace: 'Other', name: '' };
  return { expression, namespace: match[1] as ReferenceNamespace, name: match[2] };
}

function parametersOf(value: unknown): DefinitionParameter[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((p) => ({
    name: String(p.Name),
    type: String(p.Type ?? 'String'),
    ...('DefaultValue' in p ? { defaultValue: p.DefaultValue } : {}),
  }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidDefinitionError(`The pipeline definition is not valid JSON: ${(e as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Circular (or otherwise unserializable) objects handed in by a caller must not turn an error message into a crash.
    return 'an object that cannot be shown as JSON';
  }
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
