/**
 * Turns what the emulator recorded into a readable healing timeline: which steps ran in each execution, which were
 * reused, and the time and compute a selective retry saved against re-running the whole pipeline.
 */
import { SageMakerEmulator } from './sagemaker-emulator';

export interface StepLine {
  readonly name: string;
  readonly type: string;
  readonly status: string;
  readonly reused: boolean;
  readonly startedAt: number;
  readonly endedAt?: number;
  /** simulated seconds */
  readonly seconds: number;
  /** instance-seconds of compute the step used (jobs only) */
  readonly instanceSeconds: number;
  readonly instances?: string;
  readonly failureReason?: string;
}

export interface ExecutionLine {
  readonly arn: string;
  readonly id: string;
  readonly status: string;
  readonly selective: boolean;
  readonly sourceArn?: string;
  readonly selectedSteps: string[];
  readonly description?: string;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly steps: StepLine[];
}

export interface HealingReport {
  readonly executions: ExecutionLine[];
  /** Whether the last execution Succeeded through a selective execution. */
  readonly healed: boolean;
  /** Simulated seconds and instance-seconds spent by the selective retries. */
  readonly retrySeconds: number;
  readonly retryInstanceSeconds: number;
  /** What re-running the whole pipeline after the failure would have cost instead (same simulated durations). */
  readonly fullRerunSeconds: number;
  readonly fullRerunInstanceSeconds: number;
}

export function healingReport(emulator: SageMakerEmulator, pipelineName: string): HealingReport {
  const executions: ExecutionLine[] = emulator.executionsOf(pipelineName).map((ex) => ({
    arn: ex.arn,
    id: ex.id,
    status: ex.status,
    selective: ex.selective !== undefined,
    ...(ex.selective?.SourcePipelineExecutionArn ? { sourceArn: ex.selective.SourcePipelineExecutionArn } : {}),
    selectedSteps: ex.selective?.SelectedSteps.map((s) => s.StepName) ?? [],
    ...(ex.description !== undefined ? { description: ex.description } : {}),
    startedAt: ex.createdAt,
    ...(ex.endedAt !== undefined ? { endedAt: ex.endedAt } : {}),
    steps: emulator.stepsOf(ex.arn).map((s) => {
      const reused = s.SelectiveExecutionResult !== undefined;
      const jobArn = Object.values(s.Metadata).map((m) => (m as { Arn?: string })?.Arn).find((a) => a && /:(processing|training|transform)-job\//.test(a));
      const job = jobArn ? emulator.jobs.find((j) => j.arn === jobArn) : undefined;
      const seconds = reused || s.EndTime === undefined ? 0 : (s.EndTime - s.StartTime) / 1000;
      return {
        name: s.StepName,
        type: s.StepType,
        status: s.StepStatus,
        reused,
        startedAt: s.StartTime,
        ...(s.EndTime !== undefined ? { endedAt: s.EndTime } : {}),
        seconds,
        instanceSeconds: job && !reused ? seconds * job.instanceCount : 0,
        ...(job ? { instances: `${job.instanceCount} x ${job.instanceType ?? '?'}` } : {}),
        ...(s.FailureReason ? { failureReason: s.FailureReason } : {}),
      };
    }),
  }));
  const last = executions[executions.length - 1];
  const healed = !!last && last.selective && last.status === 'Succeeded';
  const retries = executions.filter((e) => e.selective);
  const span = (e: ExecutionLine) => ((e.endedAt ?? e.startedAt) - e.startedAt) / 1000;
  const retrySeconds = retries.reduce((n, e) => n + span(e), 0);
  const retryInstanceSeconds = retries.reduce((n, e) => n + e.steps.reduce((m, s) => m + s.instanceSeconds, 0), 0);

  // A full re-run would run, once more, every step the healed run relied on: the steps the last run executed plus the
  // steps it reused (at the cost they had when they actually ran), laid out on the same critical path.
  let fullRerunSeconds = 0;
  let fullRerunInstanceSeconds = 0;
  if (healed) {
    const ranAt = new Map<string, StepLine>();
    for (const e of executions) for (const s of e.steps) if (!s.reused && s.status === 'Succeeded') ranAt.set(s.name, s);
    const needed = last.steps.map((s) => ranAt.get(s.name)).filter((s): s is StepLine => !!s);
    fullRerunInstanceSeconds = needed.reduce((n, s) => n + s.instanceSeconds, 0);
    const reusedSeconds = lineSpan(needed.filter((s) => last.steps.find((x) => x.name === s.name)?.reused));
    fullRerunSeconds = reusedSeconds + span(last);
  }
  return { executions, healed, retrySeconds, retryInstanceSeconds, fullRerunSeconds, fullRerunInstanceSeconds };
}

/** Wall-clock span of a set of steps (first start to last end). */
function lineSpan(steps: StepLine[]): number {
  if (steps.length === 0) return 0;
  const start = Math.min(...steps.map((s) => s.startedAt));
  const end = Math.max(...steps.map((s) => s.endedAt ?? s.startedAt));
  return (end - start) / 1000;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
