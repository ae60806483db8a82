/**
 * The one parser of `HandlerConfigurationDocument`s: the handler validates every document it reads from SSM with it,
 * the CLI every document it finds under the prefix, and the construct's tests every document the construct renders.
 * Pure; never throws. Stricter than the types: unknown fields are refused, so a typo cannot silently drop a setting.
 * Part of the shared kernel: no aws-cdk-lib imports.
 */
import {
  CONFIGURATION_DOCUMENT_MAX_LENGTH,
  DELAY_SECONDS_RANGE,
  DelayInput,
  FAILURE_CLASSES,
  HandlerConfigurationDocument,
  MAX_ATTEMPTS_RANGE,
  NotificationsInput,
  ParameterOverrideInput,
  RetryOnInput,
  RetryPolicyConfiguration,
} from './contract';
import { compileFailurePattern } from './failure-pattern';

/** SageMaker's PipelineName pattern (CreatePipeline API reference). */
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
/** SageMaker's pipeline parameter Name pattern (Parameter API reference). */
const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,64}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

const DOCUMENT_FIELDS = ['version', 'pipelineNames', 'policy'];
const POLICY_FIELDS = [
  'maxAttempts', 'retryOn', 'delay', 'parameterOverrides', 'dryRun', 'fullRerunAboveSelectionLimit', 'notifications', 'metricsId',
];

/**
 * Validates one configuration document: the parsed object, or the JSON text of an SSM parameter value. Returns the
 * document, or one sentence naming the field, the value received and what is allowed.
 */
export function parseConfigurationDocument(value: unknown): HandlerConfigurationDocument | string {
  let document = value;
  if (typeof value === 'string') {
    if (value.length > CONFIGURATION_DOCUMENT_MAX_LENGTH) {
      return `the document is ${value.length} characters long; at most ${CONFIGURATION_DOCUMENT_MAX_LENGTH} are allowed`;
    }
    try {
      document = JSON.parse(value);
    } catch (e) {
      return `the document is not valid JSON (${(e as Error).message})`;
    }
  }
  if (!isObject(document)) return `the document must be a JSON object (received ${describe(document)})`;
  const unknown = unknownFields(document, DOCUMENT_FIELDS);
  if (unknown) return `the document has unknown field(s) ${unknown}; allowed: ${DOCUMENT_FIELDS.join(', ')}`;
  if (document.version !== 2) return `version must be 2 (received ${describe(document.version)})`;
  const names = document.pipelineNames;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || !PIPELINE_NAME.test(n))) {
    return `pipelineNames must be a non-empty list of SageMaker pipeline names (received ${describe(names)})`;
  }
  const lowerCased = names.map((n: string) => n.toLowerCase());
  const repeated = lowerCased.find((n, i) => lowerCased.indexOf(n) !== i);
  if (repeated) return `pipelineNames names "${repeated}" twice (names are compared ignoring case)`;
  const policy = parsePolicy(document.policy);
  if (typeof policy === 'string') return policy;
  return { version: 2, pipelineNames: [...names], policy };
}

function parsePolicy(value: unknown): RetryPolicyConfiguration | string {
  if (!isObject(value)) return `policy must be a JSON object (received ${describe(value)})`;
  const unknown = unknownFields(value, POLICY_FIELDS);
  if (unknown) return `policy has unknown field(s) ${unknown}; allowed: ${POLICY_FIELDS.join(', ')}`;
  const { maxAttempts } = value;
  if (!isIntegerIn(maxAttempts, MAX_ATTEMPTS_RANGE.min, MAX_ATTEMPTS_RANGE.max)) {
    return `policy.maxAttempts must be an integer from ${MAX_ATTEMPTS_RANGE.min} to ${MAX_ATTEMPTS_RANGE.max} (received ${describe(maxAttempts)})`;
  }
  const retryOn = parseRetryOn(value.retryOn);
  if (typeof retryOn === 'string') return retryOn;
  const delay = parseDelay(value.delay);
  if (typeof delay === 'string') return delay;
  const parameterOverrides = parseOverrides(value.parameterOverrides);
  if (typeof parameterOverrides === 'string') return parameterOverrides;
  const notifications = parseNotifications(value.notifications);
  if (typeof notifications === 'string') return notifications;
  if (value.dryRun !== undefined && typeof value.dryRun !== 'boolean') {
    return `policy.dryRun must be true or false (received ${describe(value.dryRun)})`;
  }
  if (value.fullRerunAboveSelectionLimit !== undefined && typeof value.fullRerunAboveSelectionLimit !== 'boolean') {
    return `policy.fullRerunAboveSelectionLimit must be true or false (received ${describe(value.fullRerunAboveSelectionLimit)})`;
  }
  if (value.metricsId !== undefined && (typeof value.metricsId !== 'string' || value.metricsId.length === 0 || value.metricsId.length > 255)) {
    return `policy.metricsId must be a string of 1-255 characters (received ${describe(value.metricsId)})`;
  }
  return {
    maxAttempts: maxAttempts as number,
    retryOn,
    ...(delay ? { delay } : {}),
    parameterOverrides,
    dryRun: value.dryRun === true,
    ...(value.fullRerunAboveSelectionLimit === true ? { fullRerunAboveSelectionLimit: true } : {}),
    notifications,
    ...(value.metricsId !== undefined ? { metricsId: value.metricsId as string } : {}),
  };
}

function parseRetryOn(value: unknown): RetryOnInput | string {
  if (value === undefined) return { mode: 'ALL' };
  if (!isObject(value) || !['ALL', 'CLASSES', 'MATCHING'].includes(value.mode as string)) {
    return `policy.retryOn.mode must be ALL, CLASSES or MATCHING (received ${describe(value)})`;
  }
  if (value.mode === 'CLASSES') {
    const classes = value.classes;
    if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => !(FAILURE_CLASSES as readonly unknown[]).includes(c))) {
      return `policy.retryOn.classes must list failure classes among ${FAILURE_CLASSES.join(', ')} (received ${describe(classes)})`;
    }
    return { mode: 'CLASSES', classes: [...classes] as string[] };
  }
  if (value.mode === 'MATCHING') {
    const patterns = value.patterns;
    if (!Array.isArray(patterns) || patterns.length === 0) {
      return `policy.retryOn.patterns must be a non-empty list of RE2 patterns (received ${describe(patterns)})`;
    }
    for (const pattern of patterns) {
      const compiled = compileFailurePattern(pattern);
      if (typeof compiled === 'string') return `policy.retryOn.patterns: ${compiled}`;
    }
    return { mode: 'MATCHING', patterns: [...patterns] as string[] };
  }
  return { mode: 'ALL' };
}

function parseDelay(value: unknown): DelayInput | undefined | string {
  if (value === undefined) return undefined;
  const { min, max } = DELAY_SECONDS_RANGE;
  if (!isObject(value) || !['FIXED', 'EXPONENTIAL'].includes(value.strategy as string) || !isIntegerIn(value.baseSeconds, min, max)
    || (value.factor !== undefined && !(typeof value.factor === 'number' && value.factor >= 1 && value.factor <= 10))
    || (value.maxSeconds !== undefined && !isIntegerIn(value.maxSeconds, min, max))
    || (value.jitter !== undefined && typeof value.jitter !== 'boolean')
    || unknownFields(value, ['strategy', 'baseSeconds', 'factor', 'maxSeconds', 'jitter'])) {
    return `policy.delay must be {"strategy": "FIXED"|"EXPONENTIAL", "baseSeconds": ${min}-${max}, "factor"?: 1-10, "maxSeconds"?: ${min}-${max}, `
      + `"jitter"?: boolean} (received ${describe(value)})`;
  }
  return { ...value } as unknown as DelayInput;
}

function parseOverrides(value: unknown): ParameterOverrideInput[] | string {
  if (value === undefined) return [];
  const valid = Array.isArray(value) && value.every((o) => isObject(o)
    && typeof o.parameterName === 'string' && PARAMETER_NAME.test(o.parameterName)
    && Array.isArray(o.values) && o.values.length > 0 && o.values.every((v) => typeof v === 'string')
    && Array.isArray(o.failureClasses) && o.failureClasses.length > 0
    && o.failureClasses.every((c) => (FAILURE_CLASSES as readonly unknown[]).includes(c))
    && !unknownFields(o, ['parameterName', 'values', 'failureClasses']));
  if (!valid) {
    return 'policy.parameterOverrides must be a list of {"parameterName": 1-64 letters, digits, - or _, "values": [string, ...], '
      + `"failureClasses": [${FAILURE_CLASSES.join('|')}, ...]} (received ${describe(value)})`;
  }
  return (value as ParameterOverrideInput[]).map((o) => ({
    parameterName: o.parameterName, values: [...o.values], failureClasses: [...o.failureClasses],
  }));
}

function parseNotifications(value: unknown): NotificationsInput | string {
  if (value === undefined) return { events: true };
  if (!isObject(value) || typeof value.events !== 'boolean'
    || (value.topicArn !== undefined && !(typeof value.topicArn === 'string' && TOPIC_ARN.test(value.topicArn)))
    || unknownFields(value, ['events', 'topicArn'])) {
    return `policy.notifications must be {"events": boolean, "topicArn"?: an SNS topic ARN} (received ${describe(value)})`;
  }
  return { events: value.events, ...(value.topicArn !== undefined ? { topicArn: value.topicArn as string } : {}) };
}

function unknownFields(value: Record<string, unknown>, allowed: string[]): string | undefined {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  return unknown.length ? unknown.map((k) => JSON.stringify(k)).join(', ') : undefined;
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value received, short enough for a log line. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
