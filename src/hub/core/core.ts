/**
 * The fan-out engine shared by the in-process and the Redis hub: subscriber set, per-subscriber
 * queues from the source layer, history ring, counters.
 */
import type { BufferedQueue, PushController } from '../../source/queue.js';
import { queueIn } from '../../source/queue.js';
import type { PushHooks } from '../../source/types.js';
import { checkCount, checkLimit, checkOptions, checkSignal } from '../../util/args.js';
import { SlowConsumerError } from '../errors.js';
import type { HubStats, HubSubscription, SlowConsumerPolicy, SubscribeOptions } from '../types.js';
import { checkEpoch, newEpoch, startOf } from './epoch.js';
import { History, type Entry } from './history.js';
import type { ClientKind, Frames, OpenInfo, SubscribeAs } from './kinds.js';
import { checkPolicy, type CoreSettings } from './settings.js';
import { HubFeed, type Tally } from './subscription.js';

const SUBSCRIBE_OPTIONS = Object.keys({ policy: 1, limit: 1, since: 1, epoch: 1, signal: 1 } satisfies Record<keyof SubscribeOptions, 1>);

/**
 * One message as the core keeps it: what `encode` gave, and its entry for each kind once made (for
 * a hub without a framing the record is itself the entry). Every message kept is of the current
 * epoch: {@link HubCore.setEpoch} drops the history.
 */
interface Stored extends Entry<unknown> {
  comet?: Entry<unknown>;
  sse?: Entry<unknown>;
}

const NO_FRAMES = Object.freeze({ comet: 0, sse: 0 });

/** @internal The subscriber set and counters behind every hub. */
export class HubCore<O> {
  #epoch = newEpoch();
  readonly #members = new Set<Member<O>>();
  /** Members per kind, so that a message is framed only for kinds someone takes. */
  readonly #counts = { comet: 0, sse: 0 };
  readonly #history: History<Stored>;
  readonly #settings: CoreSettings<O>;
  readonly #frames: Frames | undefined;
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
    this.#frames = settings.frames;
    this.#history = new History<Stored>(settings.history);
  }

  /** This hub's epoch (see {@link HubBase.epoch}). */
  get epoch(): string {
    return this.#epoch;
  }

  /**
   * Replaces the epoch (a Redis hub whose stream Redis lost): ids of the old epoch mean nothing in
   * the new one, so the history is dropped, the last id becomes `lastId` (it may go back), and no
   * subscriber waits for an id of the old epoch any more. Subscribers stay: end them with
   * {@link failAll} when what they were given no longer joins up.
   * @throws TypeError when `epoch` does not match `[A-Za-z0-9_-]{1,64}`; RangeError when `lastId` is not a non-negative integer
   */
  setEpoch(epoch: string, lastId: number = this.#lastId): void {
    checkEpoch(epoch, 'setEpoch', 'epoch');
    this.#lastId = checkCount(lastId, 'setEpoch', 'lastId');
    this.#epoch = epoch;
    this.#history.clear();
    for (const member of this.#members) member.after = 0;
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

  /**
   * Fans `value` out under `id` (ids must increase; a non-contiguous id restarts the history).
   * `value` is what `encode` made: with a framing, the serialized message, framed here for each
   * kind that has subscribers now, and for Comet when `encode` made its chunk already (never
   * throws then: the checks were `encode`'s).
   */
  emit(id: number, value: O): void {
    const stored: Stored = { id, value };
    const comet = this.#counts.comet > 0 || this.#frames?.cometAtPublish ? this.#entryOf(stored, 'comet') : stored;
    const sse = this.#counts.sse > 0 ? this.#entryOf(stored, 'sse') : stored;
    this.#published++;
    let offered = 0;
    // A member that overflows leaves the set during this loop; no member joins during it, and the
    // entry joins the history only afterwards.
    for (const member of this.#members) {
      if (member.after >= id) continue;
      member.ctl!.push((member.kind === 'comet' ? comet : sse) as Entry<O>);
      offered++;
    }
    this.#tally.offered += offered;
    if (id !== this.#lastId + 1) this.#history.clear();
    this.#history.add(stored);
    this.#lastId = id;
  }

  /** The entry of `kind` for a message, made once (what a hub without a framing stores is its entry). */
  #entryOf(stored: Stored, kind: ClientKind): Entry<unknown> {
    const frames = this.#frames;
    if (frames === undefined) return stored;
    return (stored[kind] ??= { id: stored.id, value: frames.frame(kind, stored.value as string, stored.id, this.#epoch) });
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
      encoded: this.#frames === undefined ? NO_FRAMES : { ...this.#frames.encoded },
    };
  }

  /**
   * Adds a subscriber (see `Hub.subscribe`). The protocol layer passes `as`: the kind of client,
   * and the preface its responses open with; `hub.subscribe()` gives a `'comet'` subscriber with
   * none. Where it starts is the epoch rule of {@link startOf}.
   * @param where - the public function, for messages
   */
  subscribe(options?: SubscribeOptions, where = 'subscribe', as?: SubscribeAs<O>): HubSubscription<O> {
    const opts = checkOptions(options, where, SUBSCRIBE_OPTIONS);
    const policy = opts.policy === undefined ? this.#settings.policy : checkPolicy(opts.policy, where);
    const limit = opts.limit === undefined ? this.#settings.limit : checkLimit(opts.limit, where, 'limit');
    const since = opts.since === undefined ? undefined : checkCount(opts.since, where, 'since');
    const epoch = opts.epoch === undefined ? undefined : checkEpoch(opts.epoch, where, 'epoch');
    if (epoch !== undefined && since === undefined) throw new TypeError(`${where}: epoch needs since (the last id the subscriber has in that epoch)`);
    const signal = checkSignal(opts.signal, where);
    const kind: ClientKind = as?.kind ?? 'comet';
    if (kind === 'sse' && this.#frames === undefined) throw new TypeError(`${where}: this hub has no Server-Sent Events subscribers`);

    const member = new Member<O>(this, policy, kind);
    const refusal = this.#refusal;
    const open = !this.#closed && !refusal;
    const queue = queueIn<Entry<O>>(
      where,
      (ctl) => {
        member.ctl = ctl;
        if (this.#closed) return ctl.end();
        if (refusal) return ctl.fail(refusal);
        this.#members.add(member);
        this.#counts[kind]++;
        return member;
      },
      { buffer: { limit, overflow: policy === 'disconnect' ? 'error' : policy } },
      policy === 'disconnect' ? member.overflowError.bind(member) : undefined,
    );
    member.queue = queue;

    const prefix: Entry<O>[] = [];
    const initial = this.#settings.initial;
    if (initial !== undefined && kind === 'comet' && open) prefix.push({ id: 0, value: initial });
    const lastId = this.#lastId;
    const start = startOf(since, epoch, this.#epoch, lastId);
    const at = prefix.length;
    let missed = 0;
    if (open) {
      member.after = start.after;
      if (start.from !== undefined) missed = this.#replay(start.from, kind, prefix);
    }
    const preface = as?.preface;
    if (preface !== undefined && open) {
      const info: OpenInfo = { type: 'open', epoch: this.#epoch, lastId, since: start.reset ? 0 : since ?? lastId, missed, reset: start.reset };
      prefix.splice(at, 0, { id: 0, value: preface(info) });
    }
    const feed = new HubFeed<O>({
      queue, prefix, missed, policy, limit, signal, tally: this.#tally, coalesce: this.#settings.coalesce, epoch: this.#epoch, reset: start.reset,
    });
    if (refusal && !this.#closed) feed.cutOff(refusal);
    else member.feed = feed;
    return feed;
  }

  /** Appends to `prefix` the entries of `kind` after `from` and returns how many fell out of history. */
  #replay(from: number, kind: ClientKind, prefix: Entry<O>[]): number {
    const first = this.#history.firstId;
    const missed = first === 0 ? this.#lastId - from : from + 1 < first ? first - from - 1 : 0;
    const stored: Stored[] = [];
    this.#history.after(from, stored);
    for (const s of stored) prefix.push(this.#entryOf(s, kind) as Entry<O>);
    this.#tally.offered += stored.length;
    return missed;
  }

  /** `member`'s queue overflowed under 'disconnect' with `max` waiting: counts it, cuts it off. */
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

  /** `member`'s queue ended: it leaves the set. */
  leave(member: Member<O>): void {
    this.#finish(member);
  }

  #finish(member: Member<O>): void {
    if (member.ended) return;
    member.ended = true;
    if (this.#members.delete(member)) this.#counts[member.kind]--;
    const dropped = member.queue?.stats.dropped ?? 0;
    if (member.policy === 'drop-oldest') this.#droppedOldest += dropped;
    else if (member.policy === 'drop-newest') this.#droppedNewest += dropped;
  }
}

/**
 * One subscriber as the core sees it; also the hooks of its queue, so that a subscriber makes no
 * closure of its own.
 */
class Member<O> implements PushHooks {
  ctl: PushController<Entry<O>> | null = null;
  queue: BufferedQueue<Entry<O>> | null = null;
  feed: HubFeed<O> | null = null;
  ended = false;
  /** Ids up to this one are not given (a cursor ahead of the hub: it waits until the hub catches up). */
  after = 0;

  constructor(
    readonly core: HubCore<O>,
    readonly policy: SlowConsumerPolicy,
    readonly kind: ClientKind,
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
 * Tells a subscription that the hub cut it off. Deferred to a microtask: its signal's listeners (a
 * transport giving up) call back into the queue, which is still in the middle of a push here.
 */
function cutOff<O>(member: Member<O>, error: Error): void {
  queueMicrotask(() => member.feed?.cutOff(error));
}
