/**
 * An EventBridge event-pattern matcher for the operators `SelectiveRetry` renders, so that the harness delivers an
 * event to the handler exactly when the deployed rule would.
 *
 * No maintained EventBridge pattern matcher for Node.js is on npm (AWS's Event Ruler is Java; its ports are Python
 * and Go), so this implements the documented semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * - every field the pattern names must match (AND); an array of values matches when any value matches (OR);
 * - a nested object descends into the event's object at that key;
 * - when the event's value is an array, the field matches when any of its elements matches;
 * - values: exact scalars (strings compared case-sensitively), `{ "equals-ignore-case": s }`, `{ "prefix": s }`
 *   (or `{ "prefix": { "equals-ignore-case": s } }`), `{ "suffix": s }`, `{ "exists": bool }`.
 * Any other operator throws: a construct that starts rendering one makes the harness fail loudly rather than guess.
 */

/** An EventBridge event pattern, as rendered into `AWS::Events::Rule` `EventPattern`. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly unknown[] };

/** Whether `event` matches `pattern`. Throws on a malformed pattern or an operator this matcher does not implement. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesObject(pattern, event, '');
}

function matchesObject(pattern: EventPattern, event: unknown, path: string): boolean {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    throw new Error(`event pattern${path ? ` at ${path}` : ''} must be an object (received ${JSON.stringify(pattern)})`);
  }
  const record = typeof event === 'object' && event !== null && !Array.isArray(event) ? event as Record<string, unknown> : {};
  return Object.entries(pattern).every(([key, sub]) => {
    const at = path ? `${path}.${key}` : key;
    const present = Object.prototype.hasOwnProperty.call(record, key);
    if (Array.isArray(sub)) return matchesField(sub, present, record[key], at);
    return present && matchesObject(sub as EventPattern, record[key], at);
  });
}

function matchesField(matchers: readonly unknown[], present: boolean, value: unknown, path: string): boolean {
  const values = Array.isArray(value) ? value : [value];
  return matchers.some((matcher) => {
    if (isOperator(matcher) && 'exists' in matcher) {
      if (typeof matcher.exists !== 'boolean') throw new Error(`${path}: "exists" takes true or false (received ${JSON.stringify(matcher.exists)})`);
      return matcher.exists === present;
    }
    return present && values.some((v) => matchesValue(matcher, v, path));
  });
}

function matchesValue(matcher: unknown, value: unknown, path: string): boolean {
  if (!isOperator(matcher)) {
    if (matcher !== null && typeof matcher === 'object') throw new Error(`${path}: unexpected matcher ${JSON.stringify(matcher)}`);
    return matcher === value;
  }
  const keys = Object.keys(matcher);
  if (keys.length !== 1) throw new Error(`${path}: a matcher object takes exactly one operator (received ${JSON.stringify(matcher)})`);
  const [operator] = keys;
  const operand = matcher[operator];
  if (typeof value !== 'string') return false;
  switch (operator) {
    case 'equals-ignore-case':
      return value.toLowerCase() === textOperand(operand, operator, path).toLowerCase();
    case 'prefix':
      if (isOperator(operand) && Object.keys(operand).length === 1 && 'equals-ignore-case' in operand) {
        return value.toLowerCase().startsWith(textOperand(operand['equals-ignore-case'], operator, path).toLowerCase());
      }
      return value.startsWith(textOperand(operand, operator, path));
    case 'suffix':
      return value.endsWith(textOperand(operand, operator, path));
    default:
      throw new Error(`${path}: the harness's event-pattern matcher does not implement "${operator}" (it implements exact values, `
        + '"equals-ignore-case", "prefix", "suffix" and "exists"); extend emulator/event-pattern.ts');
  }
}

function isOperator(matcher: unknown): matcher is Record<string, unknown> {
  return typeof matcher === 'object' && matcher !== null && !Array.isArray(matcher);
}

function textOperand(operand: unknown, operator: string, path: string): string {
  if (typeof operand !== 'string') throw new Error(`${path}: "${operator}" takes a string (received ${JSON.stringify(operand)})`);
  return operand;
}
