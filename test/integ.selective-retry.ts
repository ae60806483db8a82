/**
 * Integration test: a pipeline whose middle step fails on its first run heals itself.
 *
 *   Prepare ──▶ Flaky ──▶ Report        (three Lambda steps; Flaky fails once, then succeeds)
 *
 * The test starts the pipeline. Flaky fails, so the execution fails; SageMaker's Failed event reaches the
 * SelectiveRetry rule, and the bundled handler starts a selective execution of Flaky and Report with the failed run
 * as its source. The assertions wait for that execution to succeed and check that it is what we claim: a selective
 * execution of exactly the failed step and its downstream, sourced from the failed run, reusing Prepare.
 *
 * `npx projen integ` (part of `npx projen test`) synthesizes this app and compares it with the committed snapshot
 * in integ.selective-retry.js.snapshot/ — no AWS account needed. `npx projen integ:deploy` deploys it to the current
 * account, runs the assertions (about 5 minutes) and destroys it; `npx projen integ:update` rewrites the snapshot
 * without deploying.
 */
import { IntegTest, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaStep, Pipeline, PipelineDefinition } from '../src';
import { failsOnceFunction } from './integ-support/fails-once-function';

const app = new App();
const stack = new Stack(app, 'SelectiveRetryInteg');

// Flaky remembers, in a bucket of the test, that it has failed once: the first invocation writes the marker and
// throws (a Lambda step fails when its function does), every later one finds the marker and succeeds.
const flakyFunction = failsOnceFunction(stack, {
  bucketId: 'FlakyState', functionId: 'FlakyFunction', markerKey: 'flaky-step-failed-once', result: 'succeeded on a later run', errorMessage: 'Injected failure: Flaky fails on its first run only',
});
const okFunction = new lambda.Function(stack, 'OkFunction', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ result: "ok" });'),
});

const prepare = new LambdaStep(stack, 'Prepare', { lambdaFunction: okFunction });
const flaky = new LambdaStep(stack, 'Flaky', { lambdaFunction: flakyFunction, dependsOn: [prepare] });
const report = new LambdaStep(stack, 'Report', { lambdaFunction: okFunction, dependsOn: [flaky] });
const pipeline = new Pipeline(stack, 'Pipeline', {
  pipelineName: 'cdk-sagemaker-pipelines-integ-selective-retry',
  definition: PipelineDefinition.fromSteps([prepare, flaky, report]),
  selectiveRetry: { maxAttempts: 1 },
});

const integ = new IntegTest(app, 'SelectiveRetryTest', { testCases: [stack] });

// 1. A person starts the pipeline; this run fails at Flaky.
const firstRun = integ.assertions.awsApiCall('SageMaker', 'startPipelineExecution', {
  PipelineName: pipeline.pipelineName,
  PipelineExecutionDescription: 'integ test: first run, Flaky fails',
});
const firstRunArn = firstRun.getAttString('PipelineExecutionArn');

// 2. Wait until the pipeline has a newer execution that succeeded, and the first run failed.
const healed = integ.assertions.awsApiCall('SageMaker', 'listPipelineExecutions', {
  PipelineName: pipeline.pipelineName,
  SortOrder: 'Descending',
}).expect(ExpectedResult.objectLike({
  PipelineExecutionSummaries: Match.arrayWith([
    Match.objectLike({ PipelineExecutionStatus: 'Succeeded' }),
    Match.objectLike({ PipelineExecutionArn: firstRunArn, PipelineExecutionStatus: 'Failed' }),
  ]),
})).waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(20) });

// 3. The newest execution is the retry: a selective execution of Flaky and Report, sourced from the failed run.
const latest = integ.assertions.awsApiCall('SageMaker', 'listPipelineExecutions', {
  PipelineName: pipeline.pipelineName,
  SortOrder: 'Descending',
  MaxResults: 1,
}, ['PipelineExecutionSummaries.0.PipelineExecutionArn']);
const retryArn = latest.getAttString('PipelineExecutionSummaries.0.PipelineExecutionArn');
const retry = integ.assertions.awsApiCall('SageMaker', 'describePipelineExecution', {
  PipelineExecutionArn: retryArn,
}).expect(ExpectedResult.objectLike({
  PipelineExecutionStatus: 'Succeeded',
  SelectiveExecutionConfig: {
    SourcePipelineExecutionArn: firstRunArn,
    SelectedSteps: [{ StepName: 'Flaky' }, { StepName: 'Report' }],
  },
}));

// 4. Prepare did not run again: the retry reused its result from the failed run.
const reused = integ.assertions.awsApiCall('SageMaker', 'listPipelineExecutionSteps', {
  PipelineExecutionArn: retryArn,
}).expect(ExpectedResult.objectLike({
  PipelineExecutionSteps: Match.arrayWith([
    Match.objectLike({ StepName: 'Prepare', SelectiveExecutionResult: { SourcePipelineExecutionArn: firstRunArn } }),
  ]),
}));

firstRun.next(healed).next(latest).next(retry).next(reused);
