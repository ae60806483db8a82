import { checkScalarOperand } from './private/dsl/operands';

/**
 * A condition evaluated by a `ConditionStep`.
 *
 * Operands are JSON scalars: literals (strings, numbers, booleans) or references, which are string or number tokens:
 * parameters (`param.valueAsString`), execution variables, step properties, `JsonGet` and `Join`. They are typed
 * `any` only because jsii has no union types; anything else (an object, a list, a Parameter itself) is rejected when
 * the condition is created. Conditions nest with `anyOf` and `negate`.
 *
 * Rendered like the SageMaker Python SDK (`sagemaker/workflow/conditions.py`): comparisons as
 * `{"Type", "LeftValue", "RightValue"}`, `In` as `{"Type": "In", "QueryValue", "Values"}`, `Not` as
 * `{"Type": "Not", "Condition"}` and `Or` as `{"Type": "Or", "Conditions"}`.
 */
export abstract class Condition {
  /**
   * `left == right`.
   *
   * @param left the left operand: a string, number or boolean, literal or reference token
   * @param right the right operand: a string, number or boolean, literal or reference token
   */
  public static equalTo(left: any, right: any): Condition {
    return new ComparisonCondition('Equals', 'equalTo', left, right);
  }

  /**
   * `left > right`.
   *
   * @param left the left operand: a string, number or boolean, literal or reference token
   * @param right the right operand: a string, number or boolean, literal or reference token
   */
  public static greaterThan(left: any, right: any): Condition {
    return new ComparisonCondition('GreaterThan', 'greaterThan', left, right);
  }

  /**
   * `left >= right`.
   *
   * @param left the left operand: a string, number or boolean, literal or reference token
   * @param right the right operand: a string, number or boolean, literal or reference token
   */
  public static greaterThanOrEqualTo(left: any, right: any): Condition {
    return new ComparisonCondition('GreaterThanOrEqualTo', 'greaterThanOrEqualTo', left, right);
  }

  /**
   * `left < right`.
   *
   * @param left the left operand: a string, number or boolean, literal or reference token
   * @param right the right operand: a string, number or boolean, literal or reference token
   */
  public static lessThan(left: any, right: any): Condition {
    return new ComparisonCondition('LessThan', 'lessThan', left, right);
  }

  /**
   * `left <= right`.
   *
   * @param left the left operand: a string, number or boolean, literal or reference token
   * @param right the right operand: a string, number or boolean, literal or reference token
   */
  public static lessThanOrEqualTo(left: any, right: any): Condition {
    return new ComparisonCondition('LessThanOrEqualTo', 'lessThanOrEqualTo', left, right);
  }

  /**
   * `value` is one of `values` (SageMaker's `In`). Named `inList` because `in` is a keyword in most jsii languages.
   *
   * @param value the value looked up: a string, number or boolean, literal or reference token
   * @param values the candidates: strings, numbers or booleans, literals or reference tokens
   */
  public static inList(value: any, values: any[]): Condition {
    return new InCondition(value, values);
  }

  /**
   * The negation of a condition (SageMaker's `Not`). Named `negate` because `not` is reserved in Python.
   *
   * @param condition the condition to negate
   */
  public static negate(condition: Condition): Condition {
    return new NotCondition(condition);
  }

  /**
   * True when at least one of the conditions is (SageMaker's `Or`). A ConditionStep's own list of conditions is
   * a conjunction: all must hold.
   *
   * @param conditions the alternatives
   */
  public static anyOf(...conditions: Condition[]): Condition {
    return new OrCondition(conditions);
  }

  /**
   * Renders the condition's JSON; operands stay as given (tokens), the definition renderer turns them into references.
   *
   * @internal
   */
  public abstract _toJson(): any;
}

class ComparisonCondition extends Condition {
  constructor(private readonly conditionType: string, method: string, private readonly left: any, private readonly right: any) {
    super();
    checkScalarOperand(`Condition.${method}: left`, left);
    checkScalarOperand(`Condition.${method}: right`, right);
  }

  public _toJson(): any {
    return {
      Type: this.conditionType,
      LeftValue: this.left,
      RightValue: this.right,
    };
  }
}

class InCondition extends Condition {
  constructor(private readonly value: any, private readonly values: any[]) {
    super();
    checkScalarOperand('Condition.inList: value', value);
    values.forEach((v, i) => checkScalarOperand(`Condition.inList: values[${i}]`, v));
  }

  public _toJson(): any {
    return { Type: 'In', QueryValue: this.value, Values: this.values };
  }
}

class NotCondition extends Condition {
  constructor(private readonly condition: Condition) {
    super();
  }

  public _toJson(): any {
    return { Type: 'Not', Condition: this.condition._toJson() };
  }
}

class OrCondition extends Condition {
  constructor(private readonly conditions: Condition[]) {
    super();
  }

  public _toJson(): any {
    return { Type: 'Or', Conditions: this.conditions.map((c) => c._toJson()) };
  }
}
