/**
 * The fan-out engine shared by the in-process and the Redis hub: subscriber set, per-subscriber
 * queues from the source layer, history ring, counters.
 */
import { randomBytes } from 'node:crypto';
import { queueIn } from '../source/queue.js';
import { checkCount, checkLimit, checkOptions, checkSignal, describe } from '../util/args.js';
import { checkEpoch } from './cursor.js';
import { kindKey, prefaceKey, type ClientKind, type Framing, type OpenInfo } from './framing.js';
import { SlowConsumerError } from './errors.js';
import { History, type Entry } from './history.js';
import { cutOff, Member } from './member.js';
import { HubFeed, type Tally } from './subscription.js';
import type { HubStats, HubSubscription, SlowConsumerPolicy, SubscribeOptions } from './types.js';

const POLICIES: readonly SlowConsumerPolicy[] = ['drop-oldest', 'drop-newest', 'disconnect'];

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

/** @internal Settings of a core. */
export interface CoreSettings<O> {
  history: number;
  limit: number;
  policy: SlowConsumerPolicy;
  /** What a `'comet'` subscriber gets first (an `'sse'` one gets nothing first). */
  initial: O | undefined;
  coalesce: ((values: O[]) => O) | undefined;
  /** For a hub of two kinds of client (then `O` is string, and `emit` takes serialized messages). */
  framing?: Framing | undefined;
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
  readonly #framing: Framing | undefined;
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
    this.#framing = settings.framing;
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
   * @throws TypeError when `epoch` does not match `[A-Za-z0-9_-]{1,64}` or `lastId` is not a number; RangeError when `lastId` is not a non-negative integer
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
    const comet = this.#counts.comet > 0 || this.#framing?.cometAtPublish ? this.#entryOf(stored, 'comet') : stored;
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
    const framing = this.#framing;
    if (framing === undefined) return stored;
    return (stored[kind] ??= { id: stored.id, value: framing.frame(kind, stored.value as string, stored.id, this.#epoch) });
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
      encoded: this.#framing === undefined ? NO_FRAMES : { ...this.#framing.encoded },
    };
  }

  /**
   * Adds a subscriber (see {@link HubBase.subscribe}), of the kind given under {@link kindKey}.
   * The cursor: without `epoch`, `since` replays what came after it (all the history when it is
   * ahead of the last id); with this hub's `epoch`, the same, except that a `since` ahead of the
   * last id replays nothing and the subscriber is given only ids after it; with another epoch, all
   * the history, and `reset` is true.
   */
  subscribe(options?: SubscribeOptions): HubSubscription<O> {
    const where = 'subscribe';
    const opts = checkOptions(options, where, SUBSCRIBE_OPTIONS);
    const policy = opts.policy === undefined ? this.#settings.policy : checkPolicy(opts.policy, where);
    const limit = opts.limit === undefined ? this.#settings.limit : checkLimit(opts.limit, where, 'limit');
    const since = opts.since === undefined ? undefined : checkCount(opts.since, where, 'since');
    const epoch = opts.epoch === undefined ? undefined : checkEpoch(opts.epoch, where, 'epoch');
    if (epoch !== undefined && since === undefined) throw new TypeError(`${where}: epoch needs since (the last id the subscriber has in that epoch)`);
    const signal = checkSignal(opts.signal, where);
    const kind = this.#kindOf(options);

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
    const reset = epoch !== undefined && epoch !== this.#epoch;
    const lastId = this.#lastId;
    const at = prefix.length;
    let missed = 0;
    if (since !== undefined && open) {
      if (since > lastId && epoch !== undefined && !reset) member.after = since;
      else missed = this.#replay(reset || since > lastId ? 0 : since, kind, prefix);
    }
    const preface = (options as { [prefaceKey]?: (info: OpenInfo) => O } | undefined)?.[prefaceKey];
    if (preface !== undefined && open) {
      const info: OpenInfo = { type: 'open', epoch: this.#epoch, lastId, since: reset ? 0 : since ?? lastId, missed, reset };
      prefix.splice(at, 0, { id: 0, value: preface(info) });
    }
    const feed = new HubFeed<O>({
      queue, prefix, missed, policy, limit, signal, tally: this.#tally, coalesce: this.#settings.coalesce, epoch: this.#epoch, reset,
    });
    if (refusal && !this.#closed) feed.cutOff(refusal);
    else member.feed = feed;
    return feed;
  }

  /** The kind a subscriber asked for under {@link kindKey}. */
  #kindOf(options: SubscribeOptions | undefined): ClientKind {
    const kind = options === undefined ? undefined : (options as { [kindKey]?: unknown })[kindKey];
    if (kind === undefined || kind === 'comet') return 'comet';
    if (kind === 'sse' && this.#framing !== undefined) return 'sse';
    throw new TypeError(`subscribe: no subscribers of kind ${describe(kind)} on this hub`);
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
    if (this.#members.delete(member)) this.#counts[member.kind]--;
    const dropped = member.queue?.stats.dropped ?? 0;
    if (member.policy === 'drop-oldest') this.#droppedOldest += dropped;
    else if (member.policy === 'drop-newest') this.#droppedNewest += dropped;
  }
}
