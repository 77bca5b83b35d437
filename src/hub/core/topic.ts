/**
 * One topic of a hub: its subscribers, its history, and an account of the ids it dropped from that
 * history, so that a cursor learns exactly how many messages of its topics it can no longer get.
 */
import { checkOptions, describe } from '../../util/args.js';
import { History } from './history.js';

/** @internal The most topics one subscription (or ticket) may take. */
export const MAX_TOPICS = 1000;

/** What a topic name looks like (the default topic is `''`). */
const NAME = /^[A-Za-z0-9_.:/@-]{1,200}$/;
/** Names an `EventSource` fires events of itself: a topic of such a name would be taken for them. */
const RESERVED = new Set(['open', 'error', 'message']);

/**
 * @internal Checks a topic name: `''` (the default topic) or `[A-Za-z0-9_.:/@-]{1,200}`, and none
 * of `open`, `error`, `message` (names `EventSource` fires events of itself).
 * @throws TypeError `where: name must be …, got …`
 */
export function checkTopic(topic: unknown, where: string, name: string): string {
  if (topic === '' || (typeof topic === 'string' && NAME.test(topic) && !RESERVED.has(topic))) return topic as string;
  const got = typeof topic === 'string' ? JSON.stringify(topic.length > 40 ? topic.slice(0, 40) + '…' : topic) : describe(topic);
  throw new TypeError(`${where}: ${name} must match [A-Za-z0-9_.:/@-]{1,200} and not be open, error or message, got ${got}`);
}

/** @internal The topic of `publish` options: `''` when not given. */
export function topicOf(options: unknown, where: string): string {
  const { topic } = checkOptions(options as { topic?: unknown } | undefined, where, PUBLISH_OPTIONS);
  return topic === undefined ? '' : checkTopic(topic, where, 'options.topic');
}

const PUBLISH_OPTIONS = ['topic'];

/** @internal True when `topic` is a valid name (see {@link checkTopic}). */
export function isTopic(topic: string): boolean {
  return topic === '' || (NAME.test(topic) && !RESERVED.has(topic));
}

/**
 * @internal One topic. `M` is the subscriber type, `S` what the history stores. The dropped ids
 * are kept as runs of consecutive ids (`[from, to]` pairs, oldest first): a topic alone on its hub
 * drops one run however long it lives; topics interleaved drop a run per message, and past
 * `maxRuns` the oldest run is forgotten (the hub's horizon then covers it).
 */
export class Topic<M, S extends { readonly id: number }> {
  /** Its only subscriber, while it has one alone (most topics have one: a Set would be most of their cost). */
  #one: M | undefined;
  /** Its subscribers once it had two at a time (kept when they go back to one). */
  #many: Set<M> | undefined;
  /** Members of each kind, so that a message is framed only for kinds someone takes. */
  comet = 0;
  sse = 0;
  /** The replay buffer, made on the first message kept (a topic that only has subscribers has none). */
  #history: History<S> | undefined;
  /** Dropped ids as flat `[from, to, from, to, …]`, oldest first (a shared empty array until the first). */
  #runs: number[] = NO_RUNS;
  /** The highest id of a run forgotten (past `maxRuns`): cursors before it cannot be accounted for. */
  forgotten = 0;
  /** Its neighbours in its hub's list of topics by last publish (null at either end, or when not listed). */
  older: Topic<M, S> | null = null;
  newer: Topic<M, S> | null = null;

  constructor(
    readonly name: string,
    /** The last id when this topic was made: no id up to it was one of its messages. */
    readonly since: number,
  ) {}

  /** True when the topic holds nothing worth keeping: no subscriber, no history. */
  get idle(): boolean {
    return this.size === 0 && this.kept === 0;
  }

  /** How many subscribers it has. */
  get size(): number {
    return this.#many !== undefined ? this.#many.size : this.#one === undefined ? 0 : 1;
  }

  /**
   * Its subscribers, to iterate over: one that leaves meanwhile and was not reached yet is skipped
   * (none may join meanwhile).
   */
  get members(): Iterable<M> {
    return this.#many ?? (this.#one === undefined ? NONE : [this.#one]);
  }

  /** Adds a subscriber (not one it has). */
  join(member: M): void {
    if (this.#many !== undefined) this.#many.add(member);
    else if (this.#one === undefined) this.#one = member;
    else {
      this.#many = new Set([this.#one, member]);
      this.#one = undefined;
    }
  }

  /** Removes a subscriber; false when it was not one. */
  leave(member: M): boolean {
    if (this.#many !== undefined) return this.#many.delete(member);
    if (this.#one !== member) return false;
    this.#one = undefined;
    return true;
  }

  /** Messages in its history. */
  get kept(): number {
    return this.#history === undefined ? 0 : this.#history.length;
  }

  /**
   * Keeps `entry` in a history of `capacity` messages (the hub's `history`, the same every time; see
   * {@link History.add}): the entry pushed out, or `entry` itself when it keeps none.
   */
  keep(entry: S, capacity: number): S | undefined {
    if (capacity === 0) return entry;
    return (this.#history ??= new History<S>(capacity)).add(entry);
  }

  /** Removes and returns the oldest entry of the history, or undefined when it has none. */
  shiftKept(): S | undefined {
    return this.#history?.shift();
  }

  /** Appends to `out` the entries of the history whose id is greater than `id`, oldest first. */
  keptAfter(id: number, out: S[]): void {
    this.#history?.after(id, out);
  }

  /** The highest id dropped, 0 when none. */
  get lastDropped(): number {
    return this.#runs.length === 0 ? 0 : this.#runs[this.#runs.length - 1]!;
  }

  /**
   * Records ids `from`…`to` as dropped (they are newer than any dropped before). Returns the highest
   * id of a run forgotten to stay within `maxRuns` (the same every time), 0 when none was.
   */
  drop(from: number, to: number, maxRuns: number): number {
    let runs = this.#runs;
    if (runs.length > 0 && runs[runs.length - 1] === from - 1) {
      runs[runs.length - 1] = to;
      return 0;
    }
    if (runs === NO_RUNS) this.#runs = runs = [];
    runs.push(from, to);
    if (runs.length / 2 <= maxRuns) return 0;
    const forgotten = runs[1]!;
    runs.splice(0, 2);
    return forgotten;
  }

  /** How many dropped ids are greater than `since`. */
  droppedAfter(since: number): number {
    const runs = this.#runs;
    let n = 0;
    for (let i = runs.length - 2; i >= 0; i -= 2) {
      const from = runs[i]!;
      const to = runs[i + 1]!;
      if (to <= since) break;
      n += to - Math.max(from, since + 1) + 1;
    }
    return n;
  }

  /** Forgets the history and what was dropped (a new epoch). */
  clear(): void {
    this.#history = undefined;
    this.#runs = NO_RUNS;
    this.forgotten = 0;
  }
}

/** The dropped runs of every topic that dropped nothing: never written (the first drop replaces it). */
const NO_RUNS: number[] = [];

/** The members of every topic that has none. */
const NONE: readonly never[] = [];
