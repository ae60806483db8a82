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
   * The pipeline's executions created since the failed one ended, oldest first, to recognise a retry already started
   * for this failure (a late duplicate delivery). Undefined when they could not be listed: the check is best-effort,
   * idempotency (`ClientRequestToken`) is not.
   */
  readonly executionsSinceFailure?: PipelineExecutionSummary[];
}

/** What the remediation needs from SageMaker. */
export interface SageMakerPort {
  /**
   * Reads the execution, all its steps, its definition, all its parameters and the pipeline's executions created
   * since `endedAt`, in parallel. Without `endedAt`, the executions are listed after the execution is described, from
   * its `LastModifiedTime`.
   */
  readExecution(pipelineExecutionArn: string, pipelineName: string, endedAt?: Date): Promise<ExecutionSnapshot>;
  /** All the steps of an execution (ListPipelineExecutionSteps, every page). */
  listExecutionSteps(pipelineExecutionArn: string): Promise<PipelineExecutionStep[]>;
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
/**
 * The retry of a failure is started moments after the failed run ended, so it is among the first executions created
 * after that time, however busy the pipeline is later: one page, oldest first, from a minute before the end (clock
 * skew between the event and the execution records).
 */
const EXECUTIONS_SINCE_FAILURE = 100;
const CLOCK_SKEW_MS = 60_000;

/** The SageMaker SDK v3 implementation of the port. */
export function sageMakerPort(client: SageMakerClient): SageMakerPort {
  /** Best-effort: a failure here only disables the duplicate check. */
  const executionsSince = async (pipelineName: string, endedAt: Date | undefined): Promise<PipelineExecutionSummary[] | undefined> => {
    if (!endedAt) return undefined;
    try {
      const response = await client.send(new ListPipelineExecutionsCommand({
        PipelineName: pipelineName,
        CreatedAfter: new Date(endedAt.getTime() - CLOCK_SKEW_MS),
        SortBy: 'CreationTime',
        SortOrder: 'Ascending',
        MaxResults: EXECUTIONS_SINCE_FAILURE,
      }));
      return response?.PipelineExecutionSummaries ?? [];
    } catch {
      return undefined;
    }
  };
  const listSteps = (arn: string) => collect(
    paginateListPipelineExecutionSteps({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: arn }), (page) => page.PipelineExecutionSteps);

  return {
    async readExecution(pipelineExecutionArn, pipelineName, endedAt) {
      const describe = client.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn }));
      const [execution, steps, definition, parameters, since] = await Promise.all([
        describe,
        listSteps(pipelineExecutionArn),
        client.send(new DescribePipelineDefinitionForExecutionCommand({ PipelineExecutionArn: pipelineExecutionArn })),
        collect(paginateListPipelineParametersForExecution({ client, pageSize: PAGE_SIZE }, { PipelineExecutionArn: pipelineExecutionArn }),
          (page) => page.PipelineParameters),
        // The event says when the run ended, so the common path lists in parallel; without it (the CLI), after.
        endedAt ? executionsSince(pipelineName, endedAt) : describe.then((e) => executionsSince(pipelineName, e.LastModifiedTime), () => undefined),
      ]);
      return {
        execution,
        steps,
        definition: definition.PipelineDefinition ?? '',
        parameters,
        ...(since ? { executionsSinceFailure: since } : {}),
      };
    },

    listExecutionSteps: listSteps,

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
