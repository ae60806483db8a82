/**
 * A condition evaluated by a `ConditionStep`.
 *
 * Operands may be literals (strings, numbers, booleans) or references: parameters (`param.valueAsString`),
 * execution variables, step properties, `JsonGet` and `Join`. Conditions nest with `anyOf` and `negate`.
 *
 * Rendered like the SageMaker Python SDK (`sagemaker/workflow/conditions.py`): comparisons as
 * `{"Type", "LeftValue", "RightValue"}`, `In` as `{"Type": "In", "QueryValue", "Values"}`, `Not` as
 * `{"Type": "Not", "Condition"}` and `Or` as `{"Type": "Or", "Conditions"}`.
 */
export abstract class Condition {
  /**
   * `left == right`.
   *
   * @param left the left operand
   * @param right the right operand
   */
  public static equalTo(left: any, right: any): Condition {
    return new ComparisonCondition('Equals', left, right);
  }

  /**
   * `left > right`.
   *
   * @param left the left operand
   * @param right the right operand
   */
  public static greaterThan(left: any, right: any): Condition {
    return new ComparisonCondition('GreaterThan', left, right);
  }

  /**
   * `left >= right`.
   *
   * @param left the left operand
   * @param right the right operand
   */
  public static greaterThanOrEqualTo(left: any, right: any): Condition {
    return new ComparisonCondition('GreaterThanOrEqualTo', left, right);
  }

  /**
   * `left < right`.
   *
   * @param left the left operand
   * @param right the right operand
   */
  public static lessThan(left: any, right: any): Condition {
    return new ComparisonCondition('LessThan', left, right);
  }

  /**
   * `left <= right`.
   *
   * @param left the left operand
   * @param right the right operand
   */
  public static lessThanOrEqualTo(left: any, right: any): Condition {
    return new ComparisonCondition('LessThanOrEqualTo', left, right);
  }

  /**
   * `value` is one of `values` (SageMaker's `In`). Named `inList` because `in` is a keyword in most jsii languages.
   *
   * @param value the value looked up
   * @param values the candidates
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
  constructor(private readonly conditionType: string, private readonly left: any, private readonly right: any) {
    super();
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
