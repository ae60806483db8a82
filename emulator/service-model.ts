/**
 * The emulator's contract with the real API: AWS's own SageMaker service model (model/, extracted unmodified from
 * botocore). Every request is validated against its input shape and every response is shaped by its output shape, so
 * no constraint is typed by hand and no response member can appear that the real API does not have.
 *
 * Validation messages follow the wording AWS's JSON services use (Coral-style), e.g.
 * `1 validation error detected: Value '' at 'pipelineParameters.1.member.value' failed to satisfy constraint: Member
 * must have length greater than or equal to 1` — several errors are counted and joined with `; `. Observed wording:
 * https://github.com/aws/sagemaker-python-sdk/issues/2554 ("'processingInputs' failed to satisfy constraint: Member
 * must have length less than or equal to 10"), https://github.com/aws/sagemaker-python-sdk/issues/4444 (SageMaker's
 * ValidationException on StartPipelineExecution), and the IAM/STS equivalents (`Value at 'tags.1.member.value' failed to
 * satisfy constraint: Member must satisfy regular expression pattern: ...`). Paths are the members' names in
 * lowerCamelCase; list items are `<list>.<1-based index>.member`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A member reference inside a shape (`{"shape": "String256", "idempotencyToken": true}`). */
interface MemberRef {
  readonly shape: string;
  readonly idempotencyToken?: boolean;
}

/** One shape of the model, with the constraint keywords the emulator enforces. */
export interface Shape {
  readonly type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob';
  readonly members?: Readonly<Record<string, MemberRef>>;
  readonly required?: readonly string[];
  readonly member?: MemberRef;
  readonly key?: MemberRef;
  readonly value?: MemberRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly exception?: boolean;
}

interface Operation {
  readonly name: string;
  readonly input: { readonly shape: string };
  readonly output?: { readonly shape: string };
  readonly errors?: ReadonlyArray<{ readonly shape: string }>;
}

interface ServiceModelJson {
  readonly metadata: { readonly targetPrefix: string; readonly jsonVersion: string };
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

/** Where the model file lives. */
export const MODEL_FILE = path.join(__dirname, 'model', 'sagemaker-2017-07-24.pipelines-subset.json');

/** One constraint a request violates. */
export interface ValidationProblem {
  /** Coral path of the member, e.g. `pipelineParameters.1.member.value` */
  readonly path: string;
  /** The value received (undefined when missing) */
  readonly value: unknown;
  /** The constraint, in the service's words, e.g. `Member must not be null` */
  readonly constraint: string;
  /** `type` problems are serialization errors on the wire; the others are validation errors. */
  readonly kind: 'required' | 'length' | 'range' | 'pattern' | 'enum' | 'unknown-member' | 'type';
}

/** The AWS SageMaker service model, loaded once. */
export class ServiceModel {
  /** The model shipped in emulator/model/. */
  public static load(file = MODEL_FILE): ServiceModel {
    return new ServiceModel(JSON.parse(readFileSync(file, 'utf8')) as ServiceModelJson);
  }

  private readonly patterns = new Map<string, RegExp>();

  private constructor(private readonly json: ServiceModelJson) {
    // Compile every pattern up front: a pattern the emulator cannot translate is a bug to see at once, not per call.
    for (const [name, shape] of Object.entries(json.shapes)) {
      if (shape.pattern !== undefined) this.patterns.set(name, javaPattern(shape.pattern));
    }
  }

  /** `SageMaker` (the `X-Amz-Target` prefix). */
  public get targetPrefix(): string {
    return this.json.metadata.targetPrefix;
  }

  /** Operation names the model defines. */
  public get operations(): string[] {
    return Object.keys(this.json.operations);
  }

  public hasOperation(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.json.operations, name);
  }

  /** A shape by name (throws for unknown names: a bug in the caller). */
  public shape(name: string): Shape {
    const s = this.json.shapes[name];
    if (!s) throw new Error(`the service model has no shape ${name}`);
    return s;
  }

  /** The input shape name of an operation. */
  public inputShape(operation: string): string {
    return this.operation(operation).input.shape;
  }

  /** The output shape name of an operation (undefined when it returns nothing). */
  public outputShape(operation: string): string | undefined {
    return this.operation(operation).output?.shape;
  }

  /** The modeled error codes of an operation (`ConflictException`, `ResourceNotFound`, ...). */
  public errors(operation: string): string[] {
    return (this.operation(operation).errors ?? []).map((e) => e.shape);
  }

  /**
   * Fills the members marked `idempotencyToken` that are absent with a fresh UUID, as the AWS SDKs do for their callers
   * (e.g. `ClientRequestToken` of StartPipelineExecution). Only for requests that come from an SDK-like caller; raw
   * requests are validated as they are (the token is `required` in the model).
   */
  public fillIdempotencyTokens(operation: string, request: Record<string, unknown>): Record<string, unknown> {
    const shape = this.shape(this.inputShape(operation));
    const filled = { ...request };
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      if (ref.idempotencyToken && (filled[name] === undefined || filled[name] === null)) filled[name] = randomUUID();
    }
    return filled;
  }

  /** Every constraint of the operation's input shape that `request` violates, in member order. */
  public validateInput(operation: string, request: unknown): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    this.check(this.inputShape(operation), request, '', problems);
    return problems;
  }

  /** Every constraint of a named shape that `value` violates (used on responses: a violation is an emulator bug). */
  public validateShape(shapeName: string, value: unknown, at = ''): ValidationProblem[] {
    const problems: ValidationProblem[] = [];
    this.check(shapeName, value, at, problems);
    return problems;
  }

  /**
   * The response as the real API would serialize it: `undefined` members dropped, `Date`s as epoch seconds (AWS JSON
   * 1.1 timestamps). Throws when the response has a member the output shape does not have, or breaks one of its
   * constraints: the emulator must never answer what SageMaker cannot.
   */
  public shapeOutput(operation: string, response: unknown): unknown {
    const shapeName = this.outputShape(operation);
    if (shapeName === undefined) return {};
    const serialized = this.serialize(shapeName, response ?? {});
    const problems = this.validateShape(shapeName, serialized);
    if (problems.length > 0) {
      throw new Error(`emulator bug: ${operation} response breaks the model's ${shapeName}: ${formatProblems(problems)}`);
    }
    return serialized;
  }

  private operation(name: string): Operation {
    const op = this.json.operations[name];
    if (!op) throw new Error(`the service model has no operation ${name}`);
    return op;
  }

  private serialize(shapeName: string, value: unknown): unknown {
    if (value === undefined || value === null) return undefined;
    const shape = this.shape(shapeName);
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || Array.isArray(value)) return value;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === undefined) continue;
          const ref = shape.members?.[k];
          out[k] = ref ? this.serialize(ref.shape, v) : v; // unknown members stay, and fail validation
        }
        return out;
      }
      case 'list':
        return Array.isArray(value) ? value.map((v) => this.serialize(shape.member!.shape, v)) : value;
      case 'map': {
        if (typeof value !== 'object' || Array.isArray(value)) return value;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = this.serialize(shape.value!.shape, v);
        return out;
      }
      case 'timestamp':
        return value instanceof Date ? value.getTime() / 1000 : value;
      default:
        return value;
    }
  }

  private check(shapeName: string, value: unknown, at: string, problems: ValidationProblem[]): void {
    const shape = this.shape(shapeName);
    const problem = (kind: ValidationProblem['kind'], constraint: string) => problems.push({ path: at, value, constraint, kind });
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problem('type', `Member must be a structure (${shapeName})`);
        const obj = value as Record<string, unknown>;
        const members = shape.members ?? {};
        for (const key of Object.keys(obj)) {
          if (!Object.prototype.hasOwnProperty.call(members, key) && obj[key] !== undefined) {
            problems.push({ path: join(at, lowerFirst(key)), value: obj[key], constraint: `Member is not a member of ${shapeName}`, kind: 'unknown-member' });
          }
        }
        for (const [name, ref] of Object.entries(members)) {
          const v = obj[name];
          const memberPath = join(at, lowerFirst(name));
          if (v === undefined || v === null) {
            if (shape.required?.includes(name)) problems.push({ path: memberPath, value: null, constraint: 'Member must not be null', kind: 'required' });
            continue;
          }
          this.check(ref.shape, v, memberPath, problems);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) return void problem('type', `Member must be a list (${shapeName})`);
        this.checkSize(shape, value.length, problem);
        value.forEach((item, i) => {
          const itemPath = `${at}.${i + 1}.member`;
          if (item === undefined || item === null) problems.push({ path: itemPath, value: null, constraint: 'Member must not be null', kind: 'required' });
          else this.check(shape.member!.shape, item, itemPath, problems);
        });
        return;
      }
      case 'map': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return void problem('type', `Member must be a map (${shapeName})`);
        const entries = Object.entries(value as Record<string, unknown>);
        this.checkSize(shape, entries.length, problem);
        for (const [k, v] of entries) {
          this.check(shape.key!.shape, k, `${at}.${k}.key`, problems);
          this.check(shape.value!.shape, v, `${at}.${k}.value`, problems);
        }
        return;
      }
      case 'string': {
        if (typeof value !== 'string') return void problem('type', `Member must be a string (${shapeName})`);
        // Lengths count UTF-16 code units, like Java's String.length() on the service side and JavaScript's.
        this.checkSize(shape, value.length, problem);
        if (shape.enum && !shape.enum.includes(value)) problem('enum', `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        const re = this.patterns.get(shapeName);
        if (re && !re.test(value)) problem('pattern', `Member must satisfy regular expression pattern: ${shape.pattern}`);
        return;
      }
      case 'integer':
      case 'long': {
        if (typeof value !== 'number' || !Number.isInteger(value)) return void problem('type', `Member must be an integer (${shapeName})`);
        this.checkRange(shape, value, problem);
        return;
      }
      case 'float':
      case 'double': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return void problem('type', `Member must be a number (${shapeName})`);
        this.checkRange(shape, value, problem);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean') problem('type', `Member must be a boolean (${shapeName})`);
        return;
      case 'timestamp':
        // AWS JSON 1.1 sends timestamps as epoch seconds (the SDK's default timestampFormat for this protocol).
        if (typeof value !== 'number' || !Number.isFinite(value)) problem('type', `Member must be a timestamp in epoch seconds (${shapeName})`);
        return;
      default:
        return;
    }
  }

  private checkSize(shape: Shape, size: number, problem: (kind: ValidationProblem['kind'], c: string) => void): void {
    if (shape.min !== undefined && size < shape.min) problem('length', `Member must have length greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && size > shape.max) problem('length', `Member must have length less than or equal to ${shape.max}`);
  }

  private checkRange(shape: Shape, n: number, problem: (kind: ValidationProblem['kind'], c: string) => void): void {
    if (shape.min !== undefined && n < shape.min) problem('range', `Member must have value greater than or equal to ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) problem('range', `Member must have value less than or equal to ${shape.max}`);
  }
}

/**
 * `N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy constraint: <constraint>; ...` — the
 * service's wording (see the file comment for where it was observed).
 */
export function formatProblems(problems: readonly ValidationProblem[]): string {
  const n = problems.length;
  const parts = problems.map((p) => `Value ${showValue(p.value)} at '${p.path}' failed to satisfy constraint: ${p.constraint}`);
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}

function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `'${v}'`;
  return `'${JSON.stringify(v)}'`;
}

/**
 * A model pattern (Java `java.util.regex`, matched against the whole value) as a JavaScript RegExp. The model uses
 * the Unicode classes `\p{L}`, `\p{N}`, `\p{Z}` (JS `u` flag) and the POSIX class `\p{Alnum}` (ASCII letters and
 * digits in Java), which JavaScript does not know.
 */
export function javaPattern(pattern: string): RegExp {
  const js = pattern.replace(/\\p\{Alnum\}/g, 'a-zA-Z0-9');
  return new RegExp(`^(?:${js})$`, 'u');
}

function join(at: string, name: string): string {
  return at ? `${at}.${name}` : name;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
