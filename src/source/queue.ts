/**
 * The push-to-pull queue: every push adapter (emitters, observables, publishers) feeds one of these.
 *
 * A source pushes values through a {@link PushController}; the consumer pulls them with `next()`.
 * Values wait in a bounded ring buffer; the overflow policy decides what happens at the limit.
 * Every end path (source end, source error, overflow error, `return()`, `throw()`, abort) calls the
 * source's `teardown` exactly once, and once the end has been delivered the queue keeps no reference
 * to the source, its hooks or the consumer's pending promises.
 */
import { BufferOverflowError } from '../errors.js';
import { asyncDispose, bufferSettings, checkFunction, checkOptions, checkSignal, describe, isObjectLike } from './args.js';
import { BY_CONSUMER, BY_SOURCE, EndingIterator, OPEN, SourceLink, type By } from './ending.js';
import { wake, type ReadySink } from '../util/ready.js';
import { Ring } from '../util/ring.js';
import type {
  OverflowPolicy,
  PushController,
  PushHooks,
  PushQueueOptions,
  QueueOptions,
  QueueStats,
  SourceIterator,
} from './types.js';
import { NO_ERROR } from './waiters.js';

export type { PushController, PushHooks, PushQueueOptions } from './types.js';

/** Hands pushes from a source to the queue. */
class PushQueueController<T> extends SourceLink<PushQueue<T>> implements PushController<T> {
  push(value: T): void {
    this.target?.push(value);
  }
}

/** The live counters: each read looks at the queue. */
class PushQueueCounters implements QueueStats {
  constructor(private readonly q: PushQueue<unknown>) {}
  get buffered(): number {
    return this.q.buffer.size;
  }
  get dropped(): number {
    return this.q.dropped;
  }
  get highWaterMark(): number {
    return this.q.peak;
  }
}

/**
 * @internal A push queue with a batch read: what the hub's subscriptions read, so a burst of
 * waiting messages is one step rather than one `next()` each.
 */
export interface BufferedQueue<T> extends SourceIterator<T> {
  /**
   * Moves every value waiting now into `out`, oldest first, as that many `next()` calls would
   * (each tells the source it was delivered, and a paused source is resumed), but in one
   * synchronous step, without a promise each. Never the end or an error: those come from `next()`.
   * @returns how many values were moved
   */
  takeBuffered(out: T[]): number;
  /** Takes the oldest value waiting now, as `next()` would but without a promise; undefined when none waits. */
  shiftBuffered(): T | undefined;
  /**
   * Parks `sink` until a value arrives or the queue ends, then tells it once, in a microtask (see
   * src/util/ready.ts). Only while the queue is open, empty, and no `next()` waits: false otherwise.
   */
  park(sink: ReadySink): boolean;
}

class PushQueue<T> extends EndingIterator<T> implements BufferedQueue<T> {
  readonly buffer = new Ring<T>();
  dropped = 0;
  peak = 0;
  private hooks: PushHooks | null = null;
  /** The hooks again when they have `delivered`, else null: one check per value. */
  private notify: PushHooks | null = null;
  private readonly pausable: boolean;
  private paused = false;
  private ctl: PushQueueController<T> | null;
  private statsView: PushQueueCounters | undefined;
  /** The reader parked until something happens (see {@link park}). */
  private sink: ReadySink | null = null;

  constructor(
    private readonly limit: number,
    private readonly policy: OverflowPolicy,
    private readonly overflowError: ((limit: number) => Error) | undefined,
  ) {
    super();
    this.ctl = new PushQueueController(this);
    this.pausable = policy === 'pause';
  }

  start(start: (ctl: PushController<T>) => PushHooks | (() => void) | void, signal: AbortSignal | undefined): void {
    this.watch(signal);
    if (this.state !== OPEN) return; // already aborted: the source is never started
    let hooks: PushHooks | undefined;
    try {
      hooks = toHooks(start(this.ctl as PushQueueController<T>));
      if (this.policy === 'pause' && (typeof hooks.pause !== 'function' || typeof hooks.resume !== 'function')) {
        throw new TypeError("pushQueue: overflow 'pause' needs a source whose hooks include pause() and resume()");
      }
    } catch (error) {
      // creation fails: undo whatever the source set up, exactly once
      this.hooks = hooks ?? null;
      this.end(NO_ERROR, BY_CONSUMER);
      throw error;
    }
    if (this.state !== OPEN) {
      this.runTeardown(hooks.teardown.bind(hooks)); // the source ended while starting; its teardown is now known
    } else {
      this.hooks = hooks;
      if (typeof hooks.delivered === 'function') this.notify = hooks;
      if (this.paused) this.callHook('pause');
    }
  }

  push(value: T): void {
    if (this.state !== OPEN) return;
    if (this.waiters.waiting) {
      // a consumer is waiting, so the buffer is empty: hand the value over directly
      this.waiters.deliver(value);
      if (this.notify !== null) this.callHook('delivered');
      return;
    }
    const buffer = this.buffer;
    if (buffer.size >= this.limit) {
      switch (this.policy) {
        case 'drop-newest':
          this.dropped++;
          return;
        case 'drop-oldest':
          buffer.shift();
          this.dropped++;
          break;
        case 'error': {
          let error: unknown;
          try {
            error = this.overflowError === undefined ? new BufferOverflowError(this.limit) : this.overflowError(this.limit);
          } catch (thrown) {
            error = thrown;
          }
          this.close(error);
          return;
        }
        default: // 'pause': the source kept pushing after pause(); keep every value
      }
    }
    buffer.push(value);
    if (buffer.size > this.peak) this.peak = buffer.size;
    if (this.pausable && !this.paused && buffer.size >= this.limit) {
      this.paused = true;
      if (this.hooks !== null) this.callHook('pause');
    }
    this.wakeSink();
  }

  park(sink: ReadySink): boolean {
    if (this.state !== OPEN || this.waiters.waiting || this.buffer.size > 0) return false;
    this.sink = sink;
    return true;
  }

  private wakeSink(): void {
    const sink = this.sink;
    if (sink === null) return;
    this.sink = null;
    wake(sink);
  }

  /** Every end wakes a parked reader, which then reads what is left and the end through `next()`. */
  protected override end(error: unknown, by: By): unknown {
    const result = super.end(error, by);
    this.wakeSink();
    return result;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.size > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.state === OPEN) return new Promise<IteratorResult<T>>(this.waiters.add);
    return this.finish();
  }

  takeBuffered(out: T[]): number {
    const buffer = this.buffer;
    let moved = 0;
    // a hook may end the queue meanwhile (a consumer's stop discards the rest): check each time
    for (let waiting = buffer.size; waiting > 0 && buffer.size > 0; waiting--) {
      out.push(this.take());
      moved++;
    }
    return moved;
  }

  shiftBuffered(): T | undefined {
    return this.buffer.size > 0 ? this.take() : undefined;
  }

  /** Takes the oldest buffered value (there must be one), resuming a paused source and telling `delivered`. */
  private take(): T {
    const buffer = this.buffer;
    const value = buffer.shift();
    if (this.paused && buffer.size < this.limit / 2 && this.state === OPEN) {
      this.paused = false;
      this.callHook('resume');
    }
    if (this.notify !== null) this.callHook('delivered');
    return value;
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    const failure = this.end(NO_ERROR, BY_CONSUMER);
    return failure === NO_ERROR ? Promise.resolve({ value: value as T, done: true }) : Promise.reject(failure);
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end(error, BY_CONSUMER);
    return Promise.reject(error);
  }

  [asyncDispose](): Promise<void> {
    return this.return().then(noop);
  }

  get stats(): QueueStats {
    return (this.statsView ??= new PushQueueCounters(this as PushQueue<unknown>));
  }

  /** The source is done (`error` is NO_ERROR for a normal end): tear it down, deliver the rest in order. */
  close(error: unknown): void {
    this.end(error, BY_SOURCE);
  }

  protected tearDown(): void {
    this.ctl?.cut();
    this.ctl = null;
    const hooks = this.hooks;
    this.hooks = this.notify = null;
    if (hooks !== null) hooks.teardown();
  }

  protected discard(): void {
    this.buffer.clear();
  }

  protected holding(): boolean {
    return this.buffer.size > 0;
  }

  /** Drops every reference the queue no longer needs once the end has been delivered. */
  protected override release(): void {
    super.release();
    this.buffer.clear();
    this.hooks = this.notify = null;
  }

  /** Calls a source hook; one that throws ends the source with its error (after the buffered values). */
  private callHook(name: 'pause' | 'resume' | 'delivered'): void {
    try {
      (this.hooks as PushHooks)[name]!();
    } catch (error) {
      this.close(error);
    }
  }
}

const PUSH_QUEUE_OPTIONS: readonly (keyof PushQueueOptions)[] = ['buffer', 'signal', 'overflowError'];

function noop(): void {}

function toHooks(result: PushHooks | (() => void) | void): PushHooks {
  if (result === undefined) return { teardown: noop };
  if (typeof result === 'function') return { teardown: result };
  if (isObjectLike(result) && typeof result.teardown === 'function') return result;
  throw new TypeError(
    `pushQueue: start must return a teardown function, an object with teardown(), or nothing; got ${describe(result)}`,
  );
}

/**
 * Creates a push-to-pull queue. `start` is called synchronously (so the source is subscribed at
 * creation and early values are kept) with a controller to push values, end or fail; it returns the
 * source's teardown (a function, or hooks with `teardown`, and `pause`/`resume` for overflow `'pause'`).
 *
 * @param start - subscribes to the source
 * @param options - `buffer` (`limit` default 1024, `overflow` default `'error'`), `signal`, `overflowError`
 * @returns the consumer's iterator
 * @throws RangeError when `buffer.limit` is a number but not a positive integer or `Infinity`
 * @throws TypeError on any other bad option (a `buffer.limit` that is not a number included), or when
 *   `'pause'` is asked for and the hooks lack pause/resume
 */
export function pushQueue<T>(
  start: (ctl: PushController<T>) => PushHooks | (() => void) | void,
  options?: PushQueueOptions,
): SourceIterator<T> {
  if (typeof start !== 'function') throw new TypeError(`pushQueue: start must be a function, got ${describe(start)}`);
  const opts = checkOptions(options, 'pushQueue', PUSH_QUEUE_OPTIONS);
  const overflowError = opts.overflowError;
  checkFunction(overflowError, 'pushQueue', 'options.overflowError');
  return queueIn('pushQueue', start, opts, overflowError);
}

/**
 * The push queue of an adapter: checks `buffer` and `signal` with messages naming `where`, then starts.
 * @internal
 */
export function queueIn<T>(
  where: string,
  start: (ctl: PushController<T>) => PushHooks | (() => void) | void,
  options: QueueOptions,
  overflowError?: (limit: number) => Error,
): BufferedQueue<T> {
  const { limit, overflow } = bufferSettings(options.buffer, where);
  const signal = checkSignal(options.signal, where);
  const queue = new PushQueue<T>(limit, overflow, overflowError);
  queue.start(start, signal);
  return queue;
}
