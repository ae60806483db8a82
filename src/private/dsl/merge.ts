/**
 * Deep-merges `overrides` into `base` (a rendered step's `Arguments`): objects merge key by key, anything else
 * (lists, scalars, tokens) replaces, and `null` removes the key. Neither input is modified.
 */
export function mergeArguments(base: any, overrides: any): any {
  if (overrides === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides;
  const result: Record<string, any> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = mergeArguments(base[key], value);
  }
  return result;
}

/** A plain JSON object (not a list, not a token or other class instance). */
export function isPlainObject(value: unknown): value is Record<string, any> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Drops keys whose value is undefined, so rendered JSON has no `undefined` holes. */
export function compact<T extends Record<string, any>>(object: T): T {
  const result: Record<string, any> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result as T;
}
