/**
 * A virtual clock and discrete-event scheduler for the SageMaker emulator.
 *
 * Pipeline steps "take" simulated minutes or hours, but tests run in milliseconds: the clock jumps from one
 * scheduled event to the next. Events with the same due time run in the order they were scheduled, so a run is
 * deterministic. In `auto` mode (the default) the queue is drained one event per `setImmediate` turn, which lets
 * HTTP requests and the Lambda harness interleave with the simulation; in manual mode nothing happens until a test
 * calls `advance()` or `runAll()`.
 */

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Upper bound on the events one `runAll()` drains, so a runaway schedule cannot loop forever. */
const MAX_EVENTS_PER_DRAIN = 100_000;

export class SimClock {
  private current: number;
  private seq = 0;
  private readonly queue: Scheduled[] = [];
  private auto: boolean;
  private pumpArmed = false;

  /**
   * @param start the simulated time the clock starts at (epoch ms)
   * @param auto drain the queue by itself (true) or only on `advance`/`runAll` (false)
   */
  constructor(start: number, auto: boolean) {
    this.current = start;
    this.auto = auto;
  }

  /** Current simulated time, epoch milliseconds. */
  public now(): number {
    return this.current;
  }

  /** Current simulated time as a Date. */
  public date(): Date {
    return new Date(this.current);
  }

  /** Number of events waiting to run. */
  public get pending(): number {
    return this.queue.length;
  }

  /** Whether the clock drains its queue by itself. */
  public get isAuto(): boolean {
    return this.auto;
  }

  /** Runs `fn` after `delayMs` of simulated time. */
  public schedule(delayMs: number, fn: () => void): void {
    const at = this.current + Math.max(0, delayMs);
    const item = { at, seq: this.seq++, fn };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].at > at)) i--;
    this.queue.splice(i, 0, item);
    this.arm();
  }

  /** Stops draining by itself; events wait for `advance`/`runAll`/`resume`. */
  public pause(): void {
    this.auto = false;
  }

  /** Drains by itself again. */
  public resume(): void {
    this.auto = true;
    this.arm();
  }

  /** Runs every event due within the next `ms` of simulated time, then sets the clock to now + ms. */
  public advance(ms: number): void {
    const until = this.current + ms;
    for (let n = 0; n < MAX_EVENTS_PER_DRAIN && this.queue.length > 0 && this.queue[0].at <= until; n++) {
      this.runNext();
    }
    this.current = Math.max(this.current, until);
  }

  /** Runs events until the queue is empty (bounded). Returns how many ran. */
  public runAll(): number {
    let n = 0;
    while (this.queue.length > 0 && n < MAX_EVENTS_PER_DRAIN) {
      this.runNext();
      n++;
    }
    if (this.queue.length > 0) throw new Error(`SimClock.runAll: still ${this.queue.length} events after ${n}; runaway schedule?`);
    return n;
  }

  private runNext(): void {
    const item = this.queue.shift()!;
    this.current = Math.max(this.current, item.at);
    item.fn();
  }

  private arm(): void {
    if (!this.auto || this.pumpArmed || this.queue.length === 0) return;
    this.pumpArmed = true;
    setImmediate(() => {
      this.pumpArmed = false;
      if (!this.auto || this.queue.length === 0) return;
      this.runNext();
      this.arm();
    });
  }
}

/** Deterministic pseudo-random numbers (Park-Miller minimal standard LCG), so ids and job names repeat run to run. */
export class SeededRandom {
  private static readonly MODULUS = 2147483647;
  private state: number;
  constructor(seed: number) {
    const s = Math.abs(Math.floor(seed)) % SeededRandom.MODULUS;
    this.state = s === 0 ? 1 : s;
  }
  /** A number in [0, 1). */
  public next(): number {
    this.state = (this.state * 48271) % SeededRandom.MODULUS;
    return (this.state - 1) / (SeededRandom.MODULUS - 1);
  }
  /** `length` characters of [a-z0-9], like SageMaker's execution ids (`p4jn9xou8a8s`). */
  public id(length: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
  /** A UUID-shaped string (for event ids and request ids). */
  public uuid(): string {
    const hex = () => Math.floor(this.next() * 16).toString(16);
    const part = (n: number) => Array.from({ length: n }, hex).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-${'89ab'[Math.floor(this.next() * 4)]}${part(3)}-${part(12)}`;
  }
}
