import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { literalName } from './event-pattern-groups';
import type { IPipeline } from '../../pipeline';

/** Pipelines whose ARNs share one pair of IAM statements: about 2,000 characters, well under a managed policy's 6,144. */
const PIPELINES_PER_STATEMENT = 8;

/**
 * The pipeline's ARN and, when its name has capitals and is known at synth time, the ARN with the name lower-cased:
 * SageMaker has reported lower-cased names in ARNs, and IAM compares resource ARNs case-sensitively
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). With `executions`,
 * the ARN pattern of the pipeline's executions instead.
 */
export function pipelineArnsOf(pipeline: IPipeline, executions = false): string[] {
  const suffix = executions ? '/execution/*' : '';
  const exact = executions ? pipeline.pipelineExecutionArnPattern : pipeline.pipelineArn;
  const name = literalName(pipeline);
  if (name === undefined || name === name.toLowerCase()) return [exact];
  if (!Token.isUnresolved(exact)) return [exact, exact.replace(`:pipeline/${name}`, `:pipeline/${name.toLowerCase()}`)];
  const lower = Stack.of(pipeline).formatArn({
    service: 'sagemaker', resource: 'pipeline', resourceName: name.toLowerCase(), arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return [exact, `${lower}${suffix}`];
}

/**
 * The statements that let the handler read the healed pipelines' executions and start them. ARNs go into shared
 * statements, a few pipelines each, so that the role's policy grows by ARNs only (not by repeated actions) and
 * aws-cdk-lib can spread large policies over overflow managed policies, which it splits by statement.
 */
export class PipelineStatements {
  private current?: { reads: iam.PolicyStatement; starts: iam.PolicyStatement };
  private pipelinesInCurrent = 0;

  constructor(private readonly addToRolePolicy: (statement: iam.PolicyStatement) => void) {}

  /** Adds a pipeline to what the handler may read and start. */
  public allow(pipeline: IPipeline): void {
    if (!this.current || this.pipelinesInCurrent >= PIPELINES_PER_STATEMENT) {
      this.current = {
        reads: new iam.PolicyStatement({
          actions: [
            'sagemaker:DescribePipelineExecution',
            'sagemaker:ListPipelineExecutionSteps',
            'sagemaker:DescribePipelineDefinitionForExecution',
            'sagemaker:ListPipelineParametersForExecution',
          ],
        }),
        // ListPipelineExecutions recognises a retry already started by an earlier delivery of the same event.
        starts: new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'] }),
      };
      this.pipelinesInCurrent = 0;
      this.addToRolePolicy(this.current.reads);
      this.addToRolePolicy(this.current.starts);
    }
    this.current.reads.addResources(...pipelineArnsOf(pipeline, true));
    this.current.starts.addResources(...pipelineArnsOf(pipeline));
    this.pipelinesInCurrent++;
  }
}
