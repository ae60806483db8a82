import { buildFramework } from './framework';
import { dagOf, loadFixture, newStack, renderedDefinition } from './util';
import { planRetry } from '../../lambda/planner';
import { Pipeline } from '../../src';

describe('fixture 11 (two-chain framework pipeline) rebuilt with the DSL', () => {
  test('renders the same DAG as the fixture: two components, the diamond, DependsOn and references', () => {
    // GIVEN the framework pipeline written with the DSL
    const stack = newStack();

    // WHEN it is synthesized
    new Pipeline(stack, 'Framework', { definition: buildFramework(stack) });
    const rendered = renderedDefinition(stack);

    // THEN its DAG equals the fixture's
    const fixture = loadFixture('11-dynamic-framework-two-chains.json');
    expect(dagOf(rendered)).toEqual(dagOf(fixture));
    expect(rendered.Parameters).toEqual([]);
    expect(rendered.Steps.map((s: any) => s.Name)).toEqual(fixture.Steps.map((s: any) => s.Name));
  });

  test('renders run-time paths (Std:Join with execution variables and step properties) like the fixture', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Pipeline(stack, 'Framework', { definition: buildFramework(stack) });
    const rendered = renderedDefinition(stack);
    const fixture = loadFixture('11-dynamic-framework-two-chains.json');
    const byName = (d: any, n: string) => d.Steps.find((s: any) => s.Name === n);

    // THEN
    for (const name of ['falcon-text-summarization-preprocess', 'calhousing-Preprocessing', 'calhousing-Metrics']) {
      expect(byName(rendered, name).Arguments).toEqual(byName(fixture, name).Arguments);
    }
    for (const name of ['calhousing-Transform', 'calhousing-CreateModel-CreateModel', 'falcon-text-summarization-register-RegisterModel']) {
      expect(byName(rendered, name).Arguments).toEqual(byName(fixture, name).Arguments);
    }
    expect(byName(rendered, 'calhousing-Training').Arguments).toEqual(byName(fixture, 'calhousing-Training').Arguments);
    // caching is rendered as ISO 8601 durations (the fixture's framework wrote "10d")
    expect(byName(rendered, 'calhousing-Transform').CacheConfig).toEqual({ Enabled: false, ExpireAfter: 'P10D' });
  });

  test('renders every step as the framework did, except caching written as ISO 8601 (P10D) instead of "10d"', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new Pipeline(stack, 'Framework', { definition: buildFramework(stack) });
    const withoutCacheExpiry = (d: any) => JSON.parse(JSON.stringify(d).replace(/"ExpireAfter":"(P10D|10d)"/g, '"ExpireAfter":"10 days"'));

    // THEN
    expect(withoutCacheExpiry(renderedDefinition(stack))).toEqual(withoutCacheExpiry(loadFixture('11-dynamic-framework-two-chains.json')));
  });

  test('feeds the planner: a failed Transform re-runs Transform, Metrics and Register only, not the falcon chain', () => {
    // GIVEN the DSL-built definition and an execution where calhousing-Transform failed
    const stack = newStack();
    new Pipeline(stack, 'Framework', { definition: buildFramework(stack) });
    const rendered = renderedDefinition(stack);
    const succeeded = ['falcon-text-summarization-preprocess', 'falcon-text-summarization-tuning',
      'falcon-text-summarization-register-RegisterModel', 'calhousing-Preprocessing', 'calhousing-Training',
      'calhousing-CreateModel-CreateModel'].map((StepName) => ({ StepName, StepStatus: 'Succeeded' }));

    // WHEN
    const plan = planRetry(rendered, [...succeeded, { StepName: 'calhousing-Transform', StepStatus: 'Failed' }]);

    // THEN
    expect(plan.decision).toBe('retry');
    expect(plan.selectedSteps).toEqual(['calhousing-Transform', 'calhousing-Metrics', 'calhousing-Register-RegisterModel']);
  });
});
