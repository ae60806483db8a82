import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { StepOutputParameter } from './common';
import { CacheableStepProps, Step, StepType } from './step';
import { checkOutput, renderOutputParameters } from '../private/dsl/render-jobs';

/** Properties of a callback step. */
export interface CallbackStepProps extends CacheableStepProps {
  /** The queue SageMaker sends the step's message to (the pipeline role gets `sqs:SendMessage` on it). */
  readonly queue: sqs.IQueue;
  /**
   * The message body's inputs (the step's `Arguments`); values may be references.
   *
   * @default {}
   */
  readonly inputs?: { [key: string]: any };
  /**
   * The outputs given with `SendPipelineExecutionStepSuccess`, read downstream with `outputParameter(name)`.
   *
   * @default - none
   */
  readonly outputs?: StepOutputParameter[];
}

/**
 * Sends a message to an SQS queue and waits until something calls `SendPipelineExecutionStepSuccess` or
 * `...Failure` with the message's token (`"Type": "Callback"`).
 *
 * Rendered like the SageMaker Python SDK's `CallbackStep` (`sagemaker/workflow/callback_step.py`): the inputs are
 * the `Arguments`, plus top-level `SqsQueueUrl` and `OutputParameters`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/build-and-manage-steps-types.html#step-type-callback
 */
export class CallbackStep extends Step {
  private readonly props: CallbackStepProps;

  /**
   * @param scope the scope
   * @param id the construct id, also the default step name
   * @param props the queue, inputs and outputs
   */
  constructor(scope: Construct, id: string, props: CallbackStepProps) {
    super(scope, id, StepType.CALLBACK, props);
    this.props = props;
    this.registerPolicyStatement(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }));
    if (props.queue.encryptionMasterKey) {
      this.registerPolicyStatement(new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.queue.encryptionMasterKey.keyArn],
      }));
    }
  }

  /**
   * One of the callback's outputs, for later steps.
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
      SqsQueueUrl: this.props.queue.queueUrl,
      OutputParameters: renderOutputParameters(this.props.outputs),
      CacheConfig: this.renderCacheConfig(this.props.cache),
    });
  }
}
