/**
 * The in-process halves of the topics benchmark (bench/topics.ts): what topics cost in heap, and
 * what publishing to one topic among many costs, each against a hub of one topic in the same run.
 *
 * Memory: heap after full GC (bench/lib/memory.ts) before and after making topics or subscriptions
 * on a fresh `cometHub`, in several rounds with the kinds of measurement in rotated order; medians.
 * A subscription stands for a connection: it has read its first chunk and waits in `next()`, as a
 * transport keeps it. Publishing: interleaved timed batches (bench/lib/timing.ts).
 */
import type { Library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { median } from './lib/stats.js';
import { interleave, type Candidate, type Clock, type Rates } from './lib/timing.js';

const CALLBACK = 'parent.cometMessage';

/** A subscription as a transport holds it: its iterator, whose next() is pending. */
type Held = AsyncIterator<unknown>;

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so every round draws the same topics. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` topic names, `user:0` … (made before any baseline is taken, so they are not counted). */
export function topicNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user:${i}`);
}

/** For each of `connections` connections, 1–5 distinct topics drawn from `names`. */
export function drawTopics(names: readonly string[], connections: number): string[][] {
  const next = random(21);
  return Array.from({ length: connections }, () => {
    const k = 1 + Math.floor(next() * 5);
    const picked = new Set<string>();
    while (picked.size < k) picked.add(names[Math.floor(next() * names.length)]!);
    return [...picked];
  });
}

/** Subscribes as a transport would: reads the first chunk, leaves one next() pending. */
function hold(sub: Held): Held {
  void sub.next();
  void sub.next();
  return sub;
}

/** Heap growth per item of one way of making topics or subscriptions. */
interface MemoryCase {
  name: string;
  /** Items made (topics or subscriptions). */
  items: number;
  /** Makes them on `hub` and returns what must stay reachable while the heap is measured. */
  make(hub: ReturnType<Library['cometHub']>): unknown;
  history: number;
}

/** Heap per item of each case, median of `rounds`; and the distinct topics subscribed. */
export interface MemoryResult {
  perItem: Map<string, number>;
  samples: Map<string, number[]>;
  /** Topics the hub accounts for after each case (`stats().topics`), from the last round. */
  topicsAfter: Map<string, number>;
  /** Subscriptions to a topic, over all the connections on 1–5 topics. */
  memberships: number;
}

/** Names of the memory cases, in table order. */
export const MEMORY_CASES = {
  left: 'topics that had a subscriber, left (no history)',
  published: 'topics published to, no subscriber (no history)',
  history: 'topics with 1 message of history, no subscriber',
  topics: 'connections on 1–5 topics each',
  single: 'connections on the default topic',
} as const;

/**
 * Measures the heap of `topics` idle topics (left by their subscriber, or only published to), of
 * topics holding one message each, and of `connections` connections on 1–5 of those topics against
 * as many on the default topic.
 */
export async function measureMemory(lib: Library, topics: number, connections: number, rounds: number): Promise<MemoryResult> {
  const names = topicNames(topics);
  const draws = drawTopics(names, connections);
  type Hub = ReturnType<Library['cometHub']>;
  const leaveEach = (hub: Hub): null => {
    for (const name of names) void hub.subscribe({ topics: [name] }).return();
    return null;
  };
  const publishEach = (hub: Hub): null => {
    for (const name of names) hub.publish(0, { topic: name });
    return null;
  };
  const cases: MemoryCase[] = [
    { name: MEMORY_CASES.left, items: topics, history: 0, make: leaveEach },
    { name: MEMORY_CASES.published, items: topics, history: 0, make: publishEach },
    { name: MEMORY_CASES.history, items: topics, history: 1, make: publishEach },
    { name: MEMORY_CASES.topics, items: connections, history: 0, make: (hub) => draws.map((t) => hold(hub.subscribe({ topics: t }))) },
    { name: MEMORY_CASES.single, items: connections, history: 0, make: (hub) => draws.map(() => hold(hub.subscribe())) },
  ];
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  const topicsAfter = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length]!;
      const hub = lib.cometHub<number>(CALLBACK, { policy: 'drop-oldest', limit: 1024, history: c.history });
      const before = await memory();
      let kept: unknown = c.make(hub);
      const after = await memory();
      samples.get(c.name)!.push((after.heap - before.heap) / c.items);
      topicsAfter.set(c.name, hub.stats().topics);
      hub.close();
      kept = null;
      void kept;
    }
  }
  return { perItem: new Map([...samples].map(([name, s]) => [name, median(s)])), samples, topicsAfter, memberships: draws.reduce((n, t) => n + t.length, 0) };
}

/** The publishers compared, in table order. */
export const PUBLISH_CASES = {
  many: (n: string) => `publish(v, { topic }) among ${n} topics`,
  one: 'publish(v, { topic }) on a hub of that topic alone',
  plain: 'publish(v) on a hub of the default topic alone',
} as const;

type AnyHub = { publish(value: number, options?: { topic: string }): number; subscribe(options?: object): Held; close(): void };

/**
 * Publish rates, interleaved: to one topic with one subscriber on a hub of `topics` topics (half
 * with a subscriber, half with one message of history), to the same topic on a hub of that topic
 * alone, and with no topic on a hub of the default topic alone. Every hub keeps 1 message per topic;
 * each subscriber holds at most 16 (drop-oldest) and reads nothing, so a publish is the same work on
 * each: make the entry, offer it to one queue, keep it, drop the one before. Done for `createHub`
 * (values as they are) and `cometHub` (each message serialized and framed once).
 */
export async function measurePublish(lib: Library, topics: number, options: { rounds: number; batchMs: number; clock: Clock }): Promise<{ kind: string; rates: Rates[] }[]> {
  const names = topicNames(topics);
  const target = names[0]!;
  const kinds: [string, () => AnyHub][] = [
    ['createHub', () => lib.createHub<number>({ history: 1 }) as unknown as AnyHub],
    ['cometHub', () => lib.cometHub<number>(CALLBACK, { history: 1 }) as unknown as AnyHub],
  ];
  const subscriber = { policy: 'drop-oldest', limit: 16 } as const;
  const out: { kind: string; rates: Rates[] }[] = [];
  for (const [kind, make] of kinds) {
    const many = make();
    const held: Held[] = [];
    names.forEach((name, i) => {
      if (i % 2 === 0) held.push(many.subscribe({ ...subscriber, topics: [name] }));
      else many.publish(0, { topic: name });
    });
    const one = make();
    held.push(one.subscribe({ ...subscriber, topics: [target] }));
    const plain = make();
    held.push(plain.subscribe(subscriber));
    let v = 0;
    const candidates: Candidate[] = [
      { name: PUBLISH_CASES.many(topics.toLocaleString('en-US')), run: (n) => { for (let i = 0; i < n; i++) many.publish(v++, { topic: target }); } },
      { name: PUBLISH_CASES.one, run: (n) => { for (let i = 0; i < n; i++) one.publish(v++, { topic: target }); } },
      { name: PUBLISH_CASES.plain, run: (n) => { for (let i = 0; i < n; i++) plain.publish(v++); } },
    ];
    try {
      out.push({ kind, rates: await interleave(candidates, options) });
    } finally {
      for (const hub of [many, one, plain]) hub.close();
      held.length = 0;
    }
  }
  return out;
}
