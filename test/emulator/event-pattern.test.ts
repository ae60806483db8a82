/**
 * The harness's EventBridge pattern matcher, fed the patterns `SelectiveRetry` really renders (through the harness's
 * synthesized stack) and positive and negative events.
 */
import { deployedStack } from '../../emulator/deployed-stack';
import { EventPattern, matchesEventPattern } from '../../emulator/event-pattern';
import { EXECUTION_STATUS_CHANGE, EVENT_SOURCE, STEP_STATUS_CHANGE } from '../../emulator/events';

const TARGET = { account: '111122223333', region: 'us-east-1' };
const ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/AbalonePipeline';

function failedEvent(overrides: { source?: string; detailType?: string; detail?: Record<string, unknown> } = {}) {
  return {
    'version': '0',
    'id': 'e-1',
    'account': TARGET.account,
    'region': TARGET.region,
    'time': '2026-01-05T10:00:00Z',
    'source': overrides.source ?? EVENT_SOURCE,
    'detail-type': overrides.detailType ?? EXECUTION_STATUS_CHANGE,
    'resources': [ARN, `${ARN}/execution/abc123`],
    'detail': {
      pipelineArn: ARN,
      pipelineExecutionArn: `${ARN}/execution/abc123`,
      currentPipelineExecutionStatus: 'Failed',
      previousPipelineExecutionStatus: 'Executing',
      ...overrides.detail,
    },
  };
}

describe('the pattern SelectiveRetry renders', () => {
  const { eventPatterns } = deployedStack({ maxAttempts: 2, pipelineNames: ['AbalonePipeline'] }, TARGET);
  const matches = (event: unknown) => eventPatterns.some((p) => matchesEventPattern(p, event));

  test('is one rule with the operators the matcher implements', () => {
    expect(eventPatterns).toHaveLength(1);
    expect(eventPatterns[0]).toMatchObject({ detail: { pipelineArn: [{ 'equals-ignore-case': ARN }] } });
  });

  test.each([
    ['the failed execution', {}],
    ['the ARN lower-cased, as SageMaker has reported it', { detail: { pipelineArn: ARN.toLowerCase() } }],
    ['the ARN upper-cased', { detail: { pipelineArn: ARN.toUpperCase() } }],
  ])('matches %s', (_name, overrides) => {
    expect(matches(failedEvent(overrides))).toBe(true);
  });

  test.each([
    ['a succeeded execution', { detail: { currentPipelineExecutionStatus: 'Succeeded' } }],
    ['the status in another case ("failed")', { detail: { currentPipelineExecutionStatus: 'failed' } }],
    ['another pipeline', { detail: { pipelineArn: `${ARN}2` } }],
    ['a pipeline whose name ends the same', { detail: { pipelineArn: ARN.replace('AbalonePipeline', 'MyAbalonePipeline') } }],
    ['another account', { detail: { pipelineArn: ARN.replace('111122223333', '444455556666') } }],
    ['a step event', { detailType: STEP_STATUS_CHANGE }],
    ['another source', { source: 'cdk-sagemaker-pipelines' }],
    ['no pipeline ARN', { detail: { pipelineArn: undefined } }],
  ])('does not match %s', (_name, overrides) => {
    const event = failedEvent(overrides);
    if ((event.detail as any).pipelineArn === undefined) delete (event.detail as any).pipelineArn;
    expect(matches(event)).toBe(false);
  });

  test('many pipelines, however the construct groups them into rules: every healed pipeline matches, no other', () => {
    const names = Array.from({ length: 12 }, (_, i) => `Pipeline-${i}`);
    const deployed = deployedStack({ maxAttempts: 2, pipelineNames: names }, TARGET);
    const delivered = (name: string) => deployed.eventPatterns
      .some((p) => matchesEventPattern(p, failedEvent({ detail: { pipelineArn: ARN.replace('AbalonePipeline', name) } })));
    for (const name of names) expect(delivered(name.toLowerCase())).toBe(true);
    expect(delivered('Pipeline-12')).toBe(false);
  });
});

describe('operators', () => {
  test.each<[string, EventPattern, unknown, boolean]>([
    ['exact value', { a: ['x'] }, { a: 'x' }, true],
    ['exact value, other case', { a: ['x'] }, { a: 'X' }, false],
    ['any of the values', { a: ['x', 'y'] }, { a: 'y' }, true],
    ['an event array matches when one element does', { a: ['x'] }, { a: ['z', 'x'] }, true],
    ['a missing field', { a: ['x'] }, {}, false],
    ['nested object', { d: { a: ['x'] } }, { d: { a: 'x' } }, true],
    ['nested object, scalar in the event', { d: { a: ['x'] } }, { d: 'x' }, false],
    ['prefix', { a: [{ prefix: 'ab' }] }, { a: 'abc' }, true],
    ['prefix is case-sensitive', { a: [{ prefix: 'ab' }] }, { a: 'ABc' }, false],
    ['prefix ignoring case', { a: [{ prefix: { 'equals-ignore-case': 'ab' } }] }, { a: 'ABc' }, true],
    ['suffix', { a: [{ suffix: 'bc' }] }, { a: 'abc' }, true],
    ['equals-ignore-case on a number', { a: [{ 'equals-ignore-case': '1' }] }, { a: 1 }, false],
    ['exists true', { a: [{ exists: true }] }, { a: 'x' }, true],
    ['exists false', { a: [{ exists: false }] }, { a: 'x' }, false],
    ['exists false, absent', { a: [{ exists: false }] }, {}, true],
  ])('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  test('an operator it does not implement throws instead of guessing', () => {
    expect(() => matchesEventPattern({ a: [{ 'anything-but': 'x' }] }, { a: 'y' })).toThrow(/does not implement "anything-but"/);
  });
});
