/**
 * Public types of the Redis hub.
 */
import type { CometWire, HubOptions, HubReading, HubStats, Serving } from '../types.js';

/**
 * Options of {@link createRedisHub}. Pass `client` (the hub publishes with it and reads the stream
 * on a duplicate of it, which every hub made on that client shares: made with the first, closed with
 * the last), or `publisher` and `subscriber` (two connections you own; the `subscriber` one is kept
 * busy by blocking stream reads, shared by every hub given it, and must not be used for other
 * commands). Whatever the number of hubs on a client, it has one reading connection (on a Redis
 * Cluster, one per hash slot of their channels) with one blocking `XREAD` for all of their streams,
 * and one health check. Clients are node-redis v4 or later (connected) or ioredis v5 or later,
 * recognised by shape, or a Redis Cluster client of either (`createCluster`, `new Redis.Cluster`):
 * each hub then works with the node serving its channel's slot. Attach an `'error'` listener to
 * every client you pass: a client without one crashes the process when its connection fails.
 */
export interface RedisHubOptions<T, O = T> extends HubOptions<T, O> {
  /** Name shared by every process of this hub: the key of its Redis Stream. */
  channel: string;
  /** A client to publish with; the hubs made on it share one duplicate of it for reading their streams. */
  client?: object;
  /** A client to publish with (instead of `client`). */
  publisher?: object;
  /**
   * A dedicated connection for the blocking stream reads (default: a duplicate of `client`/`publisher`),
   * shared by every hub given it (on a Redis Cluster, by those whose channels share a hash slot); never closed by a hub.
   */
  subscriber?: object;
  /**
   * Hash beside the stream holding its `epoch` and the last `id` given; the stream ids given to the
   * hub's entries are recorded beside it in `` `${idKey}:sids` ``, the idempotency keys in
   * `` `${idKey}:keys` ``. Default `` `{${channel}}:id` ``, or `` `${channel}:id` `` when the channel
   * has a hash tag of its own (`{…}`): either way, on a Redis Cluster, the four keys hash to the channel's slot (a plain counter left there by an earlier version of this hub
   * is taken over, its value kept).
   */
  idKey?: string;
  /**
   * Entries the stream keeps (`XADD … MAXLEN ~`, so Redis may keep a few more): how far behind a
   * process may fall, during an outage, and still resume without a gap. At least `history`.
   * Default the larger of `history` and 1000.
   */
  streamLength?: number;
  /** Turns a published value into text. Default `JSON.stringify`. */
  serialize?: (value: T) => string;
  /** Turns stored text back into a value. Default `JSON.parse`. */
  deserialize?: (text: string) => T;
  /**
   * How long `publish` waits for Redis to answer, from when it was sent (or from Redis's last answer
   * to a publish sent before it: a busy Redis is not a hung one), before it rejects with
   * {@link HubConnectionError} (`sent: true`: it may still be published), and `createRedisHub` for
   * the stream's epoch and history. Default 5000 ms.
   */
  publishTimeoutMs?: number;
  /**
   * At most this many publishes wait for Redis's answer at once; a `publish` beyond them waits, not
   * sent yet, until one is answered, and its `publishTimeoutMs` counts from when it is sent. So a
   * burst is held back rather than timed out. Positive integer or `Infinity`. Default 1000.
   */
  maxInFlight?: number;
  /**
   * Interval of the health check: a `PING` unanswered for one interval marks the hub disconnected
   * (so a hung server is noticed within about twice this). Also the BLOCK time of the stream reads
   * (at least 100 ms). The hubs on one publishing connection share one check: with different values,
   * the smallest is used, for the check and for their shared read. Default 1000 ms.
   */
  healthCheckMs?: number;
  /**
   * How long the hub may stay disconnected before its subscribers fail with
   * {@link HubConnectionError} (and new ones are refused until it is back), counted from the first
   * `PING` left unanswered or from the loss of a connection. A shorter outage fails nobody: reading
   * resumes where it stopped. Each hub keeps its own, also when it shares its health check with
   * other hubs on one connection. Default 5000 ms.
   */
  maxOutageMs?: number;
  /**
   * Shared by every hub of the deployment: each entry then carries an HMAC-SHA256 made with it, and
   * entries without it or with a wrong one are skipped (counted in `stats().malformed`). A string
   * or bytes, not empty.
   */
  secret?: string | Uint8Array;
  /**
   * The wire of a {@link cometEncoding} whose `encode`, `initial` and `coalesce` are spread into
   * these options with it: the hub then has `serve`, for both kinds of client.
   */
  wire?: CometWire;
  /**
   * How many idempotency keys of the last publishes the hub remembers in Redis (a sorted set beside
   * the stream), each with the id it got: `publish(value, { key })` with a key remembered there adds
   * nothing and resolves with that id. Default 10000.
   */
  keyWindow?: number;
  /**
   * Past `streamLength` entries, Redis trims those older than this (`XTRIM MINID`), never newer ones:
   * a process whose reading is merely behind (a burst, a busy machine) finds what it has not read
   * yet for this long, however fast others publish. Default 60000 ms.
   */
  streamRetainMs?: number;
}

/** Options of one publish on a Redis hub. */
export interface RedisPublishOptions {
  /** The topic (default: the default topic `''`). */
  topic?: string;
  /**
   * The idempotency key (1 to 128 characters of `[A-Za-z0-9_.:-]`): a publish whose key Redis still
   * remembers in this epoch adds nothing and resolves with the first one's id. Default: a new one
   * per call. A rejection with `sent: true` carries it as `error.key`, to retry safely.
   */
  key?: string;
}

/** Counters of a Redis hub (this process only). */
export interface RedisHubStats extends HubStats {
  /** Messages this process published. */
  readonly sent: number;
  /**
   * Stream entries skipped: not written by a hub of this library (missing, extra or garbled fields),
   * unsigned or wrongly signed (with `secret`), an id not above the last one read, above the last
   * one given or given to another entry, or data that could not be deserialized or encoded.
   */
  readonly malformed: number;
  /** Times the hub became disconnected (a lost connection, or a server that stopped answering). */
  readonly disconnects: number;
  /** Whether the hub is connected (see {@link RedisHub.connected}). */
  readonly connected: boolean;
}

/** A broadcast hub over a Redis Stream (see {@link createRedisHub}). */
export interface RedisHub<T, O = T> extends HubReading<O> {
  /**
   * Checks `value` (serialized, then encoded as every process will encode it), adds it to the
   * stream, and resolves with its id, which Redis assigns in the same step (1, 2, 3, … in each
   * epoch), so ids are the same in every process and follow the stream's order.
   * @throws {@link HubClosedError} after `close()`; TypeError when `serialize` gives no string;
   *   whatever `encode` throws (`CometEncodeError` with `cometEncoding`), and then nothing reaches
   *   Redis; {@link HubConnectionError} (with `cause`) at once while the hub is disconnected, as soon
   *   as the health check sees Redis stop answering while it waits, and after `publishTimeoutMs`
   *   without an answer (in these two cases it may still reach Redis later, if the client had queued it), and
   *   when a Redis Cluster node refused to run it (`CLUSTERDOWN`, `TRYAGAIN`, `MOVED`, `ASK`: `sent: false`); any
   *   other Redis error reply rejects as it is.
   */
  publish(value: T, options?: RedisPublishOptions): Promise<number>;
  /**
   * Ends every local subscriber cleanly and stops reading its stream (a blocking read in flight is
   * ended at once, `CLIENT UNBLOCK`, so the others' next read leaves it out); the last hub of a
   * client closes the duplicate connection they shared. Resolves once the publishes in flight have
   * settled (within `publishTimeoutMs`).
   */
  close(): Promise<void>;
  /**
   * Whether the hub is connected: both connections up, the last health check answered, the stream
   * reader not failing.
   */
  readonly connected: boolean;
  /**
   * The stream's epoch, stored in Redis beside it: the same in every process, changed only when
   * Redis lost the stream (a restart without persistence) or came back with an older copy of it
   * (a restart from a snapshot: a process that knew a higher id starts a new epoch).
   */
  readonly epoch: string;
  /** Counters of this process (see {@link RedisHubStats}). */
  stats(): RedisHubStats;
}

/**
 * A Redis hub of Comet chunks that serves both kinds of client: what {@link createRedisHub} makes
 * from options that spread a {@link cometEncoding}.
 */
export interface RedisCometHub<T> extends RedisHub<T, string>, Serving {}
