/**
 * `cdk-sagemaker-pipelines`: the operator's CLI, from the same code as the Lambda handler.
 *
 *   plan  --definition FILE --steps FILE        preview what a retry would select, offline
 *   retry EXECUTION_ARN [--dry-run] [...]       heal one failed execution now, as the handler would
 *   history EXECUTION_ARN [--json] [...]        the chain of retries of a run, and what they reused
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { EXECUTION_STATUS_CHANGE, SAGEMAKER_SOURCE } from './failed-execution-event';
import { ExecutionNotFoundError, formatHistory, readHistory } from './history';
import { ExecutionStepRecord, planRetry } from './planner';
import { remediate } from './remediate';
import { sageMakerPort } from './sagemaker-port';
import { InvalidDefinitionError, findCycle, parseDefinition } from '../src/kernel/definition-graph';
import { DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_RANGE } from '../src/kernel/contract';

const USAGE = `Usage:
  cdk-sagemaker-pipelines plan --definition FILE --steps FILE
      Prints, as JSON, what a selective retry of a failed execution would run.
      --definition  the execution's pipeline definition (DescribePipelineDefinitionForExecution's
                    PipelineDefinition, or the Python SDK's pipeline.definition() output)
      --steps       a ListPipelineExecutionSteps response ({"PipelineExecutionSteps": [...]}) or a bare array
      Exits 0 for any decision (retry or skip), 1 when an input file is unreadable or invalid.

  cdk-sagemaker-pipelines retry EXECUTION_ARN [--dry-run] [--max-attempts N] [--region R] [--endpoint URL]
      Heals one failed execution now: reads it, plans, and starts the selective execution (same parameters,
      parallelism and pipeline version, idempotent: running it twice starts one execution).
      --dry-run       print the plan and the exact StartPipelineExecution request without sending it
      --max-attempts  retry budget per original execution (default ${DEFAULT_MAX_ATTEMPTS})
      --region        AWS region (default: from the environment / profile)
      --endpoint      SageMaker endpoint URL, e.g. the local emulator's
      Uses the default AWS credential chain. Exits 0 when an execution was started (or planned with --dry-run),
      3 when the retry is skipped (the reason is printed), 1 on errors.

  cdk-sagemaker-pipelines history EXECUTION_ARN [--json] [--region R] [--endpoint URL]
      Prints the chain from the run a person started through every selective retry (any execution of the chain
      may be given): status, selected steps, failed steps and their class, the step time each retry reused, and
      who started each run. Reads only (DescribePipelineExecution, ListPipelineExecutions,
      ListPipelineExecutionSteps).
      --json          print the history as JSON instead of a tree
      Exits 0 when the history was printed, 1 when the execution is not found or SageMaker cannot be read.
`;

/** Thrown for bad arguments or input files: printed on stderr with the exit code. */
class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'plan') return plan(rest);
  if (command === 'retry') return retry(rest);
  if (command === 'history') return history(rest);
  throw new CliError(`Unknown command "${command}"; expected "plan", "retry" or "history".\n\n${USAGE}`, 2);
}

function plan(args: string[]): number {
  const { values } = parse(args, { definition: { type: 'string' }, steps: { type: 'string' } }, false);
  if (!values.definition || !values.steps) {
    throw new CliError(`plan needs both --definition FILE and --steps FILE.\n\n${USAGE}`, 2);
  }
  const definition = readJson(values.definition as string, '--definition');
  try {
    const graph = parseDefinition(definition);
    const cycle = findCycle(graph);
    if (cycle) throw new InvalidDefinitionError(`its steps form a cycle: ${cycle.join(' -> ')}`);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) throw new CliError(`--definition ${values.definition} is not a valid pipeline definition: ${e.message}`, 1);
    throw e;
  }
  const steps = stepsOf(readJson(values.steps as string, '--steps'), values.steps as string);
  const result = planRetry(definition, steps);
  const output = { decision: result.decision, selectedSteps: result.selectedSteps, reason: result.reason, warnings: result.warnings };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

async function retry(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'dry-run': { type: 'boolean' },
    'max-attempts': { type: 'string' },
    'region': { type: 'string' },
    'endpoint': { type: 'string' },
  }, true);
  const executionArn = executionArnOf('retry', positionals);
  const maxAttempts = values['max-attempts'] === undefined ? DEFAULT_MAX_ATTEMPTS : Number(values['max-attempts']);
  if (!Number.isInteger(maxAttempts) || maxAttempts < MAX_ATTEMPTS_RANGE.min || maxAttempts > MAX_ATTEMPTS_RANGE.max) {
    throw new CliError(`--max-attempts must be a whole number from ${MAX_ATTEMPTS_RANGE.min} to ${MAX_ATTEMPTS_RANGE.max}; received ${values['max-attempts']}.`, 2);
  }
  const client = clientFor(executionArn, values);
  const pipelineArn = executionArn.replace(/\/execution\/[^/]+$/, '');
  // The same input the EventBridge rule would deliver for this failure.
  const input = {
    event: {
      'source': SAGEMAKER_SOURCE,
      'detail-type': EXECUTION_STATUS_CHANGE,
      'detail': { pipelineArn, pipelineExecutionArn: executionArn, currentPipelineExecutionStatus: 'Failed' },
    },
    policy: { version: 1, maxAttempts, pipelineNames: [pipelineArn.slice(pipelineArn.lastIndexOf('/') + 1)] },
  };
  const result = await remediate(input, {
    sagemaker: sageMakerPort(client),
    log: (record) => process.stderr.write(`${JSON.stringify(record)}\n`),
  }, { dryRun: values['dry-run'] === true });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.outcome === 'started' || result.outcome === 'planned' ? 0 : 3;
}

async function history(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, region: { type: 'string' }, endpoint: { type: 'string' } }, true);
  const executionArn = executionArnOf('history', positionals);
  const client = clientFor(executionArn, values);
  try {
    const lineage = await readHistory(client, executionArn);
    process.stdout.write(values.json === true ? `${JSON.stringify(lineage, null, 2)}\n` : formatHistory(lineage));
    return 0;
  } catch (e) {
    if (e instanceof ExecutionNotFoundError) throw new CliError(e.message, 1);
    throw e;
  } finally {
    client.destroy();
  }
}

/** The one positional argument, a pipeline execution ARN. */
function executionArnOf(command: string, positionals: string[]): string {
  const executionArn = positionals[0];
  if (positionals.length !== 1 || !/^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:pipeline\/[^/]+\/execution\/[^/]+$/i.test(executionArn)) {
    throw new CliError(`${command} needs exactly one pipeline execution ARN (arn:aws:sagemaker:REGION:ACCOUNT:pipeline/NAME/execution/ID); `
      + `received ${JSON.stringify(positionals)}.\n\n${USAGE}`, 2);
  }
  return executionArn;
}

/** A SageMaker client in the execution's region (or --region), at --endpoint when given. */
function clientFor(executionArn: string, values: { region?: unknown; endpoint?: unknown }): SageMakerClient {
  return new SageMakerClient({
    region: (values.region as string | undefined) ?? executionArn.split(':')[3],
    ...(values.endpoint ? { endpoint: values.endpoint as string } : {}),
    customUserAgent: 'cdk-sagemaker-pipelines/cli',
  });
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>, allowPositionals: boolean) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${USAGE}`, 2);
  }
}

function readJson(file: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Cannot read ${flag} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, 1);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${flag} file ${file} is not valid JSON: ${(e as Error).message}.`, 1);
  }
}

function stepsOf(json: unknown, file: string): ExecutionStepRecord[] {
  const list = Array.isArray(json) ? json : (json as { PipelineExecutionSteps?: unknown })?.PipelineExecutionSteps;
  if (!Array.isArray(list)) {
    throw new CliError(`--steps file ${file} must hold a ListPipelineExecutionSteps response ({"PipelineExecutionSteps": [...]}) `
      + 'or an array of steps.', 1);
  }
  list.forEach((step, i) => {
    if (typeof step !== 'object' || step === null || typeof (step as { StepName?: unknown }).StepName !== 'string') {
      throw new CliError(`--steps file ${file}: step ${i} must be an object with a StepName string; received ${JSON.stringify(step)}.`, 1);
    }
  });
  return list as ExecutionStepRecord[];
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => {
    if (error instanceof CliError) {
      process.stderr.write(`cdk-sagemaker-pipelines: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(`cdk-sagemaker-pipelines: ${(error as Error).name}: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
