/**
 * One subscriber's iterator over a hub: the initial item and the replay first, then its live queue,
 * optionally joining the messages waiting together.
 */
import type { BufferedQueue } from '../../source/queue.js';
import type { QueueStats } from '../../source/types.js';
import { onAbort, toError } from '../../util/abort.js';
import { cutoffKey, cutoffSlotKey, type CutoffListener, type CutoffSlot } from '../../util/cutoff.js';
import { returnQuietly } from '../../util/iterators.js';
import { PARKED, readyPullKey, USE_NEXT, type ReadyPull, type ReadySink } from '../../util/ready.js';
import type { Entry } from './history.js';
import type { HubSubscription, SlowConsumerPolicy } from '../types.js';

type Done<O> = IteratorReturnResult<O | undefined>;

/**
 * @internal Where every message offered to a subscriber ends up; shared by a hub and its feeds.
 * `offered = delivered + dropped + slow + discarded + waiting now`.
 */
export interface Tally {
  offered: number;
  delivered: number;
  /** Overflowing messages, plus those held by subscribers cut off for slowness that they have not read. */
  slow: number;
  /** Unread messages thrown away because their subscriber stopped (return, throw, abort). */
  discarded: number;
  /**
   * Outside the sum: messages subscribers cut off for slowness never got, for good (the one that
   * overflowed each one's queue, and what was owed to it when it stopped). Never goes down.
   */
  lost: number;
}

/** @internal What a feed is made with. */
export interface FeedParts<O> {
  queue: BufferedQueue<Entry<O>>;
  prefix: Entry<O>[];
  missed: number;
  policy: SlowConsumerPolicy;
  limit: number;
  signal: AbortSignal | undefined;
  tally: Tally;
  coalesce: ((values: O[]) => O) | undefined;
  epoch: string;
  reset: boolean;
}

const noop = (): void => {};

/** The replay of every feed that has none left. */
const NO_ENTRIES: Entry<never>[] = [];

/** @internal One subscriber's iterator: initial item and replay first, then its live queue. */
export class HubFeed<O> implements HubSubscription<O>, CutoffSlot, ReadyPull {
  readonly #queue: BufferedQueue<Entry<O>>;
  readonly #tally: Tally;
  readonly #coalesce: ((values: O[]) => O) | undefined;
  #prefix: Entry<O>[];
  #pos = 0;
  /** How many items of id 0 (initial, preface) open the replay. */
  #lead: number;
  #finished = false;
  #lastId = 0;
  /** Messages counted in `tally.slow` at the cut that this subscriber may still read. */
  #owed = 0;
  /** The abort reason, until one `next()` has rejected with it. */
  #failure: { error: Error } | undefined;
  #unwatch: () => void = noop;
  /** Made on the first read of `signal`; `#cut` holds the error once the hub cut this subscriber off. */
  #controller: AbortController | undefined;
  #cut: { error: Error } | undefined;
  /** The transport told of the cut through the slot (see src/util/cutoff.ts), if any. */
  #watcher: CutoffListener | undefined;
  readonly missed: number;
  readonly epoch: string;
  readonly reset: boolean;
  readonly policy: SlowConsumerPolicy;
  readonly limit: number;
  /** `#unwrap` bound to this feed: the `then` callback of each read of the queue. */
  readonly #onEntry: (result: IteratorResult<Entry<O>>) => IteratorResult<O>;

  constructor(parts: FeedParts<O>) {
    this.#queue = parts.queue;
    this.#prefix = parts.prefix;
    let lead = 0;
    while (lead < parts.prefix.length && parts.prefix[lead]!.id === 0) lead++;
    this.#lead = lead;
    this.missed = parts.missed;
    this.epoch = parts.epoch;
    this.reset = parts.reset;
    this.policy = parts.policy;
    this.limit = parts.limit;
    this.#tally = parts.tally;
    this.#coalesce = parts.coalesce;
    this.#onEntry = this.#unwrap.bind(this);
    const signal = parts.signal;
    if (signal !== undefined) this.#unwatch = onAbort(signal, () => this.#abort(signal.reason));
  }

  get lastId(): number {
    return this.#lastId;
  }

  get stats(): QueueStats {
    return this.#queue.stats;
  }

  /**
   * The cut-off signal (see {@link HubSubscription.signal}); the same one is carried under
   * `cutoffKey`, where the transports look for it.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#cut !== undefined) this.#controller.abort(this.#cut.error);
    }
    return this.#controller.signal;
  }

  /** The same signal, under the key the transports read (see src/util/cutoff.ts). */
  get [cutoffKey](): AbortSignal {
    return this.signal;
  }

  /** @internal This feed is its own cut-off slot, which the transports prefer to the signal. */
  get [cutoffSlotKey](): CutoffSlot {
    return this;
  }

  /** @internal Takes a transport into the cut-off slot (see {@link CutoffSlot.watchCutoff}). */
  watchCutoff(listener: CutoffListener): boolean {
    if (this.#cut !== undefined) {
      listener.cutOff(this.#cut.error);
      return true;
    }
    if (this.#watcher !== undefined && this.#watcher !== listener) return false;
    this.#watcher = listener;
    return true;
  }

  /** @internal Frees the cut-off slot if `listener` holds it. */
  unwatchCutoff(listener: CutoffListener): void {
    if (this.#watcher === listener) this.#watcher = undefined;
  }

  /** @internal Messages waiting for this subscriber now (replay and live queue). */
  get held(): number {
    // the initial item and the preface (id 0, first in the replay) are not messages
    return this.#prefix.length - Math.max(this.#pos, this.#lead) + this.#queue.stats.buffered;
  }

  /** @internal The hub counted `n` waiting messages as lost to slowness: reading them takes them back. */
  owe(n: number): void {
    this.#owed += n;
  }

  /**
   * @internal Called by the hub when it ends this subscriber with `error`: aborts `signal` (if it
   * was made) and tells the slot's transport, once.
   */
  cutOff(error: Error): void {
    if (this.#cut !== undefined) return;
    this.#cut = { error };
    this.#controller?.abort(error);
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.cutOff(error);
  }

  #unwrap(result: IteratorResult<Entry<O>>): IteratorResult<O> {
    if (result.done) {
      this.#unwatch();
      const failure = this.#failure;
      if (failure !== undefined) {
        this.#failure = undefined;
        throw failure.error;
      }
      return result as Done<O> as IteratorResult<O>;
    }
    // with coalescing, the messages waiting now join this one, read in one step
    const second = this.#coalesce === undefined ? undefined : this.#queue.shiftBuffered();
    if (second === undefined) return { value: this.#one(result.value), done: false };
    const entries = [result.value, second];
    this.#queue.takeBuffered(entries);
    return this.#take(entries);
  }

  /**
   * Hands over `entries` as one value (joined with `coalesce` when there are several). When
   * `coalesce` throws, this subscriber is unsubscribed and the error is thrown: its messages are
   * neither counted as delivered nor silently skipped.
   */
  #take(entries: Entry<O>[]): IteratorResult<O> {
    return { value: this.#valueOf(entries), done: false };
  }

  /** What {@link #take} hands over, as the value alone. */
  #valueOf(entries: Entry<O>[]): O {
    if (entries.length === 1) return this.#one(entries[0]!);
    let value: O;
    try {
      value = this.#coalesce!(entries.map((e) => e.value));
    } catch (error) {
      this.#stop(entries.filter((e) => e.id !== 0).length);
      returnQuietly(this.#queue);
      throw error;
    }
    let messages = 0;
    let last = 0;
    for (const entry of entries) {
      if (entry.id === 0) continue;
      last = entry.id;
      messages++;
    }
    if (messages > 0) this.#delivered(last, messages);
    return value;
  }

  /** One entry handed over as it is. */
  #one(entry: Entry<O>): O {
    if (entry.id !== 0) this.#delivered(entry.id, 1);
    return entry.value;
  }

  /** `messages` messages were handed over, the last of them `lastId`. */
  #delivered(lastId: number, messages: number): void {
    this.#lastId = lastId;
    const tally = this.#tally;
    tally.delivered += messages;
    if (this.#owed > 0) {
      const back = Math.min(messages, this.#owed);
      this.#owed -= back;
      tally.slow -= back;
    }
  }

  /**
   * The one way this feed stops on the consumer's side: what is still waiting (plus `inHand`
   * messages taken but not handed over) is counted as discarded, unless it was already counted as
   * lost to slowness, and the replay is dropped. The caller then ends the queue.
   */
  #stop(inHand = 0): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#unwatch();
    const unread = this.held + inHand;
    this.#tally.discarded += Math.max(0, unread - this.#owed);
    // what it was owed and leaves unread stays in `slow`, lost for good now
    this.#tally.lost += Math.min(unread, this.#owed);
    this.#owed = 0;
    this.#prefix = NO_ENTRIES;
    this.#lead = 0;
    this.#pos = 0;
  }

  /** The subscriber's own signal aborted: stop now; one `next()` rejects with the reason. */
  #abort(reason: unknown): void {
    if (this.#finished) return;
    this.#failure = { error: toError(reason) };
    this.#stop();
    returnQuietly(this.#queue);
  }

  /**
   * @internal The transports' read without promises (src/util/ready.ts), for a coalescing feed: the
   * replay, or every message waiting, as one value now; else `sink` parked on the queue (PARKED).
   * USE_NEXT once stopped, and for a feed without `coalesce`: the reader uses `next()` then, which
   * also gives the end. Throws what `coalesce` throws, as `next()` rejects with it.
   */
  [readyPullKey](sink: ReadySink): O | typeof PARKED | typeof USE_NEXT {
    if (this.#finished || this.#coalesce === undefined) return USE_NEXT;
    if (this.#pos < this.#prefix.length) {
      const entries = this.#pos === 0 ? this.#prefix : this.#prefix.slice(this.#pos);
      this.#prefix = NO_ENTRIES;
      this.#lead = 0;
      this.#pos = 0;
      return this.#valueOf(entries);
    }
    const queue = this.#queue;
    const first = queue.shiftBuffered();
    if (first === undefined) return queue.park(sink) ? PARKED : USE_NEXT;
    // one message (the usual case) as it is; several joined
    const second = queue.shiftBuffered();
    if (second === undefined) return this.#one(first);
    const entries = [first, second];
    queue.takeBuffered(entries);
    return this.#valueOf(entries);
  }

  next(): Promise<IteratorResult<O>> {
    if (this.#finished) {
      const failure = this.#failure;
      if (failure !== undefined) {
        this.#failure = undefined;
        return Promise.reject(failure.error);
      }
    } else if (this.#pos < this.#prefix.length) {
      let entries: Entry<O>[];
      if (this.#coalesce !== undefined) {
        entries = this.#pos === 0 ? this.#prefix : this.#prefix.slice(this.#pos);
        this.#pos = this.#prefix.length;
      } else {
        entries = [this.#prefix[this.#pos++]!];
      }
      if (this.#pos === this.#prefix.length) {
        this.#prefix = NO_ENTRIES;
        this.#lead = 0;
        this.#pos = 0;
      }
      try {
        return Promise.resolve(this.#take(entries));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#queue.next().then(this.#onEntry);
  }

  return(value?: unknown): Promise<IteratorResult<O>> {
    this.#stop();
    return this.#queue.return!(value).then(() => ({ done: true, value: value as O }));
  }

  throw(error?: unknown): Promise<IteratorResult<O>> {
    this.#stop();
    return this.#queue.throw!(error).then(this.#onEntry);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
