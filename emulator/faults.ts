/**
 * Fault injection for the SageMaker emulator: faults of the API itself (latency, throttling, 5xx) and scripted
 * failures of pipeline steps (by step, by attempt, with a failure reason).
 */

/** The error SageMaker's API answers with, on the wire. */
export interface WireError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/**
 * Throttling: SageMaker (AWS JSON 1.1) answers `ThrottlingException` with HTTP 400 ("Rate exceeded"); server faults
 * are HTTP 5xx. Sources: AWS "Common Errors" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html:
 * ThrottlingException 400, InternalFailure 500, ServiceUnavailable 503); the JS SDK retries exactly these
 * (`@smithy/service-error-classification`: THROTTLING_ERROR_CODES includes ThrottlingException, 5xx are transient).
 */
export const API_FAULTS = {
  throttle: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
  internal: { status: 500, type: 'InternalFailure', message: 'We encountered an internal error. Please try again.' },
  unavailable: { status: 503, type: 'ServiceUnavailable', message: 'Service is unavailable. Please try again later.' },
  /**
   * ConflictException (HTTP 400), modeled for StartPipelineExecution and the other mutating pipeline calls ("There was a
   * conflict when you attempted to modify a SageMaker entity", the model's documentation; API_StartPipelineExecution.html
   * Errors). Retrying later can succeed.
   */
  conflict: { status: 400, type: 'ConflictException', message: 'There was a conflict when you attempted to modify a SageMaker entity. Please retry.' },
  /** A synthetic rejection (HTTP 400 ValidationException), for testing how a client treats non-retryable errors. */
  validation: { status: 400, type: 'ValidationException', message: 'Injected validation failure (emulator fault injection).' },
} as const satisfies Record<string, WireError>;

export type ApiFaultKind = keyof typeof API_FAULTS;

/** One injected API fault. */
export interface ApiFaultSpec {
  /** The operation (e.g. `StartPipelineExecution`), or `*` for every operation. */
  readonly operation: string;
  readonly kind: ApiFaultKind;
  /** How many matching calls fail (default 1). */
  readonly count?: number;
  /** Let this many matching calls through before failing (default 0). */
  readonly after?: number;
  /**
   * Apply the request first, then answer with the error (a "lost response"): the client sees a failure although the
   * operation took effect. Only meaningful for 5xx; this is what makes idempotency tokens necessary.
   */
  readonly afterProcessing?: boolean;
}

interface ActiveFault {
  spec: ApiFaultSpec;
  remaining: number;
  toSkip: number;
  fired: number;
}

/** Injected API faults and latency, consulted by the HTTP layer for every call. */
export class ApiFaults {
  private readonly faults: ActiveFault[] = [];
  private readonly latency = new Map<string, number>();

  /** Fails the next `count` calls of an operation. */
  public inject(spec: ApiFaultSpec): this {
    this.faults.push({ spec, remaining: spec.count ?? 1, toSkip: spec.after ?? 0, fired: 0 });
    return this;
  }

  /** Adds `ms` of real latency to every call of `operation` (`*` = all operations). */
  public setLatency(operation: string, ms: number): this {
    this.latency.set(operation, ms);
    return this;
  }

  /** Removes every fault and all latency. */
  public clear(): void {
    this.faults.length = 0;
    this.latency.clear();
  }

  /** How many times the faults of an operation fired so far. */
  public fired(operation?: string): number {
    return this.faults.filter((f) => !operation || f.spec.operation === operation).reduce((n, f) => n + f.fired, 0);
  }

  /** @internal real latency for a call */
  public latencyFor(operation: string): number {
    return this.latency.get(operation) ?? this.latency.get('*') ?? 0;
  }

  /** @internal the fault to answer this call with, if any (consumes it). */
  public take(operation: string): { error: WireError; afterProcessing: boolean } | undefined {
    for (const f of this.faults) {
      if (f.spec.operation !== operation && f.spec.operation !== '*') continue;
      if (f.remaining <= 0) continue;
      if (f.toSkip > 0) {
        f.toSkip--;
        continue;
      }
      f.remaining--;
      f.fired++;
      return { error: API_FAULTS[f.spec.kind], afterProcessing: f.spec.afterProcessing ?? false };
    }
    return undefined;
  }
}

/**
 * Failure reasons observed on real jobs (sagemaker-facts.md section 7). `CapacityError` comes verbatim from
 * https://github.com/DIAGNijmegen/rse-grand-challenge/issues/2631; `InternalServerError` from the EventBridge doc's
 * processing-job sample (fixtures/events/processing-job-state-change.failed.aws-docs.json).
 */
export const FAILURE_REASONS = {
  capacity: 'CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type.',
  internal: 'InternalServerError: We encountered an internal error.  Please try again.',
  algorithm: 'AlgorithmError: ExecuteUserScriptError: Command "/usr/bin/python3 train.py" exited with code 1',
} as const;

/** A scripted step failure. */
export interface StepFailureSpec {
  /** Step name. */
  readonly step: string;
  /** Only in this pipeline (name, case-insensitive); default any. */
  readonly pipeline?: string;
  /**
   * Which runs of the step fail, counted per pipeline across all its executions (1 = the first time the step runs,
   * 2 = the first retry, ...; reused steps do not count). `'all'` fails every run. Default `[1]`.
   */
  readonly attempts?: readonly number[] | 'all';
  /** The failure reason (default: the capacity error). */
  readonly reason?: string;
  /** Simulated seconds after the start at which the step fails (default 60, or the step's duration if shorter). */
  readonly afterSeconds?: number;
  /**
   * Fail only when the execution's parameter has this value (given or default), e.g. no capacity for one instance
   * type: `{ name: 'TrainingInstanceType', value: 'ml.p3.2xlarge' }`.
   */
  readonly whenParameter?: { readonly name: string; readonly value: string };
  /**
   * The step's own `FailureReason` when it should differ from the job's (default: the same as `reason`). Lets a test
   * make the step's reason inconclusive so that only `Describe*Job` tells what happened.
   */
  readonly stepReason?: string;
}

/** Scripted behaviour of steps: failures, durations and the outputs they produce. */
export class StepScript {
  private readonly failures: StepFailureSpec[] = [];
  private readonly durations = new Map<string, number>();
  private readonly outputs = new Map<string, Array<{ attempt: number | 'all'; value: StepOutputs }>>();

  /** Makes a step fail (see `StepFailureSpec`). */
  public failStep(step: string, options: Omit<StepFailureSpec, 'step'> = {}): this {
    this.failures.push({ step, ...options });
    return this;
  }

  /** Sets a step's simulated duration in seconds. */
  public setDuration(step: string, seconds: number): this {
    this.durations.set(step, seconds);
    return this;
  }

  /** Sets what a step produces: property files (read by `Std:JsonGet`) and properties (read by `Get: Steps.X.*`). */
  public setOutputs(step: string, value: StepOutputs, attempt: number | 'all' = 'all'): this {
    const list = this.outputs.get(step) ?? [];
    list.push({ attempt, value });
    this.outputs.set(step, list);
    return this;
  }

  /** @internal */
  public failureFor(
    pipeline: string,
    step: string,
    attempt: number,
    parameter: (name: string) => string | undefined = () => undefined,
  ): StepFailureSpec | undefined {
    return this.failures.find((f) => f.step === step
      && (!f.pipeline || f.pipeline.toLowerCase() === pipeline.toLowerCase())
      && (f.attempts === 'all' || (f.attempts ?? [1]).includes(attempt))
      && (!f.whenParameter || parameter(f.whenParameter.name) === f.whenParameter.value));
  }

  /** @internal */
  public durationFor(step: string, type: string): number {
    return this.durations.get(step) ?? DEFAULT_DURATIONS[type] ?? 60;
  }

  /** @internal */
  public outputsFor(step: string, attempt: number): StepOutputs {
    const list = this.outputs.get(step) ?? [];
    const exact = list.filter((o) => o.attempt === attempt).pop();
    const any = list.filter((o) => o.attempt === 'all').pop();
    return (exact ?? any)?.value ?? {};
  }
}

/** What a step produced, reused by selective executions that do not select it. */
export interface StepOutputs {
  /** Property files by `PropertyFileName`, e.g. `{ EvaluationReport: { regression_metrics: { mse: { value: 3.1 } } } }`. */
  readonly propertyFiles?: Record<string, unknown>;
  /** Values for `{"Get": "Steps.<step>.<path>"}`, by path (e.g. `"Properties.ModelArtifacts.S3ModelArtifacts"`). */
  readonly properties?: Record<string, unknown>;
}

/** Simulated seconds per step type when a scenario does not say. */
export const DEFAULT_DURATIONS: Record<string, number> = {
  Processing: 300,
  Training: 1200,
  Transform: 600,
  Tuning: 3600,
  Model: 30,
  RegisterModel: 20,
  Condition: 1,
  Fail: 1,
  Lambda: 10,
};
