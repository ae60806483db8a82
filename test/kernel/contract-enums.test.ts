/**
 * The construct <-> handler contract is typed once, in src/kernel/contract.ts; the jsii enums users see must carry
 * exactly the values the handler reads and emits.
 */
import { FAILURE_CLASSES as HANDLER_FAILURE_CLASSES } from '../../lambda/failure-classification';
import { FailureClass, SkipReason } from '../../src';
import { FAILURE_CLASSES, SKIP_REASONS } from '../../src/kernel/contract';

test('the jsii enum FailureClass has exactly the contract\'s failure classes, which the handler classifies into', () => {
  expect(Object.values(FailureClass).sort()).toEqual([...FAILURE_CLASSES].sort());
  expect(HANDLER_FAILURE_CLASSES).toBe(FAILURE_CLASSES);
});

test('the jsii enum SkipReason has exactly the contract\'s skip reasons', () => {
  expect(Object.values(SkipReason).sort()).toEqual([...SKIP_REASONS].sort());
});
