/**
 * BENCHMARK BASELINE, NOT LIBRARY CODE: a frozen copy of src/hub/redis-types.ts as it was on main at d20f17d (the
 * pub/sub Redis hub that the Redis Streams hub replaces), kept only so that bench/redis-streams.ts
 * can measure the two side by side in one run. It takes the hub's types from the public package:
 * the members every hub has come from `Hub` (what `HubBase` was), and `serve` is left out, as in
 * pubsub-redis-hub.ts. Nothing in src/ or test/ may import it; do not fix or extend it.
 */
/**
 * Public types of the Redis hub.
 */
import type { Hub, HubOptions, HubStats } from '../../src/index.js';

/**
 * Options of {@link createRedisHub}. Pass `client` (the hub publishes with it and subscribes on a
 * duplicate it creates, connects and closes itself), or `publisher` and `subscriber` (two
 * connections you own; the subscriber one is put in subscribe mode and must not be used for
 * other commands). Clients are node-redis v4 or later (connected) or ioredis v5 or later, recognised
 * by shape. Attach an `'error'` listener to every client you pass: a client without one crashes the
 * process when its connection fails.
 */
export interface RedisHubOptions<T, O = T> extends HubOptions<T, O> {
  /** Redis pub/sub channel shared by every process of this hub. */
  channel: string;
  /** A client to publish with; the hub duplicates it for subscribing. */
  client?: object;
  /** A client to publish with (instead of `client`). */
  publisher?: object;
  /** A dedicated connection to subscribe with (default: a duplicate of `client`/`publisher`). */
  subscriber?: object;
  /** Counter key giving messages ids shared by every process. Default `` `${channel}:id` ``. */
  idKey?: string;
  /** Turns a published value into text. Default `JSON.stringify`. */
  serialize?: (value: T) => string;
  /** Turns received text back into a value. Default `JSON.parse`. */
  deserialize?: (text: string) => T;
  /**
   * How long `publish` waits for Redis to answer before it rejects with {@link HubConnectionError}
   * (a hung or unreachable server). Default 5000 ms.
   */
  publishTimeoutMs?: number;
}

/** Counters of a Redis hub (this process only). */
export interface RedisHubStats extends HubStats {
  /** Messages this process published. */
  readonly sent: number;
  /** Received messages skipped because they could not be parsed, deserialized or encoded. */
  readonly malformed: number;
  /** Times the subscriber connection was lost. */
  readonly disconnects: number;
  /** Whether the subscriber connection is up. */
  readonly connected: boolean;
}

/** A broadcast hub over Redis pub/sub (see {@link createRedisHub}). */
export interface RedisHub<T, O = T> extends Omit<Hub<T, O>, 'publish' | 'close' | 'stats'> {
  /**
   * Sends `value` to every process's subscribers (this one's included, on its way back from
   * Redis). Resolves with the message id, which Redis assigns atomically with the publish, so ids
   * are the same in every process and increase in delivery order.
   * @throws {@link HubClosedError} after `close()`; TypeError when `serialize` gives no string;
   *   {@link HubConnectionError} (with the client's error as `cause`, if any) at once when the publishing
   *   connection is down, and after `publishTimeoutMs` without an answer. A publish that timed out may
   *   still reach Redis later if the client had queued it; a Redis error reply rejects as it is.
   */
  publish(value: T): Promise<number>;
  /** Ends every local subscriber cleanly, unsubscribes, and closes the duplicate connection it created. */
  close(): Promise<void>;
  /** Whether the subscriber connection is up. */
  readonly connected: boolean;
  /** Counters of this process (see {@link RedisHubStats}). */
  stats(): RedisHubStats;
}
