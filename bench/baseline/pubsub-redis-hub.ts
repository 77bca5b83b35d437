/**
 * BENCHMARK BASELINE, NOT LIBRARY CODE: a frozen copy of src/hub/redis-hub.ts as it was on main at d20f17d (the
 * pub/sub Redis hub that the Redis Streams hub replaces), kept only so that bench/redis-streams.ts
 * can measure the two side by side in one run. Only its imports were changed (into src/, or to the
 * other frozen files here). Nothing in src/ or test/ may import it; do not fix or extend it.
 */
/**
 * A broadcast hub spanning processes and machines over Redis pub/sub.
 */
import { checkFunction, checkMs, describe } from '../../src/util/args.js';
import { coreSettings, HUB_OPTIONS } from '../../src/hub/hub.js';
import { HubCore } from '../../src/hub/core.js';
import { HubClosedError, HubConnectionError } from '../../src/hub/errors.js';
import { duplicateClient, isReplyError, redisFlavor, redisLink, type RedisLink } from './pubsub-redis-client.js';
import type { RedisHub, RedisHubOptions, RedisHubStats } from './pubsub-redis-types.js';
import type { HubOptions, HubSubscription, SubscribeOptions } from '../../src/hub/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveHub, wireOf, type ServeOptions, type ServeResult } from '../../src/hub/serve.js';

export type { RedisHub, RedisHubOptions, RedisHubStats } from './pubsub-redis-types.js';

const REDIS_HUB_OPTIONS: readonly string[] = [
  ...HUB_OPTIONS,
  ...Object.keys({
    channel: 1, client: 1, publisher: 1, subscriber: 1, idKey: 1, serialize: 1, deserialize: 1, publishTimeoutMs: 1,
  } satisfies Record<Exclude<keyof RedisHubOptions<unknown>, keyof HubOptions<unknown>>, 1>),
];

// Assigns the next id and publishes "<id>:<data>" in one atomic step, so ids follow delivery order.
const SCRIPT = "local id = redis.call('INCR', KEYS[1]) redis.call('PUBLISH', ARGV[1], id .. ':' .. ARGV[2]) return id";

/**
 * Creates a hub whose messages reach subscribers in every process subscribed to `channel`, in
 * the order Redis receives them (so in publish order per publisher). Each process keeps its own
 * subscribers, limits, policies, history and counters; `encode` runs once per message per process.
 *
 * If the subscriber connection drops (Redis restarted or unreachable), every local subscriber
 * ends with {@link HubConnectionError} after the messages already buffered for it, and new
 * subscribers fail with it, until the client reports the connection ready again (both clients
 * reconnect and resubscribe by themselves). Comet pages then reconnect with `since` set to the
 * last id they saw; history kept before the loss is dropped, so `missed` tells what was lost.
 * Once its subscription is confirmed (at creation, and again after each reconnection) a hub reads
 * the id counter, so its `lastId` also covers the messages sent while it could not hear them, and
 * `missed` counts those too.
 *
 * Several processes (or machines) behind a load balancer: run one Redis hub per process on the
 * same channel; any process can serve any stream and any process can publish. No sticky sessions
 * are needed, because each Comet stream is one request, and ids are shared, so `since` works
 * across processes for the messages the serving process still has in history.
 *
 * @param options - `channel`, the clients, and the {@link HubOptions} shared with {@link createHub}
 * @returns a hub, once its subscription to `channel` is confirmed
 * @throws TypeError / RangeError for an unknown option name, an invalid option, an unrecognised client or a node-redis client
 *   that is not connected (synchronously); the promise rejects when Redis cannot be reached
 */
export function createRedisHub<T>(options: RedisHubOptions<T, T> & { encode?: undefined }): Promise<RedisHub<T, T>>;
export function createRedisHub<T, O>(options: RedisHubOptions<T, O> & { encode: (value: T, id: number) => O }): Promise<RedisHub<T, O>>;
export function createRedisHub<T, O>(options: RedisHubOptions<T, O>): Promise<RedisHub<T, O>> {
  const where = 'createRedisHub';
  const settings = coreSettings(options, where, REDIS_HUB_OPTIONS);
  const { channel, client, subscriber, serialize = JSON.stringify, deserialize = JSON.parse } = options;
  checkName(channel, where, 'channel');
  const idKey = options.idKey ?? `${channel}:id`;
  checkName(idKey, where, 'idKey');
  checkFunction(serialize, where, 'serialize');
  checkFunction(deserialize, where, 'deserialize');
  const timeoutMs = options.publishTimeoutMs === undefined ? 5000 : checkMs(options.publishTimeoutMs, where, 'publishTimeoutMs');
  if (timeoutMs === 0) throw new RangeError(`${where}: publishTimeoutMs must be a positive finite number of milliseconds, got 0`);
  const publisherClient = options.publisher ?? client;
  if (publisherClient === undefined) throw new TypeError(`${where}: needs \`client\`, or \`publisher\` and \`subscriber\``);
  const publisher = redisLink(publisherClient, options.publisher ? 'publisher' : 'client');
  if (subscriber !== undefined) redisFlavor(subscriber, 'subscriber');

  return (async () => {
    const owned = subscriber === undefined;
    const subscriberClient = owned ? await duplicateClient(publisherClient) : subscriber;
    const hub = new RedisHubImpl<T, O>({
      core: new HubCore<O>(settings), encode: settings.encode, channel, idKey, serialize, deserialize, publisher,
      subscriber: redisLink(subscriberClient, 'subscriber'), owned, timeoutMs,
    });
    try {
      await hub.start();
    } catch (error) {
      await hub.close();
      throw error;
    }
    return hub;
  })();
}

interface Parts<T, O> {
  core: HubCore<O>;
  encode: ((value: T, id: number) => O) | undefined;
  channel: string;
  idKey: string;
  serialize: (value: T) => string;
  deserialize: (text: string) => T;
  publisher: RedisLink;
  subscriber: RedisLink;
  owned: boolean;
  timeoutMs: number;
}

const noop = (): void => {};

function checkName(name: unknown, where: string, what: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: ${what} must be a non-empty string, got ${describe(name)}`);
}

class RedisHubImpl<T, O> implements RedisHub<T, O> {
  readonly #p: Parts<T, O>;
  #unwatch: (() => void) | null = null;
  #connected = false;
  #sent = 0;
  #malformed = 0;
  #disconnects = 0;
  #generation = 0;
  #publisherError: unknown = undefined;

  constructor(parts: Parts<T, O>) {
    this.#p = parts;
  }

  async start(): Promise<void> {
    const { subscriber, publisher, channel } = this.#p;
    const unwatchSubscriber = subscriber.watch({ down: (cause) => this.#down(cause), up: () => this.#up() });
    // the publisher is watched only for the error of its last loss, the `cause` of a failed publish
    const unwatchPublisher = publisher.watch({
      down: (cause) => {
        if (cause !== undefined) this.#publisherError = cause;
      },
      up: noop,
    });
    this.#unwatch = () => {
      unwatchSubscriber();
      unwatchPublisher();
    };
    await subscriber.subscribe(channel, this.#receive);
    await this.#catchUp();
    this.#connected = subscriber.ready;
    if (!this.#connected) this.#p.core.refuse(new HubConnectionError(`Redis subscriber for "${channel}" is not connected`));
  }

  /**
   * Once the subscription is confirmed, reads the id counter: messages sent before then never
   * reached this process, and the hub's last id must say so, or `since` would not count them as
   * missed (a fresh process, or one whose subscriber connection was down for a while).
   */
  async #catchUp(): Promise<void> {
    const { publisher, idKey, core } = this.#p;
    const current = Number(await publisher.command(['GET', idKey]));
    if (Number.isSafeInteger(current)) core.advance(current);
  }

  readonly #receive = (message: string): void => {
    const { core, encode, deserialize } = this.#p;
    if (core.closed) return;
    const colon = message.indexOf(':');
    const id = Number(message.slice(0, colon));
    if (colon < 1 || !Number.isSafeInteger(id) || id < 1) {
      this.#malformed++;
      return;
    }
    let out: O;
    try {
      const value = deserialize(message.slice(colon + 1));
      out = encode ? encode(value, id) : (value as unknown as O);
    } catch {
      this.#malformed++;
      return;
    }
    core.emit(id, out);
  };

  #down(cause: unknown): void {
    this.#generation++;
    if (!this.#connected || this.#p.core.closed) return;
    this.#connected = false;
    this.#disconnects++;
    const error = new HubConnectionError(`lost the Redis subscriber connection of channel "${this.#p.channel}"`, { cause });
    this.#p.core.refuse(error);
    this.#p.core.failAll(error);
  }

  #up(): void {
    if (this.#connected || this.#p.core.closed) return;
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation && !this.#connected && !this.#p.core.closed;
    this.#p.subscriber
      .resubscribed(this.#p.channel)
      // a failed read of the counter must not keep the hub refusing subscribers: go on without it
      .then(() => (current() ? this.#catchUp().catch(() => {}) : undefined))
      .then(
        () => {
          if (!current()) return;
          this.#connected = true;
          this.#p.core.refuse(null);
        },
        () => {},
      );
  }

  async publish(value: T): Promise<number> {
    const { core, serialize, publisher, idKey, channel } = this.#p;
    if (core.closed) throw new HubClosedError();
    const data = serialize(value);
    if (typeof data !== 'string') throw new TypeError(`serialize returned ${typeof data}, not a string`);
    const id = Number(await this.#ask(['EVAL', SCRIPT, '1', idKey, channel, data]));
    this.#sent++;
    return id;
  }

  /**
   * Sends one command on the publishing connection, bounded: a connection that is down, a failure
   * of the connection and no answer within `timeoutMs` are each a {@link HubConnectionError}.
   */
  #ask(args: string[]): Promise<unknown> {
    const { publisher, channel, timeoutMs } = this.#p;
    const what = `publish on "${channel}"`;
    if (!publisher.ready) {
      return Promise.reject(new HubConnectionError(`${what}: the Redis connection is down`, { cause: this.#publisherError }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new HubConnectionError(`${what}: no answer from Redis within ${timeoutMs} ms`, { cause: this.#publisherError }));
      }, timeoutMs);
      publisher.command(args).then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(isReplyError(error) ? error : new HubConnectionError(`${what}: ${String((error as Error)?.message ?? error)}`, { cause: error }));
        },
      );
    });
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

  serve(req: IncomingMessage, res: ServerResponse, options?: ServeOptions): Promise<ServeResult> {
    return serveHub(this, wireOf(this.#p.encode), req, res, options);
  }

  get epoch(): string {
    return this.#p.core.epoch;
  }

  get closed(): boolean {
    return this.#p.core.closed;
  }

  get connected(): boolean {
    return this.#connected;
  }

  async close(): Promise<void> {
    const { core, subscriber, channel, owned } = this.#p;
    if (core.closed) return;
    core.close();
    this.#unwatch?.();
    this.#unwatch = null;
    const unsubscribed = subscriber.unsubscribe(channel).catch(() => {});
    if (owned) subscriber.destroy();
    else if (this.#connected) await unsubscribed;
    this.#connected = false;
  }

  stats(): RedisHubStats {
    return {
      ...this.#p.core.stats(),
      sent: this.#sent,
      malformed: this.#malformed,
      disconnects: this.#disconnects,
      connected: this.#connected,
    };
  }
}
