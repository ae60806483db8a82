/**
 * The retry policy, as the handler applies it: the pure rules that decide whether a failure is retried, how long to
 * wait, and which parameter values change. No I/O. (The deployed policy is validated by src/kernel/configuration.ts.)
 */
import { createHash } from 'crypto';
import { FailureClass } from './failure-classification';
import {
  DELAY_SECONDS_RANGE,
  DelayInput,
  NotificationsInput,
  ParameterOverrideInput,
  RetryOnInput,
} from '../src/kernel/contract';

/**
 * `retryOn` as the handler applies it: for `MATCHING`, with the patterns compiled by the kernel's RE2 engine
 * (handler-configuration.ts builds it). The engine is not imported here, so that it is loaded with the configuration,
 * off the cold-start path.
 */
export interface RetryOn extends RetryOnInput {
  /** Whether a failure reason matches one of the patterns (`MATCHING` only; absent: nothing matches). */
  readonly matches?: (reason: string) => boolean;
}

/** The policy of one healed pipeline, validated by the kernel's configuration parser, with its defaults filled in. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly retryOn: RetryOn;
  readonly delay?: DelayInput;
  readonly parameterOverrides: ParameterOverrideInput[];
  readonly dryRun: boolean;
  /** Above the selection limit, re-run the whole pipeline instead of skipping. */
  readonly fullRerunAboveSelectionLimit?: boolean;
  readonly notifications: NotificationsInput;
  readonly metricsId?: string;
}

/** A failed step, classified. */
export interface ClassifiedFailure {
  readonly stepName: string;
  readonly failureClass: FailureClass;
  /** The step's reason and, when it was read, the underlying job's. */
  readonly reasons: string[];
}

/** Whether the policy retries these failures; when not, which failure it refuses, in a sentence. */
export function retryableVerdict(retryOn: RetryOn, failures: ClassifiedFailure[]): { retry: true } | { retry: false; reason: string } {
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

function isRetryable(retryOn: RetryOn, failure: ClassifiedFailure): boolean {
  switch (retryOn.mode) {
    case 'ALL': return true;
    case 'CLASSES': return (retryOn.classes ?? []).includes(failure.failureClass);
    // RE2: linear time in the reason's length, whatever the pattern (src/kernel/failure-pattern.ts).
    case 'MATCHING': return failure.reasons.some((reason) => retryOn.matches?.(reason) ?? false);
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
