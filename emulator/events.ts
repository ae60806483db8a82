/**
 * The EventBridge events SageMaker sends for pipeline executions and steps, and a tiny in-process bus.
 *
 * Shapes (source: https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html,
 * sections "Pipeline execution state change" and "Pipeline step state change"; samples in
 * fixtures/events/*.aws-docs.json; sagemaker-facts.md section 1):
 * - `source` is `aws.sagemaker`; detail-types `SageMaker Model Building Pipeline Execution Status Change` and
 *   `SageMaker Model Building Pipeline Execution Step Status Change`;
 * - `resources` = [pipelineArn, pipelineExecutionArn]; times are ISO-8601 without milliseconds (`2021-03-15T16:03:13Z`);
 * - `detail` keys are camelCase; `pipelineExecutionDescription` (and the display name) are absent when unset
 *   (aws-samples failed event, fixtures/events/pipeline-execution-status-change.failed.aws-samples.json);
 * - step events carry `metadata` with camelCase keys (`{"processingJob":{"arn":...}}`), `failureReason` only when the
 *   step Failed and `cacheHitResult` only on a cache hit (same doc page);
 * - "SageMaker AI may send multiple events to EventBridge for each state change" (same doc page, note), which is
 *   why the bus can deliver duplicates.
 */

export const EVENT_SOURCE = 'aws.sagemaker';
export const EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';
export const STEP_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Step Status Change';

export interface EventBridgeEvent<D = Record<string, unknown>> {
  readonly 'version': '0';
  readonly 'id': string;
  readonly 'detail-type': string;
  readonly 'source': string;
  readonly 'account': string;
  readonly 'time': string;
  readonly 'region': string;
  readonly 'resources': string[];
  readonly 'detail': D;
}

export interface ExecutionStatusDetail {
  readonly pipelineArn: string;
  readonly pipelineExecutionArn: string;
  readonly pipelineExecutionDisplayName?: string;
  readonly pipelineExecutionDescription?: string;
  readonly currentPipelineExecutionStatus: string;
  readonly previousPipelineExecutionStatus?: string;
  readonly executionStartTime: string;
  readonly executionEndTime?: string;
}

/** ISO-8601 with second precision, as in the documented samples (`2021-03-15T16:03:13Z`). */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Converts API-style metadata (`{ProcessingJob: {Arn}}`) to the event style (`{processingJob: {arn}}`). */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.charAt(0).toLowerCase() + k.slice(1)] = camelCaseKeys(v);
  return out;
}

export type EventListener = (event: EventBridgeEvent) => void | Promise<void>;

/** Delivers events to subscribers asynchronously (never re-entrantly) and keeps every event it published. */
export class EventBus {
  /** Every event published, in order (duplicates included). */
  public readonly published: EventBridgeEvent[] = [];
  private readonly listeners: EventListener[] = [];
  private copies = 1;
  private inFlight = 0;

  constructor(private readonly newId: () => string) {}

  /** Subscribes; returns an unsubscribe function. */
  public subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** From now on, deliver every event `copies` times (each copy with its own `id`, as separate sends would have). */
  public deliverDuplicates(copies: number): void {
    if (!Number.isInteger(copies) || copies < 1 || copies > 10) throw new Error(`copies must be 1..10, got ${copies}`);
    this.copies = copies;
  }

  /** Events waiting to be handed to subscribers. */
  public get pending(): number {
    return this.inFlight;
  }

  /** @internal */
  public publish(event: Omit<EventBridgeEvent, 'id'>): void {
    for (let i = 0; i < this.copies; i++) {
      const copy = { ...structuredClone(event), id: this.newId() } as EventBridgeEvent;
      this.published.push(copy);
      for (const listener of [...this.listeners]) {
        this.inFlight++;
        setImmediate(() => {
          Promise.resolve()
            .then(() => listener(structuredClone(copy)))
            .catch((e) => {
              // A subscriber's failure must not break the emulator; surface it on stderr.
              process.stderr.write(`event subscriber failed: ${(e as Error)?.stack ?? e}\n`);
            })
            .finally(() => {
              this.inFlight--;
            });
        });
      }
    }
  }
}
