/**
 * The fan-out engine shared by the in-process and the Redis hub: subscriber set, per-subscriber
 * queues from the source layer, history ring, counters.
 */
import type { BufferedQueue, PushController } from '../../source/queue.js';
import { queueIn } from '../../source/queue.js';
import type { PushHooks } from '../../source/types.js';
import { checkCount, checkLimit, checkOptions, checkSignal, describe } from '../../util/args.js';
import { SlowConsumerError } from '../errors.js';
import type { HubStats, HubSubscription, SlowConsumerPolicy, SubscribeOptions } from '../types.js';
import { checkEpoch, newEpoch, startOf } from './epoch.js';
import type { Entry } from './history.js';
import type { ClientKind, Frames, OpenInfo, SubscribeAs } from './kinds.js';
import { Observers, perTransport, type HubObserver, type Transport } from './observe.js';
import { checkPolicy, type CoreSettings } from './settings.js';
import { HubFeed, type Tally } from './subscription.js';
import { checkTopic, MAX_TOPICS, Topic } from './topic.js';

const SUBSCRIBE_OPTIONS = Object.keys({ policy: 1, limit: 1, since: 1, epoch: 1, signal: 1, topics: 1 } satisfies Record<keyof SubscribeOptions, 1>);


/**
 * One message as the core keeps it: what `encode` gave, its topic, and its entry for each kind once
 * made (for a hub without frames the record is itself the entry). Every message kept is of the
 * current epoch: {@link HubCore.setEpoch} drops the history.
 */
interface Stored extends Entry<unknown> {
  readonly topic: string;
  comet?: Entry<unknown>;
  sse?: Entry<unknown>;
}

const NO_FRAMES = Object.freeze({ comet: 0, sse: 0 });

/** @internal The subscriber set, topics and counters behind every hub. */
export class HubCore<O> {
  #epoch = newEpoch();
  /** The topics that have subscribers or history. */
  readonly #topics = new Map<string, Topic<Member<O>, Stored>>();
  /**
   * The topics published to, least recently first, linked through their `older`/`newer`: the order
   * in which `historyTotal` takes histories. A list rather than the map's own order: moving an entry
   * to the end of a Map (delete, then set) leaves the deleted entry on its hash chain until the next
   * rehash, so publishing again and again to one topic of a large hub would walk an ever longer chain.
   */
  #leastRecent: Topic<Member<O>, Stored> | null = null;
  #mostRecent: Topic<Member<O>, Stored> | null = null;
  /** The default topic `''`: never forgotten, so a hub of one topic keeps its account for good. */
  readonly #default: Topic<Member<O>, Stored>;
  readonly #settings: CoreSettings<O>;
  /** Runs of dropped ids each topic accounts for (see {@link Topic.drop}). */
  readonly #maxRuns: number;
  readonly #frames: Frames | undefined;
  readonly #tally: Tally = { offered: 0, delivered: 0, slow: 0, discarded: 0, lost: 0 };
  /** Messages in the histories of all topics. */
  #kept = 0;
  /** Subscribers now. */
  #size = 0;
  /** Ids up to this one the hub never saw, once it had several topics: whose they were nobody knows. */
  #horizon = 0;
  /**
   * Ids up to this one may belong to topics the hub forgot (no subscriber, no history) with ids they
   * had dropped: a cursor older is a reset, for a topic that does not exist now or was made after it.
   */
  #forgotten = 0;
  /** True while every message was of the default topic: ids it did not see are that topic's. */
  #sole = true;
  #closed = false;
  #refusal: Error | null = null;
  #lastId = 0;
  #published = 0;
  #droppedOldest = 0;
  #droppedNewest = 0;
  #disconnected = 0;
  /** Subscribers now, and ever joined, by transport. */
  readonly #connections = perTransport();
  readonly #opened = perTransport();
  #replayed = 0;
  #missed = 0;
  #resets = 0;
  /** Who watches this hub (metrics): empty unless attached, and then the only cost is theirs. */
  readonly #observers = new Observers();

  constructor(settings: CoreSettings<O>) {
    this.#settings = settings;
    this.#maxRuns = Math.max(64, settings.history);
    this.#frames = settings.frames;
    this.#default = this.#newTopic('', 0);
    this.#topics.set('', this.#default);
  }

  /** This hub's epoch (see `Hub.epoch`). */
  get epoch(): string {
    return this.#epoch;
  }

  /**
   * Replaces the epoch (a Redis hub whose stream Redis lost): ids of the old epoch mean nothing in
   * the new one, so the history is dropped, the last id becomes `lastId` (it may go back; ids up to
   * it count as missed), and no subscriber waits for an id of the old epoch any more. Subscribers
   * stay: end them with {@link failAll} when what they were given no longer joins up.
   * @throws TypeError when `epoch` does not match `[A-Za-z0-9_-]{1,64}` or `lastId` is not a number; RangeError when `lastId` is not a non-negative integer
   */
  setEpoch(epoch: string, lastId: number = this.#lastId): void {
    checkEpoch(epoch, 'setEpoch', 'epoch');
    this.#lastId = checkCount(lastId, 'setEpoch', 'lastId');
    this.#epoch = epoch;
    this.#horizon = 0;
    this.#forgotten = 0;
    for (const topic of [...this.#topics.values()]) {
      topic.clear();
      for (const member of topic.members) member.after = 0;
      this.#forgetIfIdle(topic);
    }
    this.#kept = 0;
    if (lastId > 0) this.#unseen(1, lastId);
  }

  get size(): number {
    return this.#size;
  }

  get lastId(): number {
    return this.#lastId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Fans `value` out under `id` to the subscribers of `topic` (ids must increase; ids skipped are
   * counted as missed). `value` is what `encode` made: with frames, the serialized message, framed
   * here for each kind that has subscribers on the topic now, and for Comet when `encode` made its
   * chunk already (never throws then: the checks were `encode`'s). Costs O(subscribers of `topic`).
   */
  emit(id: number, value: O, topic = ''): void {
    // a message of a named topic first: the ids skipped before it may have been any topic's
    if (topic !== '') this.#sole = false;
    if (id > this.#lastId + 1) this.#unseen(this.#lastId + 1, id - 1);
    const stored: Stored = { id, value, topic };
    let t = this.#topics.get(topic);
    this.#published++;
    const observers = this.#observers.list;
    if (observers.length !== 0) for (const o of observers) o.published?.(topic);
    if (t !== undefined && t.size > 0) {
      const comet = t.comet > 0 || this.#frames?.cometAtPublish ? this.#entryOf(stored, 'comet') : stored;
      const sse = t.sse > 0 ? this.#entryOf(stored, 'sse') : stored;
      let offered = 0;
      // A member that overflows leaves the set during this loop; no member joins during it, and the
      // entry joins the history only afterwards.
      for (const member of t.members) {
        if (member.after >= id) continue;
        member.ctl!.push((member.kind === 'comet' ? comet : sse) as Entry<O>);
        offered++;
      }
      this.#tally.offered += offered;
    } else if (this.#frames?.cometAtPublish) {
      this.#entryOf(stored, 'comet');
    }
    this.#lastId = id;
    if (t === undefined) {
      // a topic nobody listens to and that keeps no history: nothing to make, but its id is gone for good
      if (this.#settings.history === 0) {
        this.#forgotten = id;
        return;
      }
      t = this.#newTopic(topic, id - 1);
      this.#topics.set(topic, t);
    }
    this.#touch(t);
    // room for it: one more kept; the oldest pushed out for it, or nothing kept: as many as before
    const out = t.keep(stored, this.#settings.history);
    if (out === undefined) this.#kept++;
    else this.#dropped(t, out.id);
    while (this.#kept > this.#settings.historyTotal) this.#evictOldest();
    this.#forgetIfIdle(t);
  }

  /** The entry of `kind` for a message, made once (what a hub without frames stores is its entry). */
  #entryOf(stored: Stored, kind: ClientKind): Entry<unknown> {
    const frames = this.#frames;
    if (frames === undefined) return stored;
    return (stored[kind] ??= { id: stored.id, value: frames.frame(kind, stored.value as string, stored.id, this.#epoch, stored.topic) });
  }

  /** A topic made now, when the last id was `since`: no earlier id was one of its messages. */
  #newTopic(name: string, since: number): Topic<Member<O>, Stored> {
    return new Topic<Member<O>, Stored>(name, since);
  }

  /** Ids `from`…`to` (default: `from` alone) of `topic` are no longer in its history. */
  #dropped(topic: Topic<Member<O>, Stored>, from: number, to = from): void {
    const forgotten = topic.drop(from, to, this.#maxRuns);
    if (forgotten > topic.forgotten) topic.forgotten = forgotten;
  }

  /** `topic` becomes the most recently published (last to give its history under `historyTotal`). */
  #touch(topic: Topic<Member<O>, Stored>): void {
    const last = this.#mostRecent;
    if (topic === last) return;
    this.#unlist(topic);
    topic.older = last;
    if (last === null) this.#leastRecent = topic;
    else last.newer = topic;
    this.#mostRecent = topic;
  }

  /** Takes `topic` out of the recency list, if it is in it. */
  #unlist(topic: Topic<Member<O>, Stored>): void {
    const { older, newer } = topic;
    if (older !== null) older.newer = newer;
    else if (this.#leastRecent === topic) this.#leastRecent = newer;
    else return;
    if (newer !== null) newer.older = older;
    else this.#mostRecent = older;
    topic.older = topic.newer = null;
  }

  /** Under `historyTotal`: the least recently published topic that has history gives its oldest message. */
  #evictOldest(): void {
    for (let topic = this.#leastRecent; topic !== null; topic = topic.newer) {
      const out = topic.shiftKept();
      if (out === undefined) continue;
      this.#kept--;
      this.#dropped(topic, out.id);
      this.#forgetIfIdle(topic);
      return;
    }
  }

  /** Forgets a topic with no subscriber and no history (not the default one); what it dropped moves the horizon. */
  #forgetIfIdle(topic: Topic<Member<O>, Stored>): void {
    if (topic.name === '' || !topic.idle) return;
    this.#topics.delete(topic.name);
    this.#unlist(topic);
    this.#forgotten = Math.max(this.#forgotten, topic.lastDropped, topic.forgotten);
  }

  /**
   * Ids `from`…`to` were given to messages this hub never saw (sent before it could hear them, or
   * skipped). While the hub had only the default topic they were its messages, missed by every
   * cursor before them, and what its history held no longer joins up, so it is dropped; once it has
   * several topics, nobody knows whose they were: a cursor before them is a reset.
   */
  #unseen(from: number, to: number): void {
    if (!this.#sole) {
      this.#horizon = Math.max(this.#horizon, to);
      return;
    }
    const topic = this.#default;
    for (let out = topic.shiftKept(); out !== undefined; out = topic.shiftKept()) {
      this.#kept--;
      this.#dropped(topic, out.id);
    }
    this.#dropped(topic, from, to);
  }

  /**
   * Moves the last id up to `id` (the id of the last message sent before this hub could hear it):
   * `since` then counts those messages as missed (see {@link #unseen}). Never moves the id back.
   */
  advance(id: number): void {
    if (!(id > this.#lastId)) return;
    this.#unseen(this.#lastId + 1, id);
    this.#lastId = id;
  }

  /** While set, new subscribers fail with this error at once. */
  refuse(error: Error | null): void {
    this.#refusal = error;
  }

  /**
   * Attaches `observer` (see {@link HubObserver}): it is told of every subscriber there now, then of
   * each one that joins or leaves and of each message fanned out, until the function returned is called.
   */
  observe(observer: HubObserver): () => void {
    const detach = this.#observers.add(observer);
    if (observer.joined !== undefined) {
      for (const member of this.#members()) observer.joined(member.via, member.topics!);
    }
    return detach;
  }

  /** Every subscriber now. */
  #members(): Set<Member<O>> {
    const all = new Set<Member<O>>();
    for (const topic of this.#topics.values()) for (const member of topic.members) all.add(member);
    return all;
  }

  /** Ends every subscriber with `error` (after what is buffered for each); the core stays open. */
  failAll(error: Error): void {
    for (const member of this.#members()) {
      member.ctl!.fail(error);
      this.#finish(member);
      cutOff(member, error);
    }
    this.#clearHistory();
  }

  /** Ends every subscriber normally; later subscribers are done at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const member of this.#members()) {
      member.ctl!.end();
      this.#finish(member);
    }
    this.#clearHistory();
  }

  #clearHistory(): void {
    for (const topic of [...this.#topics.values()]) {
      topic.clear();
      this.#forgetIfIdle(topic);
    }
    this.#kept = 0;
  }

  stats(): HubStats {
    let oldest = this.#droppedOldest;
    let newest = this.#droppedNewest;
    let waiting = 0;
    for (const member of this.#members()) {
      const dropped = member.queue?.stats.dropped ?? 0;
      if (member.policy === 'drop-oldest') oldest += dropped;
      else if (member.policy === 'drop-newest') newest += dropped;
      waiting += member.feed?.held ?? 0;
    }
    const tally = this.#tally;
    return {
      subscribers: this.#size,
      published: this.#published,
      offered: tally.offered,
      delivered: tally.delivered,
      dropped: { 'drop-oldest': oldest, 'drop-newest': newest },
      cutOff: tally.slow,
      discarded: tally.discarded,
      waiting,
      disconnectedForSlowness: this.#disconnected,
      encoded: this.#frames === undefined ? NO_FRAMES : { ...this.#frames.encoded },
      topics: this.#topics.size - (this.#default.idle ? 1 : 0),
      history: this.#kept,
      connections: { ...this.#connections },
      opened: { ...this.#opened },
      replayed: this.#replayed,
      missed: this.#missed,
      resets: this.#resets,
      lostToSlowness: tally.lost,
    };
  }

  /**
   * Adds a subscriber (see `Hub.subscribe`) on its topics (default: the default topic). The
   * protocol layer passes `as`: the kind of client, and the preface its responses open with;
   * `hub.subscribe()` gives a `'comet'` subscriber with none. Where it starts is the epoch rule of
   * {@link startOf}.
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
    const names = topicsOf(opts.topics, where);
    const kind: ClientKind = as?.kind ?? 'comet';
    if (kind === 'sse' && this.#frames === undefined) throw new TypeError(`${where}: this hub has no Server-Sent Events subscribers`);

    const member = new Member<O>(this, policy, kind, as === undefined ? 'subscribe' : kind === 'sse' ? 'eventsource' : 'iframe');
    const refusal = this.#refusal;
    const open = !this.#closed && !refusal;
    const queue = queueIn<Entry<O>>(
      where,
      (ctl) => {
        member.ctl = ctl;
        if (this.#closed) return ctl.end();
        if (refusal) return ctl.fail(refusal);
        this.#join(member, names);
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
    const start = startOf(since, epoch, this.#epoch, lastId, this.#horizonOf(names, since ?? lastId));
    const at = prefix.length;
    let missed = 0;
    if (open) {
      member.after = start.after;
      if (start.from !== undefined) missed = this.#replay(start.from, kind, names, prefix);
      this.#missed += missed;
      if (start.reset) this.#resets++;
    }
    const preface = as?.preface;
    if (preface !== undefined && open) {
      const info: OpenInfo = { type: 'open', epoch: this.#epoch, lastId, since: start.from === 0 && start.reset ? 0 : since ?? lastId, missed, reset: start.reset };
      prefix.splice(at, 0, { id: 0, value: preface(info) });
    }
    const feed = new HubFeed<O>({
      queue, prefix, missed, policy, limit, signal, tally: this.#tally, coalesce: this.#settings.coalesce, epoch: this.#epoch, reset: start.reset,
    });
    if (refusal && !this.#closed) feed.cutOff(refusal);
    else member.feed = feed;
    return feed;
  }

  /**
   * The id up to which a cursor `since` on `names` cannot be accounted for exactly: the ids never
   * seen; each topic's dropped ids it forgot (past its runs); and the ids of forgotten topics, for a
   * topic that does not exist now or was made after `since` (one made before had no forgotten ids
   * after it).
   */
  #horizonOf(names: readonly string[], since: number): number {
    let horizon = this.#horizon;
    for (const name of names) {
      const topic = this.#topics.get(name);
      horizon = Math.max(horizon, topic?.forgotten ?? 0, topic === undefined || topic.since > since ? this.#forgotten : 0);
    }
    return horizon;
  }

  /** `member` joins each of its topics (made if need be). */
  #join(member: Member<O>, names: readonly string[]): void {
    const topics: Topic<Member<O>, Stored>[] = [];
    for (const name of names) {
      let topic = this.#topics.get(name);
      if (topic === undefined) {
        topic = this.#newTopic(name, this.#lastId);
        this.#topics.set(name, topic);
      }
      topic.join(member);
      topic[member.kind]++;
      topics.push(topic);
    }
    member.topics = topics;
    this.#size++;
    this.#connections[member.via]++;
    this.#opened[member.via]++;
    const observers = this.#observers.list;
    if (observers.length !== 0) {
      member.since = performance.now();
      for (const o of observers) o.joined?.(member.via, topics);
    }
  }

  /**
   * Appends to `prefix` the entries of `kind` of `names` after `from`, in id order, and returns how
   * many messages of those topics after `from` the histories no longer hold.
   */
  #replay(from: number, kind: ClientKind, names: readonly string[], prefix: Entry<O>[]): number {
    const stored: Stored[] = [];
    let missed = 0;
    for (const name of names) {
      const topic = this.#topics.get(name);
      if (topic === undefined) continue;
      topic.keptAfter(from, stored);
      missed += topic.droppedAfter(from);
    }
    if (names.length > 1) stored.sort((a, b) => a.id - b.id);
    for (const s of stored) prefix.push(this.#entryOf(s, kind) as Entry<O>);
    this.#tally.offered += stored.length;
    this.#replayed += stored.length;
    return missed;
  }

  /** `member`'s queue overflowed under 'disconnect' with `max` waiting: counts it, cuts it off. */
  overflowed(member: Member<O>, max: number): Error {
    // the arriving message and every one still waiting are lost to slowness (until read)
    const held = member.feed!.held;
    this.#disconnected++;
    this.#tally.slow += held + 1;
    this.#tally.lost++;
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
    const topics = member.topics;
    if (topics !== null) {
      for (const topic of topics) {
        if (topic.leave(member)) topic[member.kind]--;
        this.#forgetIfIdle(topic);
      }
      member.topics = null;
      this.#size--;
      this.#connections[member.via]--;
      const observers = this.#observers.list;
      if (observers.length !== 0) {
        const seconds = member.since < 0 ? undefined : (performance.now() - member.since) / 1000;
        for (const o of observers) o.left?.(member.via, topics, seconds);
      }
    }
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
  /** The topics it joined, until it leaves. */
  topics: Topic<Member<O>, Stored>[] | null = null;
  /** When it joined (`performance.now()`), taken only while the hub is observed; else -1. */
  since = -1;

  constructor(
    readonly core: HubCore<O>,
    readonly policy: SlowConsumerPolicy,
    readonly kind: ClientKind,
    /** Who made it (see {@link Transport}). */
    readonly via: Transport,
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

/** The topics of a subscription: `undefined` is the default topic alone; duplicates count once. */
function topicsOf(topics: unknown, where: string): readonly string[] {
  if (topics === undefined) return [''];
  if (!Array.isArray(topics)) throw new TypeError(`${where}: topics must be an array of topic names, got ${describe(topics)}`);
  if (topics.length === 0) throw new RangeError(`${where}: topics must name at least one topic (leave it out for the default topic)`);
  if (topics.length > MAX_TOPICS) throw new RangeError(`${where}: topics must name at most ${MAX_TOPICS} topics, got ${topics.length}`);
  const names = new Set<string>();
  for (let i = 0; i < topics.length; i++) names.add(checkTopic(topics[i], where, `topics[${i}]`));
  return [...names];
}
