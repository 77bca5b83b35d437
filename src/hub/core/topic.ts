/**
 * One topic of a hub: its subscribers, its history, and an account of the ids it dropped from that
 * history, so that a cursor learns exactly how many messages of its topics it can no longer get.
 */
import { checkOptions, describe } from '../../util/args.js';
import { History } from './history.js';

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
  readonly members = new Set<M>();
  /** Members per kind, so that a message is framed only for kinds someone takes. */
  readonly counts = { comet: 0, sse: 0 };
  readonly history: History<S>;
  /** Dropped ids as flat `[from, to, from, to, …]`, oldest first. */
  #runs: number[] = [];
  readonly #maxRuns: number;
  /** The highest id of a run forgotten (past `maxRuns`): cursors before it cannot be accounted for. */
  forgotten = 0;
  /** Its neighbours in its hub's list of topics by last publish (null at either end, or when not listed). */
  older: Topic<M, S> | null = null;
  newer: Topic<M, S> | null = null;

  constructor(
    readonly name: string,
    capacity: number,
    maxRuns: number,
  ) {
    this.history = new History<S>(capacity);
    this.#maxRuns = maxRuns;
  }

  /** True when the topic holds nothing worth keeping: no subscriber, no history. */
  get idle(): boolean {
    return this.members.size === 0 && this.history.length === 0;
  }

  /** The highest id dropped, 0 when none. */
  get lastDropped(): number {
    return this.#runs.length === 0 ? 0 : this.#runs[this.#runs.length - 1]!;
  }

  /**
   * Records ids `from`…`to` as dropped (they are newer than any dropped before). Returns the highest
   * id of a run forgotten to stay within `maxRuns`, 0 when none was.
   */
  drop(from: number, to: number): number {
    const runs = this.#runs;
    if (runs.length > 0 && runs[runs.length - 1] === from - 1) {
      runs[runs.length - 1] = to;
      return 0;
    }
    runs.push(from, to);
    if (runs.length / 2 <= this.#maxRuns) return 0;
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
    this.history.clear();
    this.#runs = [];
    this.forgotten = 0;
  }
}
