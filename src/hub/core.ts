/**
 * The fan-out engine shared by the in-process and the Redis hub: subscriber set, per-subscriber
 * queues from the source layer, history ring, counters.
 */
import { randomBytes } from 'node:crypto';
import { queueIn, type BufferedQueue, type PushController } from '../source/queue.js';
import type { PushHooks } from '../source/types.js';
import { checkCount, checkLimit, checkOptions, checkSignal, describe } from '../util/args.js';
import { SlowConsumerError } from './errors.js';
import { History, type Entry } from './history.js';
import { HubFeed, type Tally } from './subscription.js';
import type { HubStats, HubSubscription, SlowConsumerPolicy, SubscribeOptions } from './types.js';

const POLICIES: readonly SlowConsumerPolicy[] = ['drop-oldest', 'drop-newest', 'disconnect'];

const SUBSCRIBE_OPTIONS = Object.keys({ policy: 1, limit: 1, since: 1, signal: 1 } satisfies Record<keyof SubscribeOptions, 1>);

/** @internal Validates a slow-consumer policy name. */
export function checkPolicy(policy: unknown, where: string): SlowConsumerPolicy {
  if (!POLICIES.includes(policy as SlowConsumerPolicy)) {
    throw new TypeError(`${where}: policy must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describe(policy)}`);
  }
  return policy as SlowConsumerPolicy;
}

/** @internal A new epoch: 16 url-safe characters from 12 random bytes. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * One subscriber as the hub sees it; also the hooks of its queue, so that a subscriber makes no
 * closure of its own.
 */
class Member<O> implements PushHooks {
  ctl: PushController<Entry<O>> | null = null;
  queue: BufferedQueue<Entry<O>> | null = null;
  feed: HubFeed<O> | null = null;
  ended = false;

  constructor(
    readonly core: HubCore<O>,
    readonly policy: SlowConsumerPolicy,
  ) {}

  /** The queue ended: the subscriber leaves the set. */
  teardown(): void {
    this.core.leave(this);
  }

  /** The queue overflowed under 'disconnect': the error it ends with. */
  overflowError(max: number): Error {
    return this.core.overflowed(this, max);
  }
}

/**
 * Tells a subscription that the hub cut it off. Deferred to a microtask: its signal's listeners
 * (a transport giving up) call back into the queue, which is still in the middle of a push here.
 */
function cutOff<O>(member: Member<O>, error: Error): void {
  queueMicrotask(() => member.feed?.cutOff(error));
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
  #epoch = newEpoch();
  readonly #members = new Set<Member<O>>();
  readonly #history: History<O>;
  readonly #settings: CoreSettings<O>;
  readonly #tally: Tally = { offered: 0, delivered: 0, slow: 0, discarded: 0 };
  #closed = false;
  #refusal: Error | null = null;
  #lastId = 0;
  #published = 0;
  #droppedOldest = 0;
  #droppedNewest = 0;
  #disconnected = 0;

  constructor(settings: CoreSettings<O>) {
    this.#settings = settings;
    this.#history = new History<O>(settings.history);
  }

  /** This hub's epoch (see {@link HubBase.epoch}). */
  get epoch(): string {
    return this.#epoch;
  }

  /** Starts another epoch: ids start over and the history is dropped (end the subscribers first). */
  renew(epoch: string): void {
    this.#epoch = epoch;
    this.#lastId = 0;
    this.#history.clear();
  }

  get size(): number {
    return this.#members.size;
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
    this.#tally.offered += this.#members.size;
    // A member that overflows leaves the set during this loop; no member joins during it, and the
    // entry joins the history only afterwards.
    for (const member of this.#members) member.ctl!.push(entry);
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
    for (const member of [...this.#members]) {
      member.ctl!.fail(error);
      this.#finish(member);
      cutOff(member, error);
    }
    this.#history.clear();
  }

  /** Ends every subscriber normally; later subscribers are done at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const member of [...this.#members]) {
      member.ctl!.end();
      this.#finish(member);
    }
    this.#history.clear();
  }

  stats(): HubStats {
    let oldest = this.#droppedOldest;
    let newest = this.#droppedNewest;
    let waiting = 0;
    for (const member of this.#members) {
      const dropped = member.queue?.stats.dropped ?? 0;
      if (member.policy === 'drop-oldest') oldest += dropped;
      else if (member.policy === 'drop-newest') newest += dropped;
      waiting += member.feed?.held ?? 0;
    }
    const tally = this.#tally;
    return {
      subscribers: this.#members.size,
      published: this.#published,
      offered: tally.offered,
      delivered: tally.delivered,
      dropped: { 'drop-oldest': oldest, 'drop-newest': newest },
      cutOff: tally.slow,
      discarded: tally.discarded,
      waiting,
      disconnectedForSlowness: this.#disconnected,
    };
  }

  subscribe(options?: SubscribeOptions): HubSubscription<O> {
    const opts = checkOptions(options, 'subscribe', SUBSCRIBE_OPTIONS);
    const policy = opts.policy === undefined ? this.#settings.policy : checkPolicy(opts.policy, 'subscribe');
    const limit = opts.limit === undefined ? this.#settings.limit : checkLimit(opts.limit, 'subscribe', 'limit');
    const since = opts.since === undefined ? undefined : checkCount(opts.since, 'subscribe', 'since');
    const signal = checkSignal(opts.signal, 'subscribe');

    const member = new Member<O>(this, policy);
    const refusal = this.#refusal;
    const open = !this.#closed && !refusal;
    const queue = queueIn<Entry<O>>(
      'subscribe',
      (ctl) => {
        member.ctl = ctl;
        if (this.#closed) return ctl.end();
        if (refusal) return ctl.fail(refusal);
        this.#members.add(member);
        return member;
      },
      { buffer: { limit, overflow: policy === 'disconnect' ? 'error' : policy } },
      policy === 'disconnect' ? member.overflowError.bind(member) : undefined,
    );
    member.queue = queue;

    const prefix: Entry<O>[] = [];
    if (this.#settings.initial !== undefined && open) prefix.push({ id: 0, value: this.#settings.initial });
    let missed = 0;
    if (since !== undefined && open) {
      const from = since > this.#lastId ? 0 : since;
      const first = this.#history.firstId;
      missed = from + 1 < first ? first - from - 1 : 0;
      if (first === 0) missed = this.#lastId - from;
      const before = prefix.length;
      this.#history.after(from, prefix);
      this.#tally.offered += prefix.length - before;
    }
    const feed = new HubFeed<O>({
      queue, prefix, missed, policy, limit, signal, tally: this.#tally, coalesce: this.#settings.coalesce,
    });
    if (refusal && !this.#closed) feed.cutOff(refusal);
    else member.feed = feed;
    return feed;
  }

  /** @internal `member`'s queue overflowed under 'disconnect' with `max` waiting: counts it, cuts it off. */
  overflowed(member: Member<O>, max: number): Error {
    // the arriving message and every one still waiting are lost to slowness (until read)
    const held = member.feed!.held;
    this.#disconnected++;
    this.#tally.slow += held + 1;
    member.feed!.owe(held);
    const error = new SlowConsumerError(max);
    cutOff(member, error);
    return error;
  }

  /** @internal `member`'s queue ended: it leaves the set. */
  leave(member: Member<O>): void {
    this.#finish(member);
  }

  #finish(member: Member<O>): void {
    if (member.ended) return;
    member.ended = true;
    this.#members.delete(member);
    const dropped = member.queue?.stats.dropped ?? 0;
    if (member.policy === 'drop-oldest') this.#droppedOldest += dropped;
    else if (member.policy === 'drop-newest') this.#droppedNewest += dropped;
  }
}
