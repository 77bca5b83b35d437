/**
 * The in-process broadcast hub.
 */
import { checkCount, checkLimit, checkPolicy, HubCore, type CoreSettings } from './core.js';
import { HubClosedError } from './errors.js';
import type { Hub, HubOptions, HubStats, HubSubscription, SubscribeOptions } from './types.js';

/** @internal Validates the options shared by every hub and returns the core settings. */
export function coreSettings<T, O>(options: HubOptions<T, O>): CoreSettings<O> & { encode?: (value: T, id: number) => O } {
  if (options === null || typeof options !== 'object') throw new TypeError('hub options must be an object');
  const { history = 0, limit = 1024, policy = 'disconnect', encode, initial, coalesce } = options;
  if (encode !== undefined && typeof encode !== 'function') throw new TypeError('encode must be a function');
  if (coalesce !== undefined && typeof coalesce !== 'function') throw new TypeError('coalesce must be a function');
  return {
    history: checkCount(history, 'history'),
    limit: checkLimit(limit, 'limit'),
    policy: checkPolicy(policy, 'policy'),
    initial,
    coalesce,
    encode,
  };
}

/**
 * Creates an in-process broadcast hub: one publisher side, any number of subscribers, each with
 * its own bounded queue and slow-consumer policy, so one slow client never delays the others nor
 * holds more than its `limit` messages.
 *
 * With `encode`, each message is transformed once (not once per subscriber) and subscribers
 * receive the encoded form; {@link cometEncoding} supplies `encode` and `initial` for Comet chunks.
 *
 * @example
 * ```ts
 * const hub = createHub<string>({ history: 100, policy: 'drop-oldest', limit: 64 });
 * for await (const m of hub.subscribe({ since: lastSeenId })) show(m);
 * hub.publish('tick');
 * ```
 * @param options - {@link HubOptions}: `history`, `limit`, `policy`, `encode`, `initial`, `coalesce`
 * @throws TypeError / RangeError for invalid options
 */
export function createHub<T>(options?: HubOptions<T, T> & { encode?: undefined }): Hub<T, T>;
export function createHub<T, O>(options: HubOptions<T, O> & { encode: (value: T, id: number) => O }): Hub<T, O>;
export function createHub<T, O>(options: HubOptions<T, O> = {}): Hub<T, O> {
  const settings = coreSettings(options);
  return new LocalHub<T, O>(new HubCore<O>(settings), settings.encode);
}

class LocalHub<T, O> implements Hub<T, O> {
  readonly #core: HubCore<O>;
  readonly #encode: ((value: T, id: number) => O) | undefined;

  constructor(core: HubCore<O>, encode: ((value: T, id: number) => O) | undefined) {
    this.#core = core;
    this.#encode = encode;
  }

  publish(value: T): number {
    if (this.#core.closed) throw new HubClosedError();
    const id = this.#core.lastId + 1;
    const out = this.#encode ? this.#encode(value, id) : (value as unknown as O);
    this.#core.emit(id, out);
    return id;
  }

  subscribe(options?: SubscribeOptions): HubSubscription<O> {
    return this.#core.subscribe(options);
  }

  get size(): number {
    return this.#core.size;
  }

  get lastId(): number {
    return this.#core.lastId;
  }

  get closed(): boolean {
    return this.#core.closed;
  }

  close(): void {
    this.#core.close();
  }

  stats(): HubStats {
    return this.#core.stats();
  }
}
