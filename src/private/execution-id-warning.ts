import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { formatJsonPath } from '../kernel/definition-model';
import { runScopedReads } from '../kernel/run-scoped-reads';
import { PipelineDefinition } from '../pipeline-definition';

/** The id of the warning, for `Annotations.acknowledgeWarning`. */
export const EXECUTION_ID_WARNING = 'cdk-sagemaker-pipelines:executionIdPaths';

/**
 * Warns when a step of a healed pipeline reads a value built from the run's identity (`Execution.PipelineExecutionId`,
 * `PipelineExecutionArn`, `StartDateTime`): in a selective execution those are the new run's, so a retried step
 * looking for data a reused step wrote under the failed run's identity finds nothing. What counts as a read is the
 * shared kernel's rule (src/kernel/run-scoped-reads.ts), the same the planner warns with; the experiment
 * configuration, a Fail step's message and a step's own output locations do not count.
 *
 * Only pipelines whose definition is known at synth time are checked (not imported ones, not definitions in S3).
 */
export function warnOnExecutionIdPaths(scope: IConstruct, pipeline: IConstruct): void {
  const definition = (pipeline as { readonly definition?: unknown }).definition;
  if (!(definition instanceof PipelineDefinition)) return;
  const model = definition._analyse()?.model;
  if (!model) return; // an invalid definition fails synth with its own error
  const reads = runScopedReads(model);
  if (reads.length === 0) return;
  const uses = reads.map((r) => `"${r.step}" (Execution.${r.variable} at ${formatJsonPath(r.path).replace(/^\./, '')})`);
  Annotations.of(scope).addWarningV2(EXECUTION_ID_WARNING,
    `Pipeline ${pipeline.node.path}: step(s) ${[...new Set(uses)].join(', ')} read a value built from the run's identity. `
    + 'A selective execution is a new run with a new execution id, ARN and start time, so a retried step that reads data '
    + 'a reused step wrote under the failed run\'s identity will not find it. Pass data between steps with step properties '
    + '(e.g. step.outputUri(...)) rather than paths built from execution variables.');
}
