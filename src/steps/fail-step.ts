import { Construct } from 'constructs';
import { Step, StepProps, StepType } from './step';

/** Properties of a fail step. */
export interface FailStepProps extends StepProps {
  /**
   * The execution's failure reason; may be built with `Join` from parameters and step properties.
   *
   * @default ''
   */
  readonly errorMessage?: string;
}

/**
 * Stops the execution with status Failed (`"Type": "Fail"`), typically in a Condition's else branch.
 *
 * A fail step is terminal: no step may depend on it (checked at synth), and the remediation of this library
 * never retries a run that a fail step ended, since the failure was deliberate.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-fail
 */
export class FailStep extends Step {
  private readonly errorMessage: string;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the error message
   */
  constructor(scope: Construct, id: string, props: FailStepProps = {}) {
    super(scope, id, StepType.FAIL, props);
    this.errorMessage = props.errorMessage ?? '';
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderStep({ ErrorMessage: this.errorMessage });
  }
}
