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
  buffer?: BufferOptions;
  /** Aborting ends the iterator with the signal's reason and tears the source down. */
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
