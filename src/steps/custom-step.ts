import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Step, StepProps, StepType } from './step';

/** Properties of a custom step. */
export interface CustomStepProps extends StepProps {
  /** The step's `Type`, e.g. `StepType.of('EndpointConfig')`. */
  readonly stepType: StepType;
  /**
   * The step's `Arguments`: raw definition JSON, exactly as the step type expects it (hence `any`); may contain
   * reference tokens and CDK tokens, which are rendered.
   *
   * @default - no `Arguments`
   */
  readonly arguments?: any;
  /**
   * Further top-level fields of the step object, as raw definition JSON (e.g. `{ CacheConfig: {...} }`).
   *
   * @default - none
   */
  readonly additionalFields?: { [key: string]: any };
  /**
   * Statements the pipeline role needs to run the step (they cannot be inferred for unknown step types).
   *
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];
}

/**
 * A step given as raw JSON, for step types newer than this library (e.g. `EndpointConfig`, `Endpoint`,
 * `BedrockCustomModel`). It takes part in dependencies, validation and references like any other step.
 */
export class CustomStep extends Step {
  private readonly props: CustomStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the type, arguments and permissions
   */
  constructor(scope: Construct, id: string, props: CustomStepProps) {
    super(scope, id, props.stepType, props);
    this.props = props;
    (props.policyStatements ?? []).forEach((s) => this.registerPolicyStatement(s));
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderStep(this.props.arguments, this.props.additionalFields ?? {});
  }
}
