/**
 * EMF metrics of each decision, through Powertools for AWS Lambda (Metrics), in namespace `CdkSageMakerPipelines`
 * with the dimensions `service` = `SelectiveRetry` and `PipelineName` (plus `FailureClass` for FailedSteps, and
 * `SkipReason` for a second copy of RetriesSkipped), and
 * again with `SelectiveRetry` = the construct's id. `RemediationErrors` counts the retries an error stopped that an
 * operator must fix (AccessDenied, validation, Scheduler or configuration errors); a configuration error that cannot
 * be attributed to a construct is counted per pipeline only. The construct's `metricXxx()` methods read the same names.
 */
import { METRICS } from '../src/kernel/contract';

/** One decision, as counted. */
export interface DecisionCounts {
  readonly pipelineName: string;
  /** The SelectiveRetry construct's id, for its aggregate metrics. */
  readonly metricsId?: string;
  readonly outcome: string;
  readonly budgetExhausted: boolean;
  /** An error an operator must fix stopped the retry (AccessDenied, validation, Scheduler, configuration). */
  readonly remediationError?: boolean;
  readonly failureClasses: string[];
  /** Why the retry was skipped (`skipped` only). */
  readonly skipReason?: string;
  /** Steps the retry reuses (a retry started or scheduled only). */
  readonly stepsReused?: number;
  /** The step time those steps took in the failed run, in seconds. */
  readonly stepSecondsReused?: number;
}

/** What the remediation needs to record metrics. */
export interface MetricsPort {
  record(counts: DecisionCounts): Promise<void>;
}

/** The part of Powertools' Metrics used here. */
interface SingleMetricFactory {
  singleMetric(): { addDimensions(dimensions: Record<string, string>): unknown; addMetric(name: string, unit: any, value: number): unknown };
}

/** Prints one EMF record with one metric and these dimensions (plus `service`). */
function emit(metrics: SingleMetricFactory, dimensions: Record<string, string>, name: string, unit: unknown, value = 1): void {
  const single = metrics.singleMetric();
  single.addDimensions(dimensions);
  single.addMetric(name, unit, value);
}

/** The Powertools implementation; Metrics is loaded on first use, off the cold-start path. */
export function powertoolsMetricsPort(): MetricsPort {
  const load = async () => {
    const powertools = await import('@aws-lambda-powertools/metrics');
    return {
      metrics: new powertools.Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service }),
      MetricUnit: powertools.MetricUnit,
    };
  };
  let loaded: ReturnType<typeof load> | undefined;
  return {
    async record(counts) {
      const { metrics, MetricUnit } = await (loaded ??= load());
      const names = [
        ...(counts.outcome === 'started' ? [METRICS.retriesStarted] : []),
        ...(counts.outcome === 'scheduled' ? [METRICS.retriesScheduled] : []),
        ...(counts.outcome === 'skipped' ? [METRICS.retriesSkipped] : []),
        ...(counts.budgetExhausted ? [METRICS.budgetExhausted] : []),
        ...(counts.remediationError ? [METRICS.remediationErrors] : []),
      ];
      // Two dimension sets: per pipeline (dashboards), and per SelectiveRetry construct (its metricXxx() and alarms).
      const dimensionSets: Array<Record<string, string>> = [
        { PipelineName: counts.pipelineName },
        ...(counts.metricsId ? [{ SelectiveRetry: counts.metricsId }] : []),
      ];
      for (const dimensions of dimensionSets) {
        for (const name of names) emit(metrics, dimensions, name, MetricUnit.Count);
        for (const failureClass of counts.failureClasses) {
          emit(metrics, { ...dimensions, FailureClass: failureClass }, METRICS.failedSteps, MetricUnit.Count);
        }
        // The total above, and the same count by reason (a fixed list of codes, so few metrics).
        if (counts.outcome === 'skipped' && counts.skipReason) {
          emit(metrics, { ...dimensions, SkipReason: counts.skipReason }, METRICS.retriesSkipped, MetricUnit.Count);
        }
        if (counts.stepsReused !== undefined) emit(metrics, dimensions, METRICS.stepsReused, MetricUnit.Count, counts.stepsReused);
        if (counts.stepSecondsReused !== undefined) {
          emit(metrics, dimensions, METRICS.stepSecondsReused, MetricUnit.Seconds, counts.stepSecondsReused);
        }
      }
    },
  };
}
