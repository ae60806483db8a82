/**
 * The SageMaker Pipelines operations the emulator answers, over its records of pipelines, versions, executions and
 * jobs. `call()` is the one entry: the request is validated against AWS's service model (service-model.ts), the
 * operation applies the server-side rules (server-rules.ts), and the answer is shaped by the model's output shape.
 * Every behaviour cites its source next to the code; README.md lists them.
 */
import { SeededRandom, SimClock } from './clock';
import { EXECUTION_STATUS_CHANGE, EVENT_SOURCE, EventBus, STEP_STATUS_CHANGE, camelCaseKeys, isoSeconds } from './events';
import { StepScript } from './faults';
import { Page, paginate } from './pagination';
import { ExecutionRecord, ExecutionStatus, JobRecord, PipelineRunner, RunnerHost, StepRecord, StepStatus } from './pipeline-runner';
import {
  SelectionRule, canonicalRequest, checkFailStepDependencies, checkParameterNames, checkParameterValues, checkReplay, checkSelection, checkSource,
  checkStoppable,
} from './server-rules';
import { ServiceModel, formatProblems } from './service-model';
import { ApiError, notFoundError, validationError } from './transport';
import { DefinitionGraph, InvalidDefinitionError, parseDefinition, topologicalOrder } from '../src/kernel/definition-graph';

/** SageMaker role used when a scenario does not give one. */
export const DEFAULT_ROLE_ARN = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole';

export { STEP_FAILURE_REASON } from './pipeline-runner';

export interface PipelineVersion {
  readonly id: number;
  readonly definition: string;
  readonly graph: DefinitionGraph;
  readonly createdAt: number;
}

export interface PipelineRecord {
  name: string;
  arn: string;
  displayName?: string;
  description?: string;
  roleArn: string;
  parallelism?: { MaxParallelExecutionSteps: number };
  versions: PipelineVersion[];
  createdAt: number;
  lastModifiedAt: number;
  lastRunAt?: number;
}

/** What the operations need from the emulator around them. */
export interface ApiContext {
  readonly region: string;
  readonly account: string;
  readonly clock: SimClock;
  readonly random: SeededRandom;
  readonly script: StepScript;
  readonly events: EventBus;
  readonly jobs: JobRecord[];
  readonly model: ServiceModel;
  readonly lowercaseArns: boolean;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly selectionRule: SelectionRule;
  /** How a reused Condition step is listed (EmulatorOptions.reusedConditionOutcome). */
  readonly reusedConditionOutcome: 'copied' | 'omitted';
  /** Simulated ms a ClientRequestToken is remembered (EmulatorOptions.idempotencyTokenLifetimeMs). */
  readonly idempotencyTokenLifetimeMs: number;
}

type Req = Record<string, any>;

/** The emulated API and its records. */
export class SageMakerApi {
  public readonly pipelines = new Map<string, PipelineRecord>();
  public readonly executions = new Map<string, ExecutionRecord>();
  public readonly runners = new Map<string, PipelineRunner>();
  /** `<Operation>:<token>` -> the canonical first request and its answer */
  private readonly tokens = new Map<string, { request: string; answer: unknown; at: number }>();
  private readonly attempts = new Map<string, number>();
  private seqCounter = 0;

  /** The operations the emulator implements, by name (a subset of the model's; the others answer UnknownOperationException). */
  private readonly handlers: Record<string, (r: Req) => unknown> = {
    CreatePipeline: (r) => this.idempotent('CreatePipeline', r, () => this.createPipeline(r)),
    UpdatePipeline: (r) => this.updatePipeline(r),
    DescribePipeline: (r) => this.describePipeline(r),
    StartPipelineExecution: (r) => this.idempotent('StartPipelineExecution', r, () => this.startPipelineExecution(r)),
    StopPipelineExecution: (r) => this.idempotent('StopPipelineExecution', r, () => this.stopPipelineExecution(r)),
    DescribePipelineExecution: (r) => this.describePipelineExecution(r),
    ListPipelineExecutions: (r) => this.listPipelineExecutions(r),
    ListPipelineExecutionSteps: (r) => this.listPipelineExecutionSteps(r),
    DescribePipelineDefinitionForExecution: (r) => this.describePipelineDefinitionForExecution(r),
    ListPipelineParametersForExecution: (r) => this.listPipelineParametersForExecution(r),
    DescribeProcessingJob: (r) => this.describeJob('ProcessingJob', r.ProcessingJobName),
    DescribeTrainingJob: (r) => this.describeJob('TrainingJob', r.TrainingJobName),
    DescribeTransformJob: (r) => this.describeJob('TransformJob', r.TransformJobName),
  };

  constructor(private readonly ctx: ApiContext) {}

  /**
   * Answers one operation: model validation of the request, the operation, model shaping of the answer. Throws
   * `ApiError` for an error response.
   */
  public call(operation: string, request: Req): unknown {
    if (!this.ctx.model.hasOperation(operation) || !this.handlers[operation]) {
      throw new ApiError('UnknownOperationException', `The emulator does not implement SageMaker.${operation}.`);
    }
    const problems = this.ctx.model.validateInput(operation, request);
    // A value of the wrong JSON type cannot be deserialized: the service answers SerializationException.
    const serialization = problems.filter((p) => p.kind === 'type');
    if (serialization.length > 0) throw new ApiError('SerializationException', formatProblems(serialization));
    if (problems.length > 0) throw validationError(formatProblems(problems));
    return this.ctx.model.shapeOutput(operation, this.handlers[operation](request));
  }


  // ---------------------------------------------------------------------------------------------------------------
  // Lookups

  public findPipeline(nameOrArn: string): PipelineRecord | undefined {
    const exact = this.pipelines.get(nameOrArn);
    if (exact) return exact;
    // PipelineName accepts a name or an ARN (API_StartPipelineExecution.html pattern); ARNs are matched without case
    // because SageMaker itself may hand them out lowercased (see README.md, *Assumptions*).
    if (nameOrArn.startsWith('arn:')) {
      return [...this.pipelines.values()].find((p) => p.arn.toLowerCase() === nameOrArn.toLowerCase());
    }
    return undefined;
  }

  public findExecution(arn: string): ExecutionRecord | undefined {
    return this.executions.get(arn) ?? [...this.executions.values()].find((e) => e.arn.toLowerCase() === arn.toLowerCase());
  }

  /** True when an execution is still running. */
  public get running(): boolean {
    return [...this.runners.values()].some((r) => !r.done);
  }

  private pipelineOrThrow(nameOrArn: unknown): PipelineRecord {
    const p = typeof nameOrArn === 'string' ? this.findPipeline(nameOrArn) : undefined;
    if (!p) throw notFoundError(`Pipeline '${String(nameOrArn)}' does not exist.`);
    return p;
  }

  private version(p: PipelineRecord, id: unknown): PipelineVersion {
    if (id === undefined || id === null) return p.versions[p.versions.length - 1];
    const v = p.versions.find((x) => x.id === id);
    if (!v) throw notFoundError(`Pipeline version ${String(id)} of pipeline ${p.name} does not exist.`);
    return v;
  }

  private executionOrThrow(arn: unknown): ExecutionRecord {
    const ex = typeof arn === 'string' ? this.findExecution(arn) : undefined;
    if (!ex) throw notFoundError(`Pipeline execution '${String(arn)}' does not exist.`);
    return ex;
  }

  /**
   * `idempotent-replay` (server-rules.ts): "An idempotent operation completes no more than once"
   * (API_StartPipelineExecution.html, API_CreatePipeline.html). The token is required by the model, so it is there.
   * A token older than `idempotencyTokenLifetimeMs` (simulated time since its first use) is forgotten: the
   * request is a new one (SageMaker documents no lifetime; see EmulatorOptions.idempotencyTokenLifetimeMs).
   */
  private idempotent(operation: string, r: Req, run: () => unknown): unknown {
    const key = `${operation}:${r.ClientRequestToken}`;
    const request = canonicalRequest(r);
    const prior = this.tokens.get(key);
    const lifetime = this.ctx.idempotencyTokenLifetimeMs;
    if (prior && this.ctx.clock.now() - prior.at <= lifetime) {
      checkReplay(r.ClientRequestToken, prior.request, request);
      return prior.answer;
    }
    const answer = run();
    this.tokens.set(key, { request, answer, at: this.ctx.clock.now() });
    return answer;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pipelines

  private createPipeline(r: Req): { PipelineArn: string } {
    if (this.findPipeline(r.PipelineName)) throw new ApiError('ResourceInUse', `Pipeline ${r.PipelineName} already exists.`);
    const version = this.newVersion(1, r);
    const now = this.ctx.clock.now();
    const arn = `arn:aws:sagemaker:${this.ctx.region}:${this.ctx.account}:pipeline/${this.ctx.lowercaseArns ? r.PipelineName.toLowerCase() : r.PipelineName}`;
    this.pipelines.set(r.PipelineName, {
      name: r.PipelineName,
      arn,
      displayName: r.PipelineDisplayName,
      description: r.PipelineDescription,
      roleArn: r.RoleArn,
      parallelism: r.ParallelismConfiguration,
      versions: [version],
      createdAt: now,
      lastModifiedAt: now,
    });
    return { PipelineArn: arn };
  }

  private updatePipeline(r: Req): { PipelineArn: string; PipelineVersionId: number } {
    const p = this.pipelineOrThrow(r.PipelineName);
    const latest = p.versions[p.versions.length - 1];
    // Every update creates a new pipeline version (UpdatePipelineResponse.PipelineVersionId in the model).
    const changes = r.PipelineDefinition || r.PipelineDefinitionS3Location ? r : { PipelineDefinition: latest.definition };
    const version = this.newVersion(latest.id + 1, changes);
    p.versions.push(version);
    if (r.PipelineDisplayName !== undefined) p.displayName = r.PipelineDisplayName;
    if (r.PipelineDescription !== undefined) p.description = r.PipelineDescription;
    if (r.RoleArn !== undefined) p.roleArn = r.RoleArn;
    if (r.ParallelismConfiguration !== undefined) p.parallelism = r.ParallelismConfiguration;
    p.lastModifiedAt = this.ctx.clock.now();
    return { PipelineArn: p.arn, PipelineVersionId: version.id };
  }

  private newVersion(id: number, r: Req): PipelineVersion {
    if (r.PipelineDefinitionS3Location) {
      throw validationError('The emulator does not read PipelineDefinitionS3Location; pass PipelineDefinition.');
    }
    if (r.PipelineDefinition === undefined) {
      throw validationError('1 validation error detected: Value null at \'pipelineDefinition\' failed to satisfy constraint: Member must not be null');
    }
    let graph: DefinitionGraph;
    try {
      graph = parseDefinition(r.PipelineDefinition);
      topologicalOrder(graph); // rejects cycles
    } catch (e) {
      if (e instanceof InvalidDefinitionError) throw validationError(`Invalid pipeline definition: ${e.message}`);
      throw e;
    }
    checkFailStepDependencies(graph);
    return { id, definition: r.PipelineDefinition, graph, createdAt: this.ctx.clock.now() };
  }

  private describePipeline(r: Req): unknown {
    const p = this.pipelineOrThrow(r.PipelineName);
    const v = this.version(p, r.PipelineVersionId);
    return {
      PipelineArn: p.arn,
      PipelineName: p.name,
      PipelineDisplayName: p.displayName ?? p.name,
      PipelineDefinition: v.definition,
      PipelineDescription: p.description,
      RoleArn: p.roleArn,
      PipelineStatus: 'Active',
      CreationTime: secs(p.createdAt),
      LastModifiedTime: secs(p.lastModifiedAt),
      LastRunTime: p.lastRunAt === undefined ? undefined : secs(p.lastRunAt),
      ParallelismConfiguration: p.parallelism,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Executions

  private startPipelineExecution(r: Req): { PipelineExecutionArn: string } {
    const p = this.pipelineOrThrow(r.PipelineName);
    // PipelineVersionId selects the version; without it the latest runs (SDK-v2 pipeline.py `start`: "If not
    // specified, uses the latest version ID").
    const version = this.version(p, r.PipelineVersionId);
    const params: Array<{ Name: string; Value: string }> = r.PipelineParameters ?? [];
    checkParameterValues(params);
    checkParameterNames(params, version.graph, `pipeline ${p.name} version ${version.id}`);

    const selective = r.SelectiveExecutionConfig;
    if (selective !== undefined) {
      const names: string[] = selective.SelectedSteps.map((s: { StepName: string }) => s.StepName);
      checkSelection(version.graph, names, `pipeline ${p.name} version ${version.id}`, this.ctx.selectionRule);
      checkSource(version.graph, names, selective.SourcePipelineExecutionArn, p, (arn) => {
        const src = this.findExecution(arn);
        return src && { arn: src.arn, pipelineArn: src.pipelineArn, status: src.status, stepStatus: (s) => src.steps.get(s)?.StepStatus };
      });
    }

    // Omitted parameters take their defaults ("Parameters are NOT copied from the source automatically": build runtime
    // parameters from the reference run, pipelines-selective-ex.html); ListPipelineParametersForExecution reports them.
    const resolved: Array<{ Name: string; Value: string }> = [];
    for (const def of version.graph.parameters) {
      const given = params.find((q) => q.Name === def.name);
      if (given) resolved.push({ Name: def.name, Value: given.Value });
      else if (def.defaultValue !== undefined) resolved.push({ Name: def.name, Value: String(def.defaultValue) });
    }

    const id = this.ctx.random.id(12);
    const now = this.ctx.clock.now();
    const ex: ExecutionRecord = {
      arn: `${p.arn}/execution/${id}`,
      id,
      pipelineName: p.name,
      pipelineArn: p.arn,
      versionId: version.id,
      definition: version.definition,
      definitionCreatedAt: version.createdAt,
      graph: version.graph,
      status: 'Executing',
      ...(r.PipelineExecutionDisplayName !== undefined ? { displayName: r.PipelineExecutionDisplayName } : {}),
      ...(r.PipelineExecutionDescription !== undefined ? { description: r.PipelineExecutionDescription } : {}),
      ...(r.MlflowExperimentName !== undefined ? { mlflowExperimentName: r.MlflowExperimentName } : {}),
      parameters: resolved,
      parallelism: r.ParallelismConfiguration ?? p.parallelism,
      ...(selective ? { selective: structuredClone(selective) } : {}),
      clientRequestToken: r.ClientRequestToken,
      createdAt: now,
      lastModifiedAt: now,
      steps: new Map(),
    };
    this.executions.set(ex.arn, ex);
    p.lastRunAt = now;
    const runner = new PipelineRunner(this.runnerHost(), ex);
    this.runners.set(ex.arn, runner);
    runner.start();
    return { PipelineExecutionArn: ex.arn };
  }

  /**
   * StopPipelineExecution (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopPipelineExecution.html):
   * the execution becomes Stopping; a running Lambda step runs to its end (Failed when the function times out, and then
   * the execution is Failed), a running Callback step waits for its answer; other running steps stop (pipeline-runner.ts).
   */
  private stopPipelineExecution(r: Req): { PipelineExecutionArn: string } {
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    checkStoppable(ex.arn, ex.status);
    this.runners.get(ex.arn)?.stop();
    return { PipelineExecutionArn: ex.arn };
  }

  private describePipelineExecution(r: Req): unknown {
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    return {
      PipelineArn: ex.pipelineArn,
      PipelineExecutionArn: ex.arn,
      PipelineExecutionDisplayName: ex.displayName ?? `execution-${ex.createdAt}`,
      PipelineExecutionStatus: ex.status,
      PipelineExecutionDescription: ex.description,
      FailureReason: ex.failureReason,
      CreationTime: secs(ex.createdAt),
      LastModifiedTime: secs(ex.lastModifiedAt),
      ParallelismConfiguration: ex.parallelism,
      SelectiveExecutionConfig: ex.selective,
      PipelineVersionId: ex.versionId,
      // StartPipelineExecution's MlflowExperimentName comes back as MLflowConfig (DescribePipelineExecutionResponse).
      MLflowConfig: ex.mlflowExperimentName === undefined ? undefined : { MlflowExperimentName: ex.mlflowExperimentName },
    };
  }

  private listPipelineExecutions(r: Req): unknown {
    const p = this.pipelineOrThrow(r.PipelineName);
    let list = [...this.executions.values()].filter((e) => e.pipelineArn === p.arn);
    if (r.CreatedAfter !== undefined) list = list.filter((e) => e.createdAt / 1000 > Number(r.CreatedAfter));
    if (r.CreatedBefore !== undefined) list = list.filter((e) => e.createdAt / 1000 < Number(r.CreatedBefore));
    const by = r.SortBy === 'PipelineExecutionArn' ? (e: ExecutionRecord) => e.arn : (e: ExecutionRecord) => e.createdAt;
    // Default order: newest first (the SDK's `reference_latest_execution` relies on CreationTime Descending).
    const dir = r.SortOrder === 'Ascending' ? 1 : -1;
    list.sort((a, b) => (by(a) < by(b) ? -dir : by(a) > by(b) ? dir : 0));
    const page = this.page(`ListPipelineExecutions:${p.arn}`, list, r);
    return {
      PipelineExecutionSummaries: page.items.map((e) => ({
        PipelineExecutionArn: e.arn,
        StartTime: secs(e.createdAt),
        PipelineExecutionStatus: e.status,
        PipelineExecutionDescription: e.description,
        PipelineExecutionDisplayName: e.displayName,
        PipelineExecutionFailureReason: e.failureReason,
      })),
      NextToken: page.next,
    };
  }

  /**
   * Newest first by default (SDK-v2 integ helpers assert the last step at index 0; "The default is CreatedTime",
   * API_ListPipelineExecutionSteps.html); `SortOrder: Ascending` reverses. The model does not require
   * PipelineExecutionArn; without it there is nothing to list, and the emulator rejects it (stricter).
   */
  private listPipelineExecutionSteps(r: Req): unknown {
    if (r.PipelineExecutionArn === undefined) {
      throw validationError('1 validation error detected: Value null at \'pipelineExecutionArn\' failed to satisfy constraint: Member must not be null');
    }
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    const steps = [...ex.steps.values()].sort((a, b) => (r.SortOrder === 'Ascending' ? a.seq - b.seq : b.seq - a.seq));
    const page = this.page(`ListPipelineExecutionSteps:${ex.arn}`, steps, r);
    return { PipelineExecutionSteps: page.items.map(stepToApi), NextToken: page.next };
  }

  /** The definition of the version the execution ran (API_DescribePipelineDefinitionForExecution.html). */
  private describePipelineDefinitionForExecution(r: Req): unknown {
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    return { PipelineDefinition: ex.definition, CreationTime: secs(ex.definitionCreatedAt) };
  }

  private listPipelineParametersForExecution(r: Req): unknown {
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    const page = this.page(`ListPipelineParametersForExecution:${ex.arn}`, ex.parameters, r);
    return { PipelineParameters: page.items.map((q) => ({ ...q })), NextToken: page.next };
  }

  private describeJob(kind: JobRecord['kind'], name: string): unknown {
    const job = this.ctx.jobs.find((j) => j.kind === kind && j.name === name);
    if (!job) throw validationError(`Could not find ${kind === 'ProcessingJob' ? 'processing' : kind === 'TrainingJob' ? 'training' : 'transform'} job '${name}'.`);
    const ended = job.endedAt === undefined ? undefined : secs(job.endedAt);
    const common = { FailureReason: job.failureReason, CreationTime: secs(job.createdAt), LastModifiedTime: secs(job.endedAt ?? job.startedAt) };
    const instanceType = job.instanceType ?? 'ml.m5.xlarge';
    switch (kind) {
      case 'ProcessingJob':
        return {
          ProcessingJobName: job.name,
          ProcessingJobArn: job.arn,
          ProcessingJobStatus: job.status,
          ProcessingResources: { ClusterConfig: { InstanceCount: job.instanceCount, InstanceType: instanceType, VolumeSizeInGB: 30 } },
          AppSpecification: { ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3' },
          RoleArn: DEFAULT_ROLE_ARN,
          ProcessingStartTime: secs(job.startedAt),
          ProcessingEndTime: ended,
          ...common,
        };
      case 'TrainingJob':
        return {
          TrainingJobName: job.name,
          TrainingJobArn: job.arn,
          TrainingJobStatus: job.status,
          SecondaryStatus: job.status === 'Completed' || job.status === 'Failed' || job.status === 'Stopped' || job.status === 'Stopping' ? job.status : 'Training',
          AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
          ResourceConfig: { InstanceCount: job.instanceCount, InstanceType: instanceType, VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 86400 },
          // Required in the model's DescribeTrainingJobResponse, whatever the status.
          ModelArtifacts: { S3ModelArtifacts: `s3://sagemaker-${this.ctx.region}-${this.ctx.account}/${job.name}/output/model.tar.gz` },
          TrainingStartTime: secs(job.startedAt),
          TrainingEndTime: ended,
          ...common,
        };
      default:
        return {
          TransformJobName: job.name,
          TransformJobArn: job.arn,
          TransformJobStatus: job.status,
          ModelName: `pipelines-${job.name}`.slice(0, 63),
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://example/batch' } } },
          TransformResources: { InstanceCount: job.instanceCount, InstanceType: instanceType },
          TransformStartTime: secs(job.startedAt),
          TransformEndTime: ended,
          FailureReason: job.failureReason,
          CreationTime: common.CreationTime,
        };
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Runner wiring and events

  private page<T>(key: string, items: readonly T[], r: Req): Page<T> {
    return paginate(key, items, r, { defaultPageSize: this.ctx.defaultPageSize, maxPageSize: this.ctx.maxPageSize });
  }

  private runnerHost(): RunnerHost {
    const { ctx } = this;
    return {
      region: ctx.region,
      account: ctx.account,
      now: () => ctx.clock.now(),
      schedule: (ms: number, fn: () => void) => ctx.clock.schedule(ms, fn),
      nextSeq: () => this.seqCounter++,
      randomId: (n: number) => ctx.random.id(n),
      reusedConditionOutcome: ctx.reusedConditionOutcome,
      nextAttempt: (pipeline: string, step: string) => {
        const key = `${pipeline}\u0000${step}`;
        const n = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, n);
        return n;
      },
      failureFor: (pipeline, step, attempt, parameter) => ctx.script.failureFor(pipeline, step, attempt, parameter),
      durationFor: (step: string, type: string) => ctx.script.durationFor(step, type),
      outputsFor: (step: string, attempt: number) => ctx.script.outputsFor(step, attempt),
      execution: (arn: string) => this.findExecution(arn),
      executionsOfPipeline: (pipelineArn: string) => [...this.executions.values()].filter((e) => e.pipelineArn === pipelineArn),
      registerJob: (job: JobRecord) => ctx.jobs.push(job),
      onStepChange: (ex, step, previous) => this.emitStep(ex, step, previous),
      onExecutionChange: (ex, previous) => this.emitExecution(ex, previous),
    };
  }

  private emitExecution(ex: ExecutionRecord, previous: ExecutionStatus | undefined): void {
    const detail: Record<string, unknown> = {
      ...(ex.displayName !== undefined ? { pipelineExecutionDisplayName: ex.displayName } : {}),
      currentPipelineExecutionStatus: ex.status,
      ...(previous !== undefined ? { previousPipelineExecutionStatus: previous } : {}),
      executionStartTime: isoSeconds(ex.createdAt),
      ...(ex.endedAt !== undefined ? { executionEndTime: isoSeconds(ex.endedAt) } : {}),
      ...(ex.description !== undefined ? { pipelineExecutionDescription: ex.description } : {}),
      pipelineArn: ex.pipelineArn,
      pipelineExecutionArn: ex.arn,
    };
    this.publish(EXECUTION_STATUS_CHANGE, ex, detail);
  }

  private emitStep(ex: ExecutionRecord, step: StepRecord, previous: StepStatus | undefined): void {
    const detail: Record<string, unknown> = {
      metadata: camelCaseKeys(step.Metadata),
      stepStartTime: isoSeconds(step.StartTime),
      ...(step.EndTime !== undefined ? { stepEndTime: isoSeconds(step.EndTime) } : {}),
      stepName: step.StepName,
      stepType: step.StepType,
      ...(previous !== undefined ? { previousStepStatus: previous } : {}),
      currentStepStatus: step.StepStatus,
      ...(step.StepStatus === 'Failed' && step.FailureReason ? { failureReason: step.FailureReason } : {}),
      ...(step.CacheHitResult ? { cacheHitResult: camelCaseKeys(step.CacheHitResult) } : {}),
      pipelineArn: ex.pipelineArn,
      pipelineExecutionArn: ex.arn,
    };
    this.publish(STEP_STATUS_CHANGE, ex, detail);
  }

  private publish(detailType: string, ex: ExecutionRecord, detail: Record<string, unknown>): void {
    this.ctx.events.publish({
      'version': '0',
      'detail-type': detailType,
      'source': EVENT_SOURCE,
      'account': this.ctx.account,
      'time': isoSeconds(this.ctx.clock.now()),
      'region': this.ctx.region,
      'resources': [ex.pipelineArn, ex.arn],
      detail,
    });
  }
}


function stepToApi(s: StepRecord): Record<string, unknown> {
  return {
    StepName: s.StepName,
    StepDisplayName: s.StepDisplayName,
    StepDescription: s.StepDescription,
    StartTime: secs(s.StartTime),
    EndTime: s.EndTime === undefined ? undefined : secs(s.EndTime),
    StepStatus: s.StepStatus,
    FailureReason: s.FailureReason,
    Metadata: s.Metadata,
    AttemptCount: s.AttemptCount,
    SelectiveExecutionResult: s.SelectiveExecutionResult,
    CacheHitResult: s.CacheHitResult,
  };
}

/** Epoch seconds, the AWS JSON 1.1 timestamp format. */
function secs(ms: number): number {
  return ms / 1000;
}
