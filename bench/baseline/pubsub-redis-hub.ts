/**
 * BENCHMARK BASELINE, NOT LIBRARY CODE: the pub/sub Redis hub that the Redis Streams hub replaces
 * (src/hub/redis-hub.ts as it was on main at d20f17d), kept only so that bench/redis-streams.ts can
 * measure the two side by side in one run. It stands on the public package alone, so that it
 * freezes nothing of src/: the subscriber connection publishes every message it receives into an
 * in-process hub (`createHub`), which fans it out as the old hub's core did. What that changes:
 * - ids: the in-process hub numbers the messages it receives, 1, 2, 3, …; they are Redis's counter
 *   when the process heard every message of the channel from its first (a fresh channel, as in the
 *   benchmark), and `publish` still resolves with Redis's id;
 * - a lost subscriber connection aborts every subscriber's signal with {@link HubConnectionError}
 *   (what was buffered for it is not read first), and new subscribers fail with it until the
 *   connection is back;
 * - no `serve` (the benchmark reads through `sendComet`); the `wire` of a `cometEncoding` is ignored.
 * Nothing in src/ or test/ may import it; do not fix or extend it.
 */
/**
 * A broadcast hub spanning processes and machines over Redis pub/sub.
 */
import { createHub, HubClosedError, HubConnectionError, type Hub, type HubOptions, type HubSubscription, type SubscribeOptions } from '../../src/index.js';
import { describe, duplicateClient, isReplyError, redisFlavor, redisLink, type RedisLink } from './pubsub-redis-client.js';
import type { RedisHub, RedisHubOptions, RedisHubStats } from './pubsub-redis-types.js';

export type { RedisHub, RedisHubOptions, RedisHubStats } from './pubsub-redis-types.js';

// Assigns the next id and publishes "<id>:<data>" in one atomic step, so ids follow delivery order.
const SCRIPT = "local id = redis.call('INCR', KEYS[1]) redis.call('PUBLISH', ARGV[1], id .. ':' .. ARGV[2]) return id";

/**
 * Creates a hub whose messages reach subscribers in every process subscribed to `channel`, in
 * the order Redis receives them (so in publish order per publisher). Each process keeps its own
 * subscribers, limits, policies, history and counters; `encode` runs once per message per process.
 *
 * If the subscriber connection drops (Redis restarted or unreachable), every local subscriber
 * fails with {@link HubConnectionError}, and new subscribers fail with it, until the client reports
 * the connection ready again (both clients reconnect and resubscribe by themselves).
 *
 * Ids: each process numbers the messages it receives (see the header); `publish` resolves with the
 * id Redis gave.
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
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  const {
    channel, client, publisher: publisherOption, subscriber, idKey = `${channel}:id`, serialize = JSON.stringify,
    deserialize = JSON.parse, publishTimeoutMs = 5000, wire: _wire, ...hubOptions
  } = options as RedisHubOptions<T, O> & { wire?: unknown };
  checkName(channel, where, 'channel');
  checkName(idKey, where, 'idKey');
  checkFunction(serialize, where, 'serialize');
  checkFunction(deserialize, where, 'deserialize');
  if (typeof publishTimeoutMs !== 'number' || !(publishTimeoutMs > 0) || publishTimeoutMs > 2 ** 31 - 1) {
    throw new RangeError(`${where}: publishTimeoutMs must be a positive finite number of milliseconds, got ${describe(publishTimeoutMs)}`);
  }
  // createHub checks the hub options and refuses names it does not know
  const local = createHub<T, O>(hubOptions as HubOptions<T, O> & { encode: (value: T, id: number) => O });
  const publisherClient = publisherOption ?? client;
  if (publisherClient === undefined) throw new TypeError(`${where}: needs \`client\`, or \`publisher\` and \`subscriber\``);
  const publisher = redisLink(publisherClient, publisherOption ? 'publisher' : 'client');
  if (subscriber !== undefined) redisFlavor(subscriber, 'subscriber');

  return (async () => {
    const owned = subscriber === undefined;
    const subscriberClient = owned ? await duplicateClient(publisherClient) : subscriber;
    const hub = new RedisHubImpl<T, O>({
      local, channel, idKey, serialize, deserialize, publisher,
      subscriber: redisLink(subscriberClient, 'subscriber'), owned, timeoutMs: publishTimeoutMs,
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
  local: Hub<T, O>;
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

function checkFunction(fn: unknown, where: string, what: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${where}: ${what} must be a function, got ${describe(fn)}`);
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
  /** Aborted with the connection's loss: every subscriber follows it, and a new one made while it is aborted fails at once. */
  #loss = new AbortController();

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
    this.#connected = subscriber.ready;
    if (!this.#connected) this.#loss.abort(new HubConnectionError(`Redis subscriber for "${channel}" is not connected`));
  }

  readonly #receive = (message: string): void => {
    const { local, deserialize } = this.#p;
    if (local.closed) return;
    const colon = message.indexOf(':');
    const id = Number(message.slice(0, colon));
    if (colon < 1 || !Number.isSafeInteger(id) || id < 1) {
      this.#malformed++;
      return;
    }
    try {
      local.publish(deserialize(message.slice(colon + 1)));
    } catch {
      this.#malformed++;
    }
  };

  #down(cause: unknown): void {
    this.#generation++;
    if (!this.#connected || this.#p.local.closed) return;
    this.#connected = false;
    this.#disconnects++;
    this.#loss.abort(new HubConnectionError(`lost the Redis subscriber connection of channel "${this.#p.channel}"`, { cause }));
  }

  #up(): void {
    if (this.#connected || this.#p.local.closed) return;
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation && !this.#connected && !this.#p.local.closed;
    this.#p.subscriber.resubscribed(this.#p.channel).then(
      () => {
        if (!current()) return;
        this.#connected = true;
        this.#loss = new AbortController();
      },
      () => {},
    );
  }

  async publish(value: T): Promise<number> {
    const { local, serialize, idKey, channel } = this.#p;
    if (local.closed) throw new HubClosedError();
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
    const loss = this.#loss.signal;
    return this.#p.local.subscribe({ ...options, signal: options?.signal ? AbortSignal.any([options.signal, loss]) : loss });
  }

  get size(): number {
    return this.#p.local.size;
  }

  get lastId(): number {
    return this.#p.local.lastId;
  }

  get epoch(): string {
    return this.#p.local.epoch;
  }

  get closed(): boolean {
    return this.#p.local.closed;
  }

  get connected(): boolean {
    return this.#connected;
  }

  async close(): Promise<void> {
    const { local, subscriber, channel, owned } = this.#p;
    if (local.closed) return;
    local.close();
    this.#unwatch?.();
    this.#unwatch = null;
    const unsubscribed = subscriber.unsubscribe(channel).catch(() => {});
    if (owned) subscriber.destroy();
    else if (this.#connected) await unsubscribed;
    this.#connected = false;
  }

  stats(): RedisHubStats {
    return {
      ...this.#p.local.stats(),
      sent: this.#sent,
      malformed: this.#malformed,
      disconnects: this.#disconnects,
      connected: this.#connected,
    };
  }
}
