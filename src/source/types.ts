/**
 * Types shared by every source adapter: buffer policy, queue options and counters,
 * and the Reactive Streams interfaces.
 */

/** What a push queue does when a value arrives and `buffer.limit` values are already waiting. */
export type OverflowPolicy = 'error' | 'drop-oldest' | 'drop-newest' | 'pause';

/** Bounded buffer settings for a push queue. */
export interface BufferOptions {
  /** Most values held before the overflow policy applies. Default 1024. `Infinity` only when asked for. */
  limit?: number;
  /** Policy at the limit. Default `'error'`. */
  overflow?: OverflowPolicy;
}

/** Options accepted by every push adapter. */
export interface QueueOptions {
  /** Buffer limit and overflow policy; see {@link BufferOptions}. */
  buffer?: BufferOptions;
  /**
   * Aborting tears the source down, discards the buffered values and ends the iterator with the
   * signal's reason as an Error, as every hub and transport does: the next `next()` rejects with
   * `signal.reason` itself when it is an Error (`controller.abort()` with no argument gives a
   * DOMException named `AbortError`, `AbortSignal.timeout()` one named `TimeoutError`), else with an
   * Error named `AbortError` whose message is the reason as a string and whose `cause` is the reason.
   */
  signal?: AbortSignal;
}

/** Counters of a push queue, readable at any time. */
export interface QueueStats {
  /** Values waiting in the buffer now. */
  readonly buffered: number;
  /** Values dropped so far by `'drop-oldest'` / `'drop-newest'`. */
  readonly dropped: number;
  /** The most values ever waiting at once. */
  readonly highWaterMark: number;
}

/** The iterator every adapter returns: an async iterator with counters and `Symbol.asyncDispose`. */
export interface SourceIterator<T> extends AsyncIterableIterator<T> {
  readonly stats: QueueStats;
  /** Stops early: tears the source down, discards buffered values, settles pending `next()` calls with done. */
  return(value?: unknown): Promise<IteratorResult<T>>;
  /** Like `return()`, then rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<T>>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Reactive Streams `Subscription`. */
export interface Subscription {
  request(n: number): void;
  cancel(): void;
}

/** Reactive Streams `Subscriber`. */
export interface Subscriber<T> {
  onSubscribe(subscription: Subscription): void;
  onNext(value: T): void;
  onError(error: unknown): void;
  onComplete(): void;
}

/** Reactive Streams `Publisher`. */
export interface Publisher<T> {
  subscribe(subscriber: Subscriber<T>): void;
}

/** What a source uses to feed a push queue. */
export interface PushController<T> {
  /** Offers a value (the overflow policy applies); ignored once closed. */
  push(value: T): void;
  /** Ends normally, after the values already buffered. */
  end(): void;
  /** Fails, after the values already buffered; the consumer sees the error exactly once. */
  fail(error: unknown): void;
  /** True once ended, failed, returned or aborted. */
  readonly closed: boolean;
}

/**
 * What a source gives back to its push queue. `pause`, `resume` and `delivered` are called from inside
 * `push()` and `next()`; one that throws does not throw there: the source ends with its error, which
 * the consumer gets after the values already buffered.
 */
export interface PushHooks {
  /**
   * Called exactly once on every end path: end, fail, overflow error, `return()`, `throw()`, abort.
   * If it throws, its error counts only where the end has no error of its own: on `end()` the
   * iterator fails with it after the buffered values, and `return()` rejects with it once the
   * pending `next()` calls are settled; a source error, an overflow error, an abort reason or the
   * argument of `throw()` is what the consumer sees, never replaced.
   */
  teardown(): void;
  /** Required with overflow `'pause'`: the buffer reached its limit. */
  pause?(): void;
  /** Required with overflow `'pause'`: the consumer drained the buffer below half its limit. */
  resume?(): void;
  /** Optional: called each time a value is handed to the consumer (used to top up demand). */
  delivered?(): void;
}

/** Options of `pushQueue`: the queue options plus the error used by overflow policy `'error'`. */
export interface PushQueueOptions extends QueueOptions {
  /** Makes the error used by overflow policy `'error'` (default: `new BufferOverflowError(limit)`). */
  overflowError?: (limit: number) => Error;
}
