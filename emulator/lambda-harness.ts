/**
 * Runs the BUNDLED selective-retry handler (`assets/selective-retry-handler/index.js`) the way Lambda would, against a
 * SageMaker emulator.
 *
 * - The bundle runs in its own Node child process (one per harness, i.e. a fresh module per emulator), loaded with
 *   `import()` as Lambda's Node.js runtime loads an ES module (CommonJS bundles load the same way), with the
 *   environment Lambda would give it: `AWS_REGION`, fake `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, and
 *   `AWS_ENDPOINT_URL_SAGEMAKER` pointing at the emulator, set BEFORE the bundle is loaded (it creates its
 *   SageMakerClient at module load).
 * - The input is what the EventBridge rule target sends: the bare event. The policy is deployed as the stack deploys
 *   it — the harness synthesizes a real stack with a `SelectiveRetry` for the policy (deployed-stack.ts), loads the
 *   SSM parameters it renders into the emulator's parameter store (side-services.ts) and gives the function the
 *   environment the template gives it.
 * - Only events one of the rendered rules' `EventPattern`s matches are delivered (event-pattern.ts).
 * - A thrown error is retried like Lambda asynchronous invocation: "Lambda retries the function two more times"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html); after that the event goes
 *   to the dead-letter list.
 * - Every `console.*` line (and raw stdout) the handler writes is captured per invocation.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DeployedStack, deployedStack } from './deployed-stack';
import { matchesEventPattern } from './event-pattern';
import { EventBridgeEvent } from './events';
import { SageMakerEmulator } from './sagemaker-emulator';
import { HANDLER_ENV, Outcome } from '../src/kernel/contract';

/** Where `npx projen bundle:handler` writes the handler bundle. */
export const HANDLER_BUNDLE = path.resolve(__dirname, '..', 'assets', 'selective-retry-handler', 'index.js');

/** Throws a clear error when the bundle has not been built. */
export function assertHandlerBundle(bundle = HANDLER_BUNDLE): void {
  if (!existsSync(bundle)) {
    throw new Error(`The bundled handler is missing (${path.relative(process.cwd(), bundle)}). Run \`npx projen bundle:handler\` first.`);
  }
}

/**
 * The policy deployed for the healed pipelines: `pipelineNames` and the fields of the configuration document's policy
 * (`maxAttempts`, `retryOn`, `delay`, ...), which the harness maps onto `SelectiveRetryProps` (deployed-stack.ts).
 */
export interface RetryPolicyInput {
  readonly maxAttempts: number;
  readonly pipelineNames: string[];
  readonly [key: string]: unknown;
}

/** What the handler resolves to (the documented contract; the outcomes are the shared kernel's). */
export interface HandlerResult {
  readonly outcome: Outcome;
  readonly reason: string;
  readonly selectedSteps?: string[];
  readonly pipelineExecutionArn?: string;
  readonly attempt?: number;
  readonly [key: string]: unknown;
}

export interface Invocation {
  readonly id: number;
  /** 1 = first delivery, 2-3 = Lambda's async retries */
  readonly attempt: number;
  readonly event: EventBridgeEvent;
  /** What the function was invoked with: the event, or a payload a test forged. */
  readonly input: unknown;
  result?: HandlerResult;
  error?: { name: string; message: string; stack?: string };
  readonly logs: string[];
  done: boolean;
}

export interface HarnessOptions {
  readonly policy: RetryPolicyInput;
  /**
   * Deploy the policy as configuration (the SSM parameters the construct renders, named in the function's
   * environment), as the stack does (default true). With false the function has no configuration: it must start
   * nothing (the rules still filter the events).
   */
  readonly deployConfiguration?: boolean;
  /** Deliver matching emulator events by itself (default true). With false, call `deliver()`. */
  readonly autoDeliver?: boolean;
  /** Lambda async retries after a thrown error (default 2, Lambda's maximum and default). */
  readonly maxRetries?: number;
  /** Real milliseconds between a failure and its retry (Lambda waits minutes; default 0). */
  readonly retryDelayMs?: number;
  /** Real-time limit of one invocation (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * How many invocations may run at once. SelectiveRetry deploys its function with reserved concurrency 1, so that
   * duplicate deliveries are handled one after the other (default 1, as deployed).
   */
  readonly reservedConcurrency?: number;
  /** Environment added to (or replacing) what the construct gives the function. */
  readonly env?: Record<string, string>;
  readonly bundle?: string;
}

/** The code the child process runs: load the bundle once, then invoke it on request, capturing logs per invocation. */
const CHILD_SOURCE = String.raw`
const { AsyncLocalStorage } = require('node:async_hooks');
const util = require('node:util');
const als = new AsyncLocalStorage();
const send = (m) => { try { process.send(m); } catch (e) { /* parent gone */ } };
for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[level] = (...args) => send({ type: 'log', id: als.getStore(), line: util.format(...args) });
}
const rawWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => { send({ type: 'log', id: als.getStore(), line: String(chunk).replace(/\n$/, '') }); return true; };
process.on('unhandledRejection', (e) => send({ type: 'log', id: als.getStore(), line: 'unhandledRejection: ' + (e && e.stack || e) }));
let mod;
process.on('message', (msg) => {
  if (msg.type === 'exit') { process.exit(0); }
  if (msg.type !== 'invoke') return;
  const deadline = Date.now() + msg.timeoutMs;
  const context = {
    functionName: 'selective-retry', functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':111122223333:function:selective-retry',
    memoryLimitInMB: '256', awsRequestId: msg.requestId,
    logGroupName: '/aws/lambda/selective-retry', logStreamName: '2026/01/05/[$LATEST]emulator',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {}, fail: () => {}, succeed: () => {},
  };
  als.run(msg.id, async () => {
    try {
      const result = await mod.handler(msg.input, context);
      send({ type: 'result', id: msg.id, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) });
    } catch (e) {
      send({ type: 'error', id: msg.id, error: { name: (e && e.name) || 'Error', message: (e && e.message) || String(e), stack: e && e.stack } });
    }
  });
});
// Load the bundle as Lambda's Node.js runtime does: import() (ES module or CommonJS alike); the handler is the
// named export, or a property of the default export for CommonJS bundles.
import(require('node:url').pathToFileURL(process.env.HARNESS_BUNDLE).href).then((m) => {
  mod = typeof m.handler === 'function' ? m : m.default;
  if (!mod || typeof mod.handler !== 'function') {
    send({ type: 'load-error', error: { name: 'Runtime.HandlerNotFound', message: 'the bundle does not export a handler function' } });
    process.exit(1);
  }
  send({ type: 'ready' });
}, (e) => {
  send({ type: 'load-error', error: { name: e && e.name, message: e && e.message, stack: e && e.stack } });
  process.exit(1);
});
`;

export class LambdaHarness {
  /** Starts the handler child process for `emulator`; resolves when the bundle has loaded. */
  public static async start(emulator: SageMakerEmulator, options: HarnessOptions): Promise<LambdaHarness> {
    const bundle = options.bundle ?? HANDLER_BUNDLE;
    assertHandlerBundle(bundle);
    const deployed = deployedStack(options.policy, emulator);
    const harness = new LambdaHarness(emulator, options, bundle, deployed);
    if (options.deployConfiguration ?? true) {
      for (const [name, value] of deployed.parameters) emulator.sideEffects.ssmParameters.set(name, value);
    }
    await harness.boot();
    return harness;
  }

  /** Every invocation, in order. */
  public readonly invocations: Invocation[] = [];
  /** Events whose every delivery threw (what would land in the dead-letter queue). */
  public readonly deadLetters: EventBridgeEvent[] = [];
  /** Lines the handler logged outside any invocation (e.g. at module load). */
  public readonly strayLogs: string[] = [];

  private child?: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (m: any) => void>();
  private pendingWork = 0;
  private running = 0;
  private readonly queued: Array<() => void> = [];
  private unsubscribe?: () => void;
  private exited = false;
  private stderr = '';

  private constructor(
    private readonly emulator: SageMakerEmulator,
    private readonly options: HarnessOptions,
    private readonly bundle: string,
    /** What the synthesized stack deploys: rule patterns, SSM parameters, the function's environment. */
    public readonly deployed: DeployedStack,
  ) {}

  /** The names of the SSM parameters the construct rendered the policy into (one per rule group). */
  public get configurationParameters(): string[] {
    return [...this.deployed.parameters.keys()];
  }

  /** Results of finished invocations, in order. */
  public get results(): HandlerResult[] {
    return this.invocations.filter((i) => i.result).map((i) => i.result!);
  }

  /** Every log line of every invocation, in order. */
  public get logs(): string[] {
    return this.invocations.flatMap((i) => i.logs);
  }

  /** Whether one of the rules the construct rendered would send this event to the function. */
  public matchesRule(event: EventBridgeEvent): boolean {
    return this.deployed.eventPatterns.some((pattern) => matchesEventPattern(pattern, event));
  }

  /**
   * Delivers one event as an asynchronous invocation (with Lambda's retries on error). Resolves with the last
   * invocation for this event.
   */
  public async deliver(event: EventBridgeEvent): Promise<Invocation> {
    this.pendingWork++;
    try {
      const retries = this.options.maxRetries ?? 2;
      let last: Invocation | undefined;
      for (let attempt = 1; attempt <= retries + 1; attempt++) {
        last = await this.withConcurrencyLimit(() => this.invoke(event, attempt));
        if (!last.error) return last;
        if (attempt <= retries && (this.options.retryDelayMs ?? 0) > 0) {
          await new Promise((r) => setTimeout(r, this.options.retryDelayMs));
        }
      }
      this.deadLetters.push(event);
      return last!;
    } finally {
      this.pendingWork--;
    }
  }

  /**
   * Invokes the function once with any payload, as someone allowed to call `lambda:InvokeFunction` could (no rule, no
   * retries). Resolves with the invocation.
   */
  public async invokeDirectly(payload: unknown): Promise<Invocation> {
    const event = (typeof payload === 'object' && payload !== null ? payload : {}) as EventBridgeEvent;
    return this.withConcurrencyLimit(() => this.invoke(event, 1, payload));
  }

  /** Runs `task` when fewer than `reservedConcurrency` invocations are running (Lambda queues the rest). */
  private async withConcurrencyLimit<T>(task: () => Promise<T>): Promise<T> {
    const limit = this.options.reservedConcurrency ?? 1;
    if (this.running >= limit) await new Promise<void>((resolve) => this.queued.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queued.shift()?.();
    }
  }

  /** True when no invocation is running or waiting for a retry. */
  public isIdle(): boolean {
    return this.pendingWork === 0;
  }

  /** Waits (bounded) until both the emulator and the harness are idle. */
  public async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let stable = 0;
    for (let i = 0; i < 1_000_000 && Date.now() < deadline; i++) {
      if (!this.emulator.clock.isAuto) this.emulator.clock.runAll();
      if (this.emulator.isIdle() && this.isIdle()) {
        if (++stable >= 5) return;
      } else {
        stable = 0;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`the emulator and the handler did not settle within ${timeoutMs} ms (${this.pendingWork} deliveries pending)`);
  }

  public async close(): Promise<void> {
    this.unsubscribe?.();
    const child = this.child;
    if (!child || this.exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        child.send({ type: 'exit' });
      } catch {
        child.kill('SIGKILL');
      }
    });
  }

  private async boot(): Promise<void> {
    const env: NodeJS.ProcessEnv = {};
    // A clean, Lambda-like environment: nothing from this machine's AWS configuration leaks in.
    for (const k of ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k];
    Object.assign(env, {
      HARNESS_BUNDLE: this.bundle,
      AWS_REGION: this.emulator.region,
      AWS_DEFAULT_REGION: this.emulator.region,
      AWS_ACCESS_KEY_ID: 'AKIAEMULATOREXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'emulator-secret-not-a-real-key',
      AWS_ENDPOINT_URL_SAGEMAKER: this.emulator.url,
      // Every other AWS client the bundle creates (EventBridge, SNS, Scheduler, ...) goes to the emulator too, which
      // records those calls (side-services.ts): an end-to-end run never reaches the network.
      AWS_ENDPOINT_URL: this.emulator.url,
      AWS_LAMBDA_FUNCTION_NAME: 'selective-retry',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    }, this.functionEnvironment(), this.options.env ?? {});
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    child.stdout?.on('data', (d) => this.strayLogs.push(String(d)));
    child.stderr?.on('data', (d) => {
      this.stderr += String(d);
    });
    child.on('exit', () => {
      this.exited = true;
      for (const [id, resolve] of this.waiting) resolve({ type: 'error', id, error: { name: 'Runtime.ExitError', message: `the handler process exited. stderr: ${this.stderr.slice(-2000)}` } });
      this.waiting.clear();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the handler bundle did not load within 15 s. stderr: ${this.stderr}`)), 15_000);
      child.on('message', (m: any) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (m.type === 'load-error') {
          clearTimeout(timer);
          reject(new Error(`the handler bundle failed to load: ${m.error.stack ?? m.error.message}`));
        } else if (m.type === 'log') {
          const inv = this.invocations.find((i) => i.id === m.id);
          if (inv) inv.logs.push(m.line);
          else this.strayLogs.push(m.line);
        } else if (m.type === 'result' || m.type === 'error') {
          const w = this.waiting.get(m.id);
          this.waiting.delete(m.id);
          w?.(m);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the handler process exited with ${code} while loading. stderr: ${this.stderr}`));
      });
    });
    if (this.options.autoDeliver ?? true) {
      this.unsubscribe = this.emulator.events.subscribe((event) => {
        if (this.matchesRule(event)) void this.deliver(event);
      });
    }
  }

  /** The environment the template gives the function; without deployed configuration, no configuration variables. */
  private functionEnvironment(): Record<string, string> {
    const environment = { ...this.deployed.environment };
    if (!(this.options.deployConfiguration ?? true)) {
      delete environment[HANDLER_ENV.configurationParameters];
      delete environment[HANDLER_ENV.configurationDigest];
    }
    return environment;
  }

  private async invoke(event: EventBridgeEvent, attempt: number, payload: unknown = event): Promise<Invocation> {
    const id = this.nextId++;
    const input = structuredClone(payload);
    const invocation: Invocation = { id, attempt, event, input, logs: [], done: false };
    this.invocations.push(invocation);
    if (this.exited || !this.child) {
      invocation.error = { name: 'Runtime.ExitError', message: 'the handler process is not running' };
      invocation.done = true;
      return invocation;
    }
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const reply = await new Promise<any>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ type: 'error', error: { name: 'Sandbox.Timedout', message: `Task timed out after ${timeoutMs} ms` } });
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.child!.send({ type: 'invoke', id, input, timeoutMs, requestId: `req-${String(id).padStart(4, '0')}` });
    });
    if (reply.type === 'result') invocation.result = reply.result;
    else invocation.error = reply.error;
    invocation.done = true;
    return invocation;
  }
}
