/**
 * One subscriber's iterator over a hub: the initial item and the replay first, then its live queue,
 * optionally joining the messages waiting together.
 */
import type { QueueStats, SourceIterator } from '../source/types.js';
import { cutoffKey } from '../util/cutoff.js';
import type { Entry } from './history.js';
import type { HubSubscription, SlowConsumerPolicy } from './types.js';

type Done<O> = IteratorReturnResult<O | undefined>;

/** @internal One subscriber's iterator: initial item and replay first, then its live queue. */
export class Subscription<O> implements HubSubscription<O> {
  readonly #queue: SourceIterator<Entry<O>>;
  readonly #signal: AbortSignal | undefined;
  readonly #count: (n: number) => void;
  readonly #coalesce: ((values: O[]) => O) | undefined;
  #prefix: Entry<O>[];
  #pos = 0;
  #finished = false;
  #lastId = 0;
  /** Made on the first read of `signal`; `#cut` holds the error once the hub cut this subscriber off. */
  #controller: AbortController | undefined;
  #cut: { error: unknown } | undefined;
  readonly missed: number;
  readonly policy: SlowConsumerPolicy;
  readonly limit: number;

  constructor(queue: SourceIterator<Entry<O>>, prefix: Entry<O>[], missed: number, policy: SlowConsumerPolicy,
    limit: number, signal: AbortSignal | undefined, count: (n: number) => void, coalesce: ((values: O[]) => O) | undefined) {
    this.#queue = queue;
    this.#prefix = prefix;
    this.missed = missed;
    this.policy = policy;
    this.limit = limit;
    this.#signal = signal;
    this.#count = count;
    this.#coalesce = coalesce;
  }

  get lastId(): number {
    return this.#lastId;
  }

  get stats(): QueueStats {
    return this.#queue.stats;
  }

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

  /** @internal Called by the hub when it ends this subscriber with `error`: aborts `signal`, once. */
  cutOff(error: unknown): void {
    if (this.#cut !== undefined) return;
    this.#cut = { error };
    this.#controller?.abort(error);
  }

  readonly #unwrap = (result: IteratorResult<Entry<O>>): IteratorResult<O> | Promise<IteratorResult<O>> => {
    if (result.done) return result as Done<O> as IteratorResult<O>;
    if (this.#coalesce !== undefined && this.#queue.stats.buffered > 0) return this.#gather([result.value]);
    return this.#take([result.value]);
  };

  /**
   * Hands over `entries` as one value (joined with `coalesce` when there are several). When
   * `coalesce` throws, this subscriber is unsubscribed and the error is thrown: its messages are
   * neither counted as delivered nor silently skipped.
   */
  #take(entries: Entry<O>[]): IteratorResult<O> {
    let value: O;
    if (entries.length === 1) {
      value = entries[0]!.value;
    } else {
      try {
        value = this.#coalesce!(entries.map((e) => e.value));
      } catch (error) {
        this.#finished = true;
        this.#prefix = [];
        this.#queue.return!().then(undefined, () => {});
        throw error;
      }
    }
    let messages = 0;
    for (const entry of entries) {
      if (entry.id === 0) continue;
      this.#lastId = entry.id;
      messages++;
    }
    if (messages > 0) this.#count(messages);
    return { value, done: false };
  }

  /** Adds the messages waiting now (values only: the end or an error always comes after them). */
  async #gather(entries: Entry<O>[]): Promise<IteratorResult<O>> {
    for (let waiting = this.#queue.stats.buffered; waiting > 0 && !this.#finished; waiting--) {
      const result = await this.#queue.next();
      if (result.done) break;
      entries.push(result.value);
    }
    return this.#take(entries);
  }

  next(): Promise<IteratorResult<O>> {
    if (this.#pos < this.#prefix.length && !this.#finished && !this.#signal?.aborted) {
      let entries: Entry<O>[];
      if (this.#coalesce !== undefined) {
        entries = this.#pos === 0 ? this.#prefix : this.#prefix.slice(this.#pos);
        this.#pos = this.#prefix.length;
      } else {
        entries = [this.#prefix[this.#pos++]!];
      }
      if (this.#pos === this.#prefix.length) {
        this.#prefix = [];
        this.#pos = 0;
      }
      try {
        return Promise.resolve(this.#take(entries));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#queue.next().then(this.#unwrap);
  }

  return(value?: unknown): Promise<IteratorResult<O>> {
    this.#finished = true;
    this.#prefix = [];
    return this.#queue.return!(value).then(() => ({ done: true, value: value as O }));
  }

  throw(error?: unknown): Promise<IteratorResult<O>> {
    this.#finished = true;
    this.#prefix = [];
    return this.#queue.throw!(error).then(this.#unwrap);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
