import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DELAY_SECONDS_RANGE, DelayInput, ParameterOverrideInput, RetryOnInput } from './kernel/contract';
import { compileFailurePattern } from './kernel/failure-pattern';
import { ConstructValidationError, received } from './private/errors';

/**
 * Why a pipeline step failed, as `SelectiveRetry` classifies it from the step's and the underlying job's failure
 * reason.
 */
export enum FailureClass {
  /** SageMaker could not provision the requested instances (`CapacityError`). Transient. */
  CAPACITY = 'CAPACITY',
  /** An internal error of SageMaker (`InternalServerError`). Transient. */
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  /** A request was throttled. Transient. */
  THROTTLING = 'THROTTLING',
  /** An account or service limit was reached (`ResourceLimitExceeded`). Transient: capacity frees up as jobs end. */
  RESOURCE_LIMIT = 'RESOURCE_LIMIT',
  /** The container failed (`AlgorithmError`): usually user code or data, which a retry reproduces. */
  ALGORITHM_ERROR = 'ALGORITHM_ERROR',
  /** The request was invalid (`ClientError`, validation, access denied): a retry reproduces it. */
  CLIENT_ERROR = 'CLIENT_ERROR',
  /** The reason matched no known class. */
  UNKNOWN = 'UNKNOWN',
}

/** The classes SageMaker's own step retry policies treat as retryable (pipelines-retry-policy). */
const TRANSIENT = [FailureClass.CAPACITY, FailureClass.INTERNAL_ERROR, FailureClass.THROTTLING, FailureClass.RESOURCE_LIMIT];

/**
 * Which failures `SelectiveRetry` retries.
 *
 * A retry starts only when every failed step of the execution is retryable: a selective execution re-runs all of
 * them, and a step that fails deterministically would spend the budget for nothing.
 */
export abstract class RetryableFailures {
  /** Retry every failure (except a run failed by a `Fail` step, which is never retried). */
  public static all(): RetryableFailures {
    return new RenderedRetryableFailures(() => ({ mode: 'ALL' }));
  }

  /** Retry only transient failures: capacity, internal errors, throttling and resource limits. */
  public static transientOnly(): RetryableFailures {
    return RetryableFailures.ofClasses(TRANSIENT);
  }

  /**
   * Retry only failures of the given classes.
   *
   * @param classes at least one class
   */
  public static ofClasses(classes: FailureClass[]): RetryableFailures {
    return new RenderedRetryableFailures((scope) => {
      if (classes.length === 0) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.RetryOn',
          'retryOn: RetryableFailures.ofClasses() needs at least one FailureClass; received an empty list. '
          + 'Use RetryableFailures.all() to retry every failure.');
      }
      return { mode: 'CLASSES', classes: [...new Set(classes)] };
    });
  }

  /**
   * Retry only failures whose reason (the step's `FailureReason` or the underlying job's) matches one of the
   * patterns, case-insensitively, anywhere in the reason.
   *
   * Patterns use RE2 syntax (https://github.com/google/re2/wiki/Syntax), matched in time linear in the reason's
   * length, so no pattern can stall the function. RE2 has no backreferences and no look-around assertions; a
   * pattern that uses them is a synth error.
   *
   * @param patterns e.g. `['CapacityError', 'CUDA error: out of memory']`
   */
  public static matching(patterns: string[]): RetryableFailures {
    return new RenderedRetryableFailures((scope) => {
      if (patterns.length === 0) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.RetryOn',
          'retryOn: RetryableFailures.matching() needs at least one pattern; received an empty list.');
      }
      for (const pattern of patterns) {
        if (Token.isUnresolved(pattern)) {
          throw new ConstructValidationError(scope, 'SelectiveRetry.RetryOn',
            'retryOn: RetryableFailures.matching() patterns must be known at synth time (they are validated then); received a token.');
        }
        const compiled = compileFailurePattern(pattern);
        if (typeof compiled === 'string') {
          throw new ConstructValidationError(scope, 'SelectiveRetry.RetryOn', `retryOn: ${compiled}. Fix or remove the pattern.`);
        }
      }
      return { mode: 'MATCHING', patterns };
    });
  }

  /** @internal */
  public abstract _render(scope: IConstruct): RetryOnInput;
}

class RenderedRetryableFailures extends RetryableFailures {
  constructor(private readonly render: (scope: IConstruct) => RetryOnInput) {
    super();
  }

  /** @internal */
  public _render(scope: IConstruct): RetryOnInput {
    return this.render(scope);
  }
}

/** Options of `RetryDelay.exponential`. */
export interface ExponentialRetryDelayOptions {
  /** The delay before the first retry. At least 1 minute. */
  readonly initialDelay: Duration;

  /**
   * The factor between the delays of consecutive attempts. From 1 to 10.
   *
   * @default 2
   */
  readonly factor?: number;

  /**
   * The longest delay. At most 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly maxDelay?: Duration;

  /**
   * Spread each delay randomly over [delay/2, delay], so that many pipelines failing at once do not retry at once.
   * The spread is derived from the failed execution, so duplicate events agree on the time.
   *
   * @default false
   */
  readonly jitter?: boolean;
}

/**
 * How long `SelectiveRetry` waits before starting a retry.
 *
 * A delay is carried out by a one-time EventBridge Scheduler schedule that starts the selective execution and
 * deletes itself; no Lambda function sleeps. Schedules have minute precision, so delays are at least one minute.
 */
export abstract class RetryDelay {
  /** Start the retry as soon as the failure is seen. */
  public static none(): RetryDelay {
    return new RenderedRetryDelay(() => undefined);
  }

  /**
   * Wait the same time before every attempt. (Not named `fixed`, a reserved word in C#.)
   *
   * @param delay from 1 minute to 7 days
   */
  public static constant(delay: Duration): RetryDelay {
    return new RenderedRetryDelay((scope) => ({ strategy: 'FIXED', baseSeconds: delaySeconds(scope, 'delay', delay) }));
  }

  /**
   * Wait `initialDelay` before the first retry, `factor` times longer before each next one, at most `maxDelay`.
   *
   * @param options the curve
   */
  public static exponential(options: ExponentialRetryDelayOptions): RetryDelay {
    return new RenderedRetryDelay((scope) => {
      const factor = options.factor ?? 2;
      if (!(factor >= 1 && factor <= 10)) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.Delay',
          `delay: the factor of RetryDelay.exponential() must be from 1 to 10; received ${received(factor)}.`);
      }
      const baseSeconds = delaySeconds(scope, 'initialDelay', options.initialDelay);
      const maxSeconds = delaySeconds(scope, 'maxDelay', options.maxDelay ?? Duration.hours(1));
      if (maxSeconds < baseSeconds) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.Delay',
          `delay: maxDelay (${maxSeconds} s) must not be shorter than initialDelay (${baseSeconds} s).`);
      }
      return { strategy: 'EXPONENTIAL', baseSeconds, factor, maxSeconds, jitter: options.jitter ?? false };
    });
  }

  /** @internal */
  public abstract _render(scope: IConstruct): DelayInput | undefined;
}

class RenderedRetryDelay extends RetryDelay {
  constructor(private readonly render: (scope: IConstruct) => DelayInput | undefined) {
    super();
  }

  /** @internal */
  public _render(scope: IConstruct): DelayInput | undefined {
    return this.render(scope);
  }
}

function delaySeconds(scope: IConstruct, name: string, delay: Duration): number {
  if (delay.isUnresolved()) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.Delay', `delay: ${name} must be known at synth time; received a token.`);
  }
  const seconds = delay.toSeconds();
  if (!Number.isInteger(seconds) || seconds < DELAY_SECONDS_RANGE.min || seconds > DELAY_SECONDS_RANGE.max) {
    throw new ConstructValidationError(scope, 'SelectiveRetry.Delay',
      `delay: ${name} must be a whole number of seconds from 1 minute to 7 days; received ${delay.toHumanString()}. `
      + 'EventBridge Scheduler one-time schedules have minute precision.');
  }
  return seconds;
}

/** Options of `ParameterOverride.fallbackValues`. */
export interface ParameterFallbackOptions {
  /**
   * The failure classes that move the parameter to its next value.
   *
   * @default [FailureClass.CAPACITY]
   */
  readonly onFailureClasses?: FailureClass[];
}

/**
 * A pipeline parameter whose value changes when a retry starts, e.g. a fallback list of instance types for when
 * SageMaker has no capacity for the current one. Every other parameter keeps the failed run's value.
 */
export abstract class ParameterOverride {
  /**
   * On a failure of one of `onFailureClasses`, move the parameter to the value after its current one in `values`
   * (or to the first value, when the current one is not listed). At the end of the list the value is kept.
   *
   * @param parameterName the pipeline parameter, e.g. `TrainingInstanceType`
   * @param values the values to try, in order, e.g. `['ml.g5.2xlarge', 'ml.g5.4xlarge', 'ml.p3.2xlarge']`
   * @param options when to move
   */
  public static fallbackValues(parameterName: string, values: string[], options: ParameterFallbackOptions = {}): ParameterOverride {
    return new RenderedParameterOverride((scope) => {
      if (!Token.isUnresolved(parameterName) && !/^[A-Za-z0-9\-_]{1,64}$/.test(parameterName)) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.ParameterOverride',
          `parameterOverrides: ${received(parameterName)} is not a valid pipeline parameter name (1-64 letters, digits, - and _).`);
      }
      if (values.length === 0) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.ParameterOverride',
          `parameterOverrides: the fallback values of parameter "${parameterName}" must not be empty.`);
      }
      const failureClasses = options.onFailureClasses ?? [FailureClass.CAPACITY];
      if (failureClasses.length === 0) {
        throw new ConstructValidationError(scope, 'SelectiveRetry.ParameterOverride',
          `parameterOverrides: onFailureClasses of parameter "${parameterName}" must list at least one FailureClass.`);
      }
      return { parameterName, values, failureClasses };
    });
  }

  /** @internal */
  public abstract _render(scope: IConstruct): ParameterOverrideInput;
}

class RenderedParameterOverride extends ParameterOverride {
  constructor(private readonly render: (scope: IConstruct) => ParameterOverrideInput) {
    super();
  }

  /** @internal */
  public _render(scope: IConstruct): ParameterOverrideInput {
    return this.render(scope);
  }
}
