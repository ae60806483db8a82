import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Pipeline, SelectiveRetry, SelectiveRetryDashboardSegment, SelectiveRetryHandler, SkipReason } from '../../src';
import { METRICS, SKIP_REASONS } from '../../src/kernel/contract';

const ENV = { account: '111122223333', region: 'us-east-1' };

function healing(props: { alarms?: boolean } = {}) {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const pipeline = Pipeline.fromPipelineName(stack, 'Abalone', 'abalone');
  // Without `alarms`, every alarm is off (the remediation-error and shared dead-letter alarms are on by default).
  SelectiveRetryHandler.configure(stack, { alarmOnDeadLetterQueue: props.alarms === true });
  const retry = new SelectiveRetry(stack, 'Heal', {
    pipelines: [pipeline], alarmOnBudgetExhausted: props.alarms, alarmOnRemediationErrors: props.alarms === true,
  });
  return { stack, retry };
}

/** The dashboard's body as JSON, with the tokens CloudFormation would resolve written as `${...}`. */
function dashboardBody(stack: Stack): { widgets: any[] } {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  const parts: unknown[] = body['Fn::Join'] ? body['Fn::Join'][1] : [body];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `\${${JSON.stringify(p).replace(/"/g, '')}}`)).join(''));
}

/** The metrics of a graph or single-value widget: [namespace, name, ...dimension pairs, options]. */
const metricsOf = (widget: any): any[][] => widget.properties.metrics;
const dimensionsOf = (metric: any[]) => Object.fromEntries(
  metric.slice(2).filter((x) => typeof x === 'string').reduce((pairs: string[][], x: string, i: number) => (i % 2 ? pairs[pairs.length - 1].push(x) : pairs.push([x]), pairs), []),
);

describe('SelectiveRetry dashboard', () => {
  test('addToDashboard renders a title, the retries, skips by reason, remediation errors and the step time reused', () => {
    // GIVEN
    const { stack, retry } = healing();
    const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');

    // WHEN
    retry.addToDashboard(dashboard, { title: 'Nightly training' });

    // THEN
    const { widgets } = dashboardBody(stack);
    const byTitle = new Map(widgets.map((w) => [w.properties.title ?? w.properties.markdown, w]));
    expect(widgets[0]).toMatchObject({ type: 'text', width: 24, height: 1, properties: { markdown: '### Selective retry **Nightly training**' } });
    expect([...byTitle.keys()].slice(1)).toEqual(['Retries', 'Skipped, by reason', 'Remediation errors', 'Step time reused (hours)', 'In the time range']);
    // Rows stay below each other on the 24-column grid.
    expect(widgets.map((w) => [w.x, w.y, w.width])).toEqual([[0, 0, 24], [0, 1, 8], [8, 1, 8], [16, 1, 8], [0, 6, 12], [12, 6, 12]]);

    // Every metric is this construct's: namespace, service and SelectiveRetry dimension.
    const metrics = widgets.flatMap((w) => metricsOf(w) ?? []).filter((m) => m[0] === METRICS.namespace);
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) expect(dimensionsOf(m)).toMatchObject({ service: 'SelectiveRetry', SelectiveRetry: expect.stringMatching(/^StackHeal[0-9A-F]{8}$/) });

    expect(metricsOf(byTitle.get('Retries')).map((m) => m[1])).toEqual(['RetriesStarted', 'RetriesScheduled', 'RetriesSkipped', 'RetryBudgetExhausted']);
    const skips = metricsOf(byTitle.get('Skipped, by reason'));
    expect(skips.map((m) => [m[1], dimensionsOf(m).SkipReason])).toEqual(SKIP_REASONS.map((r) => ['RetriesSkipped', r]));
    expect(metricsOf(byTitle.get('Remediation errors')).map((m) => m[1])).toEqual(['RemediationErrors']);
    const reused = metricsOf(byTitle.get('Step time reused (hours)'));
    expect(reused).toContainEqual([{ expression: 'seconds / 3600', label: 'Step hours reused' }]);
    expect(reused.map((m) => m[1])).toEqual(expect.arrayContaining(['StepSecondsReused', 'StepsReused']));
    expect(byTitle.get('In the time range').properties).toMatchObject({ setPeriodToTimeRange: true, view: 'singleValue' });
  });

  test('the segment offers summary and alarm widgets, like cdk-monitoring-constructs segments', () => {
    const { retry } = healing({ alarms: true });
    const segment = new SelectiveRetryDashboardSegment(retry);

    expect(segment.summaryWidgets()).toHaveLength(2);
    const alarms = segment.alarmWidgets();
    expect(alarms.map((w) => (w.toJson()[0] as any).properties.title)).toEqual(['Remediation errors', 'Retry budget exhausted', 'Dead-letter queue of the stack\'s handler']);
    expect(new SelectiveRetryDashboardSegment(healing().retry).alarmWidgets()).toEqual([]);
  });

  test('the title defaults to the construct path', () => {
    const { retry } = healing();
    expect((new SelectiveRetryDashboardSegment(retry).widgets()[0].toJson()[0] as any).properties.markdown).toBe('### Selective retry **Stack/Heal**');
  });

  test('the jsii enum SkipReason has exactly the handler\'s reason codes', () => {
    expect(Object.values(SkipReason).sort()).toEqual([...SKIP_REASONS].sort());
  });

  test('metricStepSecondsReused and metricRetriesSkippedFor read what the handler emits', () => {
    const { stack, retry } = healing();
    const resolved = (m: cloudwatch.Metric) => stack.resolve(m.toMetricConfig().metricStat);

    expect(resolved(retry.metricStepSecondsReused())).toMatchObject({ metricName: 'StepSecondsReused', statistic: 'Sum', namespace: 'CdkSageMakerPipelines' });
    expect(resolved(retry.metricStepsReused())).toMatchObject({ metricName: 'StepsReused' });
    expect(resolved(retry.metricRetriesSkippedFor(SkipReason.NOT_RETRYABLE)).dimensions).toContainEqual({ name: 'SkipReason', value: 'NOT_RETRYABLE' });
  });
});
