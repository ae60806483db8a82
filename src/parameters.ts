import { ParameterExpression } from './private/dsl/references';

/**
 * The type of a pipeline parameter, as written in the definition's `Parameters[].Type`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-parameters.html
 */
export enum ParameterType {
  /** A string parameter. */
  STRING = 'String',
  /** An integer parameter. */
  INTEGER = 'Integer',
  /** A floating-point parameter. */
  FLOAT = 'Float',
  /** A boolean parameter. */
  BOOLEAN = 'Boolean',
}

/**
 * A pipeline parameter: a value given when an execution starts (`StartPipelineExecution`'s `PipelineParameters`),
 * with an optional default.
 *
 * Use `valueAsString` or `valueAsNumber` wherever a step prop takes a value; it renders as
 * `{"Get": "Parameters.<name>"}`. Parameters that steps use are declared in the definition automatically; pass
 * unused ones to `PipelineDefinition.fromSteps(steps, { parameters })` to declare them anyway.
 *
 * Mirrors the SageMaker Python SDK's `ParameterString`/`ParameterInteger`/`ParameterFloat`/`ParameterBoolean`
 * (`sagemaker/workflow/parameters.py`).
 */
export abstract class Parameter {
  /** The parameter's name, `^[A-Za-z0-9\-_]{1,64}$`. */
  public readonly name: string;
  /** The parameter's type. */
  public readonly parameterType: ParameterType;

  private readonly expression: ParameterExpression;

  protected constructor(name: string, parameterType: ParameterType) {
    if (!/^[A-Za-z0-9\-_]{1,64}$/.test(name)) {
      throw new Error('Parameter name must match ^[A-Za-z0-9\\-_]{1,64}$ (letters, digits, \'-\' and \'_\', at most 64); '
        + `received ${JSON.stringify(name)}. Rename the parameter.`);
    }
    this.name = name;
    this.parameterType = parameterType;
    this.expression = new ParameterExpression(this);
  }

  /** The parameter's value as a string token, for string props. Renders `{"Get": "Parameters.<name>"}`. */
  public get valueAsString(): string {
    return this.expression.asString();
  }

  /** The parameter's value as a number token, for numeric props. Renders `{"Get": "Parameters.<name>"}`. */
  public get valueAsNumber(): number {
    return this.expression.asNumber();
  }

  /** Same as `valueAsString`. */
  public toString(): string {
    return this.valueAsString;
  }

  /**
   * The parameter's entry in the definition's `Parameters` list.
   *
   * @internal
   */
  public _toParameterJson(): any {
    return {
      Name: this.name,
      Type: this.parameterType,
      ...this._extraJson(),
    };
  }

  /**
   * Fields of the parameter's definition entry after `Name` and `Type`: `DefaultValue`, `EnumValues`.
   *
   * @internal
   */
  protected _extraJson(): Record<string, any> {
    return {};
  }
}

/** Options of a string parameter. */
export interface ParameterStringOptions {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default
   */
  readonly defaultValue?: string;
  /**
   * The values the parameter may take.
   *
   * @default - any string
   */
  readonly enumValues?: string[];
}

/** A string parameter (`"Type": "String"`). */
export class ParameterString extends Parameter {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default: every execution must set the parameter
   */
  public readonly defaultValue?: string;
  /** The values the parameter may take, if restricted. */
  public readonly enumValues?: string[];

  /**
   * @param name the parameter's name
   * @param options default value and allowed values
   */
  constructor(name: string, options: ParameterStringOptions = {}) {
    super(name, ParameterType.STRING);
    this.defaultValue = options.defaultValue;
    this.enumValues = options.enumValues;
  }

  /** @internal */
  protected _extraJson(): Record<string, any> {
    return {
      ...(this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {}),
      ...(this.enumValues ? { EnumValues: this.enumValues } : {}),
    };
  }
}

/** Options of a numeric parameter. */
export interface ParameterNumberOptions {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default
   */
  readonly defaultValue?: number;
}

/** An integer parameter (`"Type": "Integer"`). */
export class ParameterInteger extends Parameter {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default: every execution must set the parameter
   */
  public readonly defaultValue?: number;

  /**
   * @param name the parameter's name
   * @param options the default value
   */
  constructor(name: string, options: ParameterNumberOptions = {}) {
    if (options.defaultValue !== undefined && !Number.isInteger(options.defaultValue)) {
      throw new Error(`defaultValue of integer parameter ${JSON.stringify(name)} must be an integer; received `
        + `${options.defaultValue}. Use ParameterFloat for fractional values.`);
    }
    super(name, ParameterType.INTEGER);
    this.defaultValue = options.defaultValue;
  }

  /** @internal */
  protected _extraJson(): Record<string, any> {
    return this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {};
  }
}

/** A floating-point parameter (`"Type": "Float"`). */
export class ParameterFloat extends Parameter {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default: every execution must set the parameter
   */
  public readonly defaultValue?: number;

  /**
   * @param name the parameter's name
   * @param options the default value
   */
  constructor(name: string, options: ParameterNumberOptions = {}) {
    super(name, ParameterType.FLOAT);
    this.defaultValue = options.defaultValue;
  }

  /** @internal */
  protected _extraJson(): Record<string, any> {
    return this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {};
  }
}

/** Options of a boolean parameter. */
export interface ParameterBooleanOptions {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default
   */
  readonly defaultValue?: boolean;
}

/** A boolean parameter (`"Type": "Boolean"`). Use `valueAsString` to pass it to a prop or a condition. */
export class ParameterBoolean extends Parameter {
  /**
   * The value used when an execution does not set the parameter.
   *
   * @default - no default: every execution must set the parameter
   */
  public readonly defaultValue?: boolean;

  /**
   * @param name the parameter's name
   * @param options the default value
   */
  constructor(name: string, options: ParameterBooleanOptions = {}) {
    super(name, ParameterType.BOOLEAN);
    this.defaultValue = options.defaultValue;
  }

  /** @internal */
  protected _extraJson(): Record<string, any> {
    return this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {};
  }
}
