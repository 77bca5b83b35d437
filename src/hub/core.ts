/**
 * The fan-out engine shared by the in-process and the Redis hub: subscriber set, per-subscriber
 * queues from the source layer, history ring, counters.
 */
import { pushQueue, type PushController } from '../source/queue.js';
import type { SourceIterator } from '../source/types.js';
import { SlowConsumerError } from './errors.js';
import { History, type Entry } from './history.js';
import { Subscription } from './subscription.js';
import type { HubStats, HubSubscription, SlowConsumerPolicy, SubscribeOptions } from './types.js';

const POLICIES: readonly SlowConsumerPolicy[] = ['drop-oldest', 'drop-newest', 'disconnect'];

/** @internal Validates a slow-consumer policy name. */
export function checkPolicy(policy: unknown, what: string): SlowConsumerPolicy {
  if (!POLICIES.includes(policy as SlowConsumerPolicy)) {
    throw new TypeError(`${what} must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${String(policy)}`);
  }
  return policy as SlowConsumerPolicy;
}

/** @internal Validates a per-subscriber limit. */
export function checkLimit(limit: unknown, what: string): number {
  if (limit !== Infinity && !(typeof limit === 'number' && Number.isInteger(limit) && limit > 0)) {
    throw new RangeError(`${what} must be a positive integer or Infinity, got ${String(limit)}`);
  }
  return limit;
}

/** @internal Validates a count that may be zero. */
export function checkCount(n: unknown, what: string): number {
  if (!(typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(`${what} must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

interface Subscriber<O> {
  ctl: PushController<Entry<O>> | null;
  queue: SourceIterator<Entry<O>> | null;
  view: Subscription<O> | null;
  readonly policy: SlowConsumerPolicy;
  ended: boolean;
}

/**
 * Tells a subscription that the hub cut it off. Deferred to a microtask: its signal's listeners
 * (a transport giving up) call back into the queue, which is still in the middle of a push here.
 */
function cutOff<O>(sub: Subscriber<O>, error: Error): void {
  queueMicrotask(() => sub.view?.cutOff(error));
}

/** @internal Settings of a core. */
export interface CoreSettings<O> {
  history: number;
  limit: number;
  policy: SlowConsumerPolicy;
  initial: O | undefined;
  coalesce: ((values: O[]) => O) | undefined;
}

/** @internal The subscriber set and counters behind every hub. */
export class HubCore<O> {
  readonly #subs = new Set<Subscriber<O>>();
  readonly #history: History<O>;
  readonly #settings: CoreSettings<O>;
  #closed = false;
  #refusal: Error | null = null;
  #lastId = 0;
  #published = 0;
  #delivered = 0;
  #droppedOldest = 0;
  #droppedNewest = 0;
  #disconnected = 0;

  constructor(settings: CoreSettings<O>) {
    this.#settings = settings;
    this.#history = new History<O>(settings.history);
  }

  get size(): number {
    return this.#subs.size;
  }

  get lastId(): number {
    return this.#lastId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Fans `value` out under `id` (ids must increase; a non-contiguous id restarts the history). */
  emit(id: number, value: O): void {
    const entry: Entry<O> = { id, value };
    this.#published++;
    // Subscribers added during this loop are visited too, and the entry joins the history only
    // afterwards, so such a subscriber gets it exactly once.
    for (const sub of this.#subs) sub.ctl!.push(entry);
    if (id !== this.#lastId + 1) this.#history.clear();
    this.#history.add(entry);
    this.#lastId = id;
  }

  /**
   * Moves the last id up to `id` (the id of the last message sent before this hub could hear it):
   * `since` then counts those messages as missed. History kept so far no longer joins up, so it is
   * dropped. Never moves the id back.
   */
  advance(id: number): void {
    if (!(id > this.#lastId)) return;
    this.#lastId = id;
    this.#history.clear();
  }

  /** While set, new subscribers fail with this error at once. */
  refuse(error: Error | null): void {
    this.#refusal = error;
  }

  /** Ends every subscriber with `error` (after what is buffered for each); the core stays open. */
  failAll(error: Error): void {
    for (const sub of [...this.#subs]) {
      sub.ctl!.fail(error);
      this.#finish(sub);
      cutOff(sub, error);
    }
    this.#history.clear();
  }

  /** Ends every subscriber normally; later subscribers are done at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of [...this.#subs]) {
      sub.ctl!.end();
      this.#finish(sub);
    }
    this.#history.clear();
  }

  stats(): HubStats {
    let oldest = this.#droppedOldest;
    let newest = this.#droppedNewest;
    for (const sub of this.#subs) {
      const dropped = sub.queue?.stats.dropped ?? 0;
      if (sub.policy === 'drop-oldest') oldest += dropped;
      else if (sub.policy === 'drop-newest') newest += dropped;
    }
    return {
      subscribers: this.#subs.size,
      published: this.#published,
      delivered: this.#delivered,
      dropped: { 'drop-oldest': oldest, 'drop-newest': newest },
      disconnectedForSlowness: this.#disconnected,
    };
  }

  subscribe(options: SubscribeOptions = {}): HubSubscription<O> {
    if (options === null || typeof options !== 'object') throw new TypeError('subscribe options must be an object');
    const policy = options.policy === undefined ? this.#settings.policy : checkPolicy(options.policy, 'policy');
    const limit = options.limit === undefined ? this.#settings.limit : checkLimit(options.limit, 'limit');
    const since = options.since === undefined ? undefined : checkCount(options.since, 'since');
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');

    const sub: Subscriber<O> = { ctl: null, queue: null, view: null, policy, ended: false };
    const refusal = this.#refusal;
    const queue = pushQueue<Entry<O>>(
      (ctl) => {
        sub.ctl = ctl;
        if (this.#closed) return ctl.end();
        if (refusal) return ctl.fail(refusal);
        this.#subs.add(sub);
        return () => this.#finish(sub);
      },
      {
        buffer: { limit, overflow: policy === 'disconnect' ? 'error' : policy },
        signal,
        overflowError: (max) => {
          this.#disconnected++;
          const error = new SlowConsumerError(max);
          cutOff(sub, error);
          return error;
        },
      },
    );
    sub.queue = queue;

    const prefix: Entry<O>[] = [];
    if (this.#settings.initial !== undefined && !this.#closed && !refusal) prefix.push({ id: 0, value: this.#settings.initial });
    let missed = 0;
    if (since !== undefined && !this.#closed && !refusal) {
      const from = since > this.#lastId ? 0 : since;
      const first = this.#history.firstId;
      missed = from + 1 < first ? first - from - 1 : 0;
      if (first === 0) missed = this.#lastId - from;
      this.#history.after(from, prefix);
    }
    const view = new Subscription<O>(queue, prefix, missed, policy, limit, signal, this.#count, this.#settings.coalesce);
    if (refusal && !this.#closed) view.cutOff(refusal);
    else sub.view = view;
    return view;
  }

  readonly #count = (n: number): void => {
    this.#delivered += n;
  };

  #finish(sub: Subscriber<O>): void {
    if (sub.ended) return;
    sub.ended = true;
    this.#subs.delete(sub);
    const dropped = sub.queue?.stats.dropped ?? 0;
    if (sub.policy === 'drop-oldest') this.#droppedOldest += dropped;
    else if (sub.policy === 'drop-newest') this.#droppedNewest += dropped;
  }
}
