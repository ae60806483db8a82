/**
 * Server-side rules SageMaker enforces that its service model (model/) does not carry. Each rule has a name (recorded
 * on the call it rejects, `CallRecord.rule`), the source it comes from, and one function here; README.md lists them.
 * The emulator must never be more lenient than SageMaker: where the sources disagree or say nothing, the rule takes
 * the stricter reading and says so.
 *
 * Pure functions over the request and the emulator's records: no HTTP, no clock.
 */
import { ApiError, conflictError, notFoundError, validationError } from './transport';
import { DefinitionGraph } from '../src/kernel/definition-graph';

/** One named rule and where it comes from. */
export interface ServerRule {
  readonly name: string;
  readonly source: string;
  readonly summary: string;
}

const rule = (name: string, source: string, summary: string): ServerRule => ({ name, source, summary });

const API_START = 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartPipelineExecution.html';
const API_SELECTIVE = 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SelectiveExecutionConfig.html';
const GUIDE_SELECTIVE = 'https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html';

/** Every server-side rule, by name. */
export const SERVER_RULES = {
  nonEmptyParameterValue: rule('non-empty-parameter-value',
    'https://github.com/aws/sagemaker-python-sdk/issues/4016 (the SDK\'s local mode copied the rule: https://github.com/aws/sagemaker-python-sdk/pull/4354)',
    'a PipelineParameters value may not be empty, although the model allows String1024 of length 0'),
  declaredParameterName: rule('declared-parameter-name',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Parameter.html ("This parameter name must match a named parameter in the pipeline definition")',
    'every PipelineParameters name is a parameter of the pipeline version being run'),
  uniqueParameterName: rule('unique-parameter-name',
    'API_Parameter.html (one value per named parameter); stricter reading, no source shows a duplicate accepted',
    'a parameter name appears at most once'),
  idempotentReplay: rule('idempotent-replay',
    `${API_START} ("An idempotent operation completes no more than once")`,
    'the same ClientRequestToken with the same request returns the first answer and starts nothing; with a different request it is a ConflictException (the error type is inferred: ConflictException is modeled for StartPipelineExecution)'),
  selectedStepsExist: rule('selected-steps-exist',
    `${API_SELECTIVE} (SelectedSteps: "A list of pipeline steps to run")`,
    'every selected step is a step of the pipeline version being run'),
  pathClosure: rule('selection-path-closure',
    `${API_SELECTIVE} ("All step(s) in all path(s) between two selected steps should be included"); ${GUIDE_SELECTIVE}`,
    'every step on a path between two selected steps is selected'),
  connectedSelection: rule('selection-connected',
    `${GUIDE_SELECTIVE} ("any subset of steps as long as they are connected in the directed acyclic graph")`,
    'the selected steps form one connected part of the DAG (switch: `selectionRule: \'connected\'`)'),
  sourceRequired: rule('source-required',
    `${API_SELECTIVE} (SourcePipelineExecutionArn "is required if the steps you specify ... depend on output collaterals from any non-specified pipeline steps"); error text from https://github.com/aws/sagemaker-python-sdk/issues/4444`,
    'without a source, no selected step may depend on a step that is not selected'),
  sourceSamePipeline: rule('source-same-pipeline',
    `${API_SELECTIVE} ("a reference execution of the current pipeline")`,
    'the source is an execution of the pipeline being started'),
  sourceStatus: rule('source-status',
    `${API_SELECTIVE} ("The execution status of the pipeline can be either Failed or Success"); ${GUIDE_SELECTIVE}`,
    'the source execution is Failed or Succeeded: Executing, Stopping and Stopped are rejected (the Python SDK docstring also names Stopped; the API reference does not, and the emulator is strict)'),
  sourceCollaterals: rule('source-collaterals',
    `${API_SELECTIVE} (the source is "Used to copy input collaterals needed for the selected steps to run"); inferred`,
    'every non-selected step a selected step depends on succeeded in the source'),
  stopOnlyRunning: rule('stop-only-running',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html; the error for a finished execution is inferred',
    'only an Executing (or already Stopping) execution can be stopped'),
} as const;

export type ServerRuleKey = keyof typeof SERVER_RULES;

/** How the emulator reads "which selections are valid" (see README.md, *Selective execution*). */
export type SelectionRule = 'paths-between' | 'connected';

/** Throws `error` as raised by rule `r` (the call record names the rule). */
function violate(r: ServerRule, error: ApiError): never {
  throw new ApiError(error.type, error.message, error.status, r.name);
}

/** `non-empty-parameter-value`, with the message SageMaker gives (sagemaker-python-sdk issue 4016). */
export function checkParameterValues(params: ReadonlyArray<{ Name: string; Value: string }>): void {
  for (const p of params) {
    if (p.Value === '') violate(SERVER_RULES.nonEmptyParameterValue, validationError('[string "" is too short (length: 0, required minimum: 1)]'));
  }
}

/** `declared-parameter-name` and `unique-parameter-name`. */
export function checkParameterNames(params: ReadonlyArray<{ Name: string }>, graph: DefinitionGraph, where: string): void {
  const declared = new Set(graph.parameters.map((p) => p.name));
  const undeclared = params.map((p) => p.Name).filter((n) => !declared.has(n));
  if (undeclared.length > 0) {
    violate(SERVER_RULES.declaredParameterName, validationError(
      `Pipeline parameter(s) [${undeclared.join(', ')}] are not defined in ${where}; defined: [${[...declared].join(', ')}].`));
  }
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.Name)) violate(SERVER_RULES.uniqueParameterName, validationError(`Pipeline parameter ${p.Name} is given more than once.`));
    seen.add(p.Name);
  }
}

/** `idempotent-replay`: the request a token was first used with must be the request it comes back with. */
export function checkReplay(token: string, firstRequest: string, request: string): void {
  if (firstRequest !== request) {
    violate(SERVER_RULES.idempotentReplay, conflictError(
      `ClientRequestToken ${token} was already used with a different request; use a new token for a new request.`));
  }
}

/** A canonical text of a request (keys sorted), to compare replays. */
export function canonicalRequest(request: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(request));
}

/**
 * The shape of the selection itself: `selected-steps-exist`, `selection-path-closure` and, with
 * `selectionRule: 'connected'`, `selection-connected`.
 */
export function checkSelection(graph: DefinitionGraph, names: readonly string[], where: string, selectionRule: SelectionRule): void {
  const unknown = names.filter((n) => !graph.steps.has(n));
  if (unknown.length > 0) {
    violate(SERVER_RULES.selectedStepsExist, validationError(`Selected step(s) [${unknown.join(', ')}] are not steps of ${where}.`));
  }
  const selected = new Set(names);
  // A step lies on a path between two selected steps iff it is a strict descendant of one and a strict ancestor of another.
  const below = reach(graph.successors, names);
  const above = reach(graph.predecessors, names);
  const gaps = [...below].filter((n) => above.has(n) && !selected.has(n)).sort();
  if (gaps.length > 0) {
    violate(SERVER_RULES.pathClosure, validationError(
      `All step(s) in all path(s) between two selected steps should be included. Missing: [${gaps.join(', ')}].`));
  }
  if (selectionRule === 'connected') {
    const parts = components(graph, selected);
    if (parts.length > 1) {
      violate(SERVER_RULES.connectedSelection, validationError(
        `The selected steps are not connected in the pipeline DAG: ${parts.map((p) => `[${p.join(', ')}]`).join(' and ')}.`));
    }
  }
}

/** The source execution, as far as the rules need it. */
export interface SourceView {
  readonly arn: string;
  readonly pipelineArn: string;
  readonly status: string;
  /** status of each step listed in the source */
  stepStatus(step: string): string | undefined;
}

/**
 * The source of a selective execution: `source-required`, `source-same-pipeline`, `source-status`,
 * `source-collaterals`. `findSource` resolves an ARN (undefined when unknown).
 */
export function checkSource(
  graph: DefinitionGraph,
  names: readonly string[],
  sourceArn: string | undefined,
  pipeline: { readonly name: string; readonly arn: string },
  findSource: (arn: string) => SourceView | undefined,
): void {
  const selected = new Set(names);
  const deps = new Map<string, string[]>();
  for (const n of names) {
    for (const pred of graph.predecessors.get(n) ?? []) {
      if (!selected.has(pred)) deps.set(n, [...(deps.get(n) ?? []), pred]);
    }
  }
  if (sourceArn === undefined || sourceArn === '') {
    if (deps.size > 0) {
      const steps = [...deps.keys()].sort();
      const on = [...new Set([...deps.values()].flat())].sort();
      violate(SERVER_RULES.sourceRequired, validationError(
        `Invalid SourcePipelineExecutionArn: null. The selected steps [${steps.join(', ')}] have dependencies on [${on.join(', ')}].`));
    }
    return;
  }
  const src = findSource(sourceArn);
  if (!src) throw notFoundError(`Pipeline execution ${sourceArn} does not exist.`);
  if (src.pipelineArn !== pipeline.arn) {
    violate(SERVER_RULES.sourceSamePipeline, validationError(`SourcePipelineExecutionArn ${sourceArn} is not an execution of pipeline ${pipeline.name}.`));
  }
  if (src.status !== 'Failed' && src.status !== 'Succeeded') {
    violate(SERVER_RULES.sourceStatus, validationError(
      `The source pipeline execution ${sourceArn} is ${src.status}; it must be Failed or Succeeded.`));
  }
  const missing = new Map<string, string[]>();
  for (const [step, preds] of deps) {
    for (const pred of preds) {
      if (src.stepStatus(pred) !== 'Succeeded') missing.set(step, [...(missing.get(step) ?? []), pred]);
    }
  }
  if (missing.size > 0) {
    const steps = [...missing.keys()].sort();
    const on = [...new Set([...missing.values()].flat())].sort();
    violate(SERVER_RULES.sourceCollaterals, validationError(
      `The selected steps [${steps.join(', ')}] have dependencies on [${on.join(', ')}], which did not succeed in the source execution ${sourceArn}.`));
  }
}

/** `stop-only-running`. */
export function checkStoppable(arn: string, status: string): void {
  if (status !== 'Executing' && status !== 'Stopping') {
    violate(SERVER_RULES.stopOnlyRunning, validationError(`Pipeline execution ${arn} is ${status}; only an executing pipeline execution can be stopped.`));
  }
}

function reach(edges: ReadonlyMap<string, ReadonlySet<string>>, from: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const f of from) for (const n of edges.get(f) ?? []) stack.push(n);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const m of edges.get(n) ?? []) stack.push(m);
  }
  return seen;
}

/** The connected components of the selected steps, edges taken in either direction, each sorted. */
function components(graph: DefinitionGraph, selected: ReadonlySet<string>): string[][] {
  const seen = new Set<string>();
  const parts: string[][] = [];
  for (const start of [...selected].sort()) {
    if (seen.has(start)) continue;
    const part: string[] = [];
    const stack = [start];
    seen.add(start);
    while (stack.length > 0) {
      const n = stack.pop()!;
      part.push(n);
      for (const m of [...(graph.successors.get(n) ?? []), ...(graph.predecessors.get(n) ?? [])]) {
        if (selected.has(m) && !seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    parts.push(part.sort());
  }
  return parts;
}
