/**
 * The handler's only door to SageMaker: the reads it needs about a failed execution, and the start call. The
 * remediation logic depends on this interface, so it is tested with plain objects and the adapter below with
 * aws-sdk-client-mock.
 */
import {
  DescribePipelineDefinitionForExecutionCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  DescribePipelineExecutionCommand,
  DescribePipelineExecutionCommandOutput,
  Parameter,
  PipelineExecutionStep,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StartPipelineExecutionCommandInput,
  paginateListPipelineExecutionSteps,
  paginateListPipelineParametersForExecution,
} from '@aws-sdk/client-sagemaker';

/** Everything the planner and the request builder need about one execution. */
export interface ExecutionSnapshot {
  readonly execution: DescribePipelineExecutionCommandOutput;
  readonly steps: PipelineExecutionStep[];
  /** The definition the execution ran (not the pipeline's latest). */
  readonly definition: string;
  readonly parameters: Parameter[];
}

/** What the remediation needs from SageMaker. */
export interface SageMakerPort {
  /** Reads the execution, all its steps, its definition and all its parameters, in parallel. */
  readExecution(pipelineExecutionArn: string): Promise<ExecutionSnapshot>;
  /** Starts an execution and returns its ARN. */
  startPipelineExecution(request: StartPipelineExecutionCommandInput): Promise<string>;
  /**
   * The failure reason of a Processing, Training or Transform job (the job behind a failed step), or undefined for
   * other ARNs.
   */
  describeJobFailureReason(jobArn: string): Promise<string | undefined>;
}

/** The largest page ListPipelineExecutionSteps / ListPipelineParametersForExecution return (1-100). */
const PAGE_SIZE = 100;

/** The SageMaker SDK v3 implementation of the port. */
export function sageMakerPort(client: SageMakerClient): SageMakerPort {
  return {
    async readExecution(pipelineExecutionArn) {
      const [execution, steps, definition, parameters] = await Promise.all([
        client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn })),
        collect(paginateListPipelineExecutionSteps({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: pipelineExecutionArn }),
          (page) => page.PipelineExecutionSteps),
        client.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn })),
        collect(paginateListPipelineParametersForExecution({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: pipelineExecutionArn }),
          (page) => page.PipelineParameters),
      ]);
      return { execution, steps, definition: definition.PipelineDefinition ?? '', parameters };
    },

    async startPipelineExecution(request) {
      const response = await client.send(new StartPipelineExecutionCommand(request));
      if (!response.PipelineExecutionArn) throw new Error('StartPipelineExecution returned no PipelineExecutionArn');
      return response.PipelineExecutionArn;
    },

    async describeJobFailureReason(jobArn) {
      const match = /:(processing|training|transform)-job\/([^/]+)$/.exec(jobArn);
      if (!match) return undefined;
      const [, kind, name] = match;
      if (kind === 'processing') {
        const job = await client.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
        return [job.FailureReason, job.ExitMessage].filter(Boolean).join(' ') || undefined;
      }
      if (kind === 'training') {
        return (await client.send(new DescribeTrainingJobCommand({ TrainingJobName: name }))).FailureReason;
      }
      return (await client.send(new DescribeTransformJobCommand({ TransformJobName: name }))).FailureReason;
    },
  };
}

async function collect<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}
