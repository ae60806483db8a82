/**
 * The lineage of a healed run, for `cdk-sagemaker-pipelines history EXECUTION_ARN`: the run a person started and
 * every selective retry after it, each with its status, selected steps, failure classes, the step time it reused and
 * who started it. Read from SageMaker only, with real API calls and fields:
 *
 * 1. DescribePipelineExecution of the given execution: its retry marker (lambda/lineage.ts) names the root of its
 *    chain, so an execution in the middle of a chain shows the whole chain;
 * 2. ListPipelineExecutions of the pipeline, created since the root, oldest first (bounded): the summaries carry each
 *    execution's description, hence its marker, so the chain's members are found without describing every run;
 * 3. DescribePipelineExecution and ListPipelineExecutionSteps of each member, in parallel: selected steps, who
 *    started it (`CreatedBy`, when SageMaker records it), failed steps, and the step times a retry's savings are
 *    computed from (lambda/savings.ts, the handler's code path).
 */
import {
  DescribePipelineExecutionCommand,
  DescribePipelineExecutionCommandOutput,
  ListPipelineExecutionsCommand,
  PipelineExecutionStep,
  PipelineExecutionSummary,
  SageMakerClient,
  paginateListPipelineExecutionSteps,
} from '@aws-sdk/client-sagemaker';
import { FailureClass, classifyFailureReason } from './failure-classification';
import { executionId, retryMarkerOf } from './lineage';
import { RetrySavings, retrySavings } from './savings';

/** ListPipelineExecutions pages read at most (100 executions each) when looking for a chain's retries. */
export const MAX_LISTED_PAGES = 10;
/** HistoryMembers of one chain shown at most (the retry budget is at most 10). */
export const MAX_CHAIN_MEMBERS = 25;

/** A failed step of an execution in the history. */
export interface HistoryFailedStep {
  readonly stepName: string;
  readonly status: string;
  /** Classified from the step's own reason (the handler may also have read the reason of the job behind it). */
  readonly failureClass: FailureClass;
  readonly failureReason?: string;
}

/** One execution of the chain. */
export interface HistoryNode {
  readonly executionArn: string;
  readonly displayName?: string;
  readonly status?: string;
  /** ISO 8601. */
  readonly createdAt?: string;
  /** 0 for the run a person started, n for the n-th selective retry. */
  readonly attempt: number;
  /** Who started it, in words: the retry marker, and SageMaker's `CreatedBy` when it records one. */
  readonly startedBy: string;
  /** The failed execution this retry heals. */
  readonly sourceExecutionArn?: string;
  /** The steps a selective execution ran (`SelectiveExecutionConfig.SelectedSteps`). */
  readonly selectedSteps?: string[];
  readonly failedSteps: HistoryFailedStep[];
  /** What this retry reused from its source, from the source's step list (as the handler computed it). */
  readonly savings?: RetrySavings;
  /** The retries of this execution. */
  readonly retries: HistoryNode[];
}

/** The history of one chain. */
export interface ExecutionHistory {
  /** The execution asked about. */
  readonly executionArn: string;
  readonly rootExecutionArn: string;
  readonly pipelineArn: string;
  readonly root: HistoryNode;
  readonly totals: { readonly retries: number; readonly stepsReused: number; readonly stepSecondsReused: number };
  /** What could not be read or shown. */
  readonly warnings: string[];
}

/** Thrown when the execution asked about does not exist (or is not visible to the caller). */
export class ExecutionNotFoundError extends Error {}

/** One execution of the chain, as read. */
export interface HistoryMember {
  readonly arn: string;
  readonly description: DescribePipelineExecutionCommandOutput;
  readonly steps: PipelineExecutionStep[];
}

/** Reads the chain of `executionArn` from SageMaker. */
export async function readHistory(client: SageMakerClient, executionArn: string): Promise<ExecutionHistory> {
  const warnings: string[] = [];
  const asked = await describe(client, executionArn);
  if (!asked) throw new ExecutionNotFoundError(`Pipeline execution ${executionArn} was not found (check the ARN, and the region and account of your credentials).`);
  const pipelineArn = asked.PipelineArn ?? executionArn.replace(/\/execution\/[^/]+$/, '');
  const marker = retryMarkerOf(asked.PipelineExecutionDescription);
  const rootArn = marker?.rootExecutionArn ?? asked.PipelineExecutionArn ?? executionArn;

  const root = sameArn(rootArn, executionArn) ? asked : await describe(client, rootArn);
  if (!root) warnings.push(`The root execution ${rootArn} named by the retry marker was not found; the chain is shown from what remains.`);
  // Without the root's creation time, every execution from the oldest (bounded).
  const summaries = await listSince(client, pipelineArn, root?.CreationTime, warnings);
  const retryArns = summaries
    .filter((s) => s.PipelineExecutionArn && sameArn(retryMarkerOf(s.PipelineExecutionDescription)?.rootExecutionArn ?? '', rootArn))
    .map((s) => s.PipelineExecutionArn!);
  if (marker && !retryArns.some((arn) => sameArn(arn, executionArn))) retryArns.push(asked.PipelineExecutionArn ?? executionArn);
  if (retryArns.length + 1 > MAX_CHAIN_MEMBERS) {
    warnings.push(`The chain has ${retryArns.length} retries; only the first ${MAX_CHAIN_MEMBERS - 1} are shown.`);
    retryArns.splice(MAX_CHAIN_MEMBERS - 1);
  }

  const members = (await Promise.all([...(root ? [rootArn] : []), ...retryArns].map(async (arn): Promise<HistoryMember | undefined> => {
    const [description, steps] = await Promise.all([
      sameArn(arn, executionArn) ? asked : sameArn(arn, rootArn) && root ? root : describe(client, arn),
      listSteps(client, arn),
    ]);
    return description ? { arn: description.PipelineExecutionArn ?? arn, description, steps } : undefined;
  }))).filter((m): m is HistoryMember => m !== undefined);
  return buildHistory(executionArn, rootArn, pipelineArn, members, warnings);
}

/** Links the members into a tree (each retry under its source) and sums what the retries reused. Pure. */
export function buildHistory(
  executionArn: string, rootArn: string, pipelineArn: string, members: readonly HistoryMember[], warnings: string[],
): ExecutionHistory {
  const byArn = new Map(members.map((m) => [m.arn.toLowerCase(), m]));
  // Without its root, the chain starts at its first retry.
  const top = byArn.get(rootArn.toLowerCase()) ?? [...members].sort((a, b) => attemptOf(a) - attemptOf(b))[0];
  if (!top) throw new ExecutionNotFoundError(`No execution of the chain of ${executionArn} could be read.`);
  const children = new Map<string, HistoryMember[]>();
  for (const member of members) {
    const marker = retryMarkerOf(member.description.PipelineExecutionDescription);
    if (!marker) continue;
    // Anyone who may start executions can write a description: a marker is believed only with the selective
    // execution SageMaker itself records.
    const ranFrom = member.description.SelectiveExecutionConfig?.SourcePipelineExecutionArn;
    if (!ranFrom || (marker.sourceExecutionArn && !sameArn(ranFrom, marker.sourceExecutionArn))) {
      warnings.push(`Execution ${executionId(member.arn)} carries a retry marker, but SageMaker records it as `
        + `${ranFrom ? `a selective execution of ${executionId(ranFrom)}, not of ${executionId(marker.sourceExecutionArn!)}` : 'no selective execution'}.`);
    }
    if (member === top) continue;
    let parent = marker.sourceExecutionArn?.toLowerCase();
    if (!parent || !byArn.has(parent)) {
      warnings.push(`The source of retry ${executionId(member.arn)} is ${marker.sourceExecutionArn ? 'not among the executions read' : 'not recorded'}; it is shown under ${executionId(top.arn)}.`);
      parent = top.arn.toLowerCase();
    }
    children.set(parent, [...(children.get(parent) ?? []), member]);
  }
  const totals = { retries: 0, stepsReused: 0, stepSecondsReused: 0 };
  const node = (member: HistoryMember, seen: Set<string>): HistoryNode => {
    seen.add(member.arn.toLowerCase());
    const d = member.description;
    const selectedSteps = d.SelectiveExecutionConfig?.SelectedSteps?.map((s) => s.StepName ?? '');
    // The source SageMaker ran the retry against (not the tree parent, which may be a fallback).
    const sourceArn = d.SelectiveExecutionConfig?.SourcePipelineExecutionArn;
    const source = sourceArn ? byArn.get(sourceArn.toLowerCase()) : undefined;
    const savings = source && selectedSteps ? retrySavings(source.steps, selectedSteps) : undefined;
    if (attemptOf(member) > 0) {
      totals.retries++;
      totals.stepsReused += savings?.reusedSteps.length ?? 0;
      totals.stepSecondsReused += savings?.stepSecondsReused ?? 0;
    }
    const next = (children.get(member.arn.toLowerCase()) ?? []).filter((c) => !seen.has(c.arn.toLowerCase()));
    return {
      executionArn: member.arn,
      ...(d.PipelineExecutionDisplayName ? { displayName: d.PipelineExecutionDisplayName } : {}),
      ...(d.PipelineExecutionStatus ? { status: d.PipelineExecutionStatus } : {}),
      ...(d.CreationTime ? { createdAt: new Date(d.CreationTime).toISOString() } : {}),
      attempt: attemptOf(member),
      startedBy: startedBy(d),
      ...(sourceArn ? { sourceExecutionArn: sourceArn } : {}),
      ...(selectedSteps ? { selectedSteps } : {}),
      failedSteps: failedStepsOf(member.steps),
      ...(savings ? { savings } : {}),
      retries: next.sort((a, b) => attemptOf(a) - attemptOf(b)).map((c) => node(c, seen)),
    };
  };
  return { executionArn, rootExecutionArn: rootArn, pipelineArn, root: node(top, new Set()), totals, warnings };
}

/** Who started an execution, from its retry marker and SageMaker's `CreatedBy` (API_UserContext). */
function startedBy(d: DescribePipelineExecutionCommandOutput): string {
  const marker = retryMarkerOf(d.PipelineExecutionDescription);
  const who = d.CreatedBy?.IamIdentity?.Arn ?? d.CreatedBy?.UserProfileName;
  if (marker) return `cdk-sagemaker-pipelines selective retry ${marker.attempt}${who ? ` (as ${who})` : ''}`;
  return who ?? 'a person or another tool (no retry marker; SageMaker recorded no CreatedBy)';
}

function attemptOf(member: HistoryMember): number {
  return retryMarkerOf(member.description.PipelineExecutionDescription)?.attempt ?? 0;
}

function failedStepsOf(steps: readonly PipelineExecutionStep[]): HistoryFailedStep[] {
  return steps
    .filter((s) => s.StepName && (s.StepStatus === 'Failed' || s.StepStatus === 'Stopped'))
    .map((s) => ({
      stepName: s.StepName!,
      status: s.StepStatus!,
      failureClass: classifyFailureReason(s.FailureReason),
      ...(s.FailureReason ? { failureReason: s.FailureReason } : {}),
    }));
}

async function describe(client: SageMakerClient, arn: string): Promise<DescribePipelineExecutionCommandOutput | undefined> {
  try {
    return await client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** SageMaker's ResourceNotFound, or a ValidationException that says the execution does not exist. */
function isNotFound(error: unknown): boolean {
  const { name, message } = error as Error;
  return name === 'ResourceNotFound' || (name === 'ValidationException' && /does not exist|not found/i.test(message ?? ''));
}

async function listSteps(client: SageMakerClient, arn: string): Promise<PipelineExecutionStep[]> {
  const steps: PipelineExecutionStep[] = [];
  for await (const page of paginateListPipelineExecutionSteps({ client, pageSize: 100 }, { PipelineExecutionArn: arn })) {
    steps.push(...(page.PipelineExecutionSteps ?? []));
  }
  return steps;
}

/** The pipeline's executions created since `since` (one second earlier, for rounding), oldest first, bounded. */
async function listSince(
  client: SageMakerClient, pipelineArn: string, since: Date | undefined, warnings: string[],
): Promise<PipelineExecutionSummary[]> {
  const all: PipelineExecutionSummary[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_LISTED_PAGES; page++) {
    const response = await client.send(new ListPipelineExecutionsCommand({
      PipelineName: pipelineArn,
      ...(since ? { CreatedAfter: new Date(new Date(since).getTime() - 1000) } : {}),
      SortBy: 'CreationTime',
      SortOrder: 'Ascending',
      MaxResults: 100,
      ...(token ? { NextToken: token } : {}),
    }));
    all.push(...(response.PipelineExecutionSummaries ?? []));
    token = response.NextToken;
    if (!token) return all;
  }
  warnings.push(`Read the first ${all.length} executions created since the root; retries started after them are not shown.`);
  return all;
}

/** SageMaker's ARN casing varies (pipeline names may be lower-cased): compare without case. */
function sameArn(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The history as a tree for people. */
export function formatHistory(history: ExecutionHistory): string {
  const lines: string[] = [];
  const pipeline = history.pipelineArn.slice(history.pipelineArn.lastIndexOf('/') + 1);
  lines.push(`Pipeline ${pipeline}: ${history.totals.retries} selective retr${history.totals.retries === 1 ? 'y' : 'ies'}, `
    + `${formatSeconds(history.totals.stepSecondsReused)} of step time reused (${history.totals.stepsReused} step run${history.totals.stepsReused === 1 ? '' : 's'} not repeated)`);
  const walk = (node: HistoryNode, indent: string, branch: string, last: boolean) => {
    const here = sameArn(node.executionArn, history.executionArn) ? '   <- asked about' : '';
    const title = node.attempt === 0 ? 'run' : `retry ${node.attempt}`;
    lines.push(`${indent}${branch}${title} ${executionId(node.executionArn)}  ${node.status ?? 'Unknown'}`
      + `${node.displayName ? `  "${node.displayName}"` : ''}${node.createdAt ? `  ${node.createdAt}` : ''}${here}`);
    const body = indent + (branch === '' ? '' : last ? '    ' : '│   ');
    const bar = node.retries.length > 0 ? '│ ' : '  ';
    lines.push(`${body}${bar} started by  ${node.startedBy}`);
    if (node.selectedSteps) lines.push(`${body}${bar} selected    ${node.selectedSteps.join(', ')}`);
    if (node.savings) {
      const s = node.savings;
      lines.push(`${body}${bar} reused      ${s.reusedSteps.length ? s.reusedSteps.join(', ') : 'none'}: `
        + `${formatSeconds(s.stepSecondsReused)} of step time (${Math.round(s.shareOfRunStepTime * 100)}% of the source run's)`
        + `${s.carriedOverSteps.length ? `; carried over: ${s.carriedOverSteps.join(', ')}` : ''}`);
    }
    for (const f of node.failedSteps) {
      lines.push(`${body}${bar} ${f.status.toLowerCase().padEnd(11)} ${f.stepName} [${f.failureClass}]${f.failureReason ? ` ${f.failureReason}` : ''}`);
    }
    node.retries.forEach((child, i) => walk(child, body, i === node.retries.length - 1 ? '└── ' : '├── ', i === node.retries.length - 1));
  };
  walk(history.root, '', '', true);
  for (const warning of history.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** `1h 02m 03s`, `4m 05s`, `6s`. */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}
