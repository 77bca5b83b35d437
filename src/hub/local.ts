/**
 * The in-process broadcast hub.
 */
import { checkCount, checkFunction, checkLimit, checkOptions } from '../util/args.js';
import { checkPolicy, HubCore, type CoreSettings } from './core.js';
import type { Framing } from './framing.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HubClosedError } from './errors.js';
import { wireOf } from './framing.js';
import { serveHub, type ServeOptions, type ServeResult } from './serve.js';
import type { Hub, HubOptions, HubStats, HubSubscription, SubscribeOptions } from './types.js';

/** @internal The option names of {@link HubOptions}. */
export const HUB_OPTIONS: readonly string[] = Object.keys({
  history: 1, limit: 1, policy: 1, encode: 1, initial: 1, coalesce: 1,
} satisfies Record<keyof HubOptions<unknown>, 1>);

/**
 * @internal Validates the options shared by every hub and returns the core settings. An `encode`
 * made by `cometEncoding` is swapped for one of this hub's own, which serializes each message once
 * for both kinds of client, with the {@link Framing} that frames it per kind (so the core's
 * `emit` takes what this `encode` gives, whichever it is).
 * @param where - the public function, for messages
 * @param known - every option name `where` accepts (default: those of {@link HubOptions})
 */
export function coreSettings<T, O>(
  options: HubOptions<T, O> | undefined,
  where: string,
  known: readonly string[] = HUB_OPTIONS,
): CoreSettings<O> & { encode: ((value: T, id: number) => O) | undefined } {
  const { history = 0, limit = 1024, policy = 'disconnect', encode, initial, coalesce } = checkOptions(options, where, known);
  checkFunction(encode, where, 'encode');
  checkFunction(coalesce, where, 'coalesce');
  const two = wireOf(encode)?.framing(initial as string | undefined);
  return {
    history: checkCount(history, where, 'history'),
    limit: checkLimit(limit, where, 'limit'),
    policy: checkPolicy(policy, where),
    initial,
    coalesce,
    // a framing hub's O is string: its subscribers get Comet chunks or SSE events
    encode: two === undefined ? encode : (two.encode as unknown as (value: T, id: number) => O),
    framing: two?.framing,
  };
}

/** @internal An in-process hub made with validated settings. */
export function localHub<T, O>(settings: CoreSettings<O> & { encode: ((value: T, id: number) => O) | undefined }): Hub<T, O> {
  return new LocalHub<T, O>(new HubCore<O>(settings), settings.encode);
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
 * @throws TypeError for an unknown option name or a bad option type, RangeError for a bad number
 *   (`createHub: limit must be a positive integer or Infinity, got …`), here rather than at `subscribe`
 */
export function createHub<T>(options?: HubOptions<T, T> & { encode?: undefined }): Hub<T, T>;
export function createHub<T, O>(options: HubOptions<T, O> & { encode: (value: T, id: number) => O }): Hub<T, O>;
export function createHub<T, O>(options?: HubOptions<T, O>): Hub<T, O> {
  return localHub<T, O>(coreSettings(options, 'createHub'));
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

  get epoch(): string {
    return this.#core.epoch;
  }

  get closed(): boolean {
    return this.#core.closed;
  }

  serve(req: IncomingMessage, res: ServerResponse, options?: ServeOptions): Promise<ServeResult> {
    return serveHub(this, wireOf(this.#encode), req, res, options);
  }

  close(): void {
    this.#core.close();
  }

  stats(): HubStats {
    return this.#core.stats();
  }
}
