/**
 * The stream reader of a Redis hub: one blocking XREAD at a time on a connection of its own, from
 * the last stream position it read, so a lost connection resumes exactly where it stopped. A read
 * that found nothing for its BLOCK time is followed by a look at the epoch: a stream lost and made
 * again is noticed within that time even when no entry above the last stream id read comes.
 */
import { newEpoch } from '../core/epoch.js';
import { Observers, type HubObserver } from '../core/observe.js';
import type { RedisLink } from './client.js';
import { parseEntry, rangeEntries, readEntries, SNAPSHOT_SCRIPT, verify, type HubEntry, type RawEntry } from './stream.js';

/** @internal What the reader tells its hub. */
export interface ReaderSink {
  /**
   * The stream's epoch is `epoch` (at start, or a new one: Redis lost the stream). Called before
   * the entries of that epoch are delivered.
   */
  epoch(epoch: string): void;
  /** After the history of a new epoch was delivered: `lastId` is the last id given in it so far. */
  caughtUp(lastId: number): void;
  /** One message of `topic`, in id order; false when it cannot be decoded (counted as malformed). */
  deliver(id: number, data: string, topic: string): boolean;
  /** The messages after `lastId` up to `id` (excluded) are no longer in the stream. */
  gap(lastId: number, id: number): void;
  /** A command of the reader failed, or succeeded again after failing (see {@link StreamReader.failure}). */
  changed(): void;
}

/** @internal What a reader is made with. */
export interface ReaderParts {
  link: RedisLink;
  stream: string;
  hash: string;
  channel: string;
  /** How many entries to load at start (the hub's `history`). */
  history: number;
  secret: string | Uint8Array | undefined;
  /** XREAD's BLOCK, in milliseconds. */
  blockMs: number;
  sink: ReaderSink;
}

const BATCH = '1000';
const noop = (): void => {};
const RETRY_MS = 50;

/** @internal Reads the stream and delivers every valid entry once, in order. */
export class StreamReader {
  readonly #p: ReaderParts;
  /** Epoch of the entries delivered; undefined before the first snapshot. */
  #epoch: string | undefined;
  /** Last id delivered or skipped in this epoch. */
  #position = 0;
  /** The last id the hub's counter had given, when last read: an entry above it is no hub's. */
  #given = 0;
  /** Stream id of the last entry read, whoever wrote it. */
  #cursor = '0-0';
  #synced = false;
  #closed = false;
  /** When the command in flight was sent (0: none). */
  #sentAt = 0;
  #failure: unknown = undefined;
  #malformed = 0;
  #wake: (() => void) | null = null;
  #unwatch: () => void = noop;
  readonly #observers = new Observers();

  constructor(parts: ReaderParts) {
    this.#p = parts;
  }

  /** Tells `observer` how late each live entry is read from now on (see `HubObserver.read`); returns what stops it. */
  observe(observer: HubObserver): () => void {
    return this.#observers.add(observer);
  }

  /** Entries skipped: not written by a hub, badly signed, repeated ids, or undecodable data. */
  get malformed(): number {
    return this.#malformed;
  }

  /** The error of the last failed command, until a command succeeds again. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Whether the command in flight has been waiting longer than `ms` beyond its BLOCK time, counted
   * from `from` when that is later (when this process was last found held up).
   */
  overdue(ms: number, from = 0): boolean {
    return this.#sentAt !== 0 && performance.now() - Math.max(this.#sentAt, from) > this.#p.blockMs + ms;
  }

  /** Takes the first snapshot (rejects as Redis does), then reads in the background. */
  async start(): Promise<void> {
    // after a lost connection the epoch is read again before going on (ioredis may re-send the read
    // in flight after reconnecting, so the read itself need not fail)
    this.#unwatch = this.#p.link.watch({ down: () => (this.#synced = false), up: noop });
    await this.#sync();
    void this.#loop();
  }

  /**
   * Stops reading: no command is sent after this. A command in flight is not waited for (a client
   * may never settle a queued command of a connection closed while down); `unblock` ends a
   * blocking read in flight.
   */
  close(unblock: () => void): void {
    this.#closed = true;
    this.#unwatch();
    this.#wake?.();
    if (this.#sentAt !== 0) unblock();
  }

  async #loop(): Promise<void> {
    const { stream, blockMs } = this.#p;
    while (!this.#closed) {
      try {
        if (!this.#synced) await this.#sync();
        const from = this.#cursor;
        const entries = readEntries(await this.#send(['XREAD', 'COUNT', BATCH, 'BLOCK', String(blockMs), 'STREAMS', stream, from]));
        if (this.#closed) return;
        if (entries.length === 0) {
          // nothing for BLOCK ms: the epoch is read again. A stream Redis lost and made again (DEL,
          // FLUSHALL) may hold its new entries at stream ids up to the one read last, which no read
          // after it returns; without a later entry only the epoch tells
          this.#synced = false;
          continue;
        }
        if (entries.length === 1) {
          // a blocked XREAD is answered by the first entry added, so the rest of a burst would reach
          // each subscriber as a second write: what followed it is read at once, without blocking
          entries.push(...readEntries(await this.#send(['XREAD', 'COUNT', BATCH, 'STREAMS', stream, entries[0]!.streamId])));
          if (this.#closed) return;
        }
        // only an id the hub's counter gave is a hub's, whatever its distance from the last one read:
        // the counter is read (once for the batch, before any is delivered) when an entry is above it
        if (this.#above(entries)) {
          this.#given = Math.max(this.#given, Number(await this.#send(['HGET', this.#p.hash, 'id'])) || 0);
          if (this.#closed) return;
        }
        for (const raw of entries) {
          const accepted = this.#accept(raw, from);
          if (!(accepted === true || (await accepted))) break;
        }
      } catch (error) {
        if (this.#closed) return;
        this.#synced = false;
        this.#failure = error;
        this.#p.sink.changed();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
      }
    }
  }

  async #send(args: string[]): Promise<unknown> {
    this.#sentAt = performance.now();
    try {
      const reply = await this.#p.link.command(args);
      if (this.#failure !== undefined) {
        this.#failure = undefined;
        this.#p.sink.changed();
      }
      return reply;
    } finally {
      this.#sentAt = 0;
    }
  }

  /**
   * Reads the epoch and, when it is not the one known (at start, or Redis lost the stream), the
   * last entries: they become the history of the new epoch, and reading goes on after them.
   */
  async #sync(): Promise<void> {
    const { stream, hash, history, sink } = this.#p;
    const known = [this.#epoch ?? '', String(this.#position)];
    const reply = await this.#send(['EVAL', SNAPSHOT_SCRIPT, '2', stream, hash, newEpoch(), ...known, String(Math.max(history, 1))]);
    if (this.#closed) return;
    const [epoch, last, entries] = Array.isArray(reply) ? reply.map((v: unknown) => (v instanceof Uint8Array ? String(v) : v)) : [];
    if (typeof epoch !== 'string' || typeof last !== 'string') throw new TypeError(`unexpected reply to the snapshot script: ${String(reply)}`);
    this.#synced = true;
    if (epoch === this.#epoch) return;
    const list = rangeEntries(entries).reverse();
    // entries read before (a new epoch found while reading) were counted then, if they were foreign
    const seen = this.#cursor;
    this.#epoch = epoch;
    this.#position = 0;
    this.#cursor = list.at(-1)?.streamId ?? '0-0';
    const lastId = Number(last);
    this.#given = lastId;
    sink.epoch(epoch);
    for (const raw of history === 0 ? [] : list) {
      const entry = this.#check(raw, compareIds(raw.streamId, seen) > 0);
      if (entry === null || entry.epoch !== epoch || entry.id <= this.#position || entry.id > lastId) continue;
      this.#position = entry.id;
      if (!sink.deliver(entry.id, entry.data, entry.topic)) this.#malformed++;
    }
    this.#position = Math.max(this.#position, lastId);
    sink.caughtUp(lastId);
  }

  /** A hub's entry with a valid signature (when there is a secret), else null (counted, when `count`). */
  #check(raw: RawEntry, count = true): HubEntry | null {
    const { secret, channel } = this.#p;
    const entry = parseEntry(raw.fields, secret !== undefined);
    if (entry !== null && (secret === undefined || verify(secret, channel, entry))) return entry;
    if (count) this.#malformed++;
    return null;
  }

  /**
   * Whether entries after stream position `from` may have been trimmed before this reader read
   * them: the oldest entry left is past `from`. Otherwise a gap in the ids is only entries that were
   * skipped (unsigned, badly signed), and nothing was lost.
   */
  async #trimmed(from: string): Promise<boolean> {
    const [oldest] = rangeEntries(await this.#send(['XRANGE', this.#p.stream, '-', '+', 'COUNT', '1']));
    return oldest === undefined || compareIds(oldest.streamId, from) > 0;
  }

  /**
   * Delivers one live entry of a batch read after `from`; false when the rest of the batch is
   * stale (the epoch changed). At once (true) in the usual case, so that the entries of one reply
   * reach the subscribers with no microtask between them (each gets them as one write).
   */
  #accept(raw: RawEntry, from: string): true | Promise<boolean> {
    this.#cursor = raw.streamId;
    const entry = this.#check(raw);
    if (entry === null) return true;
    if (entry.epoch !== this.#epoch) {
      // either Redis lost the stream while this reader was connected, or a foreign entry: ask
      const known = this.#epoch;
      return this.#sync().then(() => {
        if (this.#epoch !== known) return false;
        this.#malformed++;
        return true;
      });
    }
    if (entry.id <= this.#position) {
      this.#malformed++;
      return true;
    }
    if (entry.id > this.#given) {
      this.#malformed++;
      return true;
    }
    return this.#next(entry, from);
  }

  /** Whether an entry of `entries` claims an id above the counter as last read. */
  #above(entries: readonly RawEntry[]): boolean {
    for (const raw of entries) {
      const entry = parseEntry(raw.fields, this.#p.secret !== undefined);
      if (entry !== null && entry.id > this.#given) return true;
    }
    return false;
  }

  /** A hub's entry above the last one delivered: what was skipped before it is checked for a trim. */
  #next(entry: HubEntry, from: string): true | Promise<boolean> {
    if (entry.id === this.#position + 1) return this.#take(entry);
    const position = this.#position;
    return this.#trimmed(from).then((trimmed) => {
      if (trimmed) this.#p.sink.gap(position, entry.id);
      return this.#take(entry);
    });
  }

  /** The next entry in id order (the one at `#cursor`): delivered. */
  #take(entry: HubEntry): true {
    this.#position = entry.id;
    const observers = this.#observers.list;
    if (observers.length !== 0) {
      // the stream id's first part is when Redis added the entry, by the server's clock
      const cursor = this.#cursor;
      const seconds = Math.max(0, Date.now() - Number(cursor.slice(0, cursor.indexOf('-')))) / 1000;
      for (const o of observers) o.read?.(seconds);
    }
    if (!this.#p.sink.deliver(entry.id, entry.data, entry.topic)) this.#malformed++;
    return true;
  }
}

/** Orders two stream ids (`ms-seq`). */
function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
