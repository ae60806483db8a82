/* Test helpers for the planner tests (not a test file itself). */
import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import type { ExecutionStepRecord } from '../../lambda/planner';
import { DEFINITIONS_DIR } from '../fixtures';

/** The vendored real-world definitions (test/fixtures/README.md has their provenance). */
export const DEFINITIONS = DEFINITIONS_DIR;

export function loadDefinition(file: string): string {
  return fs.readFileSync(path.join(DEFINITIONS, file), 'utf8');
}

export const EXECUTION_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone/execution/4wemqw2sucgh';
export const SOURCE_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone/execution/0ld3xecut10n';

/** One `ListPipelineExecutionSteps` entry. */
export function ran(name: string, status: string, extra: Partial<ExecutionStepRecord> = {}): ExecutionStepRecord {
  return { StepName: name, StepDisplayName: name, StepStatus: status, ...extra } as ExecutionStepRecord;
}

export function succeeded(name: string, extra: Partial<ExecutionStepRecord> = {}): ExecutionStepRecord {
  return ran(name, 'Succeeded', extra);
}

export function failed(name: string, reason: string, extra: Partial<ExecutionStepRecord> = {}): ExecutionStepRecord {
  return ran(name, 'Failed', { FailureReason: reason, ...extra });
}

/** A Condition step that evaluated to `outcome`. */
export function evaluated(name: string, outcome: 'True' | 'False'): ExecutionStepRecord {
  return ran(name, 'Succeeded', { Metadata: { Condition: { Outcome: outcome } } });
}

/** A step the source run reused in a selective execution (no status of its own is needed). */
export function reused(name: string): ExecutionStepRecord {
  return { StepName: name, SelectiveExecutionResult: { SourcePipelineExecutionArn: SOURCE_ARN } };
}

/** A step whose result came from the step cache. */
export function cacheHit(name: string): ExecutionStepRecord {
  return { StepName: name, CacheHitResult: { SourcePipelineExecutionArn: SOURCE_ARN } };
}

/**
 * The records as `ListPipelineExecutionSteps` returns them: given in the order the steps started, returned newest
 * first, with start times one minute apart.
 */
export function listed(...inStartOrder: ExecutionStepRecord[]): ExecutionStepRecord[] {
  const t0 = Date.parse('2026-11-20T10:00:00Z');
  return inStartOrder
    .map((r, i) => ({ StartTime: new Date(t0 + i * 60_000), ...r }))
    .reverse();
}

/** A linear chain S000 -> S001 -> ... as a definition object. */
export function chainDefinition(n: number): Record<string, unknown> {
  const name = chainName;
  return {
    Version: '2020-12-01',
    Steps: Array.from({ length: n }, (_, i) => ({
      Name: name(i),
      Type: 'Processing',
      Arguments: i === 0 ? {} : { Input: { Get: `Steps.${name(i - 1)}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri` } },
    })),
  };
}

export function chainName(i: number): string {
  return `S${String(i).padStart(4, '0')}`;
}

/**
 * The dependencies of a random pipeline of `n` steps: step k depends on up to 3 steps before it (by index), so the
 * graph is acyclic and step 0 has none.
 */
export function dependenciesArb(n: number): fc.Arbitrary<number[][]> {
  return fc.tuple(...Array.from({ length: n }, (_, k) => (k === 0
    ? fc.constant<number[]>([])
    : fc.uniqueArray(fc.integer({ min: 0, max: k - 1 }), { maxLength: Math.min(k, 3) }))));
}
