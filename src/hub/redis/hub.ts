/**
 * A broadcast hub spanning processes and machines over a Redis Stream.
 */
import { randomBytes } from 'node:crypto';
import { checkCount, checkFunction, checkLimit, checkMs, checkOptions, describe } from '../../util/args.js';
import { checkTopic } from '../core/topic.js';
import { HubCore } from '../core/core.js';
import { observeKey, type HubObserver, type ObservableHub } from '../core/observe.js';
import { checkSecret, HUB_OPTIONS, type HubSettings } from '../core/settings.js';
import { HubClosedError, HubConnectionError } from '../errors.js';
import type { HubOptions, HubSubscription, SubscribeOptions } from '../types.js';
import { Appender } from './append.js';
import { duplicateClient, hashSlot, hashTag, isCluster, redisFlavor, redisLink, type RedisLink } from './client.js';
import { Health, HubHealth } from './health.js';
import { ReadGroup, StreamReader } from './reader.js';
import { sharedBy } from './shared.js';
import type { RedisHub, RedisHubOptions, RedisHubStats, RedisPublishOptions } from './types.js';

/** An idempotency key: what `randomBytes(…).toString('base64url')` makes, or the caller's own of the same characters. */
const KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** @internal The option names of {@link RedisHubOptions}. */
export const REDIS_HUB_OPTIONS: readonly string[] = [
  ...HUB_OPTIONS,
  ...Object.keys({
    channel: 1, client: 1, publisher: 1, subscriber: 1, idKey: 1, streamLength: 1, serialize: 1, deserialize: 1,
    publishTimeoutMs: 1, maxInFlight: 1, healthCheckMs: 1, maxOutageMs: 1, secret: 1, wire: 1, keyWindow: 1, streamRetainMs: 1,
  } satisfies Record<Exclude<keyof RedisHubOptions<unknown>, keyof HubOptions<unknown>>, 1>),
];

/** The id `publish` checks a message with: the longest an id can be, so every real id encodes as short or shorter. */
const CHECK_ID = Number.MAX_SAFE_INTEGER;

/**
 * @internal Starts a Redis hub of validated `settings` (see `createRedisHub`, which documents it),
 * made by `make` (a subclass that adds `serve`, for a hub with a wire).
 */
export function startRedisHub<T, O>(
  options: RedisHubOptions<T, O>,
  settings: HubSettings<T, O>,
  make: (parts: RedisParts<T, O>) => RedisHubImpl<T, O> = (parts) => new RedisHubImpl(parts),
): Promise<RedisHubImpl<T, O>> {
  const where = 'createRedisHub';
  const { channel, client, subscriber, serialize = JSON.stringify, deserialize = JSON.parse, secret } = options;
  checkName(channel, where, 'channel');
  // the channel as a hash tag (unless it has one), so the keys of one hub live on one cluster node
  const idKey = options.idKey ?? (hashTag(channel) !== undefined ? `${channel}:id` : `{${channel}}:id`);
  checkName(idKey, where, 'idKey');
  if (idKey === channel) throw new TypeError(`${where}: idKey must differ from channel, the stream's key`);
  const keyWindow = options.keyWindow === undefined ? 10_000 : checkCount(options.keyWindow, where, 'keyWindow');
  const retainMs = options.streamRetainMs === undefined ? 60_000 : checkMs(options.streamRetainMs, where, 'streamRetainMs');
  checkFunction(serialize, where, 'serialize');
  checkFunction(deserialize, where, 'deserialize');
  const streamLength = options.streamLength === undefined ? Math.max(settings.history, 1000) : checkCount(options.streamLength, where, 'streamLength');
  if (streamLength < Math.max(settings.history, 1)) {
    throw new RangeError(`${where}: streamLength must be at least history and at least 1, got ${streamLength}`);
  }
  const timeoutMs = positiveMs(options.publishTimeoutMs, 5000, where, 'publishTimeoutMs');
  const maxInFlight = options.maxInFlight === undefined ? 1000 : checkLimit(options.maxInFlight, where, 'maxInFlight');
  const healthCheckMs = positiveMs(options.healthCheckMs, 1000, where, 'healthCheckMs');
  const maxOutageMs = positiveMs(options.maxOutageMs, 5000, where, 'maxOutageMs');
  checkSecret(secret, where);
  const publisherClient = options.publisher ?? client;
  if (publisherClient === undefined) throw new TypeError(`${where}: needs \`client\`, or \`publisher\` and \`subscriber\``);
  const publisher = redisLink(publisherClient, options.publisher ? 'publisher' : 'client', channel);
  if (subscriber !== undefined) redisFlavor(subscriber, 'subscriber');
  const cluster = isCluster(publisherClient) || (subscriber !== undefined && isCluster(subscriber));
  if (cluster) checkSlots(channel, idKey, where);
  if (subscriber !== undefined && subscriber === publisherClient) {
    throw new TypeError(`${where}: subscriber must be a connection of its own, not the publisher: its blocking reads would hold up every publish`);
  }
  // the hubs of one client share its reading connection and its health check; on a cluster, those
  // whose keys share a hash slot (one XREAD may name keys of one slot only)
  const slot = cluster ? `slot ${hashSlot(channel)}` : 'server';

  return (async () => {
    let made: RedisHubImpl<T, O> | undefined;
    const starting = (async () => {
      // made at once, before any wait: it joins the shared reading connection, which lasts while it has hubs
      const group = subscriber === undefined
        ? sharedBy(publisherClient, `read own ${slot}`, (forget) => {
          const dup = duplicateClient(publisherClient);
          return new ReadGroup({
            link: dup.connected.then((c) => redisLink(c, 'subscriber', channel)), cancel: dup.destroy, owned: true, unblocker: publisher, ended: forget,
          });
        })
        : sharedBy(subscriber, `read given ${slot}`, (forget) => new ReadGroup({
          link: redisLink(subscriber, 'subscriber', channel), unblocker: publisher, ended: forget,
        }));
      made = make({
        core: new HubCore<O>(settings), encode: settings.encode, channel, idKey, keyWindow, retainMs, serialize, deserialize, publisher,
        group, health: () => sharedBy(publisherClient, `health ${slot}`, (forget) => new Health(publisher, forget)),
        timeoutMs, maxInFlight, healthCheckMs, maxOutageMs, streamLength, secret, history: settings.history,
      });
      await made.start();
      return made;
    })();
    // a hung Redis answers nothing: the start is bounded like a publish
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HubConnectionError(`${where}: no answer from Redis within ${timeoutMs} ms (publishTimeoutMs)`)), timeoutMs);
    });
    try {
      return await Promise.race([starting, late]);
    } catch (error) {
      // what the start made is closed now, or once it is made
      starting.then((hub) => hub.close(), () => made?.close()).catch(noop);
      await made?.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  })();
}

/** @internal What a Redis hub is made of. */
export interface RedisParts<T, O> {
  core: HubCore<O>;
  encode: ((value: T, id: number, topic?: string) => O) | undefined;
  channel: string;
  idKey: string;
  keyWindow: number;
  retainMs: number;
  serialize: (value: T) => string;
  deserialize: (text: string) => T;
  publisher: RedisLink;
  /** The reading connection this hub shares with the others of its client. */
  group: ReadGroup;
  /** The health check of the publishing connection, shared with the others of its client. */
  health: () => Health;
  timeoutMs: number;
  maxInFlight: number;
  healthCheckMs: number;
  maxOutageMs: number;
  streamLength: number;
  secret: string | Uint8Array | undefined;
  history: number;
}

const noop = (): void => {};

function checkName(name: unknown, where: string, what: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: ${what} must be a non-empty string, got ${describe(name)}`);
}

/**
 * On a Redis Cluster the scripts take the stream, `idKey`, `<idKey>:sids` and `<idKey>:keys`
 * together, so the four must hash to one slot: true of the default `idKey` unless the channel has a `}` but no hash tag.
 */
function checkSlots(channel: string, idKey: string, where: string): void {
  const slot = hashSlot(channel);
  for (const key of [idKey, `${idKey}:sids`, `${idKey}:keys`]) {
    if (hashSlot(key) !== slot) {
      throw new TypeError(`${where}: on a Redis Cluster, "${key}" must hash to the slot of channel "${channel}" (${slot}), not ${hashSlot(key)}: ` +
        'give the channel a hash tag (such as `{news}`) and idKey the same one');
    }
  }
}

function positiveMs(value: unknown, fallback: number, where: string, name: string): number {
  if (value === undefined) return fallback;
  const ms = checkMs(value, where, name);
  if (ms === 0) throw new RangeError(`${where}: ${name} must be a positive finite number of milliseconds, got 0`);
  return ms;
}

/** @internal A Redis hub (without `serve`: see the one a wire makes). */
export class RedisHubImpl<T, O> implements RedisHub<T, O>, ObservableHub {
  readonly #p: RedisParts<T, O>;
  /** The core this hub fans out with (the protocol layer subscribes through it). */
  readonly core: HubCore<O>;
  readonly #reader: StreamReader;
  readonly #health: HubHealth;
  #started = false;
  #sent = 0;
  #disconnects = 0;
  readonly #appender: Appender;

  constructor(parts: RedisParts<T, O>) {
    this.#p = parts;
    this.core = parts.core;
    const { group, health, channel, idKey, keyWindow, retainMs, history, secret, healthCheckMs, maxOutageMs, publisher, streamLength, timeoutMs, maxInFlight } = parts;
    this.#appender = new Appender({
      publisher, channel, idKey, recordsKey: `${idKey}:sids`, keysKey: `${idKey}:keys`, keyWindow, retainMs, streamLength, timeoutMs, maxInFlight, secret,
      cause: () => this.#health.cause,
      known: () => ({ epoch: parts.core.epoch, id: parts.core.lastId }),
    });
    this.#reader = new StreamReader({
      group, stream: channel, hash: idKey, records: `${idKey}:sids`, channel, history, secret, blockMs: Math.max(100, healthCheckMs),
      sink: {
        epoch: (epoch) => this.#enterEpoch(epoch),
        caughtUp: (lastId) => parts.core.advance(lastId),
        deliver: (id, data, topic) => this.#deliver(id, data, topic),
        gap: (lastId, id) => this.#fail(`the stream no longer holds messages ${lastId + 1} to ${id - 1}`),
        changed: () => this.#health.update(),
      },
    });
    this.#health = new HubHealth({
      shared: health, reader: this.#reader, intervalMs: healthCheckMs, maxOutageMs,
      answeredAt: () => this.#appender.answeredAt,
      down: () => this.#disconnects++,
      stalled: () => this.#appender.abandon('Redis does not answer'),
      up: () => parts.core.refuse(null),
      outage: (cause) => this.#fail(`Redis unreachable for ${maxOutageMs} ms`, cause, true),
    });
  }

  async start(): Promise<void> {
    await this.#reader.start();
    // closed meanwhile (a start given up on): nothing more is started
    if (!this.closed) this.#health.start();
  }

  /** The one place the epoch is set: at start, and when Redis lost the stream (subscribers end first). */
  #enterEpoch(epoch: string): void {
    const { core, channel } = this.#p;
    if (this.#started) core.failAll(new HubConnectionError(`the epoch of "${channel}" changed: Redis lost the stream`));
    this.#started = true;
    core.setEpoch(epoch, 0);
    this.#appender.forget();
  }

  /** The one delivery path: every message of the stream, in id order. False when it cannot be decoded. */
  #deliver(id: number, data: string, topic: string): boolean {
    const { core, encode, deserialize } = this.#p;
    if (core.closed) return true;
    let out: O;
    try {
      const value = deserialize(data);
      out = encode ? encode(value, id, topic) : (value as unknown as O);
    } catch {
      return false;
    }
    core.emit(id, out, topic);
    return true;
  }

  /** Ends every local subscriber with HubConnectionError; with `refuse`, new ones too until the hub is healthy. */
  #fail(why: string, cause?: unknown, refuse = false): void {
    const { core, channel } = this.#p;
    if (core.closed) return;
    const error = new HubConnectionError(`Redis hub "${channel}": ${why}`, { cause });
    if (refuse) core.refuse(error);
    core.failAll(error);
  }

  /**
   * The one check before publishing: serializes, and encodes what every process will decode, so
   * a message no process could encode throws here and never reaches Redis.
   */
  #prepare(value: T, topic: string): string {
    const { serialize, deserialize, encode } = this.#p;
    const data = serialize(value);
    if (typeof data !== 'string') throw new TypeError(`publish: serialize returned ${describe(data)}, not a string`);
    if (encode) encode(deserialize(data), CHECK_ID, topic);
    return data;
  }

  async publish(value: T, options?: RedisPublishOptions): Promise<number> {
    const { core, channel } = this.#p;
    const { topic = '', key } = checkOptions(options, 'publish', ['topic', 'key']);
    if (topic !== '') checkTopic(topic, 'publish', 'options.topic');
    if (key !== undefined && (typeof key !== 'string' || !KEY.test(key))) {
      throw new TypeError(`publish: options.key must be 1 to 128 characters of [A-Za-z0-9_.:-], got ${typeof key === 'string' ? 'another string' : describe(key)}`);
    }
    if (core.closed) throw new HubClosedError();
    const data = this.#prepare(value, topic);
    if (!this.#health.publishable) {
      throw new HubConnectionError(`publish on "${channel}": Redis does not answer`, { cause: this.#health.cause });
    }
    const id = await this.#appender.append(data, topic, key ?? randomBytes(12).toString('base64url'));
    this.#sent++;
    return id;
  }

  subscribe(options?: SubscribeOptions): HubSubscription<O> {
    return this.#p.core.subscribe(options);
  }

  get size(): number {
    return this.#p.core.size;
  }

  get lastId(): number {
    return this.#p.core.lastId;
  }

  get epoch(): string {
    return this.#p.core.epoch;
  }

  get closed(): boolean {
    return this.#p.core.closed;
  }

  get connected(): boolean {
    return !this.#p.core.closed && this.#health.healthy;
  }

  async close(): Promise<void> {
    const { core } = this.#p;
    if (core.closed) return;
    core.close();
    this.#health.stop();
    // the last hub of its reading connection ends its read (closing the connection it made)
    this.#reader.close();
    await this.#appender.settled();
  }

  /** @internal Attaches an observer (metrics) to the core, the appender and the reader; returns what detaches it. */
  [observeKey](observer: HubObserver): () => void {
    const detach = this.#p.core.observe(observer);
    const unappend = this.#appender.observe(observer);
    const unread = this.#reader.observe(observer);
    return () => {
      detach();
      unappend();
      unread();
    };
  }

  stats(): RedisHubStats {
    return {
      ...this.#p.core.stats(),
      sent: this.#sent,
      malformed: this.#reader.malformed,
      disconnects: this.#disconnects,
      connected: this.connected,
    };
  }
}
