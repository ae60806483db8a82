import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { StepOutputParameter } from './common';
import { CacheableStepProps, Step, StepType } from './step';
import { checkOutput, renderOutputParameters } from '../private/dsl/render-jobs';

/** Properties of a Lambda step. */
export interface LambdaStepProps extends CacheableStepProps {
  /** The function to invoke (the pipeline role gets `lambda:InvokeFunction` on it). */
  readonly lambdaFunction: lambda.IFunction;
  /**
   * The event the function receives (the step's `Arguments`); values may be references.
   *
   * @default {}
   */
  readonly inputs?: { [key: string]: any };
  /**
   * The outputs the function returns, read downstream with `outputParameter(name)`.
   *
   * @default - none
   */
  readonly outputs?: StepOutputParameter[];
}

/**
 * Invokes an AWS Lambda function (`"Type": "Lambda"`).
 *
 * Rendered like the SageMaker Python SDK's `LambdaStep` (`sagemaker/workflow/lambda_step.py`): the inputs are the
 * `Arguments`, plus top-level `FunctionArn` and `OutputParameters`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-lambda
 */
export class LambdaStep extends Step {
  private readonly props: LambdaStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the function, inputs and outputs
   */
  constructor(scope: Construct, id: string, props: LambdaStepProps) {
    super(scope, id, StepType.LAMBDA, props);
    this.props = props;
    this.registerPolicyStatement(new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [props.lambdaFunction.functionArn],
    }));
  }

  /**
   * One of the function's outputs, for later steps.
   *
   * @param outputName a name declared in `outputs`
   * @returns a token rendering as `{"Get": "Steps.<name>.OutputParameters['<output>']"}`
   */
  public outputParameter(outputName: string): string {
    checkOutput(this, outputName, this.props.outputs);
    return this.property(`OutputParameters['${outputName}']`);
  }

  /** Renders the step object. */
  public toStepJson(): any {
    return this.renderStep(this.props.inputs ?? {}, {
      FunctionArn: this.props.lambdaFunction.functionArn,
      OutputParameters: renderOutputParameters(this.props.outputs),
      CacheConfig: this.renderCacheConfig(this.props.cache),
    });
  }
}
