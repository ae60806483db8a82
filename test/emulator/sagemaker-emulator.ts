/**
 * A local emulator of the SageMaker Pipelines API subset the selective-retry handler and CLI use. TEST DOUBLE ONLY.
 *
 * Wire protocol: AWS JSON 1.1, as `@aws-sdk/client-sagemaker` speaks it (its `AwsJson1_1Protocol`,
 * `defaultNamespace: "com.amazonaws.sagemaker"`): `POST /` with `X-Amz-Target: SageMaker.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`; timestamps are epoch seconds (numbers); errors are a non-2xx status with
 * a JSON body `{"__type": "<Code>", "message": "..."}`. It listens on 127.0.0.1 only, on a random free port, so an
 * unmodified `SageMakerClient` with `endpoint` set and fake credentials talks to it (it does not check signatures).
 *
 * Every rule it enforces cites its source next to the code; README.md lists them.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { SageMakerClient, SageMakerClientConfig } from '@aws-sdk/client-sagemaker';
import { SeededRandom, SimClock } from './clock';
import { EXECUTION_STATUS_CHANGE, EVENT_SOURCE, EventBus, STEP_STATUS_CHANGE, camelCaseKeys, isoSeconds } from './events';
import { ApiFaults, StepScript } from './faults';
import { ExecutionRecord, ExecutionStatus, JobRecord, PipelineRunner, StepRecord, StepStatus } from './pipeline-runner';
import { SideEffects, answerSideRequest, classifySideRequest } from './side-services';
import { DefinitionGraph, InvalidDefinitionError, parseDefinition, topologicalOrder } from '../../src/kernel/definition-graph';

export interface EmulatorOptions {
  readonly region?: string;
  readonly account?: string;
  /** Drain the simulated clock by itself (default true). With false, tests drive it with `clock.advance/runAll`. */
  readonly autoRun?: boolean;
  /**
   * Lowercase the pipeline name inside ARNs (default true). Real CLI output shows `PipelineName: "AbalonePipeline"` with
   * `...:pipeline/abalonepipeline` (sagemaker-facts.md section 1, "ARN case"), while other sources show case preserved;
   * lowercase is the harder case for a consumer that compares names and ARNs.
   */
  readonly lowercaseArns?: boolean;
  /** Page size when a List call has no MaxResults (default 10). The API documents no default; see README.md. */
  readonly defaultPageSize?: number;
  /**
   * Never put more than this many items in one page, whatever MaxResults asks (default 100). MaxResults is "the
   * maximum number of ... to return in the response" (API_ListPipelineExecutionSteps.html), so a page may hold fewer
   * items plus a NextToken; a small cap forces clients to follow NextToken.
   */
  readonly maxPageSize?: number;
  /**
   * Real milliseconds a one-time schedule waits, at most, before the rest of its wait elapses on the simulated clock
   * (default 200). Keeps real-time ordering for requests that arrive soon after CreateSchedule: a duplicate delivery
   * still finds the schedule there, as it would during a real multi-minute wait.
   */
  readonly scheduleRealWaitMs?: number;
  /** Seed for ids and job names (default 1): the same seed gives the same ARNs. */
  readonly seed?: number;
  /** Simulated start time (default 2026-01-05T09:00:00Z). */
  readonly startTime?: Date;
}

/** One HTTP call the emulator answered. */
export interface CallRecord {
  readonly seq: number;
  /** `SageMaker` for the emulated API; `EventBridge`, `SNS` or `Scheduler` for the recorded side services */
  readonly service: string;
  /** SageMaker operation name (`StartPipelineExecution`), or `<Service>.<Operation>` for side services */
  readonly operation: string;
  readonly request: Record<string, any>;
  /** real time (ms, `performance.now()`) the request arrived / the response was sent */
  readonly receivedAt: number;
  respondedAt: number;
  /** simulated time when the request arrived (epoch ms) */
  readonly simTime: number;
  status: number;
  errorType?: string;
  errorMessage?: string;
  response?: unknown;
}

interface PipelineVersion {
  readonly id: number;
  readonly definition: string;
  readonly graph: DefinitionGraph;
  readonly createdAt: number;
}

interface PipelineRecord {
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
  clientRequestToken?: string;
}

/** An API error as SageMaker returns it. */
export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const validation = (message: string) => new ApiError('ValidationException', message);
const notFound = (message: string) => new ApiError('ResourceNotFound', message);

/** SageMaker role used when a scenario does not give one. */
export const DEFAULT_ROLE_ARN = 'arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole';

export class SageMakerEmulator {
  /** Starts an emulator on 127.0.0.1 and a random free port. */
  public static async start(options: EmulatorOptions = {}): Promise<SageMakerEmulator> {
    const emulator = new SageMakerEmulator(options);
    await emulator.listen();
    return emulator;
  }

  /**
   * Sequential round trips among `calls`: the longest chain of calls each of which started after the previous one
   * ended. Calls made in parallel count once.
   */
  public static sequentialRoundTrips(calls: readonly CallRecord[]): number {
    const sorted = [...calls].sort((a, b) => a.respondedAt - b.respondedAt);
    const chain: number[] = [];
    for (let i = 0; i < sorted.length; i++) {
      let best = 0;
      for (let j = 0; j < i; j++) if (sorted[j].respondedAt <= sorted[i].receivedAt) best = Math.max(best, chain[j]);
      chain.push(best + 1);
    }
    return chain.length === 0 ? 0 : Math.max(...chain);
  }

  public readonly region: string;
  public readonly account: string;
  public readonly clock: SimClock;
  /** Injected API faults and latency. */
  public readonly faults = new ApiFaults();
  /** Scripted step failures, durations and outputs. */
  public readonly script = new StepScript();
  /** The EventBridge events the emulator emits. */
  public readonly events: EventBus;
  /** Every call answered, in arrival order. */
  public readonly calls: CallRecord[] = [];
  /** Every job any step ran, in creation order. */
  public readonly jobs: JobRecord[] = [];
  /** What clients sent to EventBridge, SNS and Scheduler (recorded only; see side-services.ts). */
  public readonly sideEffects: SideEffects = {
    putEvents: [], snsPublishes: [], schedules: [], scheduleRuns: [], activeSchedules: new Set(), ssmParameters: new Map(), ssmReads: [],
  };

  private readonly random: SeededRandom;
  private readonly lowercaseArns: boolean;
  private readonly defaultPageSize: number;
  private readonly maxPageSize: number;
  private readonly scheduleRealWaitMs: number;
  private pendingScheduleTimers = 0;
  private readonly pipelines = new Map<string, PipelineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly runners = new Map<string, PipelineRunner>();
  private readonly tokens = new Map<string, string>();
  private readonly attempts = new Map<string, number>();
  private server?: http.Server;
  private inFlightRequests = 0;
  private seqCounter = 0;
  private callSeq = 0;
  private baseUrl?: string;

  private constructor(options: EmulatorOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '111122223333';
    this.clock = new SimClock((options.startTime ?? new Date('2026-01-05T09:00:00Z')).getTime(), options.autoRun ?? true);
    this.random = new SeededRandom(options.seed ?? 1);
    this.lowercaseArns = options.lowercaseArns ?? true;
    this.defaultPageSize = options.defaultPageSize ?? 10;
    this.maxPageSize = options.maxPageSize ?? 100;
    this.scheduleRealWaitMs = options.scheduleRealWaitMs ?? 200;
    this.events = new EventBus(() => this.random.uuid());
  }

  /** `http://127.0.0.1:<port>` */
  public get url(): string {
    if (!this.baseUrl) throw new Error('emulator is not listening');
    return this.baseUrl;
  }

  /** A real SageMakerClient pointed at this emulator, with fake credentials. */
  public client(config: Partial<SageMakerClientConfig> = {}): SageMakerClient {
    return new SageMakerClient({
      endpoint: this.url,
      region: this.region,
      credentials: { accessKeyId: 'AKIAEMULATOREXAMPLE', secretAccessKey: 'emulator-secret-not-a-real-key' },
      ...config,
    });
  }

  public async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Programmatic access (tests, scenarios, demo)

  /**
   * Creates the pipeline, or adds a new version when it exists (as CreatePipeline / UpdatePipeline would).
   * Returns the pipeline ARN and the version id.
   */
  public loadPipeline(input: {
    name: string;
    definition: string | object;
    roleArn?: string;
    parallelism?: { MaxParallelExecutionSteps: number };
    description?: string;
  }): { pipelineArn: string; versionId: number } {
    const definition = typeof input.definition === 'string' ? input.definition : JSON.stringify(input.definition);
    if (this.findPipeline(input.name)) {
      const r = this.updatePipeline({ PipelineName: input.name, PipelineDefinition: definition, ParallelismConfiguration: input.parallelism });
      return { pipelineArn: r.PipelineArn, versionId: r.PipelineVersionId };
    }
    const r = this.createPipeline({
      PipelineName: input.name,
      PipelineDefinition: definition,
      RoleArn: input.roleArn ?? DEFAULT_ROLE_ARN,
      ClientRequestToken: randomUUID(),
      ParallelismConfiguration: input.parallelism,
      PipelineDescription: input.description,
    });
    return { pipelineArn: r.PipelineArn, versionId: 1 };
  }

  /** Starts an execution without HTTP (same validation as StartPipelineExecution). */
  public startExecution(request: Record<string, any>): string {
    return this.startPipelineExecution(request).PipelineExecutionArn;
  }

  /** A live view of an execution (throws when unknown). */
  public execution(arn: string): ExecutionRecord {
    const ex = this.findExecution(arn);
    if (!ex) throw new Error(`no execution ${arn}`);
    return ex;
  }

  /** All executions of a pipeline, oldest first. */
  public executionsOf(pipelineName: string): ExecutionRecord[] {
    const p = this.findPipeline(pipelineName);
    return [...this.executions.values()].filter((e) => p && e.pipelineArn === p.arn).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The steps of an execution, oldest first. */
  public stepsOf(arn: string): StepRecord[] {
    return [...this.execution(arn).steps.values()].sort((a, b) => a.seq - b.seq);
  }

  /** SageMaker calls of one operation (or all of them), in arrival order. Side-service calls are in `calls`. */
  public callsOf(operation?: string): CallRecord[] {
    return this.calls.filter((c) => c.service === 'SageMaker' && (!operation || c.operation === operation));
  }

  /** True when nothing is running, scheduled, being delivered or being answered. */
  public isIdle(): boolean {
    const running = [...this.runners.values()].some((r) => !r.done);
    return !running && this.clock.pending === 0 && this.events.pending === 0 && this.inFlightRequests === 0
      && this.pendingScheduleTimers === 0;
  }

  /** Waits (bounded) until `isIdle()`; in manual clock mode it drains the clock. */
  public async waitForIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let stable = 0;
    for (let i = 0; i < 1_000_000 && Date.now() < deadline; i++) {
      if (!this.clock.isAuto) this.clock.runAll();
      if (this.isIdle()) {
        if (++stable >= 3) return;
      } else {
        stable = 0;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    throw new Error(`emulator did not become idle within ${timeoutMs} ms`);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP

  private async listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlightRequests++;
    const receivedAt = performance.now();
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const side = target.startsWith('SageMaker.') ? undefined : classifySideRequest(req, target, body);
      const operation = side ? side.operation : target.startsWith('SageMaker.') ? target.slice('SageMaker.'.length) : target;
      let request: Record<string, any> = {};
      let parseError: ApiError | undefined;
      try {
        request = body ? JSON.parse(body) : {};
      } catch {
        parseError = new ApiError('SerializationException', 'Request body is not valid JSON');
      }
      const call: CallRecord = {
        seq: this.callSeq++,
        service: side ? side.operation.split('.')[0] : 'SageMaker',
        operation,
        request: side ? side.request : request,
        receivedAt,
        respondedAt: receivedAt,
        simTime: this.clock.now(),
        status: 0,
      };
      this.calls.push(call);

      const latency = this.faults.latencyFor(operation);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));

      if (side) {
        const fault = this.faults.take(operation);
        const answer = fault
          ? { status: fault.error.status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.error.type }, body: JSON.stringify({ __type: fault.error.type, message: fault.error.message }) }
          : answerSideRequest(side, this.sideEffects, { uuid: () => this.random.uuid(), region: this.region, account: this.account });
        call.status = answer.status;
        call.respondedAt = performance.now();
        if (answer.status >= 300) call.errorType = answer.headers['x-amzn-errortype'] ?? 'Error';
        if (side.operation === 'Scheduler.CreateSchedule' && answer.status === 200) this.armSchedule(side.request);
        res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body), 'x-amzn-requestid': this.random.uuid() });
        res.end(answer.body);
        return;
      }

      let status = 200;
      let payload: unknown;
      try {
        if (req.method !== 'POST' || !target.startsWith('SageMaker.')) {
          throw new ApiError('UnknownOperationException', `Expected POST / with X-Amz-Target: SageMaker.<Operation>; got ${req.method} ${target || '(no target)'}`);
        }
        if (parseError) throw parseError;
        const fault = this.faults.take(operation);
        if (fault && !fault.afterProcessing) throw new ApiError(fault.error.type, fault.error.message, fault.error.status);
        payload = this.dispatch(operation, request);
        if (fault) throw new ApiError(fault.error.type, fault.error.message, fault.error.status);
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError('InternalFailure', `emulator bug: ${(e as Error).stack ?? e}`, 500);
        status = err.status;
        payload = { __type: err.type, message: err.message };
        call.errorType = err.type;
        call.errorMessage = err.message;
      }
      call.status = status;
      call.response = payload;
      call.respondedAt = performance.now();
      const text = JSON.stringify(payload ?? {});
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': this.random.uuid(),
      });
      res.end(text);
    } finally {
      this.inFlightRequests--;
    }
  }

  private dispatch(operation: string, r: Record<string, any>): unknown {
    switch (operation) {
      case 'CreatePipeline': return this.createPipeline(r);
      case 'UpdatePipeline': return this.updatePipeline(r);
      case 'DescribePipeline': return this.describePipeline(r);
      case 'StartPipelineExecution': return this.startPipelineExecution(r);
      case 'DescribePipelineExecution': return this.describePipelineExecution(r);
      case 'ListPipelineExecutions': return this.listPipelineExecutions(r);
      case 'ListPipelineExecutionSteps': return this.listPipelineExecutionSteps(r);
      case 'DescribePipelineDefinitionForExecution': return this.describePipelineDefinitionForExecution(r);
      case 'ListPipelineParametersForExecution': return this.listPipelineParametersForExecution(r);
      case 'DescribeProcessingJob': return this.describeJob('ProcessingJob', r.ProcessingJobName);
      case 'DescribeTrainingJob': return this.describeJob('TrainingJob', r.TrainingJobName);
      case 'DescribeTransformJob': return this.describeJob('TransformJob', r.TransformJobName);
      default:
        throw new ApiError('UnknownOperationException', `The emulator does not implement SageMaker.${operation}.`);
    }
  }

  /**
   * Fires a one-time schedule whose universal target is SageMaker StartPipelineExecution: `Target.Arn`
   * `arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution` with the API request as `Target.Input`
   * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html), at the time of its
   * `at(yyyy-mm-ddThh:mm:ss)` expression (schedule-types.html, one-time schedules). The wait is measured against the
   * real clock the handler used, and elapses on the simulated clock. `ActionAfterCompletion: DELETE` removes the
   * schedule after it runs (API_CreateSchedule.html). Other targets are recorded only.
   */
  private armSchedule(request: Record<string, any>): void {
    const target = request.Target ?? {};
    const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(String(request.ScheduleExpression ?? ''));
    if (!at || !/^arn:aws[a-z-]*:scheduler:::aws-sdk:sagemaker:startPipelineExecution$/.test(String(target.Arn ?? ''))) return;
    const due = Date.parse(`${at[1]}Z`);
    const key = `${request.GroupName ?? 'default'}/${request.Name}`;
    const wait = Math.max(0, due - Date.now());
    const realWait = Math.min(wait, this.scheduleRealWaitMs);
    this.pendingScheduleTimers++;
    setTimeout(() => {
      this.pendingScheduleTimers--;
      this.clock.schedule(wait - realWait, () => this.fireSchedule(request, key));
    }, realWait);
  }

  private fireSchedule(request: Record<string, any>, key: string): void {
    const target = request.Target ?? {};
    try {
      const started = this.startPipelineExecution(JSON.parse(String(target.Input ?? '{}')));
      this.sideEffects.scheduleRuns.push({ name: request.Name, executionArn: started.PipelineExecutionArn });
    } catch (e) {
      this.sideEffects.scheduleRuns.push({ name: request.Name, error: e instanceof ApiError ? `${e.type}: ${e.message}` : String(e) });
    }
    if (request.ActionAfterCompletion === 'DELETE') this.sideEffects.activeSchedules.delete(key);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Pipelines

  private createPipeline(r: Record<string, any>): { PipelineArn: string } {
    required(r, 'PipelineName', 'RoleArn', 'ClientRequestToken');
    checkPipelineName(r.PipelineName);
    // ClientRequestToken: required, 32-128 chars, idempotent (API_CreatePipeline.html).
    checkLength('clientRequestToken', r.ClientRequestToken, 32, 128);
    const idem = this.tokens.get(`CreatePipeline:${r.ClientRequestToken}`);
    if (idem) return { PipelineArn: idem };
    if (this.findPipeline(r.PipelineName)) {
      throw new ApiError('ResourceInUse', `Pipeline ${r.PipelineName} already exists.`);
    }
    const version = this.newVersion(1, r);
    checkLength('pipelineDescription', r.PipelineDescription, 0, 3072);
    checkParallelism(r.ParallelismConfiguration);
    const now = this.clock.now();
    const arn = `arn:aws:sagemaker:${this.region}:${this.account}:pipeline/${this.lowercaseArns ? r.PipelineName.toLowerCase() : r.PipelineName}`;
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
      clientRequestToken: r.ClientRequestToken,
    });
    this.tokens.set(`CreatePipeline:${r.ClientRequestToken}`, arn);
    return { PipelineArn: arn };
  }

  private updatePipeline(r: Record<string, any>): { PipelineArn: string; PipelineVersionId: number } {
    required(r, 'PipelineName');
    const p = this.pipelineOrThrow(r.PipelineName);
    const latest = p.versions[p.versions.length - 1];
    // Every update creates a new pipeline version (UpdatePipelineResponse.PipelineVersionId, JS SDK models_5).
    const changes = r.PipelineDefinition || r.PipelineDefinitionS3Location ? r : { PipelineDefinition: latest.definition };
    const version = this.newVersion(latest.id + 1, changes);
    checkParallelism(r.ParallelismConfiguration);
    p.versions.push(version);
    if (r.PipelineDisplayName !== undefined) p.displayName = r.PipelineDisplayName;
    if (r.PipelineDescription !== undefined) p.description = r.PipelineDescription;
    if (r.RoleArn !== undefined) p.roleArn = r.RoleArn;
    if (r.ParallelismConfiguration !== undefined) p.parallelism = r.ParallelismConfiguration;
    p.lastModifiedAt = this.clock.now();
    return { PipelineArn: p.arn, PipelineVersionId: version.id };
  }

  private newVersion(id: number, r: Record<string, any>): PipelineVersion {
    if (r.PipelineDefinitionS3Location) {
      throw validation('The emulator does not read PipelineDefinitionS3Location; pass PipelineDefinition.');
    }
    required(r, 'PipelineDefinition');
    // PipelineDefinition: 1 to 1,048,576 characters (API_CreatePipeline.html).
    checkLength('pipelineDefinition', r.PipelineDefinition, 1, 1_048_576);
    let graph: DefinitionGraph;
    try {
      graph = parseDefinition(r.PipelineDefinition);
      topologicalOrder(graph); // rejects cycles
    } catch (e) {
      if (e instanceof InvalidDefinitionError) throw validation(`Invalid pipeline definition: ${e.message}`);
      throw e;
    }
    return { id, definition: r.PipelineDefinition, graph, createdAt: this.clock.now() };
  }

  private describePipeline(r: Record<string, any>): unknown {
    required(r, 'PipelineName');
    const p = this.pipelineOrThrow(r.PipelineName);
    const v = this.version(p, r.PipelineVersionId);
    return clean({
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
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Executions

  private startPipelineExecution(r: Record<string, any>): { PipelineExecutionArn: string } {
    required(r, 'PipelineName');
    const p = this.pipelineOrThrow(r.PipelineName);

    // ClientRequestToken: 32-128 characters; "an idempotent operation completes no more than once"
    // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartPipelineExecution.html). The same token
    // returns the execution it started, and starts nothing new.
    if (r.ClientRequestToken !== undefined) {
      checkLength('clientRequestToken', r.ClientRequestToken, 32, 128);
      const prior = this.tokens.get(`StartPipelineExecution:${r.ClientRequestToken}`);
      if (prior) return { PipelineExecutionArn: prior };
    }
    // PipelineExecutionDisplayName: 1-82 chars, [a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}; description 0-3072 (same page).
    if (r.PipelineExecutionDisplayName !== undefined && !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/.test(r.PipelineExecutionDisplayName)) {
      throw validation(`1 validation error detected: Value '${r.PipelineExecutionDisplayName}' at 'pipelineExecutionDisplayName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}`);
    }
    checkLength('pipelineExecutionDescription', r.PipelineExecutionDescription, 0, 3072);
    checkParallelism(r.ParallelismConfiguration);
    // PipelineParameters: Name 1-256, Value 0-1024, at most 200 (API_Parameter.html, API_StartPipelineExecution.html).
    const params: Array<{ Name: string; Value: string }> = r.PipelineParameters ?? [];
    if (!Array.isArray(params) || params.length > 200) throw validation('PipelineParameters must be a list of at most 200 {Name, Value}.');
    for (const q of params) {
      if (typeof q?.Name !== 'string' || typeof q?.Value !== 'string') throw validation('Each PipelineParameters entry needs a string Name and a string Value.');
      checkLength('pipelineParameters.member.value', q.Value, 0, 1024);
    }
    // PipelineVersionId selects the version; without it the latest runs (SDK-v2 pipeline.py `start`: "If not
    // specified, uses the latest version ID").
    const version = this.version(p, r.PipelineVersionId);

    const selective = r.SelectiveExecutionConfig;
    if (selective !== undefined) this.validateSelective(p, version, selective);

    // Omitted parameters take their defaults (sagemaker-facts.md section 2: "Parameters are NOT copied from the
    // source automatically"); ListPipelineParametersForExecution then reports the resolved values.
    const resolved: Array<{ Name: string; Value: string }> = [];
    for (const def of version.graph.parameters) {
      const given = params.find((q) => q.Name === def.name);
      if (given) resolved.push({ Name: def.name, Value: given.Value });
      else if (def.defaultValue !== undefined) resolved.push({ Name: def.name, Value: String(def.defaultValue) });
    }
    for (const q of params) if (!resolved.some((x) => x.Name === q.Name)) resolved.push({ Name: q.Name, Value: q.Value });

    const id = this.random.id(12);
    const now = this.clock.now();
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
      parameters: resolved,
      parallelism: r.ParallelismConfiguration ?? p.parallelism,
      ...(selective ? { selective: structuredClone(selective) } : {}),
      ...(r.ClientRequestToken ? { clientRequestToken: r.ClientRequestToken } : {}),
      createdAt: now,
      lastModifiedAt: now,
      steps: new Map(),
    };
    this.executions.set(ex.arn, ex);
    if (r.ClientRequestToken !== undefined) this.tokens.set(`StartPipelineExecution:${r.ClientRequestToken}`, ex.arn);
    p.lastRunAt = now;
    const runner = new PipelineRunner(this.runnerHost(), ex);
    this.runners.set(ex.arn, runner);
    runner.start();
    return { PipelineExecutionArn: ex.arn };
  }

  /**
   * Selective-execution rules, each from its documentation:
   * - SelectedSteps: 1 to 50 items, StepName 1-256 (API_SelectiveExecutionConfig.html, API_SelectedStep.html);
   * - the source is "a reference execution of the current pipeline" whose status "can be either Failed or Success"
   *   (API_SelectiveExecutionConfig.html; pipelines-selective-ex.html: "must be in Success or Failed state"; the
   *   Python SDK docstring also allows Stopped, so Stopped is accepted and Executing/Stopping are rejected);
   * - every selected step must be a step of the pipeline version being run;
   * - "All step(s) in all path(s) between two selected steps should be included" (API_SelectiveExecutionConfig.html;
   *   pipelines-selective-ex.html: AbaloneTrain+AbaloneMSECond without AbaloneEval is rejected);
   * - SourcePipelineExecutionArn "is required if the steps you specify for SelectedSteps depend on output collaterals
   *   from any non-specified pipeline steps" (API_SelectiveExecutionConfig.html), with the error text SageMaker gives
   *   (https://github.com/aws/sagemaker-python-sdk/issues/4444: "Invalid SourcePipelineExecutionArn: null. The selected
   *   steps [X] have dependencies on [Y, ...]");
   * - the source must have those collaterals: a non-selected step a selected step depends on must have succeeded in the
   *   source (inferred from the same rule — the outputs are "copied" from the reference; README.md marks it inferred).
   */
  private validateSelective(p: PipelineRecord, version: PipelineVersion, cfg: Record<string, any>): void {
    const list = cfg.SelectedSteps;
    if (!Array.isArray(list) || list.length < 1 || list.length > 50) {
      throw validation(`1 validation error detected: Value at 'selectiveExecutionConfig.selectedSteps' failed to satisfy constraint: Member must have length between 1 and 50 (got ${Array.isArray(list) ? list.length : 'none'}).`);
    }
    const names: string[] = [];
    for (const s of list) {
      if (typeof s?.StepName !== 'string' || s.StepName.length < 1 || s.StepName.length > 256) {
        throw validation(`Each SelectedSteps entry needs a StepName of 1-256 characters; got ${JSON.stringify(s)}.`);
      }
      names.push(s.StepName);
    }
    const graph = version.graph;
    const unknown = names.filter((n) => !graph.steps.has(n));
    if (unknown.length > 0) {
      throw validation(`Selected step(s) [${unknown.join(', ')}] are not steps of pipeline ${p.name} version ${version.id}.`);
    }
    const selected = new Set(names);

    // Path closure: a step lies on a path between two selected steps iff it is a strict descendant of one and a strict
    // ancestor of another.
    const below = reach(graph.successors, names);
    const above = reach(graph.predecessors, names);
    const gaps = [...below].filter((n) => above.has(n) && !selected.has(n)).sort();
    if (gaps.length > 0) {
      throw validation(`All step(s) in all path(s) between two selected steps should be included. Missing: [${gaps.join(', ')}].`);
    }

    const source = cfg.SourcePipelineExecutionArn;
    const deps = new Map<string, string[]>();
    for (const n of names) {
      for (const pred of graph.predecessors.get(n) ?? []) {
        if (!selected.has(pred)) deps.set(n, [...(deps.get(n) ?? []), pred]);
      }
    }
    if (source === undefined || source === null || source === '') {
      if (deps.size > 0) {
        const steps = [...deps.keys()].sort();
        const on = [...new Set([...deps.values()].flat())].sort();
        throw validation(`Invalid SourcePipelineExecutionArn: null. The selected steps [${steps.join(', ')}] have dependencies on [${on.join(', ')}].`);
      }
      return;
    }
    if (!/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:pipeline\/.*\/execution\/.*$/.test(source)) {
      throw validation(`1 validation error detected: Value '${source}' at 'selectiveExecutionConfig.sourcePipelineExecutionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:pipeline\\/.*\\/execution\\/.*`);
    }
    const src = this.findExecution(source);
    if (!src) throw notFound(`Pipeline execution ${source} does not exist.`);
    if (src.pipelineArn !== p.arn) {
      throw validation(`SourcePipelineExecutionArn ${source} is not an execution of pipeline ${p.name}.`);
    }
    if (src.status === 'Executing' || src.status === 'Stopping') {
      throw validation(`The source pipeline execution ${source} is ${src.status}; it must be Succeeded or Failed.`);
    }
    const missing = new Map<string, string[]>();
    for (const [step, preds] of deps) {
      for (const pred of preds) {
        const rec = src.steps.get(pred);
        if (!rec || rec.StepStatus !== 'Succeeded') missing.set(step, [...(missing.get(step) ?? []), pred]);
      }
    }
    if (missing.size > 0) {
      const steps = [...missing.keys()].sort();
      const on = [...new Set([...missing.values()].flat())].sort();
      throw validation(`The selected steps [${steps.join(', ')}] have dependencies on [${on.join(', ')}], which did not succeed in the source execution ${source}.`);
    }
  }

  private describePipelineExecution(r: Record<string, any>): unknown {
    required(r, 'PipelineExecutionArn');
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    return clean({
      PipelineArn: ex.pipelineArn,
      PipelineExecutionArn: ex.arn,
      PipelineExecutionDisplayName: ex.displayName ?? `execution-${secs(ex.createdAt) * 1000}`,
      PipelineExecutionStatus: ex.status,
      PipelineExecutionDescription: ex.description,
      FailureReason: ex.failureReason,
      CreationTime: secs(ex.createdAt),
      LastModifiedTime: secs(ex.lastModifiedAt),
      ParallelismConfiguration: ex.parallelism,
      SelectiveExecutionConfig: ex.selective,
      PipelineVersionId: ex.versionId,
    });
  }

  private listPipelineExecutions(r: Record<string, any>): unknown {
    required(r, 'PipelineName');
    const p = this.pipelineOrThrow(r.PipelineName);
    let list = [...this.executions.values()].filter((e) => e.pipelineArn === p.arn);
    if (r.CreatedAfter !== undefined) list = list.filter((e) => e.createdAt / 1000 > Number(r.CreatedAfter));
    if (r.CreatedBefore !== undefined) list = list.filter((e) => e.createdAt / 1000 < Number(r.CreatedBefore));
    const by = r.SortBy === 'PipelineExecutionArn' ? (e: ExecutionRecord) => e.arn : (e: ExecutionRecord) => e.createdAt;
    // Default order: newest first (the SDK's `reference_latest_execution` relies on CreationTime Descending).
    const dir = r.SortOrder === 'Ascending' ? 1 : -1;
    list.sort((a, b) => (by(a) < by(b) ? -dir : by(a) > by(b) ? dir : 0));
    const page = this.page(`ListPipelineExecutions:${p.arn}`, list, r);
    return clean({
      PipelineExecutionSummaries: page.items.map((e) => clean({
        PipelineExecutionArn: e.arn,
        StartTime: secs(e.createdAt),
        PipelineExecutionStatus: e.status,
        PipelineExecutionDescription: e.description,
        PipelineExecutionDisplayName: e.displayName,
        PipelineExecutionFailureReason: e.failureReason,
      })),
      NextToken: page.next,
    });
  }

  /**
   * Newest first by default (SDK-v2 integ helpers assert the last step at index 0; "The default is CreatedTime",
   * API_ListPipelineExecutionSteps.html); `SortOrder: Ascending` reverses. MaxResults 1-100 (same page).
   */
  private listPipelineExecutionSteps(r: Record<string, any>): unknown {
    required(r, 'PipelineExecutionArn');
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    const steps = [...ex.steps.values()].sort((a, b) => (r.SortOrder === 'Ascending' ? a.seq - b.seq : b.seq - a.seq));
    const page = this.page(`ListPipelineExecutionSteps:${ex.arn}`, steps, r);
    return clean({ PipelineExecutionSteps: page.items.map(stepToApi), NextToken: page.next });
  }

  /** The definition of the version the execution ran (API_DescribePipelineDefinitionForExecution.html). */
  private describePipelineDefinitionForExecution(r: Record<string, any>): unknown {
    required(r, 'PipelineExecutionArn');
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    return { PipelineDefinition: ex.definition, CreationTime: secs(ex.definitionCreatedAt) };
  }

  /** Paginated with NextToken/MaxResults 1-100 (API_ListPipelineParametersForExecution.html). */
  private listPipelineParametersForExecution(r: Record<string, any>): unknown {
    required(r, 'PipelineExecutionArn');
    const ex = this.executionOrThrow(r.PipelineExecutionArn);
    const page = this.page(`ListPipelineParametersForExecution:${ex.arn}`, ex.parameters, r);
    return clean({ PipelineParameters: page.items.map((q) => ({ ...q })), NextToken: page.next });
  }

  private describeJob(kind: JobRecord['kind'], name: unknown): unknown {
    if (typeof name !== 'string' || !name) throw validation(`1 validation error detected: Value null at '${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name' failed to satisfy constraint: Member must not be null`);
    const job = this.jobs.find((j) => j.kind === kind && j.name === name);
    if (!job) throw validation(`Could not find ${kind === 'ProcessingJob' ? 'processing' : kind === 'TrainingJob' ? 'training' : 'transform'} job '${name}'.`);
    const times = {
      CreationTime: secs(job.createdAt),
      LastModifiedTime: secs(job.endedAt ?? job.startedAt),
    };
    const failure = job.failureReason ? { FailureReason: job.failureReason } : {};
    const pipelineExecutionArn = job.executionArn;
    switch (kind) {
      case 'ProcessingJob':
        return clean({
          ProcessingJobName: job.name,
          ProcessingJobArn: job.arn,
          ProcessingJobStatus: job.status,
          ProcessingResources: { ClusterConfig: { InstanceCount: job.instanceCount, InstanceType: job.instanceType ?? 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
          AppSpecification: { ImageUri: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3' },
          RoleArn: DEFAULT_ROLE_ARN,
          ProcessingStartTime: secs(job.startedAt),
          ProcessingEndTime: job.endedAt === undefined ? undefined : secs(job.endedAt),
          ...failure,
          ...times,
          PipelineExecutionArn: pipelineExecutionArn,
        });
      case 'TrainingJob':
        return clean({
          TrainingJobName: job.name,
          TrainingJobArn: job.arn,
          TrainingJobStatus: job.status,
          SecondaryStatus: job.status === 'Completed' ? 'Completed' : job.status === 'Failed' ? 'Failed' : 'Training',
          AlgorithmSpecification: { TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', TrainingInputMode: 'File' },
          ResourceConfig: { InstanceCount: job.instanceCount, InstanceType: job.instanceType ?? 'ml.m5.xlarge', VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 86400 },
          ModelArtifacts: job.status === 'Completed' ? { S3ModelArtifacts: `s3://sagemaker-${this.region}-${this.account}/${job.name}/output/model.tar.gz` } : undefined,
          TrainingStartTime: secs(job.startedAt),
          TrainingEndTime: job.endedAt === undefined ? undefined : secs(job.endedAt),
          ...failure,
          ...times,
        });
      default:
        return clean({
          TransformJobName: job.name,
          TransformJobArn: job.arn,
          TransformJobStatus: job.status,
          ModelName: `pipelines-${job.name}`,
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://example/batch' } } },
          TransformResources: { InstanceCount: job.instanceCount, InstanceType: job.instanceType ?? 'ml.m5.xlarge' },
          TransformStartTime: secs(job.startedAt),
          TransformEndTime: job.endedAt === undefined ? undefined : secs(job.endedAt),
          ...failure,
          CreationTime: times.CreationTime,
        });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private page<T>(key: string, items: readonly T[], r: Record<string, any>): { items: T[]; next?: string } {
    let size = this.defaultPageSize;
    if (r.MaxResults !== undefined) {
      // MaxResults: "Minimum value of 1. Maximum value of 100." (API_ListPipelineExecutionSteps.html and siblings)
      if (!Number.isInteger(r.MaxResults) || r.MaxResults < 1 || r.MaxResults > 100) {
        throw validation(`1 validation error detected: Value '${r.MaxResults}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`);
      }
      size = r.MaxResults;
    }
    let offset = 0;
    if (r.NextToken !== undefined && r.NextToken !== null) {
      let decoded: { k?: string; o?: number } = {};
      try {
        decoded = JSON.parse(Buffer.from(String(r.NextToken), 'base64url').toString('utf8'));
      } catch {
        decoded = {};
      }
      if (decoded.k !== key || !Number.isInteger(decoded.o) || decoded.o! < 0) throw validation('Invalid pagination token (NextToken).');
      offset = decoded.o!;
    }
    size = Math.min(size, this.maxPageSize);
    const slice = items.slice(offset, offset + size);
    const nextOffset = offset + slice.length;
    const next = nextOffset < items.length ? Buffer.from(JSON.stringify({ k: key, o: nextOffset })).toString('base64url') : undefined;
    return { items: slice, next };
  }

  private runnerHost() {
    return {
      region: this.region,
      account: this.account,
      now: () => this.clock.now(),
      schedule: (ms: number, fn: () => void) => this.clock.schedule(ms, fn),
      nextSeq: () => this.seqCounter++,
      randomId: (n: number) => this.random.id(n),
      nextAttempt: (pipeline: string, step: string) => {
        const key = `${pipeline}\u0000${step}`;
        const n = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, n);
        return n;
      },
      failureFor: (pipeline: string, step: string, attempt: number, parameter: (name: string) => string | undefined) =>
        this.script.failureFor(pipeline, step, attempt, parameter),
      durationFor: (step: string, type: string) => this.script.durationFor(step, type),
      outputsFor: (step: string, attempt: number) => this.script.outputsFor(step, attempt),
      execution: (arn: string) => this.findExecution(arn),
      registerJob: (job: JobRecord) => this.jobs.push(job),
      onStepChange: (ex: ExecutionRecord, step: StepRecord, previous: StepStatus | undefined) => this.emitStep(ex, step, previous),
      onExecutionChange: (ex: ExecutionRecord, previous: ExecutionStatus | undefined) => this.emitExecution(ex, previous),
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
      pipelineArn: ex.pipelineArn,
      pipelineExecutionArn: ex.arn,
    };
    this.publish(STEP_STATUS_CHANGE, ex, detail);
  }

  private publish(detailType: string, ex: ExecutionRecord, detail: Record<string, unknown>): void {
    this.events.publish({
      'version': '0',
      'detail-type': detailType,
      'source': EVENT_SOURCE,
      'account': this.account,
      'time': isoSeconds(this.clock.now()),
      'region': this.region,
      'resources': [ex.pipelineArn, ex.arn],
      detail,
    });
  }

  private findPipeline(nameOrArn: string): PipelineRecord | undefined {
    const exact = this.pipelines.get(nameOrArn);
    if (exact) return exact;
    // PipelineName accepts a name or an ARN (API_StartPipelineExecution.html pattern); ARNs are matched without case
    // because SageMaker itself may hand them out lowercased (sagemaker-facts.md section 1).
    if (nameOrArn.startsWith('arn:')) {
      return [...this.pipelines.values()].find((p) => p.arn.toLowerCase() === nameOrArn.toLowerCase());
    }
    return undefined;
  }

  private pipelineOrThrow(nameOrArn: unknown): PipelineRecord {
    const p = typeof nameOrArn === 'string' ? this.findPipeline(nameOrArn) : undefined;
    if (!p) throw notFound(`Pipeline '${String(nameOrArn)}' does not exist.`);
    return p;
  }

  private version(p: PipelineRecord, id: unknown): PipelineVersion {
    if (id === undefined || id === null) return p.versions[p.versions.length - 1];
    const v = p.versions.find((x) => x.id === id);
    if (!v) throw notFound(`Pipeline version ${String(id)} of pipeline ${p.name} does not exist.`);
    return v;
  }

  private findExecution(arn: string): ExecutionRecord | undefined {
    return this.executions.get(arn) ?? [...this.executions.values()].find((e) => e.arn.toLowerCase() === arn.toLowerCase());
  }

  private executionOrThrow(arn: unknown): ExecutionRecord {
    const ex = typeof arn === 'string' ? this.findExecution(arn) : undefined;
    if (!ex) throw notFound(`Pipeline execution '${String(arn)}' does not exist.`);
    return ex;
  }
}

function stepToApi(s: StepRecord): Record<string, unknown> {
  return clean({
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
  });
}

function reach(edges: ReadonlyMap<string, ReadonlySet<string>>, from: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const f of from) for (const n of edges.get(f) ?? []) stack.push(n);
  for (let guard = 0; stack.length > 0 && guard < 1_000_000; guard++) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const m of edges.get(n) ?? []) stack.push(m);
  }
  return seen;
}

/** Epoch seconds, the AWS JSON 1.1 timestamp format. */
function secs(ms: number): number {
  return ms / 1000;
}

function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function required(r: Record<string, any>, ...fields: string[]): void {
  for (const f of fields) {
    if (r[f] === undefined || r[f] === null) {
      throw validation(`1 validation error detected: Value null at '${f.charAt(0).toLowerCase()}${f.slice(1)}' failed to satisfy constraint: Member must not be null`);
    }
  }
}

function checkLength(field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw validation(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between ${min} and ${max} (got ${typeof value === 'string' ? value.length : typeof value}).`);
  }
}

/** PipelineName: 1-256, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}` (API_CreatePipeline.html). */
function checkPipelineName(name: unknown): void {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(name)) {
    throw validation(`1 validation error detected: Value '${String(name)}' at 'pipelineName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}`);
  }
}

/** ParallelismConfiguration.MaxParallelExecutionSteps: minimum 1 (API_ParallelismConfiguration.html). */
function checkParallelism(cfg: unknown): void {
  if (cfg === undefined || cfg === null) return;
  const n = (cfg as { MaxParallelExecutionSteps?: unknown }).MaxParallelExecutionSteps;
  if (!Number.isInteger(n) || (n as number) < 1) {
    throw validation(`1 validation error detected: Value '${String(n)}' at 'parallelismConfiguration.maxParallelExecutionSteps' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  }
}
