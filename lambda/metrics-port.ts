/**
 * EMF metrics of each decision, through Powertools for AWS Lambda (Metrics), in namespace `CdkSageMakerPipelines`
 * with the dimensions `service` = `SelectiveRetry` and `PipelineName` (plus `FailureClass` for FailedSteps). The
 * construct's `metricXxx()` methods read the same names.
 */
import { METRICS } from '../src/private/selective-retry-input';

/** One decision, as counted. */
export interface DecisionCounts {
  readonly pipelineName: string;
  readonly outcome: string;
  readonly budgetExhausted: boolean;
  readonly failureClasses: string[];
}

/** What the remediation needs to record metrics. */
export interface MetricsPort {
  record(counts: DecisionCounts): Promise<void>;
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
      metrics.addDimension('PipelineName', counts.pipelineName);
      const name = counts.outcome === 'started' ? METRICS.retriesStarted
        : counts.outcome === 'scheduled' ? METRICS.retriesScheduled
          : counts.outcome === 'skipped' ? METRICS.retriesSkipped : undefined;
      if (name) metrics.addMetric(name, MetricUnit.Count, 1);
      if (counts.budgetExhausted) metrics.addMetric(METRICS.budgetExhausted, MetricUnit.Count, 1);
      if (name || counts.budgetExhausted) metrics.publishStoredMetrics();
      else metrics.clearDimensions();
      for (const failureClass of counts.failureClasses) {
        const single = metrics.singleMetric();
        single.addDimensions({ PipelineName: counts.pipelineName, FailureClass: failureClass });
        single.addMetric(METRICS.failedSteps, MetricUnit.Count, 1);
      }
    },
  };
}
