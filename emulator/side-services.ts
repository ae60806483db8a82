/**
 * Minimal sinks for the other AWS services the bundled handler may call while it reports a decision — EventBridge
 * `PutEvents`, SNS `Publish`, EventBridge Scheduler `CreateSchedule` — so that end-to-end runs never reach the network
 * and tests can assert what was published. The harness points every SDK client at the emulator (`AWS_ENDPOINT_URL`),
 * and these requests arrive on the same port. They are recorded, not emulated: nothing is delivered or scheduled.
 *
 * Wire formats (read from the installed clients): EventBridge is AWS JSON 1.1 (`X-Amz-Target: AWSEvents.PutEvents`,
 * `@aws-sdk/client-eventbridge`); SNS is the AWS Query protocol (form-encoded `Action=Publish`, XML response,
 * `@aws-sdk/client-sns`); Scheduler is REST-JSON (`POST /schedules/{Name}` -> `{"ScheduleArn"}`, errors with an
 * `x-amzn-errortype` header, `@aws-sdk/client-scheduler` `CreateSchedule$`).
 */
import * as http from 'node:http';

export interface SideEffects {
  /** Entries sent with EventBridge PutEvents. */
  readonly putEvents: Array<Record<string, any>>;
  /** SNS Publish requests (form fields). */
  readonly snsPublishes: Array<Record<string, string>>;
  /** Scheduler CreateSchedule requests (`Name` plus the JSON body). */
  readonly schedules: Array<Record<string, any>>;
  /** Schedules that fired (see `SageMakerEmulator`): what they started, or the error SageMaker answered. */
  readonly scheduleRuns: Array<{ name: string; executionArn?: string; error?: string }>;
  /** Names (`group/name`) of schedules that exist now: a one-time schedule with `ActionAfterCompletion: DELETE` is gone after it runs. */
  readonly activeSchedules: Set<string>;
}

export interface SideRequest {
  /** e.g. `EventBridge.PutEvents` */
  readonly operation: string;
  readonly request: Record<string, any>;
}

export interface SideResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Recognises a request meant for one of the side services; undefined for anything else. */
export function classifySideRequest(req: http.IncomingMessage, target: string, body: string): SideRequest | undefined {
  if (target.startsWith('AWSEvents.')) {
    return { operation: `EventBridge.${target.slice('AWSEvents.'.length)}`, request: parseJson(body) };
  }
  const url = req.url ?? '/';
  const schedule = /^\/schedules\/([^/?]+)/.exec(url);
  if (schedule) {
    const method = req.method ?? 'GET';
    const op = method === 'POST' ? 'CreateSchedule' : method === 'DELETE' ? 'DeleteSchedule' : method === 'PUT' ? 'UpdateSchedule' : 'GetSchedule';
    return { operation: `Scheduler.${op}`, request: { Name: decodeURIComponent(schedule[1]), ...parseJson(body) } };
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (!target && contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(body));
    if (form.Action) return { operation: `SNS.${form.Action}`, request: form };
  }
  return undefined;
}

export interface SideIds {
  readonly region: string;
  readonly account: string;
  uuid(): string;
}

/** Answers a side-service request, recording its effect. */
export function answerSideRequest(side: SideRequest, effects: SideEffects, ids: SideIds): SideResponse {
  const json = (status: number, payload: unknown, type?: string): SideResponse => ({
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) },
    body: JSON.stringify(payload),
  });
  switch (side.operation) {
    case 'EventBridge.PutEvents': {
      const entries: Array<Record<string, any>> = Array.isArray(side.request.Entries) ? side.request.Entries : [];
      effects.putEvents.push(...entries);
      return json(200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: ids.uuid() })) });
    }
    case 'Scheduler.CreateSchedule': {
      const group = side.request.GroupName ?? 'default';
      // Names are unique per group: creating an existing one is a ConflictException (API_CreateSchedule.html).
      if (effects.activeSchedules.has(`${group}/${side.request.Name}`)) {
        return json(409, { Message: `Schedule ${side.request.Name} already exists.` }, 'ConflictException');
      }
      effects.schedules.push(side.request);
      effects.activeSchedules.add(`${group}/${side.request.Name}`);
      return json(200, { ScheduleArn: `arn:aws:scheduler:${ids.region}:${ids.account}:schedule/${group}/${side.request.Name}` });
    }
    case 'SNS.Publish': {
      effects.snsPublishes.push(side.request);
      const id = ids.uuid();
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult>`
          + `<ResponseMetadata><RequestId>${ids.uuid()}</RequestId></ResponseMetadata></PublishResponse>`,
      };
    }
    default:
      if (side.operation.startsWith('SNS.')) {
        return {
          status: 400,
          headers: { 'content-type': 'text/xml' },
          body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The emulator does not implement ${side.operation}.</Message></Error></ErrorResponse>`,
        };
      }
      return json(400, { __type: 'UnknownOperationException', message: `The emulator does not implement ${side.operation}.` }, 'UnknownOperationException');
  }
}

function parseJson(body: string): Record<string, any> {
  try {
    const v = body ? JSON.parse(body) : {};
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}
