import { Construct } from 'constructs';
import { Step, StepProps, StepType } from './step';
import { Condition } from '../conditions';
import { NestedStepExpression } from '../private/dsl/references';
import { ConstructValidationError } from '../private/errors';

/** Properties of a condition step. */
export interface ConditionStepProps extends StepProps {
  /** The conditions; all must hold for the `ifSteps` branch to run. */
  readonly conditions: Condition[];
  /**
   * The steps run when the conditions hold (nested in the definition, not listed at the top level).
   *
   * @default - none
   */
  readonly ifSteps?: Step[];
  /**
   * The steps run otherwise.
   *
   * @default - none
   */
  readonly elseSteps?: Step[];
}

/**
 * Evaluates conditions and runs one of two branches (`"Type": "Condition"`).
 *
 * Branch steps are rendered inside the condition (`Arguments.IfSteps`/`ElseSteps`); do not also list them in
 * `PipelineDefinition.fromSteps`. Conditions nest: a branch may hold another ConditionStep.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-condition
 */
export class ConditionStep extends Step {
  /** The steps run when the conditions hold. */
  public readonly ifSteps: Step[];
  /** The steps run otherwise. */
  public readonly elseSteps: Step[];
  private readonly conditions: Condition[];

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the conditions and branches
   */
  constructor(scope: Construct, id: string, props: ConditionStepProps) {
    super(scope, id, StepType.CONDITION, props);
    if (props.conditions.length === 0) {
      throw new ConstructValidationError(this, 'ConditionStep.Conditions',
        'conditions is empty. Give at least one Condition, e.g. Condition.lessThanOrEqualTo(mse, threshold).');
    }
    this.conditions = props.conditions;
    this.ifSteps = props.ifSteps ?? [];
    this.elseSteps = props.elseSteps ?? [];
    const seen = new Set<Step>();
    for (const step of [...this.ifSteps, ...this.elseSteps]) {
      if (step === this) {
        throw new ConstructValidationError(this, 'ConditionStep.Branch',
          `condition step "${this.stepName}" lists itself as a branch step. Remove it from ifSteps/elseSteps.`);
      }
      if (seen.has(step)) {
        throw new ConstructValidationError(this, 'ConditionStep.Branch',
          `step "${step.stepName}" appears more than once in the branches of "${this.stepName}"; a step runs in one `
          + 'branch. Keep it in ifSteps or elseSteps, once.');
      }
      seen.add(step);
    }
  }

  /** Whether the conditions held (`Outcome`, `true` or `false`), known when the step has run. */
  public get outcome(): string {
    return this.property('Outcome');
  }

  /** @internal */
  public _nestedSteps(): Step[] {
    return [...this.ifSteps, ...this.elseSteps];
  }

  /**
   * Renders the step object. The branch steps are nested as tokens that the definition renderer replaces with their
   * own step objects.
   */
  public toStepJson(): any {
    return this.renderStep({
      Conditions: this.conditions.map((c) => c._toJson()),
      IfSteps: this.ifSteps.map((s) => new NestedStepExpression(s)),
      ElseSteps: this.elseSteps.map((s) => new NestedStepExpression(s)),
    });
  }
}
