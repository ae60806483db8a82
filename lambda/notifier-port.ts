/**
 * Announces each decision: as an event of our own on the default EventBridge bus (so users can route "retry
 * started", "skipped" and "budget exhausted" anywhere with a rule) and, optionally, on an SNS topic. Clients are
 * created on first use, off the cold-start path.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DECISION_EVENT_SOURCE, EVENT_DETAIL_TYPES } from '../src/kernel/contract';

/** The announcement of one decision. */
export interface Announcement {
  readonly detailType: string;
  /** The failed execution, as the event's resource. */
  readonly resource?: string;
  readonly subject: string;
  readonly detail: Record<string, unknown>;
}

/** What the remediation needs to announce a decision. */
export interface NotifierPort {
  putEvent(announcement: Announcement): Promise<void>;
  publishToTopic(topicArn: string, announcement: Announcement): Promise<void>;
}

/** The detail-type of a decision's event. */
export function detailTypeOf(outcome: string, budgetExhausted: boolean): string {
  if (budgetExhausted) return EVENT_DETAIL_TYPES.exhausted;
  switch (outcome) {
    case 'started': return EVENT_DETAIL_TYPES.started;
    case 'scheduled': return EVENT_DETAIL_TYPES.scheduled;
    case 'planned': return EVENT_DETAIL_TYPES.planned;
    default: return EVENT_DETAIL_TYPES.skipped;
  }
}

/** The AWS SDK implementation. */
export function notifierPort(eventBridge: () => Promise<EventBridgeClient>, sns: () => Promise<SNSClient>): NotifierPort {
  return {
    async putEvent(announcement) {
      const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
      const response = await (await eventBridge()).send(new PutEventsCommand({
        Entries: [{
          Source: DECISION_EVENT_SOURCE,
          DetailType: announcement.detailType,
          Detail: JSON.stringify(announcement.detail),
          ...(announcement.resource ? { Resources: [announcement.resource] } : {}),
        }],
      }));
      if (response.FailedEntryCount) {
        const entry = response.Entries?.find((e) => e.ErrorCode);
        throw new Error(`PutEvents rejected the event: ${entry?.ErrorCode}: ${entry?.ErrorMessage}`);
      }
    },
    async publishToTopic(topicArn, announcement) {
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await (await sns()).send(new PublishCommand({
        TopicArn: topicArn,
        // SNS subjects: at most 100 printable ASCII characters.
        Subject: announcement.subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
        Message: JSON.stringify({ source: DECISION_EVENT_SOURCE, detailType: announcement.detailType, ...announcement.detail }, null, 2),
        MessageAttributes: { detailType: { DataType: 'String', StringValue: announcement.detailType } },
      }));
    },
  };
}
