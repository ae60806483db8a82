/**
 * `RetryableFailures.matching()` patterns: validated at synth by the construct, validated again and matched by the
 * handler, with one engine. Patterns use RE2 syntax (https://github.com/google/re2/wiki/Syntax) and are matched by
 * re2js, a JavaScript port of RE2 whose matching time is linear in the length of the input: no pattern can make a
 * failure reason take exponential time (a backtracking engine such as JavaScript's RegExp runs `(a+)+$` against 30
 * `a`s and a `!` for minutes). RE2 has no backreferences and no look-around assertions; those are rejected.
 * Part of the shared kernel: no aws-cdk-lib imports.
 */
import { RE2JS } from 're2js';

/** Longer patterns are refused: the whole configuration document must fit a standard SSM parameter (4 KB). */
export const FAILURE_PATTERN_MAX_LENGTH = 1000;

/** A compiled pattern. */
export interface FailurePattern {
  /** The pattern as written. */
  readonly source: string;
  /** Whether the pattern matches anywhere in `reason`, ignoring case. */
  matches(reason: string): boolean;
}

/**
 * Compiles a pattern (case-insensitive, unanchored), or returns a sentence saying why it is not a valid RE2 pattern.
 */
export function compileFailurePattern(source: unknown): FailurePattern | string {
  if (typeof source !== 'string' || source.length === 0) {
    return `a failure pattern must be a non-empty string (received ${JSON.stringify(source)})`;
  }
  if (source.length > FAILURE_PATTERN_MAX_LENGTH) {
    return `the failure pattern ${JSON.stringify(source.slice(0, 40) + '...')} is ${source.length} characters long; at most `
      + `${FAILURE_PATTERN_MAX_LENGTH} are allowed`;
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    return `the failure pattern ${JSON.stringify(source)} is not valid RE2 syntax (${(e as Error).message}); RE2 has no `
      + 'backreferences or look-around assertions (https://github.com/google/re2/wiki/Syntax)';
  }
  return { source, matches: (reason) => compiled.matcher(reason).find() };
}

/** Whether any of the patterns matches any of the reasons. The patterns must have been validated. */
export function matchesAnyFailurePattern(patterns: readonly string[], reasons: readonly string[]): boolean {
  return patterns.some((source) => {
    const pattern = compileFailurePattern(source);
    if (typeof pattern === 'string') throw new Error(`unvalidated failure pattern: ${pattern}`);
    return reasons.some((reason) => pattern.matches(reason));
  });
}
