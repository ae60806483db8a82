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
  ListPipelineExecutionsCommand,
  PipelineExecutionSummary,
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
  /**
   * The pipeline's most recent executions, newest first, to recognise a retry already started for this failure
   * (duplicate delivery). Undefined when they could not be listed: the check is best-effort, idempotency is not.
   */
  readonly recentExecutions?: PipelineExecutionSummary[];
}

/** What the remediation needs from SageMaker. */
export interface SageMakerPort {
  /** Reads the execution, all its steps, its definition, all its parameters and the pipeline's latest runs, in parallel. */
  readExecution(pipelineExecutionArn: string, pipelineName: string): Promise<ExecutionSnapshot>;
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
/** A retry started moments ago is among the pipeline's newest executions. */
const RECENT_EXECUTIONS = 25;

/** The SageMaker SDK v3 implementation of the port. */
export function sageMakerPort(client: SageMakerClient): SageMakerPort {
  /** Best-effort: a failure here only disables the duplicate check. */
  const recentExecutionsOf = async (pipelineName: string): Promise<PipelineExecutionSummary[] | undefined> => {
    try {
      const response = await client.send(new ListPipelineExecutionsCommand({
        PipelineName: pipelineName, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: RECENT_EXECUTIONS,
      }));
      return response?.PipelineExecutionSummaries ?? [];
    } catch {
      return undefined;
    }
  };

  return {
    async readExecution(pipelineExecutionArn, pipelineName) {
      const [execution, steps, definition, parameters, recent] = await Promise.all([
        client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn })),
        collect(paginateListPipelineExecutionSteps({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: pipelineExecutionArn }),
          (page) => page.PipelineExecutionSteps),
        client.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn })),
        collect(paginateListPipelineParametersForExecution({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: pipelineExecutionArn }),
          (page) => page.PipelineParameters),
        recentExecutionsOf(pipelineName),
      ]);
      return {
        execution,
        steps,
        definition: definition.PipelineDefinition ?? '',
        parameters,
        ...(recent ? { recentExecutions: recent } : {}),
      };
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
