/**
 * A local emulator of the SageMaker Pipelines API subset the selective-retry handler and CLI use. TEST DOUBLE ONLY.
 *
 * This file is the facade tests and the demo use: options, the programmatic view of what happened (executions,
 * steps, jobs, calls), scheduling of one-time schedules, and idleness. The concerns live beside it:
 * transport.ts (HTTP, AWS JSON 1.1, errors), operations.ts (the API operations and their records),
 * service-model.ts + model/ (request validation and response shapes from AWS's service model), server-rules.ts (the
 * rules the model does not carry), pipeline-runner.ts (running a DAG), clock.ts, events.ts, faults.ts,
 * side-services.ts, lambda-harness.ts, scenarios.ts, timeline.ts. README.md lists every rule with its source.
 */
import { SageMakerClient, SageMakerClientConfig } from '@aws-sdk/client-sagemaker';
import { SeededRandom, SimClock } from './clock';
import { EventBus } from './events';
import { ApiFaults, StepScript } from './faults';
import { DEFAULT_ROLE_ARN, SageMakerApi } from './operations';
import { ExecutionRecord, JobRecord, StepRecord } from './pipeline-runner';
import { SelectionRule } from './server-rules';
import { ServiceModel } from './service-model';
import { SideEffects, SideRequest, answerSideRequest } from './side-services';
import { ApiError, AwsJsonServer, CallRecord } from './transport';

/** How long a `ClientRequestToken` is remembered unless the options say otherwise (see `idempotencyTokenLifetimeMs`). */
export const IDEMPOTENCY_TOKEN_LIFETIME_MS = 8 * 3600_000;

export { ApiError } from './transport';
export type { CallRecord } from './transport';
export { DEFAULT_ROLE_ARN, STEP_FAILURE_REASON } from './operations';
export { SERVER_RULES } from './server-rules';
export type { SelectionRule } from './server-rules';

/** How a reused Condition step is listed (see `EmulatorOptions.reusedConditionOutcome`). */
export type ReusedConditionOutcome = 'copied' | 'omitted';

export interface EmulatorOptions {
  readonly region?: string;
  readonly account?: string;
  /** Drain the simulated clock by itself (default true). With false, tests drive it with `clock.advance/runAll`. */
  readonly autoRun?: boolean;
  /**
   * Lowercase the pipeline name inside ARNs (default true). Real CLI output shows `PipelineName: "AbalonePipeline"` with
   * `...:pipeline/abalonepipeline` in public CLI outputs, while other sources show case preserved;
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
  /**
   * Which selections of steps a selective execution accepts (README.md, *Selective execution*): `'paths-between'`
   * requires every step on a path between two selected steps (API_SelectiveExecutionConfig.html); `'connected'` also
   * requires the selected steps to be connected in the DAG (pipelines-selective-ex.html). Default: the environment
   * variable `EMULATOR_SELECTION_RULE` when set (to run a whole suite under either reading), else `'paths-between'`.
   */
  readonly selectionRule?: SelectionRule;
  /**
   * Whether a Condition step a selective execution reuses (does not select) is listed with the source's
   * `Metadata.Condition.Outcome` (`'copied'`) or without it (`'omitted'`). UNCERTAIN (README.md, *Server-side
   * rules*): the guide says only that non-selected steps reuse the source's outputs
   * (https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-selective-ex.html); no source shows the step record of a
   * reused Condition. Either way the execution itself follows the source's outcome. Default: the environment variable
   * `EMULATOR_REUSED_CONDITION_OUTCOME` when set (to run a whole suite either way), else `'omitted'`: the harder case
   * for a consumer, so the strict default.
   */
  readonly reusedConditionOutcome?: ReusedConditionOutcome;
  /**
   * Simulated milliseconds for which a `ClientRequestToken` is remembered after its first use; after that, the same
   * token starts a new execution. UNCERTAIN (README.md, *Assumptions*): SageMaker documents no lifetime for its
   * tokens, while other AWS APIs document bounded ones (e.g. 8 hours:
   * https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_CreatePolicy.html, `clientToken`). Default:
   * 8 hours, the bounded reading: code under test must not rely on a token to absorb a delivery that comes later.
   * @default IDEMPOTENCY_TOKEN_LIFETIME_MS
   */
  readonly idempotencyTokenLifetimeMs?: number;
  /** Seed for ids and job names (default 1): the same seed gives the same ARNs. */
  readonly seed?: number;
  /** Simulated start time (default 2026-01-05T09:00:00Z). */
  readonly startTime?: Date;
}

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

  /** AWS's service model: every request is validated against it, every response shaped by it. */
  public readonly model: ServiceModel;

  private readonly random: SeededRandom;
  private readonly scheduleRealWaitMs: number;
  private pendingScheduleTimers = 0;
  private readonly api: SageMakerApi;
  private readonly server: AwsJsonServer;

  private constructor(options: EmulatorOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '111122223333';
    this.clock = new SimClock((options.startTime ?? new Date('2026-01-05T09:00:00Z')).getTime(), options.autoRun ?? true);
    this.random = new SeededRandom(options.seed ?? 1);
    this.scheduleRealWaitMs = options.scheduleRealWaitMs ?? 200;
    this.events = new EventBus(() => this.random.uuid());
    this.model = sharedModel();
    this.api = new SageMakerApi({
      region: this.region,
      account: this.account,
      clock: this.clock,
      random: this.random,
      script: this.script,
      events: this.events,
      jobs: this.jobs,
      model: this.model,
      lowercaseArns: options.lowercaseArns ?? true,
      defaultPageSize: options.defaultPageSize ?? 10,
      maxPageSize: options.maxPageSize ?? 100,
      selectionRule: options.selectionRule ?? switchFromEnv<SelectionRule>('EMULATOR_SELECTION_RULE', ['paths-between', 'connected']),
      reusedConditionOutcome: options.reusedConditionOutcome
        ?? switchFromEnv<ReusedConditionOutcome>('EMULATOR_REUSED_CONDITION_OUTCOME', ['omitted', 'copied']),
      idempotencyTokenLifetimeMs: options.idempotencyTokenLifetimeMs ?? IDEMPOTENCY_TOKEN_LIFETIME_MS,
    });
    this.server = new AwsJsonServer({
      faults: this.faults,
      calls: this.calls,
      simTime: () => this.clock.now(),
      requestId: () => this.random.uuid(),
      answer: (operation, request) => this.api.call(operation, request),
      answerSide: (side) => this.answerSide(side),
    });
  }

  /** `http://127.0.0.1:<port>` */
  public get url(): string {
    return this.server.url;
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
    await this.server.close();
  }

  /**
   * Calls an operation without HTTP, as an AWS SDK would: idempotency tokens the caller left out are filled in (the
   * SDKs do this for members marked `idempotencyToken` in the model); the request is then validated like any other.
   */
  public send(operation: string, request: Record<string, unknown>): any {
    return this.api.call(operation, this.model.fillIdempotencyTokens(operation, request));
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
    if (this.api.findPipeline(input.name)) {
      const r = this.send('UpdatePipeline', { PipelineName: input.name, PipelineDefinition: definition, ParallelismConfiguration: input.parallelism });
      return { pipelineArn: r.PipelineArn, versionId: r.PipelineVersionId };
    }
    const r = this.send('CreatePipeline', {
      PipelineName: input.name,
      PipelineDefinition: definition,
      RoleArn: input.roleArn ?? DEFAULT_ROLE_ARN,
      ParallelismConfiguration: input.parallelism,
      PipelineDescription: input.description,
    });
    return { pipelineArn: r.PipelineArn, versionId: 1 };
  }

  /** Starts an execution without HTTP (same validation and rules as StartPipelineExecution). */
  public startExecution(request: Record<string, any>): string {
    return this.send('StartPipelineExecution', request).PipelineExecutionArn;
  }

  /** A live view of an execution (throws when unknown). */
  public execution(arn: string): ExecutionRecord {
    const ex = this.api.findExecution(arn);
    if (!ex) throw new Error(`no execution ${arn}`);
    return ex;
  }

  /** All executions of a pipeline, oldest first. */
  public executionsOf(pipelineName: string): ExecutionRecord[] {
    const p = this.api.findPipeline(pipelineName);
    return [...this.api.executions.values()].filter((e) => p && e.pipelineArn === p.arn).sort((a, b) => a.createdAt - b.createdAt);
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
    return !this.api.running && this.clock.pending === 0 && this.events.pending === 0 && this.server.inFlightRequests === 0
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
      // Sent as given: the schedule's Input is the whole request, token included (no SDK fills anything in).
      const started = this.api.call('StartPipelineExecution', JSON.parse(String(target.Input ?? '{}'))) as { PipelineExecutionArn: string };
      this.sideEffects.scheduleRuns.push({ name: request.Name, executionArn: started.PipelineExecutionArn });
    } catch (e) {
      this.sideEffects.scheduleRuns.push({ name: request.Name, error: e instanceof ApiError ? `${e.type}: ${e.message}` : String(e) });
    }
    if (request.ActionAfterCompletion === 'DELETE') this.sideEffects.activeSchedules.delete(key);
  }

  private async listen(): Promise<void> {
    await this.server.listen();
  }

  private answerSide(side: SideRequest) {
    const answer = answerSideRequest(side, this.sideEffects, { uuid: () => this.random.uuid(), region: this.region, account: this.account });
    if (side.operation === 'Scheduler.CreateSchedule' && answer.status === 200) this.armSchedule(side.request);
    return answer;
  }
}

/**
 * A switch's value from the environment variable `variable` (one of `values`, the first being the default when it is
 * unset), so a whole suite can run either way, e.g. `EMULATOR_SELECTION_RULE=connected npx jest test/e2e`.
 */
function switchFromEnv<T extends string>(variable: string, values: readonly [T, T]): T {
  const fromEnv = process.env[variable];
  if (fromEnv === undefined || fromEnv === '') return values[0];
  if (!(values as readonly string[]).includes(fromEnv)) {
    throw new Error(`${variable} must be '${values[0]}' or '${values[1]}', got '${fromEnv}'`);
  }
  return fromEnv as T;
}

let model: ServiceModel | undefined;
/** The model is read once per process: every emulator uses the same file. */
function sharedModel(): ServiceModel {
  model ??= ServiceModel.load();
  return model;
}
