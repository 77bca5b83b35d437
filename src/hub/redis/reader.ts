/**
 * The stream readers of Redis hubs. The hubs that read over one connection (every hub made on one
 * client, or given one `subscriber`; on a Redis Cluster, those whose keys share a hash slot) form a
 * {@link ReadGroup}: one blocking `XREAD … STREAMS k1 k2 … id1 id2 …` at a time for all of their
 * streams, each from the last stream position its hub read, so a lost connection resumes exactly
 * where it stopped. Each hub keeps its own {@link StreamReader}: its epoch, position and counter,
 * which the group hands the entries of its stream. A stream that got nothing for a BLOCK time is
 * followed by a look at its epoch: a stream lost and made again is noticed within that time even
 * when no entry above the last stream id read comes. A hub's own commands (its epoch, its counter,
 * the entries following a lone one) go over the same connection between blocking reads.
 */
import { newEpoch } from '../core/epoch.js';
import { Observers, type HubObserver } from '../core/observe.js';
import type { RedisLink } from './client.js';
import {
  parseEntry, rangeEntries, readEntries, readStreams, recordsOf, SNAPSHOT_SCRIPT, verify, VERIFY_SCRIPT, type HubEntry, type RawEntry,
} from './stream.js';

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

/** @internal The stream a reader reads, and what it tells. */
export interface ReaderStream {
  stream: string;
  hash: string;
  /** The list of the stream ids the hub's entries were given, in id order (see `PUBLISH_SCRIPT`). */
  records: string;
  channel: string;
  /** How many entries to load at start (the hub's `history`). */
  history: number;
  secret: string | Uint8Array | undefined;
  /** XREAD's BLOCK, in milliseconds (a group's read blocks for the smallest of its readers'). */
  blockMs: number;
  sink: ReaderSink;
}

/**
 * @internal What a reader is made with: the group it reads with, or a connection it reads on
 * alone (a group of its own is made on it).
 */
export type ReaderParts = ReaderStream & ({ group: ReadGroup; link?: undefined } | { link: RedisLink; group?: undefined });

const BATCH = '1000';
const NO_RECORDS: ReadonlyMap<number, string> = new Map();
const noop = (): void => {};
const RETRY_MS = 50;
/** How soon CLIENT UNBLOCK is sent again when it found no blocked read (the read had not reached the server yet). */
const UNBLOCK_RETRY_MS = 10;

/** @internal Reads one stream (its entries handed to it by its group) and delivers every valid entry once, in order. */
export class StreamReader {
  readonly #p: ReaderStream;
  readonly #group: ReadGroup;
  /** Epoch of the entries delivered; undefined before the first snapshot. */
  #epoch: string | undefined;
  /** Last id delivered or skipped in this epoch. */
  #position = 0;
  /** The last id the hub's counter had given, when last read: an entry above it is no hub's. */
  #counter = 0;
  /** Stream id of the last entry read, whoever wrote it. */
  #cursor = '0-0';
  #synced = false;
  #closed = false;
  /** Whether start() was called: the group syncs and reads this reader from then on. */
  #started = false;
  /** What start() waits for: the first snapshot. */
  #first: { resolve(): void; reject(error: unknown): void } | null = null;
  /** When a failed command may be tried again. */
  #retryAt = 0;
  /** When this reader last took entries or read the epoch. */
  #quietSince = 0;
  /** When this reader's own command in flight was sent (0: none). */
  #sentAt = 0;
  #failure: unknown = undefined;
  #malformed = 0;
  readonly #observers = new Observers();

  constructor(parts: ReaderParts) {
    const { group, link, ...stream } = parts;
    this.#p = stream;
    this.#group = group ?? new ReadGroup({ link: link! });
    this.#group.join(this);
  }

  /** Tells `observer` how late each live entry is read from now on (see `HubObserver.read`); returns what stops it. */
  observe(observer: HubObserver): () => void {
    return this.#observers.add(observer);
  }

  /** The connection this reader reads on (undefined until its group's connection is made). */
  get link(): RedisLink | undefined {
    return this.#group.link;
  }

  /** @internal The stream's key. */
  get stream(): string {
    return this.#p.stream;
  }

  /** @internal The BLOCK time this reader asks for. */
  get blockMs(): number {
    return this.#p.blockMs;
  }

  /** @internal Stream id of the last entry read: the next read starts after it. */
  get cursor(): string {
    return this.#cursor;
  }

  /** @internal Whether the group reads this reader's stream (started, its epoch read, not closed). */
  get readable(): boolean {
    return this.#started && this.#synced && !this.#closed;
  }

  /** @internal Whether this reader waits for its epoch to be read (now or once a failure's retry time came). */
  get waiting(): boolean {
    return this.#started && !this.#synced && !this.#closed;
  }

  /** @internal Whether the group is to read this reader's epoch before the next read (`now`: performance.now()). */
  due(now: number): boolean {
    return this.waiting && now >= this.#retryAt;
  }

  /** @internal Whether this reader was closed. */
  get closed(): boolean {
    return this.#closed;
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
   * Whether the command in flight for this reader (its group's blocking read, or one of its own)
   * has been waiting longer than `ms` beyond its BLOCK time, counted from `from` when that is later
   * (when this process was last found held up).
   */
  overdue(ms: number, from = 0): boolean {
    const own = this.#sentAt !== 0 && performance.now() - Math.max(this.#sentAt, from) > this.#p.blockMs + ms;
    return own || this.#group.overdue(this, ms, from);
  }

  /**
   * Takes the first snapshot (rejects as Redis does, or when the group's connection could not be
   * made), then is read with its group in the background.
   */
  async start(): Promise<void> {
    await this.#group.ready;
    if (this.#closed) return;
    const first = new Promise<void>((resolve, reject) => (this.#first = { resolve, reject }));
    this.#started = true;
    this.#group.kick();
    await first;
  }

  /**
   * Stops reading: no command is sent for this reader after this. A command in flight is not
   * waited for (a client may never settle a queued command of a connection closed while down).
   * When it was the group's last reader, the group ends: `unblock` (default: CLIENT UNBLOCK on the
   * group's `unblocker`) ends a blocking read in flight, or the group's own connection is closed.
   */
  close(unblock?: () => void): void {
    if (this.#closed) return;
    this.#closed = true;
    const first = this.#first;
    this.#first = null;
    first?.resolve();
    this.#group.leave(this, unblock);
  }

  /** @internal The connection was lost: the epoch is read again before going on (ioredis may re-send the read in flight). */
  unsync(): void {
    this.#synced = false;
  }

  /**
   * @internal After a read that gave this reader nothing: when nothing came for its BLOCK time
   * (`timedOut`: the whole read did), the epoch is read again. A stream Redis lost and made again
   * (DEL, FLUSHALL) may hold its new entries at stream ids up to the one read last, which no read
   * after it returns; without a later entry only the epoch tells.
   */
  idle(now: number, timedOut: boolean): void {
    if (timedOut || now - this.#quietSince >= this.#p.blockMs) this.#synced = false;
  }

  /** @internal A command for this reader failed: its epoch is read again once RETRY_MS passed. */
  failed(error: unknown): void {
    this.#synced = false;
    this.#failure = error;
    this.#retryAt = performance.now() + RETRY_MS;
    this.#p.sink.changed();
  }

  /** @internal A command for this reader succeeded. */
  answered(): void {
    if (this.#failure === undefined) return;
    this.#failure = undefined;
    this.#p.sink.changed();
  }

  /** @internal Reads the epoch (see #sync); the first time, settles start(). Never rejects. */
  async resync(): Promise<void> {
    try {
      await this.#sync();
      const first = this.#first;
      this.#first = null;
      first?.resolve();
    } catch (error) {
      if (this.#closed) return;
      const first = this.#first;
      if (first === null) return this.failed(error);
      this.#first = null;
      this.#started = false;
      first.reject(error);
    }
  }

  /** @internal Takes the entries its group read for this stream, after {@link cursor}. Never rejects. */
  async take(entries: RawEntry[]): Promise<void> {
    const { stream } = this.#p;
    this.#quietSince = performance.now();
    try {
      const from = this.#cursor;
      if (entries.length === 1) {
        // a blocked XREAD is answered by the first entry added, so the rest of a burst would reach
        // each subscriber as a second write: what followed it is read at once, without blocking
        entries.push(...readEntries(await this.#send(['XREAD', 'COUNT', BATCH, 'STREAMS', stream, entries[0]!.streamId])));
        if (this.#closed) return;
      }
      // only the entry an id was given to is a hub's, whatever its distance from the last one read:
      // the counter and the records of the ids claimed are read once for the batch, before any is delivered
      const parsed = entries.map((raw) => parseEntry(raw.fields, this.#p.secret !== undefined));
      const records = await this.#verify(parsed);
      if (this.#closed) return;
      for (const [i, raw] of entries.entries()) {
        const accepted = this.#accept(raw, parsed[i]!, records, from);
        if (!(accepted === true || (await accepted))) break;
        if (this.#closed) return;
      }
    } catch (error) {
      if (!this.#closed) this.failed(error);
    }
  }

  async #send(args: string[]): Promise<unknown> {
    const link = this.#group.link;
    if (link === undefined) throw new Error('the reading connection is not made yet');
    this.#sentAt = performance.now();
    try {
      const reply = await link.command(args);
      this.answered();
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
    const reply = await this.#send(['EVAL', SNAPSHOT_SCRIPT, '3', stream, hash, this.#p.records, newEpoch(), ...known, String(Math.max(history, 1))]);
    if (this.#closed) return;
    const [epoch, last, entries, top, recorded] = Array.isArray(reply) ? reply.map((v: unknown) => (v instanceof Uint8Array ? String(v) : v)) : [];
    if (typeof epoch !== 'string' || typeof last !== 'string') throw new TypeError(`unexpected reply to the snapshot script: ${String(reply)}`);
    this.#synced = true;
    this.#quietSince = performance.now();
    if (epoch === this.#epoch) return;
    const list = rangeEntries(entries).reverse();
    // entries read before (a new epoch found while reading) were counted then, if they were foreign
    const seen = this.#cursor;
    this.#epoch = epoch;
    this.#position = 0;
    this.#cursor = list.at(-1)?.streamId ?? '0-0';
    const lastId = Number(last);
    this.#counter = lastId;
    sink.epoch(epoch);
    const records = recordsOf(top, recorded);
    // an entry of another epoch before the first of this one is an older epoch's, not a foreign one
    let begun = false;
    for (const raw of history === 0 ? [] : list) {
      const count = compareIds(raw.streamId, seen) > 0;
      const entry = this.#check(raw, count);
      if (entry === null) continue;
      if (entry.epoch !== epoch || entry.id <= this.#position || !this.#given(entry, raw, records)) {
        if (count && (entry.epoch === epoch || begun)) this.#malformed++;
        continue;
      }
      begun = true;
      this.#position = entry.id;
      if (!sink.deliver(entry.id, entry.data, entry.topic)) this.#malformed++;
    }
    this.#position = Math.max(this.#position, lastId);
    sink.caughtUp(lastId);
  }

  /**
   * Reads the counter and the records of the ids that `parsed` (a batch's entries, parsed) claim in
   * this epoch above the last one delivered, in one round trip; none when no entry claims one.
   */
  async #verify(parsed: readonly (HubEntry | null)[]): Promise<ReadonlyMap<number, string>> {
    let low = Infinity;
    let high = 0;
    for (const entry of parsed) {
      if (entry === null || entry.epoch !== this.#epoch || entry.id <= this.#position) continue;
      low = Math.min(low, entry.id);
      high = Math.max(high, entry.id);
    }
    if (high === 0) return NO_RECORDS;
    const reply = await this.#send(['EVAL', VERIFY_SCRIPT, '2', this.#p.hash, this.#p.records, String(low), String(high)]);
    const [counter, top, recorded] = Array.isArray(reply) ? reply : [];
    this.#counter = Math.max(this.#counter, Number(counter instanceof Uint8Array ? String(counter) : counter) || 0);
    return recordsOf(top, recorded);
  }

  /**
   * Whether the hub's counter gave `entry`'s id to this entry: the stream id recorded for the id is
   * its own; with no record of the id (an entry of a version that kept none, or one no longer
   * recorded), whether the counter had reached the id.
   */
  #given(entry: HubEntry, raw: RawEntry, records: ReadonlyMap<number, string>): boolean {
    const recorded = records.get(entry.id);
    return recorded === undefined ? entry.id <= this.#counter : recorded === raw.streamId;
  }

  /** A hub's entry with a valid signature (when there is a secret), else null (counted, when `count`). */
  #check(raw: RawEntry, count = true, parsed?: HubEntry | null): HubEntry | null {
    const { secret, channel } = this.#p;
    const entry = parsed === undefined ? parseEntry(raw.fields, secret !== undefined) : parsed;
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
  #accept(raw: RawEntry, parsed: HubEntry | null, records: ReadonlyMap<number, string>, from: string): true | Promise<boolean> {
    this.#cursor = raw.streamId;
    const entry = this.#check(raw, true, parsed);
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
    // a repeated id, or one the counter gave to another entry (or has not given yet)
    if (entry.id <= this.#position || !this.#given(entry, raw, records)) {
      this.#malformed++;
      return true;
    }
    return this.#next(entry, from);
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

/** @internal What a read group is made with. */
export interface ReadGroupParts {
  /** The reading connection, or the promise of it (a duplicate being connected). */
  link: RedisLink | Promise<RedisLink>;
  /** Whether the connection is the group's own: closed when its last reader leaves. Default false. */
  owned?: boolean;
  /** Closes the connection while it is still being made (an owned one): called when the group ends before `link` settles. */
  cancel?: () => void;
  /**
   * A connection to the same server (a publishing one) to end the blocking read in flight at once
   * (`CLIENT UNBLOCK`) when a reader joins or leaves, or the group ends; without it (or when an ACL
   * refuses `CLIENT ID`), they wait for the read's BLOCK time.
   */
  unblocker?: RedisLink;
  /** Told once, when the group is of no more use: its last reader left, or its connection could not be made. */
  ended?: () => void;
}

/**
 * @internal The readers of one connection: one blocking `XREAD` at a time for all of their
 * streams, whose entries it hands to each; between reads, each reader's own commands (its epoch,
 * its counter) go over the same connection.
 */
export class ReadGroup {
  readonly #p: ReadGroupParts;
  readonly #readers = new Set<StreamReader>();
  #link: RedisLink | undefined;
  /** Settles once the connection is made (and its CLIENT ID known, with an unblocker); rejects when it cannot be. */
  readonly ready: Promise<void>;
  #clientId: string | undefined;
  #running = false;
  #ended = false;
  #finished = false;
  /** The readers of the blocking read in flight (null: none), when it was sent, and its BLOCK. */
  #reading: Set<StreamReader> | null = null;
  #sentAt = 0;
  #blockMs = 0;
  /** The read in flight that CLIENT UNBLOCK was sent for. */
  #interrupted: Set<StreamReader> | null = null;
  #unblockTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | null = null;
  #unwatch: () => void = noop;

  constructor(parts: ReadGroupParts) {
    this.#p = parts;
    this.ready = Promise.resolve(parts.link).then(async (link) => {
      this.#link = link;
      if (this.#ended) {
        if (parts.owned === true) link.destroy();
        throw new Error('the reading connection was closed before it was made');
      }
      this.#unwatch = link.watch({ down: () => this.#readers.forEach((r) => r.unsync()), up: noop });
      if (parts.unblocker !== undefined) this.#clientId = await link.command(['CLIENT', 'ID']).then(String, () => undefined);
    });
    this.ready.catch(() => this.#finish());
  }

  /** The reading connection (undefined until it is made). */
  get link(): RedisLink | undefined {
    return this.#link;
  }

  /** How many readers the group has. */
  get size(): number {
    return this.#readers.size;
  }

  /** Adds a reader: read once it is started (see {@link kick}). */
  join(reader: StreamReader): void {
    this.#readers.add(reader);
  }

  /** A reader started: the group reads its epoch now (ending a blocking read in flight), then its stream with the others. */
  kick(): void {
    if (this.#ended || this.#link === undefined) return;
    if (!this.#running) {
      this.#running = true;
      void this.#loop(this.#link);
      return;
    }
    this.#wake?.();
    this.#interrupt();
  }

  /** Removes a reader; the last one ends the group (see {@link StreamReader.close}). */
  leave(reader: StreamReader, unblock?: () => void): void {
    if (!this.#readers.delete(reader)) return;
    if (this.#readers.size === 0) this.#end(unblock);
    else if (this.#reading?.has(reader) === true) this.#interrupt();
  }

  /** Whether the blocking read in flight, if it reads `reader`'s stream, has waited longer than `ms` beyond its BLOCK time (from `from` when later). */
  overdue(reader: StreamReader, ms: number, from: number): boolean {
    return this.#reading?.has(reader) === true && performance.now() - Math.max(this.#sentAt, from) > this.#blockMs + ms;
  }

  #end(unblock: (() => void) | undefined): void {
    this.#ended = true;
    this.#unwatch();
    clearTimeout(this.#unblockTimer);
    this.#wake?.();
    if (this.#p.owned === true) {
      if (this.#link !== undefined) this.#link.destroy();
      else this.#p.cancel?.();
    } else if (this.#reading !== null) (unblock ?? (() => void this.#unblock().catch(noop)))();
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#p.ended?.();
  }

  /** CLIENT UNBLOCK for the reading connection, on the unblocker; resolves with how many reads it ended. */
  #unblock(): Promise<unknown> {
    const { unblocker } = this.#p;
    const id = this.#clientId;
    if (unblocker === undefined || id === undefined) return Promise.resolve(1);
    return unblocker.command(['CLIENT', 'UNBLOCK', id]);
  }

  /** Ends the blocking read in flight, so that the next one reads the streams of the readers there are now. */
  #interrupt(): void {
    const read = this.#reading;
    if (read === null || this.#interrupted === read || this.#clientId === undefined) return;
    this.#interrupted = read;
    const attempt = (): void => {
      this.#unblock().then((ended) => {
        // none: the read had not reached the server yet (or was just answered): asked again while it is in flight
        if (Number(ended) === 0 && this.#reading === read && !this.#ended) this.#unblockTimer = setTimeout(attempt, UNBLOCK_RETRY_MS);
      }, noop);
    };
    attempt();
  }

  /** Waits until woken (a reader started, the group ended) or, while a reader is started, RETRY_MS. */
  #pause(): Promise<void> {
    const timed = [...this.#readers].some((r) => r.waiting || r.readable);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = timed ? setTimeout(done, RETRY_MS) : undefined;
      this.#wake = done;
    });
  }

  /** The readers whose epoch is to be read before the next read. */
  #due(): StreamReader[] {
    const now = performance.now();
    return [...this.#readers].filter((r) => r.due(now));
  }

  async #loop(link: RedisLink): Promise<void> {
    while (!this.#ended) {
      // the epochs to read first (readers started meanwhile included), all at once
      for (let due = this.#due(); due.length !== 0; due = this.#due()) {
        await Promise.all(due.map((r) => r.resync()));
        if (this.#ended) return;
      }
      const readers = [...this.#readers];
      const reading = readers.filter((r) => r.readable);
      if (reading.length === 0) {
        await this.#pause();
        continue;
      }
      // each stream once, from the lowest position of its readers (several hubs may read one channel)
      const streams = new Map<string, string>();
      const shared = new Set<string>();
      for (const r of reading) {
        const known = streams.get(r.stream);
        if (known !== undefined) shared.add(r.stream);
        if (known === undefined || compareIds(r.cursor, known) < 0) streams.set(r.stream, r.cursor);
      }
      // a reader whose command failed is tried again within RETRY_MS, not a whole BLOCK later
      const blockMs = Math.min(...reading.map((r) => r.blockMs), readers.some((r) => r.waiting) ? RETRY_MS : Infinity);
      const read = (this.#reading = new Set(reading));
      this.#blockMs = blockMs;
      this.#sentAt = performance.now();
      let reply: unknown;
      let failure: { error: unknown } | undefined;
      try {
        reply = await link.command(['XREAD', 'COUNT', BATCH, 'BLOCK', String(blockMs), 'STREAMS', ...streams.keys(), ...streams.values()]);
      } catch (error) {
        failure = { error };
      }
      const interrupted = this.#interrupted === read;
      this.#reading = this.#interrupted = null;
      this.#sentAt = 0;
      if (this.#ended) return;
      if (failure !== undefined) {
        for (const r of reading) if (!r.closed) r.failed(failure.error);
        await this.#pause();
        continue;
      }
      const got = readStreams(reply);
      const after = performance.now();
      // nothing for the whole BLOCK time (not a read ended early to add or remove a reader)
      const timedOut = got.size === 0 && !interrupted;
      await Promise.all(reading.map((r) => {
        if (r.closed) return undefined;
        r.answered();
        let entries = got.get(r.stream) ?? [];
        if (shared.has(r.stream)) entries = entries.filter((e) => compareIds(e.streamId, r.cursor) > 0);
        if (entries.length !== 0) return r.take(entries);
        r.idle(after, timedOut && blockMs >= r.blockMs);
        return undefined;
      }));
    }
  }
}
