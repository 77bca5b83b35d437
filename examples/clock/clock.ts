/**
 * A clock as an old-style push source: an EventEmitter that emits `'tick'` with the current time.
 *
 * The interval runs only while someone listens for `'tick'`: it starts with the first listener and
 * stops when the last one is removed, so an idle server holds no timer. {@link ClockEmitter.stop}
 * stops it for good.
 */
import { EventEmitter } from 'node:events';

/** The event a {@link ClockEmitter} emits, with the time as an ISO 8601 string. */
export const TICK = 'tick';

/** Emits {@link TICK} every `intervalMs` milliseconds while it has `'tick'` listeners. */
export class ClockEmitter extends EventEmitter {
  /** Milliseconds between ticks. */
  readonly intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /**
   * @param intervalMs - milliseconds between ticks (a positive finite number)
   * @throws RangeError when `intervalMs` is not a positive finite number
   */
  constructor(intervalMs = 100) {
    super();
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`intervalMs must be a positive finite number, got ${String(intervalMs)}`);
    }
    this.intervalMs = intervalMs;
    this.on('newListener', (event: string | symbol) => {
      if (event === TICK) this.#start();
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === TICK && this.listenerCount(TICK) === 0) this.#clear();
    });
  }

  /** True while the interval timer exists. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Stops the interval for good; later listeners get no ticks. */
  stop(): void {
    this.#stopped = true;
    this.#clear();
  }

  #start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.emit(TICK, new Date().toISOString()), this.intervalMs);
  }

  #clear(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
