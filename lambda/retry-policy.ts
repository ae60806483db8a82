/**
 * The retry policy, as the handler applies it: validation of what the construct rendered, and the pure rules that
 * decide whether a failure is retried, how long to wait, and which parameter values change. No I/O.
 */
import { createHash } from 'crypto';
import { FAILURE_CLASSES, FailureClass } from './failure-classification';
import {
  DEFAULT_MAX_ATTEMPTS,
  DELAY_SECONDS_RANGE,
  DelayInput,
  MAX_ATTEMPTS_RANGE,
  NotificationsInput,
  ParameterOverrideInput,
  RetryOnInput,
} from '../src/kernel/contract';

/** The validated policy. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** The healed pipelines' names as deployed, by lower-cased name; undefined = any pipeline (bare event, CLI). */
  readonly pipelineNames?: ReadonlyMap<string, string>;
  readonly retryOn: RetryOnInput;
  readonly delay?: DelayInput;
  readonly parameterOverrides: ParameterOverrideInput[];
  readonly dryRun: boolean;
  /** Above the selection limit, re-run the whole pipeline instead of skipping. */
  readonly fullRerunAboveSelectionLimit?: boolean;
  readonly notifications: NotificationsInput;
  readonly metricsId?: string;
}

/** The policy of a bare event: every failure, at once, default budget, events on the default bus. */
export const DEFAULT_POLICY: RetryPolicy = {
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  retryOn: { mode: 'ALL' },
  parameterOverrides: [],
  dryRun: false,
  notifications: { events: true },
};

/** Validates the policy rendered by the construct; returns an error sentence when it is unusable. */
export function parsePolicy(value: unknown): RetryPolicy | string {
  if (!isObject(value)) return `the policy is not a JSON object (received ${JSON.stringify(value)})`;
  const { maxAttempts, pipelineNames: names } = value;
  if (!isIntegerIn(maxAttempts, MAX_ATTEMPTS_RANGE.min, MAX_ATTEMPTS_RANGE.max)) {
    return `policy.maxAttempts must be an integer from ${MAX_ATTEMPTS_RANGE.min} to ${MAX_ATTEMPTS_RANGE.max} (received ${JSON.stringify(maxAttempts)})`;
  }
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
    return `policy.pipelineNames must be a non-empty list of pipeline names (received ${JSON.stringify(names)})`;
  }
  const retryOn = parseRetryOn(value.retryOn);
  if (typeof retryOn === 'string') return retryOn;
  const delay = parseDelay(value.delay);
  if (typeof delay === 'string') return delay;
  const overrides = parseOverrides(value.parameterOverrides);
  if (typeof overrides === 'string') return overrides;
  const notifications = value.notifications === undefined ? { events: true } : value.notifications;
  if (!isObject(notifications) || typeof notifications.events !== 'boolean'
    || (notifications.topicArn !== undefined && typeof notifications.topicArn !== 'string')) {
    return `policy.notifications must be {"events": boolean, "topicArn"?: string} (received ${JSON.stringify(notifications)})`;
  }
  return {
    maxAttempts: maxAttempts as number,
    pipelineNames: new Map((names as string[]).map((n) => [n.toLowerCase(), n])),
    retryOn,
    ...(delay ? { delay } : {}),
    parameterOverrides: overrides,
    dryRun: value.dryRun === true,
    ...(value.fullRerunAboveSelectionLimit === true ? { fullRerunAboveSelectionLimit: true } : {}),
    notifications: notifications as unknown as NotificationsInput,
    ...(typeof value.metricsId === 'string' ? { metricsId: value.metricsId } : {}),
  };
}

/** A failed step, classified. */
export interface ClassifiedFailure {
  readonly stepName: string;
  readonly failureClass: FailureClass;
  /** The step's reason and, when it was read, the underlying job's. */
  readonly reasons: string[];
}

/** Whether the policy retries these failures; when not, which failure it refuses, in a sentence. */
export function retryableVerdict(retryOn: RetryOnInput, failures: ClassifiedFailure[]): { retry: true } | { retry: false; reason: string } {
  if (retryOn.mode === 'ALL') return { retry: true };
  for (const failure of failures) {
    if (!isRetryable(retryOn, failure)) {
      const what = retryOn.mode === 'MATCHING'
        ? `its failure reason matches none of the patterns ${JSON.stringify(retryOn.patterns)}`
        : `its failure class ${failure.failureClass} is not one of ${(retryOn.classes ?? []).join(', ')}`;
      const reason = failure.reasons.length > 0 ? ` (${failure.reasons.join(' / ')})` : '';
      return { retry: false, reason: `Step "${failure.stepName}" is not retried by this policy: ${what}${reason}.` };
    }
  }
  return { retry: true };
}

/** Whether the policy needs the underlying job's failure reason: to decide whether to retry, or which override applies. */
export function needsJobReason(policy: Pick<RetryPolicy, 'retryOn' | 'parameterOverrides'>, failure: ClassifiedFailure): boolean {
  const undecided = policy.retryOn.mode !== 'ALL' && !isRetryable(policy.retryOn, failure);
  // A class-based override (e.g. move the instance type on CAPACITY) also needs the class the job reports.
  const overrideUnmatched = policy.parameterOverrides.length > 0
    && !policy.parameterOverrides.some((o) => o.failureClasses.includes(failure.failureClass));
  return undecided || overrideUnmatched;
}

function isRetryable(retryOn: RetryOnInput, failure: ClassifiedFailure): boolean {
  switch (retryOn.mode) {
    case 'ALL': return true;
    case 'CLASSES': return (retryOn.classes ?? []).includes(failure.failureClass);
    case 'MATCHING': return (retryOn.patterns ?? []).some((p) => failure.reasons.some((r) => new RegExp(p, 'i').test(r)));
  }
}

/**
 * Seconds to wait before retry `attempt` (1-based). Jitter is derived from `seed` (the failed execution's ARN), not
 * from Math.random, so every duplicate delivery of one failure computes the same time.
 */
export function delaySeconds(delay: DelayInput | undefined, attempt: number, seed: string): number {
  if (!delay) return 0;
  const raw = delay.strategy === 'FIXED'
    ? delay.baseSeconds
    : delay.baseSeconds * Math.pow(delay.factor ?? 2, attempt - 1);
  const capped = Math.min(raw, delay.maxSeconds ?? DELAY_SECONDS_RANGE.max);
  if (!delay.jitter) return Math.round(capped);
  const fraction = parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) / 0xffffffff;
  return Math.round(capped / 2 + (capped / 2) * fraction);
}

/** A parameter value the retry changes. */
export interface ParameterChange {
  readonly parameterName: string;
  readonly from: string;
  readonly to: string;
}

/**
 * Applies the overrides whose failure classes match: each moves its parameter to the value after the current one in
 * its list (or to the first, when the current value is not in the list). At the end of the list the value stays.
 */
export function applyParameterOverrides(
  overrides: ParameterOverrideInput[],
  parameters: Array<{ Name?: string; Value?: string }>,
  defaults: ReadonlyMap<string, string>,
  failureClasses: ReadonlySet<FailureClass>,
): { parameters: Array<{ Name: string; Value: string }>; changes: ParameterChange[]; warnings: string[] } {
  const values = new Map<string, string>();
  for (const p of parameters) if (p.Name !== undefined) values.set(p.Name, p.Value ?? '');
  const changes: ParameterChange[] = [];
  const warnings: string[] = [];
  for (const override of overrides) {
    if (!override.failureClasses.some((c) => failureClasses.has(c as FailureClass))) continue;
    const current = values.get(override.parameterName) ?? defaults.get(override.parameterName);
    if (current === undefined) {
      warnings.push(`Parameter override "${override.parameterName}" ignored: the pipeline has no such parameter.`);
      continue;
    }
    const index = override.values.indexOf(current);
    if (index === override.values.length - 1) {
      warnings.push(`Parameter "${override.parameterName}" is already at the last fallback value "${current}"; it is kept.`);
      continue;
    }
    const next = override.values[index + 1];
    values.set(override.parameterName, next);
    changes.push({ parameterName: override.parameterName, from: current, to: next });
  }
  return { parameters: [...values].map(([Name, Value]) => ({ Name, Value })), changes, warnings };
}

function parseRetryOn(value: unknown): RetryOnInput | string {
  if (value === undefined) return { mode: 'ALL' };
  if (!isObject(value) || !['ALL', 'CLASSES', 'MATCHING'].includes(value.mode as string)) {
    return `policy.retryOn.mode must be ALL, CLASSES or MATCHING (received ${JSON.stringify(value)})`;
  }
  if (value.mode === 'CLASSES') {
    const classes = value.classes;
    if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => !FAILURE_CLASSES.includes(c))) {
      return `policy.retryOn.classes must list failure classes among ${FAILURE_CLASSES.join(', ')} (received ${JSON.stringify(classes)})`;
    }
    return { mode: 'CLASSES', classes: classes as string[] };
  }
  if (value.mode === 'MATCHING') {
    const patterns = value.patterns;
    if (!Array.isArray(patterns) || patterns.length === 0 || patterns.some((p) => typeof p !== 'string' || !isRegExp(p))) {
      return `policy.retryOn.patterns must be a non-empty list of regular expressions (received ${JSON.stringify(patterns)})`;
    }
    return { mode: 'MATCHING', patterns: patterns as string[] };
  }
  return { mode: 'ALL' };
}

function parseDelay(value: unknown): DelayInput | undefined | string {
  if (value === undefined) return undefined;
  const { min, max } = DELAY_SECONDS_RANGE;
  if (!isObject(value) || !['FIXED', 'EXPONENTIAL'].includes(value.strategy as string) || !isIntegerIn(value.baseSeconds, min, max)
    || (value.factor !== undefined && !(typeof value.factor === 'number' && value.factor >= 1 && value.factor <= 10))
    || (value.maxSeconds !== undefined && !isIntegerIn(value.maxSeconds, min, max))
    || (value.jitter !== undefined && typeof value.jitter !== 'boolean')) {
    return `policy.delay must be {"strategy": "FIXED"|"EXPONENTIAL", "baseSeconds": ${min}-${max}, "factor"?: 1-10, "maxSeconds"?: ${min}-${max}, `
      + `"jitter"?: boolean} (received ${JSON.stringify(value)})`;
  }
  return value as unknown as DelayInput;
}

function parseOverrides(value: unknown): ParameterOverrideInput[] | string {
  if (value === undefined) return [];
  const valid = Array.isArray(value) && value.every((o) => isObject(o) && typeof o.parameterName === 'string'
    && Array.isArray(o.values) && o.values.length > 0 && o.values.every((v) => typeof v === 'string')
    && Array.isArray(o.failureClasses) && o.failureClasses.every((c) => FAILURE_CLASSES.includes(c)));
  if (!valid) {
    return `policy.parameterOverrides must be a list of {"parameterName", "values": [...], "failureClasses": [...]} (received ${JSON.stringify(value)})`;
  }
  return value as ParameterOverrideInput[];
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
