/**
 * The emulator's HTTP transport: AWS JSON 1.1 as `@aws-sdk/client-sagemaker` speaks it (its `AwsJson1_1Protocol`,
 * `defaultNamespace: "com.amazonaws.sagemaker"`): `POST /` with `X-Amz-Target: SageMaker.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`; timestamps are epoch seconds (numbers); errors are a non-2xx status with
 * a JSON body `{"__type": "<Code>", "message": "..."}` (the SDK turns `__type` into the error's `name`). It listens on
 * 127.0.0.1 only, on a random free port, so an unmodified `SageMakerClient` with `endpoint` set and fake credentials
 * talks to it (signatures are not checked). Requests for the recorded side services (side-services.ts) arrive on the
 * same port. Every call is recorded; injected faults and latency (faults.ts) apply here.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiFaults } from './faults';
import { SideRequest, SideResponse, classifySideRequest } from './side-services';

/** An API error as SageMaker returns it on the wire. */
export class ApiError extends Error {
  /**
   * @param type the wire error code (`__type`)
   * @param status the HTTP status
   * @param rule the named server-side rule that raised it (server-rules.ts), if any
   */
  constructor(readonly type: string, message: string, readonly status = 400, readonly rule?: string) {
    super(message);
  }
}

/** `ValidationException` (HTTP 400): a request the service rejects. Not in the model's error list; every operation may answer it (https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html). */
export const validationError = (message: string) => new ApiError('ValidationException', message);
/** `ResourceNotFound` (HTTP 400), the modeled error of every Describe/List/Start call. */
export const notFoundError = (message: string) => new ApiError('ResourceNotFound', message);
/** `ConflictException` (HTTP 400), modeled for StartPipelineExecution and the other mutating calls. */
export const conflictError = (message: string) => new ApiError('ConflictException', message);

/** One HTTP call the emulator answered. */
export interface CallRecord {
  readonly seq: number;
  /** `SageMaker` for the emulated API; `EventBridge`, `SNS` or `Scheduler` for the recorded side services */
  readonly service: string;
  /** SageMaker operation name (`StartPipelineExecution`), or `<Service>.<Operation>` for side services */
  readonly operation: string;
  readonly request: Record<string, any>;
  /** real time (ms, `performance.now()`) the request arrived / the response was sent */
  readonly receivedAt: number;
  respondedAt: number;
  /** simulated time when the request arrived (epoch ms) */
  readonly simTime: number;
  status: number;
  errorType?: string;
  errorMessage?: string;
  /** the named server-side rule that rejected the call (server-rules.ts), if any */
  rule?: string;
  response?: unknown;
}

/** What the transport needs from the emulator behind it. */
export interface TransportHost {
  readonly faults: ApiFaults;
  readonly calls: CallRecord[];
  /** Simulated time (epoch ms), recorded with each call. */
  simTime(): number;
  requestId(): string;
  /** Answers one SageMaker operation (validation included); throws `ApiError` for an error response. */
  answer(operation: string, request: Record<string, any>): unknown;
  /** Answers a side-service request and records its effect. */
  answerSide(side: SideRequest): SideResponse;
}

/** The HTTP server in front of the emulator. */
export class AwsJsonServer {
  private server?: http.Server;
  private baseUrl?: string;
  private inFlight = 0;
  private callSeq = 0;

  constructor(private readonly host: TransportHost) {}

  /** `http://127.0.0.1:<port>` */
  public get url(): string {
    if (!this.baseUrl) throw new Error('emulator is not listening');
    return this.baseUrl;
  }

  /** Requests received and not yet answered. */
  public get inFlightRequests(): number {
    return this.inFlight;
  }

  public async listen(): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  public async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight++;
    const receivedAt = performance.now();
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const side = target.startsWith('SageMaker.') ? undefined : classifySideRequest(req, target, body);
      const operation = side ? side.operation : target.startsWith('SageMaker.') ? target.slice('SageMaker.'.length) : target;
      let request: Record<string, any> = {};
      let parseError: ApiError | undefined;
      try {
        request = body ? JSON.parse(body) : {};
        if (typeof request !== 'object' || request === null || Array.isArray(request)) {
          parseError = new ApiError('SerializationException', 'Request body must be a JSON object');
          request = {};
        }
      } catch {
        parseError = new ApiError('SerializationException', 'Request body is not valid JSON');
      }
      const call: CallRecord = {
        seq: this.callSeq++,
        service: side ? side.operation.split('.')[0] : 'SageMaker',
        operation,
        request: side ? side.request : request,
        receivedAt,
        respondedAt: receivedAt,
        simTime: this.host.simTime(),
        status: 0,
      };
      this.host.calls.push(call);

      const latency = this.host.faults.latencyFor(operation);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));

      if (side) {
        const fault = this.host.faults.take(operation);
        const answer = fault
          ? { status: fault.error.status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.error.type }, body: JSON.stringify({ __type: fault.error.type, message: fault.error.message }) }
          : this.host.answerSide(side);
        call.status = answer.status;
        call.respondedAt = performance.now();
        if (answer.status >= 300) call.errorType = answer.headers['x-amzn-errortype'] ?? 'Error';
        res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body), 'x-amzn-requestid': this.host.requestId() });
        res.end(answer.body);
        return;
      }

      let status = 200;
      let payload: unknown;
      try {
        if (req.method !== 'POST' || !target.startsWith('SageMaker.')) {
          throw new ApiError('UnknownOperationException', `Expected POST / with X-Amz-Target: SageMaker.<Operation>; got ${req.method} ${target || '(no target)'}`);
        }
        if (parseError) throw parseError;
        const fault = this.host.faults.take(operation);
        if (fault && !fault.afterProcessing) throw new ApiError(fault.error.type, fault.error.message, fault.error.status);
        payload = this.host.answer(operation, request);
        if (fault) throw new ApiError(fault.error.type, fault.error.message, fault.error.status);
      } catch (e) {
        const err = e instanceof ApiError ? e : new ApiError('InternalFailure', `emulator bug: ${(e as Error).stack ?? e}`, 500);
        status = err.status;
        payload = { __type: err.type, message: err.message };
        call.errorType = err.type;
        call.errorMessage = err.message;
        if (err.rule) call.rule = err.rule;
      }
      call.status = status;
      call.response = payload;
      call.respondedAt = performance.now();
      const text = JSON.stringify(payload ?? {});
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': this.host.requestId(),
      });
      res.end(text);
    } finally {
      this.inFlight--;
    }
  }
}
