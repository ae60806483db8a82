import { received } from '../errors';

/**
 * Checks a value typed `any` in the public API only because jsii has no union types: a condition operand or a `Join`
 * value is a JSON scalar, written literally (`'abc'`, `6`, `true`) or as a reference token, which is a string or a
 * number (`param.valueAsNumber`, `step.property(...)`, `JsonGet.fromPropertyFile(...)`, `ExecutionVariable...`).
 *
 * @param where what the value is, e.g. `Condition.equalTo: left`
 */
export function checkScalarOperand(where: string, value: unknown): void {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return;
  throw new Error(`${where} must be a string, number or boolean: a literal, or a reference such as param.valueAsString, `
    + `step.property(...) or JsonGet.fromPropertyFile(...); received ${describe(value)}. Pass the value (for a Parameter, `
    + 'its valueAsString or valueAsNumber).');
}

/** A class instance by its class (its JSON may be circular or misleading); anything else as JSON. */
function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return `an instance of ${prototype.constructor?.name ?? 'a class'}`;
  }
  return received(value);
}
