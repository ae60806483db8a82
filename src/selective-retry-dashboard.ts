import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS } from './kernel/contract';
import type { SelectiveRetry } from './selective-retry';
import { SelectiveRetryHandler } from './selective-retry-handler';
import { SkipReason } from './skip-reason';

/** Options of `SelectiveRetryDashboardSegment` and `SelectiveRetry.addToDashboard`. */
export interface SelectiveRetryDashboardSegmentProps {
  /**
   * The title above the widgets.
   *
   * @default - the construct's path
   */
  readonly title?: string;
}

/**
 * The CloudWatch dashboard widgets of a `SelectiveRetry`: retries started and scheduled, skips by reason, exhausted
 * budgets, remediation errors, and the step time the retries reused.
 *
 * Shaped like cdk-monitoring-constructs' dashboard segments (`widgets()`, `summaryWidgets()`, `alarmWidgets()`), so
 * it can be given to `MonitoringFacade.addSegment`; `SelectiveRetry.addToDashboard` adds `widgets()` to a plain
 * `Dashboard`.
 *
 * @example
 * declare const retry: SelectiveRetry;
 * const segment = new SelectiveRetryDashboardSegment(retry, { title: 'Nightly training' });
 * new cloudwatch.Dashboard(this, 'Operations', { widgets: [segment.summaryWidgets()] });
 */
export class SelectiveRetryDashboardSegment {
  private readonly title: string;

  /**
   * @param retry the construct whose metrics are shown
   * @param props title of the widgets
   */
  constructor(private readonly retry: SelectiveRetry, props: SelectiveRetryDashboardSegmentProps = {}) {
    this.title = props.title ?? retry.node.path;
  }

  /** Every widget, for a detailed dashboard: a title, then two rows of graphs. */
  public widgets(): cloudwatch.IWidget[] {
    return [
      this.header(),
      new cloudwatch.Row(this.retriesGraph(THIRD, GRAPH_HEIGHT), this.skipsByReasonGraph(THIRD, GRAPH_HEIGHT), this.errorsGraph(THIRD, GRAPH_HEIGHT)),
      new cloudwatch.Row(this.timeReusedGraph(HALF, GRAPH_HEIGHT), this.totals(HALF, GRAPH_HEIGHT)),
    ];
  }

  /** A title, the retries and the step time reused, for an operations summary dashboard. */
  public summaryWidgets(): cloudwatch.IWidget[] {
    return [
      this.header(),
      new cloudwatch.Row(this.retriesGraph(HALF, SUMMARY_HEIGHT), this.timeReusedGraph(HALF, SUMMARY_HEIGHT)),
    ];
  }

  /**
   * The alarms that watch this construct: its own (remediation errors, budget exhausted, its own dead-letter queue)
   * and the stack's shared dead-letter queue alarm, each that exists.
   */
  public alarmWidgets(): cloudwatch.IWidget[] {
    const alarms: Array<[cloudwatch.Alarm | undefined, string]> = [
      [this.retry.remediationErrorsAlarm, 'Remediation errors'],
      [this.retry.budgetExhaustedAlarm, 'Retry budget exhausted'],
      [this.retry.deadLetterQueueAlarm, 'Dead-letter queue'],
      [SelectiveRetryHandler.of(this.retry).deadLetterQueueAlarm, 'Dead-letter queue of the stack\'s handler'],
    ];
    return alarms.flatMap(([alarm, title]) =>
      (alarm ? [new cloudwatch.AlarmWidget({ alarm, title, width: ALARM_WIDTH, height: ALARM_HEIGHT })] : []));
  }

  private header(): cloudwatch.IWidget {
    return new cloudwatch.TextWidget({ markdown: `### Selective retry **${this.title}**`, width: FULL, height: 1 });
  }

  private retriesGraph(width: number, height: number): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: 'Retries',
      width,
      height,
      left: [
        this.retry.metricRetriesStarted({ label: 'Started' }),
        this.retry.metricRetriesScheduled({ label: 'Scheduled' }),
        this.retry.metricRetriesSkipped({ label: 'Skipped' }),
        this.retry.metricRetryBudgetExhausted({ label: 'Budget exhausted' }),
      ],
      leftYAxis: COUNT_AXIS,
    });
  }

  private skipsByReasonGraph(width: number, height: number): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: 'Skipped, by reason',
      width,
      height,
      stacked: true,
      left: Object.values(SkipReason).map((reason) => this.retry.metricRetriesSkippedFor(reason, { label: reason })),
      leftYAxis: COUNT_AXIS,
    });
  }

  private errorsGraph(width: number, height: number): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: 'Remediation errors',
      width,
      height,
      left: [this.retry.metric(METRICS.remediationErrors, { label: 'Remediation errors' })],
      leftYAxis: COUNT_AXIS,
    });
  }

  private timeReusedGraph(width: number, height: number): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: 'Step time reused (hours)',
      width,
      height,
      left: [this.hoursReused()],
      right: [this.retry.metricStepsReused({ label: 'Steps reused' })],
      leftYAxis: { min: 0, label: 'hours', showUnits: false },
      rightYAxis: COUNT_AXIS,
    });
  }

  private totals(width: number, height: number): cloudwatch.IWidget {
    return new cloudwatch.SingleValueWidget({
      title: 'In the time range',
      width,
      height,
      setPeriodToTimeRange: true,
      metrics: [
        this.retry.metricRetriesStarted({ label: 'Retries started' }),
        this.retry.metricStepsReused({ label: 'Steps reused' }),
        this.hoursReused(),
      ],
    });
  }

  /** StepSecondsReused in hours: ML steps run for minutes to hours. */
  private hoursReused(): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: 'seconds / 3600',
      usingMetrics: { seconds: this.retry.metricStepSecondsReused() },
      label: 'Step hours reused',
      period: Duration.minutes(5),
    });
  }
}

// The grid of cdk-monitoring-constructs (lib/common/widget/size.ts): 24 columns, graphs 5 high (6 in summaries).
const FULL = 24;
const HALF = FULL / 2;
const THIRD = FULL / 3;
const GRAPH_HEIGHT = 5;
const SUMMARY_HEIGHT = 6;
const ALARM_WIDTH = 6;
const ALARM_HEIGHT = 4;
const COUNT_AXIS: cloudwatch.YAxisProps = { min: 0, label: 'Count', showUnits: false };
