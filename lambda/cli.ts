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
import { SSMClient, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import { fixedConfigurationPort } from './configuration-port';
import { EXECUTION_STATUS_CHANGE, SAGEMAKER_SOURCE } from './failed-execution-event';
import { ConfigurationSource, configurationFrom, retryPolicy } from './handler-configuration';
import { ExecutionNotFoundError, formatHistory, readHistory } from './history';
import { ExecutionStepRecord, planRetry } from './planner';
import { remediate } from './remediate';
import { describeError } from './sagemaker-errors';
import { sageMakerPort } from './sagemaker-port';
import { CONFIGURATION_PARAMETER_PREFIX, DEFAULT_MAX_ATTEMPTS, MAX_ATTEMPTS_RANGE } from '../src/kernel/contract';
import { DefinitionModel, InvalidDefinitionError, findCycle, parseDefinition } from '../src/kernel/definition-graph';

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
      --max-attempts  retry budget per original execution. Default: the budget the stack deployed for the
                      pipeline (its SelectiveRetry configuration, found under the SSM path
                      ${CONFIGURATION_PARAMETER_PREFIX}), or ${DEFAULT_MAX_ATTEMPTS} when no stack heals it
      --region        AWS region (default: the execution ARN's)
      --endpoint      SageMaker endpoint URL, e.g. the local emulator's (SSM: AWS_ENDPOINT_URL_SSM)
      Every failed step and its downstream steps are retried now (no delay), with the failed run's parameters.
      Uses the default AWS credential chain. Exits 0 when an execution was started (or planned with --dry-run),
      3 when the retry is deliberately skipped (budget spent, nothing failed, ...; the reason is printed), 1 on
      errors (unreachable endpoint, missing credentials, access denied, an unusable deployed configuration).

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
  let model: DefinitionModel;
  try {
    model = parseDefinition(readJson(values.definition as string, '--definition'));
    const cycle = findCycle(model);
    if (cycle) throw new InvalidDefinitionError(`its steps form a cycle: ${cycle.join(' -> ')}`);
  } catch (e) {
    if (e instanceof InvalidDefinitionError) throw new CliError(`--definition ${values.definition} is not a valid pipeline definition: ${e.message}`, 1);
    throw e;
  }
  const steps = stepsOf(readJson(values.steps as string, '--steps'), values.steps as string);
  const result = planRetry(model, steps);
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
  const explicit = values['max-attempts'] === undefined ? undefined : Number(values['max-attempts']);
  if (explicit !== undefined && (!Number.isInteger(explicit) || explicit < MAX_ATTEMPTS_RANGE.min || explicit > MAX_ATTEMPTS_RANGE.max)) {
    throw new CliError(`--max-attempts must be a whole number from ${MAX_ATTEMPTS_RANGE.min} to ${MAX_ATTEMPTS_RANGE.max}; received ${values['max-attempts']}.`, 2);
  }
  const region = (values.region as string | undefined) ?? executionArn.split(':')[3];
  const client = clientFor(executionArn, values);
  const pipelineArn = executionArn.replace(/\/execution\/[^/]+$/, '');
  const pipelineName = pipelineArn.slice(pipelineArn.lastIndexOf('/') + 1);
  const budget = explicit !== undefined
    ? { maxAttempts: explicit, maxAttemptsFrom: 'the --max-attempts option' }
    : await deployedBudget(pipelineName, region);
  process.stderr.write(`cdk-sagemaker-pipelines: retry budget ${budget.maxAttempts}, from ${budget.maxAttemptsFrom}\n`);
  // The event the EventBridge rule would deliver for this failure; the budget is the one chosen above.
  const event = {
    'source': SAGEMAKER_SOURCE,
    'detail-type': EXECUTION_STATUS_CHANGE,
    'detail': { pipelineArn, pipelineExecutionArn: executionArn, currentPipelineExecutionStatus: 'Failed' },
  };
  const configuration = fixedConfigurationPort({
    problems: [],
    lookup: () => ({ kind: 'configured', pipelineName, policy: retryPolicy({ maxAttempts: budget.maxAttempts }), source: budget.maxAttemptsFrom }),
  });
  const result = await remediate(event, {
    sagemaker: sageMakerPort(client),
    configuration,
    log: (record) => process.stderr.write(`${JSON.stringify(record)}\n`),
  }, { dryRun: values['dry-run'] === true });
  process.stdout.write(`${JSON.stringify({ ...result, maxAttemptsFrom: budget.maxAttemptsFrom }, null, 2)}\n`);
  if (result.outcome === 'started' || result.outcome === 'planned') return 0;
  // An error stopped the retry (access denied, validation, ...): not a deliberate skip.
  return result.remediationError !== undefined ? 1 : 3;
}

/**
 * The budget the stack deployed for the pipeline: every configuration document under the prefix (GetParametersByPath,
 * recursive), validated by the handler's parser. No document names the pipeline: the default budget.
 */
async function deployedBudget(pipelineName: string, region: string): Promise<{ maxAttempts: number; maxAttemptsFrom: string }> {
  const ssm = new SSMClient({ region, customUserAgent: 'cdk-sagemaker-pipelines/cli' });
  const sources: ConfigurationSource[] = [];
  try {
    const pages = paginateGetParametersByPath({ client: ssm }, { Path: CONFIGURATION_PARAMETER_PREFIX, Recursive: true });
    for await (const page of pages) {
      for (const p of page.Parameters ?? []) if (p.Name !== undefined) sources.push({ name: p.Name, value: p.Value ?? '' });
    }
  } catch (error) {
    throw new CliError(`Could not read the deployed SelectiveRetry configuration (GetParametersByPath ${CONFIGURATION_PARAMETER_PREFIX}): `
      + `${describeError(error)}. Pass --max-attempts N to retry without it.`, 1);
  } finally {
    ssm.destroy();
  }
  // Documents about other pipelines that are unusable do not matter here: only this pipeline's are looked at.
  const lookup = configurationFrom(sources.filter((s) => mentions(s, pipelineName))).lookup(pipelineName);
  switch (lookup.kind) {
    case 'configured': return { maxAttempts: lookup.policy.maxAttempts, maxAttemptsFrom: `the deployed configuration ${lookup.source}` };
    case 'misconfigured': throw new CliError(`The deployed configuration of pipeline ${pipelineName} is unusable: ${lookup.reason}. `
      + 'Pass --max-attempts N to retry without it.', 1);
    default: return { maxAttempts: DEFAULT_MAX_ATTEMPTS, maxAttemptsFrom: `the default (no SelectiveRetry configuration under ${CONFIGURATION_PARAMETER_PREFIX} names ${pipelineName})` };
  }
}

/** Whether a document's text names the pipeline (ignoring case); a document that is not even JSON is kept, to be reported. */
function mentions(source: ConfigurationSource, pipelineName: string): boolean {
  try {
    const names = (JSON.parse(source.value ?? '') as { pipelineNames?: unknown }).pipelineNames;
    return !Array.isArray(names) || names.some((n) => typeof n === 'string' && n.toLowerCase() === pipelineName.toLowerCase());
  } catch {
    return true;
  }
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
