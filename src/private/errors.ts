import { IConstruct } from 'constructs';

/**
 * A synth-time validation error that names the construct path and carries a stable code.
 *
 * aws-cdk-lib's own `ValidationError` is `@internal`, so libraries cannot throw it; this is our equivalent. Messages
 * follow aws-cdk's design guidelines: what is wrong, the value received, what is allowed and how to fix it.
 */
export class ConstructValidationError extends Error {
  /** A stable identifier for the kind of error, e.g. `SelectiveRetry.MaxAttempts`. */
  public readonly code: string;
  /** The path of the construct whose input is invalid. */
  public readonly constructPath: string;

  /**
   * @param scope the construct whose input is invalid
   * @param code a stable identifier of the kind of error
   * @param message what is wrong, the value received, what is allowed, how to fix it
   * @param childId for static factories that fail before creating their construct: the id it would have had
   */
  constructor(scope: IConstruct, code: string, message: string, childId?: string) {
    const path = childId === undefined ? scope.node.path : [scope.node.path, childId].filter((p) => p).join('/');
    super(`${path}: ${message} [${code}]`);
    this.name = 'ValidationError';
    this.code = code;
    this.constructPath = path;
  }
}

/** Describes a received value for an error message: JSON, shortened. */
export function received(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
