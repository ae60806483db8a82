/**
 * Integration test: heal a pipeline this library did not define, imported by name — the "heal an existing pipeline"
 * use case. The pipeline is a plain `AWS::SageMaker::Pipeline` (as the SageMaker Python SDK or another stack would
 * create it) with a mixed-case name, which SageMaker reports lower-cased in the ARNs of its events: the rule must
 * match it case-insensitively and the handler's role must allow both spellings.
 *
 *   Extract ──▶ Load        (two Lambda steps; Load fails once, then succeeds)
 *
 * The assertions start the pipeline, wait for the selective execution SelectiveRetry starts to succeed, and check
 * that it re-ran exactly Load, sourced from the failed run. Snapshot: integ.heal-imported-pipeline.ts.snapshot/
 * (`npx projen integ` checks it without deploying; `npx projen integ:deploy` deploys and runs the assertions).
 */
import { IntegTest, ExpectedResult, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Pipeline, SelectiveRetry } from '../src';
import { failsOnceFunction } from './integ-support/fails-once-function';

const PIPELINE_NAME = 'CdkSageMakerPipelines-Integ-ImportedPipeline';

const app = new App();
const stack = new Stack(app, 'HealImportedPipelineInteg');

// The pipeline "deployed elsewhere": an L1 with a hand-written definition, as exported by the SageMaker Python SDK.
const load = failsOnceFunction(stack, {
  bucketId: 'LoadState', functionId: 'LoadFunction', markerKey: 'load-failed-once', result: 'loaded', errorMessage: 'Injected failure: Load fails on its first run only',
});
const extract = new lambda.Function(stack, 'ExtractFunction', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({ result: "extracted" });'),
});
const pipelineRole = new iam.Role(stack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
extract.grantInvoke(pipelineRole);
load.grantInvoke(pipelineRole);
const existing = new sagemaker.CfnPipeline(stack, 'ExistingPipeline', {
  pipelineName: PIPELINE_NAME,
  roleArn: pipelineRole.roleArn,
  pipelineDefinition: {
    PipelineDefinitionBody: stack.toJsonString({
      Version: '2020-12-01',
      Parameters: [],
      Steps: [
        { Name: 'Extract', Type: 'Lambda', Arguments: {}, FunctionArn: extract.functionArn, OutputParameters: [] },
        { Name: 'Load', Type: 'Lambda', Arguments: {}, DependsOn: ['Extract'], FunctionArn: load.functionArn, OutputParameters: [] },
      ],
    }),
  },
});
existing.node.addDependency(pipelineRole);

// What a user of this library writes: import the pipeline by name and heal it.
new SelectiveRetry(stack, 'Heal', {
  pipelines: [Pipeline.fromPipelineName(stack, 'Imported', PIPELINE_NAME)],
  maxAttempts: 1,
});

const integ = new IntegTest(app, 'HealImportedPipelineTest', { testCases: [stack] });

const firstRun = integ.assertions.awsApiCall('SageMaker', 'startPipelineExecution', {
  PipelineName: PIPELINE_NAME,
  PipelineExecutionDescription: 'integ test: first run, Load fails',
});
const firstRunArn = firstRun.getAttString('PipelineExecutionArn');

const healed = integ.assertions.awsApiCall('SageMaker', 'listPipelineExecutions', {
  PipelineName: PIPELINE_NAME,
  SortOrder: 'Descending',
}).expect(ExpectedResult.objectLike({
  PipelineExecutionSummaries: Match.arrayWith([
    Match.objectLike({ PipelineExecutionStatus: 'Succeeded' }),
    Match.objectLike({ PipelineExecutionArn: firstRunArn, PipelineExecutionStatus: 'Failed' }),
  ]),
})).waitForAssertions({ totalTimeout: Duration.minutes(20), interval: Duration.seconds(20) });

const latest = integ.assertions.awsApiCall('SageMaker', 'listPipelineExecutions', {
  PipelineName: PIPELINE_NAME,
  SortOrder: 'Descending',
  MaxResults: 1,
}, ['PipelineExecutionSummaries.0.PipelineExecutionArn']);
const retry = integ.assertions.awsApiCall('SageMaker', 'describePipelineExecution', {
  PipelineExecutionArn: latest.getAttString('PipelineExecutionSummaries.0.PipelineExecutionArn'),
}).expect(ExpectedResult.objectLike({
  PipelineExecutionStatus: 'Succeeded',
  SelectiveExecutionConfig: { SourcePipelineExecutionArn: firstRunArn, SelectedSteps: [{ StepName: 'Load' }] },
}));

firstRun.next(healed).next(latest).next(retry);
