/**
 * Runs one pipeline execution's DAG on the emulator's virtual clock.
 *
 * The graph comes from the project's own `parseDefinition` (src/kernel/definition-graph.ts), so the emulator and the
 * planner agree on what depends on what. Behaviour and where it comes from:
 * - a step starts when every step it depends on succeeded (or was reused); a Condition's branch steps start only in the
 *   branch it took, recorded as `Metadata.Condition.Outcome` "True"/"False" (JS SDK `ConditionStepMetadata`; steps
 *   of the other branch never run and are not listed — inferred, see README.md *Assumptions*);
 * - at most `ParallelismConfiguration.MaxParallelExecutionSteps` steps run at once (API_ParallelismConfiguration;
 *   "two executions ... can each run a maximum of 50 steps concurrently", build-and-manage-pipeline.html);
 * - when a step fails, steps already running finish, no new step starts and the execution becomes `Failed`
 *   (UNCONFIRMED in AWS docs; the emulator's documented assumption, README.md);
 * - a `Fail` step fails with its evaluated `ErrorMessage` as the *step's* `FailureReason` (absent when the message is
 *   empty) and in `Metadata.Fail.ErrorMessage`; the execution's `FailureReason` is `Step failure: One or multiple steps
 *   failed.` whatever failed (SDK-v2 integ tests `tests/integ/sagemaker/workflow/test_fail_steps.py` assert exactly
 *   this against real SageMaker; `describe-pipeline-execution` outputs quoted in public repos show the same text);
 * - StopPipelineExecution: the execution becomes `Stopping`, no new step starts, running job steps become `Stopping`
 *   then `Stopped` (their jobs `Stopped`); a running Lambda step runs to its end and a running Callback step waits for
 *   its answer; the execution then ends `Stopped`, or `Failed` when such a step failed (Lambda timeout, callback
 *   failure) (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html);
 * - step caching: a step with `CacheConfig.Enabled` whose type supports caching and whose evaluated arguments equal
 *   those of an earlier successful run of the same step of the same pipeline (within `ExpireAfter`) does not run: it
 *   succeeds at once with `CacheHitResult.SourcePipelineExecutionArn` and the earlier run's metadata and outputs
 *   (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-caching.html);
 * - in a selective execution, non-selected steps are not run: they are listed with
 *   `SelectiveExecutionResult.SourcePipelineExecutionArn` and reuse the source's outputs, and non-selected steps
 *   downstream of selected steps do not run (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html;
 *   SDK-v2 `tests/integ/sagemaker/workflow/helpers.py` asserts the `SelectiveExecutionResult` of non-selected steps);
 * - Processing/Training/Transform steps create a job whose ARN is in the step's `Metadata` (`ProcessingJob.Arn`, ...)
 *   and whose `FailureReason` is the step's (JS SDK `PipelineExecutionStepMetadata`, `DescribeProcessingJobResponse`).
 */
import { StepOutputs } from './faults';
import { DefinitionGraph, downstreamClosure, topologicalOrder } from '../src/kernel/definition-graph';

export type ExecutionStatus = 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded';
export type StepStatus = 'Starting' | 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded';

/** One entry of `ListPipelineExecutionSteps` (API shape, PascalCase). */
export interface StepRecord {
  StepName: string;
  StepType: string;
  StepDisplayName?: string;
  StepDescription?: string;
  StartTime: number;
  EndTime?: number;
  StepStatus: StepStatus;
  FailureReason?: string;
  Metadata: Record<string, unknown>;
  AttemptCount: number;
  SelectiveExecutionResult?: { SourcePipelineExecutionArn: string };
  CacheHitResult?: { SourcePipelineExecutionArn: string };
  /** emulator bookkeeping: the step's evaluated cache key when it has CacheConfig enabled */
  cacheKey?: string;
  /** emulator bookkeeping: creation order (listing is newest first) */
  seq: number;
  /** emulator bookkeeping: what the step produced (reused by selective executions) */
  outputs: StepOutputs;
  /** emulator bookkeeping: which run of this step in the pipeline this was (1-based); 0 for reused steps */
  attempt: number;
  /** emulator bookkeeping: the execution that actually ran the step (differs from the owner for reused steps) */
  ranIn: string;
  /**
   * emulator bookkeeping: a Condition's outcome ("True"/"False"), kept even when its listed `Metadata` leaves it out
   * (a reused Condition under `reusedConditionOutcome: 'omitted'`): the execution still follows it
   */
  conditionOutcome?: string;
}

export type JobKind = 'ProcessingJob' | 'TrainingJob' | 'TransformJob';

/** The execution's `FailureReason` whenever steps failed (see the file comment for the source). */
export const STEP_FAILURE_REASON = 'Step failure: One or multiple steps failed.';

/** Step types SageMaker can cache (pipelines-caching.html, "Supported step types"). */
const CACHEABLE_TYPES = new Set(['Processing', 'Training', 'Tuning', 'Transform', 'AutoML', 'ClarifyCheck', 'QualityCheck', 'EMR']);

export interface JobRecord {
  kind: JobKind;
  name: string;
  arn: string;
  status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  failureReason?: string;
  instanceType?: string;
  instanceCount: number;
  createdAt: number;
  startedAt: number;
  endedAt?: number;
  executionArn: string;
  stepName: string;
}

export interface ExecutionRecord {
  arn: string;
  id: string;
  pipelineName: string;
  pipelineArn: string;
  versionId: number;
  definition: string;
  definitionCreatedAt: number;
  graph: DefinitionGraph;
  status: ExecutionStatus;
  displayName?: string;
  description?: string;
  mlflowExperimentName?: string;
  failureReason?: string;
  parameters: Array<{ Name: string; Value: string }>;
  parallelism?: { MaxParallelExecutionSteps: number };
  selective?: { SourcePipelineExecutionArn?: string; SelectedSteps: Array<{ StepName: string }> };
  clientRequestToken: string;
  createdAt: number;
  lastModifiedAt: number;
  endedAt?: number;
  steps: Map<string, StepRecord>;
}

/** What the runner needs from the emulator around it. */
export interface RunnerHost {
  readonly region: string;
  readonly account: string;
  /** How a reused Condition step is listed: with the source's `Metadata.Condition.Outcome`, or without it. */
  readonly reusedConditionOutcome: 'copied' | 'omitted';
  now(): number;
  schedule(delayMs: number, fn: () => void): void;
  nextSeq(): number;
  randomId(length: number): string;
  /** 1-based count of how many times `step` of `pipeline` has run, including this one. */
  nextAttempt(pipeline: string, step: string): number;
  failureFor(pipeline: string, step: string, attempt: number, parameter: (name: string) => string | undefined):
  { reason?: string; afterSeconds?: number; stepReason?: string } | undefined;
  durationFor(step: string, type: string): number;
  outputsFor(step: string, attempt: number): StepOutputs;
  execution(arn: string): ExecutionRecord | undefined;
  /** every execution of a pipeline (step caching looks for earlier runs) */
  executionsOfPipeline(pipelineArn: string): ExecutionRecord[];
  registerJob(job: JobRecord): void;
  onStepChange(execution: ExecutionRecord, step: StepRecord, previous: StepStatus | undefined): void;
  onExecutionChange(execution: ExecutionRecord, previous: ExecutionStatus | undefined): void;
}

type StepOutcome =
  | { ok: true; outputs: StepOutputs; metadata?: Record<string, unknown> }
  | { ok: false; reason: string; stepReason?: string; metadata?: Record<string, unknown> };

type Phase = 'pending' | 'running' | 'succeeded' | 'failed' | 'reused' | 'skipped' | 'stopped';

const JOB_KIND: Record<string, JobKind> = { Processing: 'ProcessingJob', Training: 'TrainingJob', Transform: 'TransformJob' };

/** Drives one execution from start to its terminal status. */
export class PipelineRunner {
  private readonly phase = new Map<string, Phase>();
  private readonly order: string[];
  private failing = false;
  private stopping = false;
  private running = 0;
  private readonly runningJobs = new Map<string, { record: StepRecord; job?: JobRecord }>();
  private finished = false;

  constructor(private readonly host: RunnerHost, private readonly execution: ExecutionRecord) {
    this.order = topologicalOrder(execution.graph);
  }

  /** Whether the execution reached a terminal status. */
  public get done(): boolean {
    return this.finished;
  }

  public start(): void {
    const ex = this.execution;
    const selected = ex.selective ? new Set(ex.selective.SelectedSteps.map((s) => s.StepName)) : undefined;
    const source = ex.selective?.SourcePipelineExecutionArn ? this.host.execution(ex.selective.SourcePipelineExecutionArn) : undefined;
    // "non-selected steps that are downstream from the selected steps do not run" (pipelines-selective-ex.html): they
    // are neither run nor reused (their source outputs were computed from what is being re-run).
    const downstream = selected ? downstreamClosure(ex.graph, selected) : new Set<string>();
    for (const name of this.order) {
      if (!selected || selected.has(name)) {
        this.phase.set(name, 'pending');
        continue;
      }
      if (downstream.has(name)) {
        this.phase.set(name, 'skipped');
        continue;
      }
      // Non-selected: reuse the source's result when it has one; otherwise the step does not run in this execution.
      const prior = source?.steps.get(name);
      if (prior && prior.StepStatus === 'Succeeded') {
        this.phase.set(name, 'reused');
        const now = this.host.now();
        ex.steps.set(name, {
          StepName: name,
          StepType: prior.StepType,
          ...(prior.StepDisplayName ? { StepDisplayName: prior.StepDisplayName } : {}),
          StartTime: now,
          EndTime: now,
          StepStatus: 'Succeeded',
          Metadata: this.reusedMetadata(prior),
          AttemptCount: prior.AttemptCount,
          SelectiveExecutionResult: { SourcePipelineExecutionArn: source!.arn },
          seq: this.host.nextSeq(),
          outputs: prior.outputs,
          attempt: 0,
          ranIn: prior.ranIn,
          ...(prior.conditionOutcome !== undefined ? { conditionOutcome: prior.conditionOutcome } : {}),
        });
      } else {
        this.phase.set(name, 'skipped');
      }
    }
    this.host.onExecutionChange(ex, undefined);
    this.host.schedule(0, () => this.tick());
  }

  /**
   * The listed metadata of a reused step: the source's, except that under `reusedConditionOutcome: 'omitted'` a
   * Condition's `Metadata.Condition` is left out (UNCERTAIN whether SageMaker copies it: README.md, *Server-side
   * rules*). The outcome itself is kept as bookkeeping: the execution follows the source's branch either way.
   */
  private reusedMetadata(prior: StepRecord): Record<string, unknown> {
    const metadata = structuredClone(prior.Metadata);
    if (prior.StepType === 'Condition' && this.host.reusedConditionOutcome === 'omitted') delete metadata.Condition;
    return metadata;
  }

  /** StopPipelineExecution (see the file comment). */
  public stop(): void {
    if (this.finished || this.stopping) return;
    this.stopping = true;
    const ex = this.execution;
    const previous = ex.status;
    ex.status = 'Stopping';
    ex.lastModifiedAt = this.host.now();
    this.host.onExecutionChange(ex, previous);
    for (const [name, { record, job }] of this.runningJobs) {
      // Lambda functions cannot be stopped and Callback steps wait for their answer (API_StopPipelineExecution.html).
      if (record.StepType === 'Lambda' || record.StepType === 'Callback') continue;
      record.StepStatus = 'Stopping';
      if (job) job.status = 'Stopping';
      this.host.onStepChange(ex, record, 'Executing');
      this.phase.set(name, 'stopped');
      this.runningJobs.delete(name);
      this.host.schedule(0, () => {
        record.StepStatus = 'Stopped';
        record.EndTime = this.host.now();
        if (job) {
          job.status = 'Stopped';
          job.endedAt = record.EndTime;
        }
        this.running--;
        this.host.onStepChange(ex, record, 'Stopping');
        this.tick();
      });
    }
  }

  private tick(): void {
    if (this.finished) return;
    const limit = this.execution.parallelism?.MaxParallelExecutionSteps ?? 50;
    // Propagate "will never run" first so that eligibility below sees a stable picture.
    for (const name of this.order) {
      if (this.phase.get(name) !== 'pending') continue;
      if (this.blocked(name)) this.phase.set(name, 'skipped');
    }
    if (!this.failing && !this.stopping) {
      for (const name of this.order) {
        if (this.running >= limit) break;
        if (this.phase.get(name) === 'pending' && this.ready(name)) this.run(name);
      }
    }
    if (this.running === 0) {
      const waiting = [...this.phase.values()].some((p) => p === 'pending');
      if (this.failing || this.stopping || !waiting) this.finish();
    }
  }

  /** True when the step can no longer run in this execution (untaken branch, or an upstream that will not run). */
  private blocked(name: string): boolean {
    const step = this.execution.graph.steps.get(name)!;
    if (step.parent) {
      const outcome = this.conditionOutcome(step.parent.condition);
      if (outcome !== undefined && (outcome === 'True') !== (step.parent.branch === 'IfSteps')) return true;
    }
    for (const p of this.execution.graph.predecessors.get(name) ?? []) {
      const phase = this.phase.get(p);
      if (phase === 'skipped') return true;
    }
    return false;
  }

  private ready(name: string): boolean {
    for (const p of this.execution.graph.predecessors.get(name) ?? []) {
      const phase = this.phase.get(p);
      if (phase !== 'succeeded' && phase !== 'reused') return false;
    }
    return true;
  }

  private conditionOutcome(condition: string): string | undefined {
    const rec = this.execution.steps.get(condition);
    if (!rec || rec.StepStatus !== 'Succeeded') return undefined;
    return rec.conditionOutcome ?? (rec.Metadata.Condition as { Outcome?: string } | undefined)?.Outcome;
  }

  private run(name: string): void {
    const ex = this.execution;
    const def = ex.graph.steps.get(name)!;
    const cacheKey = this.cacheKey(def.type, def.json);
    if (cacheKey !== undefined && this.reuseCached(name, def.type, def.json, cacheKey)) return;
    const attempt = this.host.nextAttempt(ex.pipelineName, name);
    const now = this.host.now();
    const record: StepRecord = {
      StepName: name,
      StepType: def.type,
      ...(typeof def.json.DisplayName === 'string' ? { StepDisplayName: def.json.DisplayName } : {}),
      ...(typeof def.json.Description === 'string' ? { StepDescription: def.json.Description } : {}),
      StartTime: now,
      StepStatus: 'Executing',
      Metadata: {},
      AttemptCount: 1,
      seq: this.host.nextSeq(),
      outputs: {},
      attempt,
      ranIn: ex.arn,
      ...(cacheKey !== undefined ? { cacheKey } : {}),
    };
    ex.steps.set(name, record);
    this.phase.set(name, 'running');
    this.running++;

    const scripted = this.host.failureFor(ex.pipelineName, name, attempt, (p) => ex.parameters.find((q) => q.Name === p)?.Value);
    const duration = this.host.durationFor(name, def.type);
    let job: JobRecord | undefined;
    const kind = JOB_KIND[def.type];
    if (kind) {
      job = this.createJob(kind, name, def.json);
      record.Metadata[kind] = { Arn: job.arn };
    } else if (def.type === 'Model') {
      record.Metadata.Model = { Arn: `arn:aws:sagemaker:${this.host.region}:${this.host.account}:model/pipelines-${ex.id}-${slug(name)}` };
    } else if (def.type === 'RegisterModel') {
      record.Metadata.RegisterModel = { Arn: `arn:aws:sagemaker:${this.host.region}:${this.host.account}:model-package/${slug(ex.pipelineName)}/${this.host.nextSeq()}` };
    }
    this.runningJobs.set(name, { record, ...(job ? { job } : {}) });
    this.host.onStepChange(ex, record, 'Starting');

    let outcome: StepOutcome;
    let after = duration;
    if (scripted) {
      after = Math.min(scripted.afterSeconds ?? 60, duration);
      outcome = {
        ok: false,
        reason: scripted.reason ?? 'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.',
        ...(scripted.stepReason !== undefined ? { stepReason: scripted.stepReason } : {}),
      };
    } else if (def.type === 'Condition') {
      try {
        const value = evaluateConditions(this.args(def.json).Conditions, this.context());
        outcome = { ok: true, outputs: {}, metadata: { Condition: { Outcome: value ? 'True' : 'False' } } };
      } catch (e) {
        outcome = { ok: false, reason: `ClientError: ${(e as Error).message}` };
      }
    } else if (def.type === 'Fail') {
      let message: string;
      try {
        message = String(evaluate(this.args(def.json).ErrorMessage ?? '', this.context()));
      } catch (e) {
        message = `ClientError: ${(e as Error).message}`;
      }
      outcome = { ok: false, reason: message, metadata: { Fail: { ErrorMessage: message } } };
    } else {
      outcome = { ok: true, outputs: this.host.outputsFor(name, attempt) };
    }

    this.host.schedule(after * 1000, () => {
      if (this.phase.get(name) === 'stopped') return; // stopped meanwhile (stop())
      this.runningJobs.delete(name);
      const end = this.host.now();
      record.EndTime = end;
      Object.assign(record.Metadata, outcome.metadata ?? {});
      const decided = (outcome.metadata?.Condition as { Outcome?: string } | undefined)?.Outcome;
      if (decided !== undefined) record.conditionOutcome = decided;
      if (outcome.ok) {
        record.StepStatus = 'Succeeded';
        record.outputs = outcome.outputs;
        this.phase.set(name, 'succeeded');
      } else {
        record.StepStatus = 'Failed';
        const reason = outcome.stepReason ?? outcome.reason;
        if (reason !== '') record.FailureReason = reason;
        this.phase.set(name, 'failed');
        this.failing = true;
      }
      if (job) {
        job.status = outcome.ok ? 'Completed' : 'Failed';
        job.endedAt = end;
        if (!outcome.ok) job.failureReason = outcome.reason;
      }
      this.running--;
      this.host.onStepChange(ex, record, 'Executing');
      this.tick();
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const ex = this.execution;
    const previous = ex.status;
    ex.status = this.failing ? 'Failed' : this.stopping ? 'Stopped' : 'Succeeded';
    if (this.failing) ex.failureReason = STEP_FAILURE_REASON;
    ex.endedAt = this.host.now();
    ex.lastModifiedAt = ex.endedAt;
    this.host.onExecutionChange(ex, previous);
  }

  /**
   * The step's cache key when caching applies: its type and its arguments evaluated in this run. A reference to an
   * upstream step's property that no script gives stands for "that output of the run that produced it", so a step
   * downstream of a re-run step misses the cache and one downstream of a cache hit can hit (pipelines-caching.html).
   */
  private cacheKey(type: string, json: Record<string, unknown>): string | undefined {
    const cfg = json.CacheConfig as { Enabled?: unknown; ExpireAfter?: unknown } | undefined;
    if (!CACHEABLE_TYPES.has(type) || cfg?.Enabled !== true) return undefined;
    const ctx = this.context();
    const keyed: EvalContext = {
      ...ctx,
      stepOutputs: (step) => {
        const outputs = ctx.stepOutputs(step);
        const ranIn = this.execution.steps.get(step)!.ranIn;
        const props = outputs.properties ?? {};
        const properties = new Proxy(props, {
          has: () => true,
          get: (target, key) => (typeof key === 'string' && !(key in target) ? `${ranIn}#${key}` : (target as any)[key]),
        });
        return { ...outputs, properties };
      },
    };
    try {
      return JSON.stringify({ type, arguments: evaluate(json.Arguments ?? {}, keyed) });
    } catch {
      return undefined; // arguments this emulator cannot evaluate: no caching
    }
  }

  /** A cache hit: the newest earlier successful run of the step with the same key, within ExpireAfter. */
  private reuseCached(name: string, type: string, json: Record<string, unknown>, key: string): boolean {
    const ex = this.execution;
    const now = this.host.now();
    const ttl = isoDurationMs((json.CacheConfig as { ExpireAfter?: unknown }).ExpireAfter);
    let best: { owner: ExecutionRecord; step: StepRecord } | undefined;
    for (const owner of this.host.executionsOfPipeline(ex.pipelineArn)) {
      if (owner.arn === ex.arn) continue;
      const step = owner.steps.get(name);
      if (!step || step.StepStatus !== 'Succeeded' || step.cacheKey !== key || step.EndTime === undefined) continue;
      if (ttl !== undefined && now - step.EndTime > ttl) continue;
      if (!best || step.EndTime > best.step.EndTime!) best = { owner, step };
    }
    if (!best) return false;
    const prior = best.step;
    const record: StepRecord = {
      StepName: name,
      StepType: type,
      ...(prior.StepDisplayName ? { StepDisplayName: prior.StepDisplayName } : {}),
      ...(prior.StepDescription ? { StepDescription: prior.StepDescription } : {}),
      StartTime: now,
      EndTime: now,
      StepStatus: 'Succeeded',
      Metadata: structuredClone(prior.Metadata),
      AttemptCount: prior.AttemptCount,
      CacheHitResult: { SourcePipelineExecutionArn: prior.CacheHitResult?.SourcePipelineExecutionArn ?? best.owner.arn },
      cacheKey: key,
      seq: this.host.nextSeq(),
      outputs: prior.outputs,
      attempt: 0,
      ranIn: prior.ranIn,
    };
    ex.steps.set(name, record);
    this.phase.set(name, 'succeeded');
    this.host.onStepChange(ex, record, 'Starting');
    this.host.schedule(0, () => this.tick());
    return true;
  }

  private createJob(kind: JobKind, stepName: string, json: Record<string, unknown>): JobRecord {
    const ex = this.execution;
    // Real pipeline job names look like `pipelines-p4jn9xou8a8s-myprocessingstep1-tmgxry49ug` (EventBridge doc sample).
    const name = `pipelines-${ex.id}-${slug(stepName)}`.slice(0, 52) + `-${this.host.randomId(10)}`;
    const resource = { ProcessingJob: 'processing-job', TrainingJob: 'training-job', TransformJob: 'transform-job' }[kind];
    const args = this.args(json);
    const cluster = (kind === 'ProcessingJob' ? (args.ProcessingResources as any)?.ClusterConfig
      : kind === 'TrainingJob' ? args.ResourceConfig : args.TransformResources) as Record<string, unknown> | undefined;
    const ctx = this.context();
    const count = Number(safeEvaluate(cluster?.InstanceCount, ctx) ?? 1);
    const type = safeEvaluate(cluster?.InstanceType, ctx);
    const now = this.host.now();
    const job: JobRecord = {
      kind,
      name,
      arn: `arn:aws:sagemaker:${this.host.region}:${this.host.account}:${resource}/${name}`,
      status: 'InProgress',
      instanceCount: Number.isFinite(count) && count > 0 ? count : 1,
      ...(typeof type === 'string' ? { instanceType: type } : {}),
      createdAt: now,
      startedAt: now,
      executionArn: ex.arn,
      stepName,
    };
    this.host.registerJob(job);
    return job;
  }

  private args(json: Record<string, unknown>): Record<string, unknown> {
    return (typeof json.Arguments === 'object' && json.Arguments !== null ? json.Arguments : {}) as Record<string, unknown>;
  }

  private context(): EvalContext {
    const ex = this.execution;
    const params = new Map<string, unknown>();
    for (const p of ex.graph.parameters) {
      const given = ex.parameters.find((q) => q.Name === p.name);
      const raw = given ? given.Value : p.defaultValue;
      params.set(p.name, typed(raw, p.type));
    }
    return {
      parameter: (name) => {
        if (!params.has(name)) throw new Error(`Parameters.${name} is not a parameter of this pipeline`);
        return params.get(name);
      },
      execution: (name) => ({
        PipelineExecutionId: ex.id,
        PipelineExecutionArn: ex.arn,
        PipelineName: ex.pipelineName,
        PipelineArn: ex.pipelineArn,
        StartDateTime: new Date(ex.createdAt).toISOString(),
        CurrentDateTime: new Date(this.host.now()).toISOString(),
      } as Record<string, unknown>)[name],
      stepOutputs: (step) => {
        const rec = ex.steps.get(step);
        if (!rec || rec.StepStatus !== 'Succeeded') throw new Error(`step ${step} has no outputs in this execution`);
        return rec.outputs;
      },
    };
  }
}

export interface EvalContext {
  parameter(name: string): unknown;
  execution(name: string): unknown;
  stepOutputs(step: string): StepOutputs;
}

function typed(raw: unknown, type: string): unknown {
  if (raw === undefined || raw === null) return raw;
  if (type === 'Integer' || type === 'Float') return Number(raw);
  if (type === 'Boolean') return raw === true || String(raw).toLowerCase() === 'true';
  return String(raw);
}

function safeEvaluate(value: unknown, ctx: EvalContext): unknown {
  try {
    return evaluate(value, ctx);
  } catch {
    return undefined;
  }
}

/**
 * Evaluates a pipeline expression: literals, `{"Get": "Parameters.X" | "Execution.X" | "Steps.S.path"}`,
 * `{"Std:Join": {On, Values}}` and `{"Std:JsonGet": {PropertyFile: {"Get": "Steps.S.PropertyFiles.F"}, Path}}`
 * (expression syntax: SDK-v2 `parameters.py`, `execution_variables.py`, `functions.py`, `properties.py`).
 */
export function evaluate(value: unknown, ctx: EvalContext): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx));
  const obj = value as Record<string, unknown>;
  if (typeof obj.Get === 'string') {
    const ref = obj.Get;
    if (ref.startsWith('Parameters.')) return ctx.parameter(ref.slice('Parameters.'.length));
    if (ref.startsWith('Execution.')) return ctx.execution(ref.slice('Execution.'.length));
    const m = /^Steps\.([^.[\]]+)\.(.+)$/.exec(ref);
    if (m) {
      const outputs = ctx.stepOutputs(m[1]);
      const props = outputs.properties ?? {};
      if (m[2] in props) return props[m[2]];
      throw new Error(`${ref} is not a scripted output of step ${m[1]}`);
    }
    throw new Error(`cannot evaluate {"Get": "${ref}"}`);
  }
  if (obj['Std:Join']) {
    const join = obj['Std:Join'] as { On?: string; Values?: unknown[] };
    return (join.Values ?? []).map((v) => String(evaluate(v, ctx))).join(join.On ?? '');
  }
  if (obj['Std:JsonGet']) {
    const jg = obj['Std:JsonGet'] as { PropertyFile?: { Get?: string }; Path?: string };
    const m = /^Steps\.([^.[\]]+)\.PropertyFiles\.(.+)$/.exec(jg.PropertyFile?.Get ?? '');
    if (!m) throw new Error('Std:JsonGet without a PropertyFile reference is not supported by the emulator');
    const file = ctx.stepOutputs(m[1]).propertyFiles?.[m[2]];
    if (file === undefined) throw new Error(`property file ${m[2]} of step ${m[1]} was not produced`);
    return jsonPath(file, jg.Path ?? '');
  }
  return value;
}

function jsonPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.').filter(Boolean)) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`unsupported JsonGet path ${path}`);
    if (m[1]) cur = (cur as Record<string, unknown> | undefined)?.[m[1]];
    for (const idx of m[2].match(/\d+/g) ?? []) cur = (cur as unknown[] | undefined)?.[Number(idx)];
  }
  if (cur === undefined) throw new Error(`JsonGet path ${path} not found`);
  return cur;
}

/** All conditions must hold (a ConditionStep ANDs its list: SDK-v2 `condition_step.py`). */
export function evaluateConditions(conditions: unknown, ctx: EvalContext): boolean {
  if (!Array.isArray(conditions)) throw new Error('Condition step has no Conditions list');
  return conditions.every((c) => evaluateCondition(c as Record<string, unknown>, ctx));
}

function evaluateCondition(c: Record<string, unknown>, ctx: EvalContext): boolean {
  const cmp = (f: (a: any, b: any) => boolean) => {
    const a = evaluate(c.LeftValue, ctx);
    const b = evaluate(c.RightValue, ctx);
    const na = Number(a), nb = Number(b);
    return typeof a !== 'boolean' && typeof b !== 'boolean' && a !== '' && b !== '' && !isNaN(na) && !isNaN(nb) ? f(na, nb) : f(a, b);
  };
  switch (c.Type) {
    case 'Equals': return cmp((a, b) => a === b);
    case 'NotEquals': return cmp((a, b) => a !== b);
    case 'GreaterThan': return cmp((a, b) => a > b);
    case 'GreaterThanOrEqualTo': return cmp((a, b) => a >= b);
    case 'LessThan': return cmp((a, b) => a < b);
    case 'LessThanOrEqualTo': return cmp((a, b) => a <= b);
    case 'In': {
      const q = evaluate(c.QueryValue, ctx);
      return ((c.Values as unknown[]) ?? []).map((v) => evaluate(v, ctx)).some((v) => v === q || String(v) === String(q));
    }
    case 'Not': return !evaluateCondition((c.Condition ?? c.Expression) as Record<string, unknown>, ctx);
    case 'Or': return ((c.Conditions as unknown[]) ?? []).some((x) => evaluateCondition(x as Record<string, unknown>, ctx));
    default: throw new Error(`unsupported condition type ${String(c.Type)}`);
  }
}

/** Milliseconds of an ISO 8601 duration (`PT1H`, `P30D`, `P1W`); undefined when absent or unreadable (no expiry). */
function isoDurationMs(value: unknown): number | undefined {
  const m = typeof value === 'string' ? /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value) : null;
  if (!m) return undefined;
  const [y, mo, w, d, h, mi, sec] = m.slice(1).map((x) => Number(x ?? 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + sec) * 1000;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}
