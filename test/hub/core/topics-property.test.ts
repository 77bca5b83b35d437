/**
 * One cursor for many topics, under random interleavings: publishes to K topics, subscribers that
 * come and go (keeping their topics alive), then a subscriber on some of the topics resuming from a
 * random cursor of this epoch. A model of the hub says what it must answer.
 *
 * What the model holds:
 * - each topic keeps its last `history` messages; past `historyTotal` over all topics, the topic
 *   with history that was published to least recently gives its oldest message;
 * - a topic exists while it has subscribers or history; the ids it dropped from its history are
 *   kept as runs of consecutive ids, at most max(64, history) runs, the oldest forgotten first;
 * - a message published to a topic that does not exist, on a hub without history, is dropped with
 *   nobody to account for it; a topic forgotten takes the account of what it dropped with it.
 *
 * The rule the hub follows for `reset` (src/hub/core/core.ts `#horizonOf`, epoch.ts `startOf`): its
 * horizon is the highest id of those two kinds, over all topics; a cursor `since` below it, or below
 * the end of a run forgotten by one of its own topics, may be answered with `reset: true`: what its
 * topics' histories hold after it, and `missed` counting the dropped ids after it that those topics
 * still account for (at least that many were lost). Any
 * other cursor is answered exactly: the messages of its topics after `since` still in history, in id
 * order, and `missed` = those of its topics after `since` that are not.
 *
 * Checked here: an answer without `reset` is exact; a `reset` comes only below that horizon, with
 * the history after the cursor and what is still accounted for after it; and a subscriber whose own topics were kept (had
 * subscribers or history) without a break since before its cursor, with no run forgotten after it,
 * is never reset: what other topics lost does not concern it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createHub, type HubSubscription } from '../../../src/index.js';
import { held, inSteps } from '../fixtures/take.js';

/** What is published: its id and topic, so that every value says where it came from. */
interface Msg {
  readonly id: number;
  readonly topic: string;
}

/** One topic as the model holds it while the hub keeps it. */
interface Kept {
  /** Ids in history, oldest first. */
  readonly history: number[];
  members: number;
  /** Ids dropped from history, as runs `[from, to]` of consecutive ids, oldest first. */
  readonly runs: [number, number][];
  /** The end of the last run forgotten past the run cap (0: none). */
  forgotten: number;
  /** The hub's last id when the topic was made (for this stretch of its life). */
  readonly born: number;
  /** The id of the last message published to it (0: none). */
  lastPublished: number;
}

class Model {
  lastId = 0;
  horizon = 0;
  kept = 0;
  readonly topics = new Map<string, Kept>();
  readonly messages: Msg[] = [];

  constructor(
    readonly history: number,
    readonly historyTotal: number,
  ) {
    this.topics.set('', this.#fresh());
  }

  #fresh(): Kept {
    return { history: [], members: 0, runs: [], forgotten: 0, born: this.lastId, lastPublished: 0 };
  }

  publish(topic: string): number {
    const id = this.lastId + 1;
    let t = this.topics.get(topic);
    if (t === undefined && this.history === 0) {
      this.lastId = id;
      this.messages.push({ id, topic });
      this.horizon = Math.max(this.horizon, id);
      return id;
    }
    if (t === undefined) {
      t = this.#fresh();
      this.topics.set(topic, t);
    }
    this.lastId = id;
    this.messages.push({ id, topic });
    t.lastPublished = id;
    if (this.history === 0) {
      this.#drop(t, id);
    } else {
      t.history.push(id);
      this.kept++;
      if (t.history.length > this.history) {
        this.#drop(t, t.history.shift()!);
        this.kept--;
      }
    }
    while (this.kept > this.historyTotal) this.#evict();
    this.#forgetIfIdle(topic);
    return id;
  }

  /** The topic with history published to least recently gives its oldest message. */
  #evict(): void {
    let lru: [string, Kept] | undefined;
    for (const entry of this.topics) if (entry[1].history.length > 0 && (lru === undefined || entry[1].lastPublished < lru[1].lastPublished)) lru = entry;
    const [name, t] = lru!;
    this.#drop(t, t.history.shift()!);
    this.kept--;
    this.#forgetIfIdle(name);
  }

  #drop(t: Kept, id: number): void {
    const last = t.runs[t.runs.length - 1];
    if (last !== undefined && last[1] === id - 1) {
      last[1] = id;
      return;
    }
    t.runs.push([id, id]);
    if (t.runs.length > Math.max(64, this.history)) t.forgotten = Math.max(t.forgotten, t.runs.shift()![1]);
  }

  #forgetIfIdle(name: string): void {
    const t = this.topics.get(name);
    if (name === '' || t === undefined || t.members > 0 || t.history.length > 0) return;
    this.topics.delete(name);
    this.horizon = Math.max(this.horizon, t.runs[t.runs.length - 1]?.[1] ?? 0, t.forgotten);
  }

  join(names: readonly string[]): void {
    for (const name of names) {
      let t = this.topics.get(name);
      if (t === undefined) {
        t = this.#fresh();
        this.topics.set(name, t);
      }
      t.members++;
    }
  }

  leave(names: readonly string[]): void {
    for (const name of names) {
      this.topics.get(name)!.members--;
      this.#forgetIfIdle(name);
    }
  }

  /** Below this id, a cursor on `names` cannot be accounted for: the hub's rule for `reset`. */
  horizonOf(names: readonly string[]): number {
    return Math.max(this.horizon, ...names.map((n) => this.topics.get(n)?.forgotten ?? 0));
  }

  /** True when every topic of `names` was kept without a break since before `since`, with its whole account of drops after it. */
  keptAllAlong(names: readonly string[], since: number): boolean {
    return names.every((n) => {
      const t = this.topics.get(n);
      return t !== undefined && t.born <= since && t.forgotten <= since;
    });
  }

  /** The ids in the histories of `names` above `after`, in id order. */
  historyOf(names: readonly string[], after = 0): number[] {
    return names.flatMap((n) => this.topics.get(n)?.history ?? []).filter((id) => id > after).sort((a, b) => a - b);
  }

  /** The dropped ids above `after` that `names` still account for. */
  accounted(names: readonly string[], after = 0): number {
    let n = 0;
    for (const name of names) for (const [from, to] of this.topics.get(name)?.runs ?? []) n += Math.max(0, to - Math.max(from, after + 1) + 1);
    return n;
  }

  /** The hub's `stats().topics`: the topics kept, the default one when it has subscribers or history. */
  get topicCount(): number {
    const d = this.topics.get('')!;
    return this.topics.size - (d.members === 0 && d.history.length === 0 ? 1 : 0);
  }
}

const POOL = ['news', 'user:1', '', 'room/2', 'a@b.c'] as const;

type Command = { kind: 'publish'; topic: number } | { kind: 'hold'; topics: number[] } | { kind: 'release'; which: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.nat(4).map((topic): Command => ({ kind: 'publish', topic })) },
  { weight: 1, arbitrary: fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }).map((topics): Command => ({ kind: 'hold', topics })) },
  { weight: 1, arbitrary: fc.nat().map((which): Command => ({ kind: 'release', which })) },
);

const scenario = fc.record({
  k: fc.integer({ min: 1, max: POOL.length }),
  history: fc.integer({ min: 0, max: 6 }),
  historyTotal: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  commands: fc.array(command, { maxLength: 300 }),
  subset: fc.array(fc.nat(4), { minLength: 1, maxLength: 5 }),
  since: fc.nat(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

interface Holder {
  readonly sub: HubSubscription<Msg>;
  readonly names: readonly string[];
  /** What it must have been given: the messages of its topics published while it was subscribed. */
  readonly wanted: Msg[];
}

/**
 * Plays `s` on a hub and on the model, checking every subscriber that came and went, then
 * subscribes on `s.subset` from `s.since` and hands its replay to `check` with the model;
 * afterwards publishes one message to each topic and checks the subscriber gets those of its
 * topics, and nothing else.
 */
async function play(s: Scenario, check: (sub: HubSubscription<Msg>, replay: readonly Msg[], model: Model, names: readonly string[], since: number) => void): Promise<void> {
  const name = (i: number): string => POOL[i % s.k]!;
  const hub = createHub<Msg>({ history: s.history, historyTotal: s.historyTotal ?? Infinity });
  const model = new Model(s.history, s.historyTotal ?? Infinity);
  const holders: Holder[] = [];
  const publish = (topic: string): number => {
    const id = hub.publish({ id: hub.lastId + 1, topic }, { topic });
    for (const h of holders) if (h.names.includes(topic)) h.wanted.push({ id, topic });
    return id;
  };
  const release = async (holder: Holder): Promise<void> => {
    expect(await held(holder.sub)).to.deep.equal(holder.wanted);
    model.leave(holder.names);
  };
  for (const c of s.commands) {
    if (c.kind === 'publish') {
      const topic = name(c.topic);
      expect(publish(topic)).to.equal(model.publish(topic));
    } else if (c.kind === 'hold') {
      const names = [...new Set(c.topics.map(name))];
      holders.push({ sub: hub.subscribe({ topics: c.topics.map(name) }), names, wanted: [] });
      model.join(names);
    } else if (holders.length > 0) {
      await release(holders.splice(c.which % holders.length, 1)[0]!);
    }
    const stats = hub.stats();
    expect({ topics: stats.topics, history: stats.history }).to.deep.equal({ topics: model.topicCount, history: model.kept });
  }
  const names = [...new Set(s.subset.map(name))];
  const since = s.since % (hub.lastId + 1);
  const sub = hub.subscribe({ topics: s.subset.map(name), since, epoch: hub.epoch });
  expect(sub.epoch).to.equal(hub.epoch);
  const steps = inSteps(sub);
  check(sub, await steps.now(), model, names, since);
  // then live: one message of each topic, those of its topics only
  const live: Msg[] = [];
  for (let i = 0; i < s.k; i++) {
    const topic = name(i);
    const id = publish(topic);
    if (names.includes(topic)) live.push({ id, topic });
  }
  expect(await steps.now()).to.deep.equal(live);
  for (const h of holders) await release(h);
  hub.close();
  expect(await steps.now()).to.deep.equal([]);
}

describe('hub topics: one cursor, exact across topics', () => {
  it('replays exactly the messages of its topics after the cursor still in history, in id order, and counts the rest in missed; resets only when its account is lost', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) =>
        play(s, (sub, replay, model, names, since) => {
          const ofItsTopics = model.messages.filter((m) => names.includes(m.topic));
          const ids = replay.map((m) => m.id);
          // never one of another topic; in id order
          for (const m of replay) expect(names).to.include(m.topic);
          expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
          if (!sub.reset) {
            expect(ids.every((id) => id > since)).to.equal(true);
            expect(ids).to.deep.equal(model.historyOf(names, since));
            expect(sub.missed).to.equal(ofItsTopics.filter((m) => m.id > since).length - replay.length);
          } else {
            // the hub lost its account of some id after the cursor: what came after it still in history,
            // and, as missed, what it still accounts for after it (at least that many were lost)
            expect(since).to.be.lessThan(model.horizonOf(names));
            expect(ids).to.deep.equal(model.historyOf(names, since));
            expect(sub.missed).to.equal(model.accounted(names, since));
            expect(sub.missed).to.be.at.most(ofItsTopics.filter((m) => m.id > since).length - replay.length);
          }
        }),
      ),
      { numRuns: 200 },
    );
  });
});

describe('hub topics: one cursor, examples', () => {
  it('a subscriber on two topics resumes with its last id: exactly what it missed of those two, in order, none of a third', async () => {
    const hub = createHub<string>({ history: 2 });
    const first = hub.subscribe({ topics: ['user:1', 'news'] });
    hub.publish('n1', { topic: 'news' });
    hub.publish('u1', { topic: 'user:1' });
    hub.publish('o1', { topic: 'user:2' });
    expect(await held(first)).to.deep.equal(['n1', 'u1']);
    const cursor = first.lastId;
    expect(cursor).to.equal(2);
    // while it is away: news 3 times (one falls out of its history), user:1 once, user:2 twice
    for (const [value, topic] of [['n2', 'news'], ['o2', 'user:2'], ['n3', 'news'], ['u2', 'user:1'], ['n4', 'news'], ['o3', 'user:2']] as const) hub.publish(value, { topic });
    const back = hub.subscribe({ topics: ['news', 'user:1'], since: cursor, epoch: hub.epoch });
    expect({ missed: back.missed, reset: back.reset }).to.deep.equal({ missed: 1, reset: false });
    expect(await held(back)).to.deep.equal(['n3', 'u2', 'n4']);
  });

  it('a topic keeps at most 64 runs of dropped ids: a cursor before the end of one it forgot is a reset, one after it is exact', async () => {
    const hub = createHub<number>();
    // subscribers keep both topics alive; with no history, every message is dropped at once, a run of its own
    const keep = [hub.subscribe({ topics: ['a'] }), hub.subscribe({ topics: ['b'] })];
    for (let i = 0; i < 70; i++) {
      hub.publish(i, { topic: 'a' });
      hub.publish(i, { topic: 'b' });
    }
    // a dropped ids 1, 3, …, 139: 70 runs, the first 6 forgotten (the last of them: 11)
    const exact = hub.subscribe({ topics: ['a'], since: 11, epoch: hub.epoch });
    expect({ missed: exact.missed, reset: exact.reset }).to.deep.equal({ missed: 64, reset: false });
    const before = hub.subscribe({ topics: ['a'], since: 10, epoch: hub.epoch });
    expect({ missed: before.missed, reset: before.reset }).to.deep.equal({ missed: 64, reset: true });
    for (const s of [exact, before, ...keep]) await s.return();
  });

  it('a cursor from before a message its topic could not keep is a reset: the hub can no longer tell what it missed', async () => {
    // nobody listens to user:2 and the hub keeps no history: its message is gone, unaccounted for
    const bare = createHub<string>();
    bare.publish('o1', { topic: 'user:2' });
    const late = bare.subscribe({ topics: ['user:2'], since: 0, epoch: bare.epoch });
    expect({ missed: late.missed, reset: late.reset }).to.deep.equal({ missed: 0, reset: true });
    // x drops x1 to historyTotal, then has neither history nor subscribers: forgotten with its account
    const small = createHub<string>({ history: 1, historyTotal: 1 });
    small.publish('x1', { topic: 'x' });
    small.publish('y1', { topic: 'y' });
    const x = small.subscribe({ topics: ['x'], since: 0, epoch: small.epoch });
    expect({ missed: x.missed, reset: x.reset }).to.deep.equal({ missed: 0, reset: true });
    expect(await held(x)).to.deep.equal([]);
    expect(await held(late)).to.deep.equal([]);
  });

  it('a cursor on topics kept all along is answered exactly, whatever happened to other topics (a message to a user nobody listens for)', async () => {
    const hub = createHub<string>();
    const online = hub.subscribe({ topics: ['user:1'] });
    hub.publish('u1', { topic: 'user:1' });
    expect(await held(online)).to.deep.equal(['u1']);
    // user:1 is kept by another tab meanwhile; user:2 is offline
    const tab = hub.subscribe({ topics: ['user:1'] });
    hub.publish('o1', { topic: 'user:2' });
    hub.publish('u2', { topic: 'user:1' });
    const back = hub.subscribe({ topics: ['user:1'], since: 1, epoch: hub.epoch });
    expect({ missed: back.missed, reset: back.reset }).to.deep.equal({ missed: 1, reset: false });
    await back.return();
    await tab.return();
  });
});

describe('hub topics: one cursor, never reset needlessly', () => {
  it('a subscriber whose topics were all kept (subscribers or history) since before its cursor is never reset, and is answered exactly', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) =>
        play(s, (sub, replay, model, names, since) => {
          if (!model.keptAllAlong(names, since)) return;
          const after = model.messages.filter((m) => names.includes(m.topic) && m.id > since);
          expect({ reset: sub.reset, replay: replay.map((m) => m.id), missed: sub.missed }).to.deep.equal({
            reset: false,
            replay: model.historyOf(names, since),
            missed: after.length - replay.length,
          });
        }),
      ),
      { numRuns: 200 },
    );
  });
});
