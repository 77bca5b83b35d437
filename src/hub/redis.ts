/**
 * The Redis hub as its users make it: `createRedisHub`, with `serve` when its options spread a
 * `cometEncoding`.
 */
import { coreSettings, type HubSettings } from './core/settings.js';
import { applyWire } from './protocol/framing.js';
import { speaking } from './protocol/speaking.js';
import { checkSecret } from './protocol/ticket.js';
import { REDIS_HUB_OPTIONS, RedisHubImpl, startRedisHub } from './redis/hub.js';
import type { RedisCometHub, RedisHub, RedisHubOptions } from './redis/types.js';
import type { CometEncoding } from './types.js';

/**
 * Creates a hub whose messages reach the subscribers of every process on `channel`. The messages
 * are kept in a Redis Stream (key `channel`, at most about `streamLength` entries); each process
 * reads it with a blocking `XREAD` from the last position it read, so all processes deliver the
 * same messages with the same ids in the same order, and a process that loses Redis for a while
 * resumes exactly where it stopped. The hubs made on one client share one reading connection, with
 * one `XREAD` for all of their streams, and one health check (on a Redis Cluster, per hash slot of
 * their channels): two connections per client, whatever the number of hubs and topics. At start a process loads the last `history` messages from the
 * stream, so `since` works whichever process a client reconnects to, even one started later.
 *
 * Ids and the epoch are kept in Redis (the hash `idKey`) and given by one Lua script together with
 * the `XADD`: ids are 1, 2, 3, … in each epoch; the epoch changes only when Redis lost them (a
 * restart without persistence) or gave back older ones (a restart from a snapshot; the new epoch's
 * ids then go on from the stored id), and then every local subscriber ends with {@link HubConnectionError},
 * so its client reconnects and is told `reset`.
 *
 * A health check (`PING` every `healthCheckMs`, the smallest of the hubs sharing it) marks the hub disconnected when Redis stops
 * answering or a connection drops; `publish` then rejects at once. Subscribers fail with
 * {@link HubConnectionError} only when that lasts `maxOutageMs`, or when the stream no longer holds
 * the messages a process has not read yet.
 *
 * Spread a {@link cometEncoding} into the options (`{ client, channel, ...cometEncoding(callback) }`)
 * for a hub of Comet chunks with `serve`, for both kinds of client.
 *
 * @param options - `channel`, the clients, the stream and health settings, `secret`, the
 *   {@link HubOptions} shared with {@link createHub}, and a `cometEncoding`'s options
 * @returns a hub, once it has read the stream's epoch and history
 * @throws TypeError / RangeError for an unknown option name, an invalid option, an unrecognised client, a node-redis
 *   client that is not connected, a `subscriber` that is the publishing client, or, on a Redis Cluster, an `idKey`
 *   that does not hash to the channel's slot (synchronously); the promise rejects
 *   when Redis cannot be reached, and with {@link HubConnectionError} when it does not answer within `publishTimeoutMs`
 */
export function createRedisHub<T, O extends string = string>(options: RedisHubOptions<T, O> & CometEncoding<T>): Promise<RedisCometHub<T>>;
export function createRedisHub<T>(options: RedisHubOptions<T, T> & { encode?: undefined; wire?: undefined }): Promise<RedisHub<T, T>>;
export function createRedisHub<T, O>(options: RedisHubOptions<T, O> & { encode: (value: T, id: number) => O; wire?: undefined }): Promise<RedisHub<T, O>>;
export function createRedisHub<T, O>(options: RedisHubOptions<T, O>): Promise<RedisHub<T, O>> {
  const where = 'createRedisHub';
  const settings = coreSettings(options, where, REDIS_HUB_OPTIONS);
  const wire = applyWire(settings as HubSettings<T, string>, options?.wire, where);
  if (wire === undefined) return startRedisHub(options, settings);
  const secret = checkSecret(options.secret, where);
  return startRedisHub(options as unknown as RedisHubOptions<T, string>, settings as HubSettings<T, string>, (parts) => new RedisCometHubImpl<T>(parts).speak(wire, secret)) as unknown as Promise<RedisHub<T, O>>;
}

class RedisCometHubImpl<T> extends speaking(RedisHubImpl)<T, string> implements RedisCometHub<T> {}
