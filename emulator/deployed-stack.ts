/**
 * What a stack with a `SelectiveRetry` deploys, taken from the template the construct really renders: the end-to-end
 * harness runs the handler with exactly this configuration, environment and rule filter, so a change to the construct
 * is exercised end to end instead of a hand-written copy of it.
 *
 * The stack is synthesized in-process with aws-cdk-lib (a `SelectiveRetry` healing `Pipeline.fromPipelineName(...)`);
 * from the template come each rule's `EventPattern`, every `AWS::SSM::Parameter` (name and value) and the handler
 * function's environment variables. CloudFormation's pseudo parameters resolve to the emulator's account and region
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html); references to the
 * stack's own resources resolve to names and ARNs made from their logical ids, as if CloudFormation had named them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventPattern } from './event-pattern';
import {
  FailureClass, ParameterOverride, Pipeline, RetryDelay, RetryableFailures, SelectiveRetry, SelectiveRetryOptions,
} from '../src';
import { HANDLER_ENV } from '../src/kernel/contract';

/** The stack and construct names the harness deploys (they make the configuration parameter's name). */
export const DEPLOYED_STACK_NAME = 'EmulatorStack';
export const DEPLOYED_CONSTRUCT_ID = 'SelectiveRetry';

/** What the stack deploys, with every token resolved. */
export interface DeployedStack {
  /** The `EventPattern` of each rule the construct renders. */
  readonly eventPatterns: EventPattern[];
  /** The SSM parameters (name -> value): the configuration documents. */
  readonly parameters: ReadonlyMap<string, string>;
  /** The handler function's environment variables. */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A policy in the form the harness's callers give it — the fields of the configuration document's `policy`
 * (`maxAttempts`, `retryOn`, `delay`, `parameterOverrides`, `dryRun`, `fullRerunAboveSelectionLimit`,
 * `notifications: {events, topicArn}`) plus the healed `pipelineNames` — mapped onto `SelectiveRetryProps`.
 */
export interface HarnessPolicy {
  readonly pipelineNames: string[];
  readonly [key: string]: unknown;
}

/** Where the harness deploys: the emulator's account and region. */
export interface DeploymentTarget {
  readonly account: string;
  readonly region: string;
}

const cache = new Map<string, DeployedStack>();

/** Synthesizes (once per policy and target) the stack that heals `policy.pipelineNames` and returns what it deploys. */
export function deployedStack(policy: HarnessPolicy, target: DeploymentTarget): DeployedStack {
  const key = JSON.stringify([policy, target.account, target.region]);
  let deployed = cache.get(key);
  if (!deployed) {
    deployed = synthesize(policy, target);
    cache.set(key, deployed);
  }
  return deployed;
}

function synthesize(policy: HarnessPolicy, target: DeploymentTarget): DeployedStack {
  const outdir = mkdtempSync(path.join(tmpdir(), 'harness-synth-'));
  try {
    // No stack traces in construct metadata and no copy of the handler asset: the template is all the harness reads.
    const app = new App({ outdir, stackTraces: false, analyticsReporting: false, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, DEPLOYED_STACK_NAME, { env: { account: target.account, region: target.region } });
    new SelectiveRetry(stack, DEPLOYED_CONSTRUCT_ID, {
      ...selectiveRetryOptionsOf(stack, policy),
      pipelines: policy.pipelineNames.map((name, i) => Pipeline.fromPipelineName(stack, `Pipeline${i}`, name)),
    });
    const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, Resource> };
    return fromTemplate(template.Resources, target);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}

/** Reads the rules, parameters and handler environment out of a synthesized template. */
export function fromTemplate(resources: Record<string, Resource>, target: DeploymentTarget): DeployedStack {
  const resolve = (value: unknown) => resolveTokens(value, resources, target);
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);
  const eventPatterns = ofType('AWS::Events::Rule').map((r) => resolve(r.Properties!.EventPattern) as EventPattern);
  const parameters = new Map(ofType('AWS::SSM::Parameter').map((r) => [resolve(r.Properties!.Name) as string, resolve(r.Properties!.Value) as string]));
  const handlers = ofType('AWS::Lambda::Function')
    .map((r) => r.Properties?.Environment?.Variables as Record<string, unknown> | undefined)
    .filter((vars): vars is Record<string, unknown> => !!vars && HANDLER_ENV.configurationParameters in vars);
  if (handlers.length !== 1) throw new Error(`expected one selective-retry handler function in the template, found ${handlers.length}`);
  const environment = resolve(handlers[0]) as Record<string, string>;
  return { eventPatterns, parameters, environment };
}

/** Resolves the intrinsic functions a synthesized `SelectiveRetry` uses: `Ref`, `Fn::Join`, `Fn::GetAtt` (Arn). */
function resolveTokens(value: unknown, resources: Record<string, Resource>, target: DeploymentTarget): unknown {
  const recurse = (v: unknown) => resolveTokens(v, resources, target);
  if (Array.isArray(value)) return value.map(recurse);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    const [fn, args] = entries[0];
    if (fn === 'Ref') return refOf(args as string, resources, target);
    if (fn === 'Fn::Join') {
      const [separator, parts] = args as [string, unknown[]];
      return (parts.map(recurse) as unknown[]).map(String).join(separator);
    }
    if (fn === 'Fn::GetAtt' && (args as string[])[1] === 'Arn') return arnOf((args as string[])[0], resources, target);
    throw new Error(`the harness cannot resolve ${JSON.stringify(value)} in the synthesized template; extend emulator/deployed-stack.ts`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, recurse(v)]));
}

const PSEUDO_PARAMETERS: Record<string, (t: DeploymentTarget) => string> = {
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::Region': (t) => t.region,
  'AWS::AccountId': (t) => t.account,
  'AWS::StackName': () => DEPLOYED_STACK_NAME,
};

function refOf(name: string, resources: Record<string, Resource>, target: DeploymentTarget): string {
  const pseudo = PSEUDO_PARAMETERS[name];
  if (pseudo) return pseudo(target);
  if (!resources[name]) throw new Error(`the synthesized template refers to ${name}, which it does not define`);
  // A resource's Ref is its physical name (or, for an SQS queue, its URL); CloudFormation generates it from the logical id.
  return resources[name].Type === 'AWS::SQS::Queue' ? `https://sqs.${target.region}.amazonaws.com/${target.account}/${name}` : name;
}

function arnOf(logicalId: string, resources: Record<string, Resource>, { account, region }: DeploymentTarget): string {
  const type = resources[logicalId]?.Type;
  switch (type) {
    case 'AWS::IAM::Role': return `arn:aws:iam::${account}:role/${logicalId}`;
    case 'AWS::SQS::Queue': return `arn:aws:sqs:${region}:${account}:${logicalId}`;
    case 'AWS::SNS::Topic': return `arn:aws:sns:${region}:${account}:${logicalId}`;
    case 'AWS::Lambda::Function': return `arn:aws:lambda:${region}:${account}:function:${logicalId}`;
    case 'AWS::Scheduler::ScheduleGroup': return `arn:aws:scheduler:${region}:${account}:schedule-group/${logicalId}`;
    default: throw new Error(`the harness cannot make the ARN of ${logicalId} (${type}); extend emulator/deployed-stack.ts`);
  }
}

/** Maps the harness's policy onto the construct's props. Unknown fields throw, so a test cannot silently lose one. */
export function selectiveRetryOptionsOf(scope: Stack, policy: HarnessPolicy): SelectiveRetryOptions {
  // `version` is the configuration document's, which the construct writes itself.
  const {
    pipelineNames: _names, version: _version, maxAttempts, retryOn, delay, parameterOverrides, dryRun,
    fullRerunAboveSelectionLimit, notifications, ...unknown
  } = policy as Record<string, any>;
  if (Object.keys(unknown).length > 0) {
    throw new Error(`the harness does not know the policy field(s) ${Object.keys(unknown).join(', ')}; `
      + 'allowed: maxAttempts, retryOn, delay, parameterOverrides, dryRun, fullRerunAboveSelectionLimit, notifications');
  }
  return {
    maxAttempts,
    retryOn: retryOn === undefined ? undefined : retryOnOf(retryOn),
    delay: delay === undefined ? undefined : delayOf(delay),
    parameterOverrides: (parameterOverrides as any[] | undefined)?.map((o) => ParameterOverride.fallbackValues(o.parameterName, o.values, {
      onFailureClasses: o.failureClasses?.map(failureClassOf),
    })),
    dryRun,
    fullRerunAboveSelectionLimit,
    publishEvents: notifications?.events,
    notificationTopic: notifications?.topicArn ? sns.Topic.fromTopicArn(scope, 'NotificationTopic', notifications.topicArn) : undefined,
  };
}

function retryOnOf(retryOn: { mode: string; classes?: string[]; patterns?: string[] }): RetryableFailures {
  switch (retryOn.mode) {
    case 'ALL': return RetryableFailures.all();
    case 'CLASSES': return RetryableFailures.ofClasses((retryOn.classes ?? []).map(failureClassOf));
    case 'MATCHING': return RetryableFailures.matching(retryOn.patterns ?? []);
    default: throw new Error(`retryOn.mode must be ALL, CLASSES or MATCHING (received ${JSON.stringify(retryOn.mode)})`);
  }
}

function delayOf(delay: { strategy: string; baseSeconds: number; factor?: number; maxSeconds?: number; jitter?: boolean }): RetryDelay {
  switch (delay.strategy) {
    case 'FIXED': return RetryDelay.constant(Duration.seconds(delay.baseSeconds));
    case 'EXPONENTIAL': return RetryDelay.exponential({
      initialDelay: Duration.seconds(delay.baseSeconds),
      factor: delay.factor,
      maxDelay: delay.maxSeconds === undefined ? undefined : Duration.seconds(delay.maxSeconds),
      jitter: delay.jitter,
    });
    default: throw new Error(`delay.strategy must be FIXED or EXPONENTIAL (received ${JSON.stringify(delay.strategy)})`);
  }
}

function failureClassOf(name: string): FailureClass {
  const value = (FailureClass as Record<string, string>)[name];
  if (value === undefined) throw new Error(`unknown failure class ${JSON.stringify(name)} (allowed: ${Object.keys(FailureClass).join(', ')})`);
  return value as FailureClass;
}
