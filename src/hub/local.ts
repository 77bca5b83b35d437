/**
 * The in-process hubs: `createHub` (values, or what `encode` makes of them) and `cometHub` (Comet
 * chunks, and `serve` for both kinds of client).
 */
import { checkOptions } from '../util/args.js';
import { warnOnce } from '../util/deprecation.js';
import { HubCore } from './core/core.js';
import { observeKey, type HubObserver, type ObservableHub } from './core/observe.js';
import { coreSettings, HUB_OPTIONS, type HubSettings } from './core/settings.js';
import { HubClosedError } from './errors.js';
import { encoding, ENCODING_OPTIONS } from './protocol/encoding.js';
import { applyWire } from './protocol/framing.js';
import { speaking } from './protocol/speaking.js';
import { checkSecret } from './protocol/ticket.js';
import type {
  CometEncoding, CometHub, CometHubOptions, Hub, HubOptions, HubStats, HubSubscription, PublishOptions, SubscribeOptions,
} from './types.js';
import { topicOf } from './core/topic.js';

/** The option names of {@link CometHubOptions}. */
const COMET_HUB_OPTIONS: readonly string[] = [
  ...Object.keys({ history: 1, historyTotal: 1, limit: 1, policy: 1, secret: 1 } satisfies Record<Exclude<keyof CometHubOptions<unknown>, keyof import('./types.js').CometEncodingOptions<unknown>>, 1>),
  ...ENCODING_OPTIONS,
];

/**
 * Creates an in-process broadcast hub: one publisher side, any number of subscribers, each with
 * its own bounded queue and slow-consumer policy, so one slow client never delays the others nor
 * holds more than its `limit` messages.
 *
 * With `encode`, each message is transformed once (not once per subscriber) and subscribers
 * receive the encoded form. For a hub of Comet chunks that serves pages, use {@link cometHub}.
 *
 * @example
 * ```ts
 * const hub = createHub<string>({ history: 100, policy: 'drop-oldest', limit: 64 });
 * for await (const m of hub.subscribe({ since: lastSeenId })) show(m);
 * hub.publish('tick');
 * ```
 * @param options - {@link HubOptions}: `history`, `limit`, `policy`, `encode`, `initial`, `coalesce`
 * @throws TypeError for an unknown option name or a bad option type, RangeError for a number out of
 *   range (`createHub: limit must be a positive integer or Infinity, got …`), here rather than at `subscribe`
 */
export function createHub<T>(options?: HubOptions<T, T> & { encode?: undefined; wire?: undefined }): Hub<T, T>;
/**
 * @deprecated Spreading `cometEncoding()` into `createHub` (warns once, `COMETBRIDGE_DEP0009`): use
 * `cometHub(callback, options)`, which makes the same hub.
 */
export function createHub<T, O extends string = string>(options: HubOptions<T, O> & CometEncoding<T>): CometHub<T>;
export function createHub<T, O>(options: HubOptions<T, O> & { encode: (value: T, id: number) => O; wire?: undefined }): Hub<T, O>;
export function createHub<T, O>(options?: HubOptions<T, O> & { wire?: unknown }): Hub<T, O> {
  const where = 'createHub';
  const settings = coreSettings(options, where, [...HUB_OPTIONS, 'wire']);
  const wire = applyWire(settings as HubSettings<T, string>, options?.wire, where);
  if (wire === undefined) return new LocalHub<T, O>(settings);
  warnOnce('createHubWire');
  return new LocalCometHub<T>(settings as HubSettings<T, string>).speak(wire, undefined) as unknown as Hub<T, O>;
}

/**
 * An in-process hub of Comet chunks that speaks the protocol of `comet-bridge/client`:
 * `publish(value)` serializes once; each `subscribe()` yields the initial chunk, then the chunks of
 * the messages (several joined in one string when they were waiting together, unless
 * `coalesce: false`); `serve(req, res)` answers an iframe with Comet and an `EventSource` with
 * Server-Sent Events, from the same messages.
 *
 * @example
 * ```ts
 * const clock = cometHub<string>('parent.clockChanged', { kind: 'string', history: 100 });
 * app.get('/clock', (req, res) => clock.serve(req, res));
 * setInterval(() => clock.publish(new Date().toISOString()), 1000);
 * ```
 * @param callback - the page's callback, e.g. `'parent.clockChanged'` (validated now)
 * @param options - hub options (`history`, `limit`, `policy`) and {@link CometEncodingOptions}
 * @throws TypeError for an invalid callback, an unknown option name or a bad option type; RangeError
 *   for a number out of range (`cometHub: limit must be …, got …`)
 */
export function cometHub<T = unknown>(callback: string, options?: CometHubOptions<T>): CometHub<T> {
  const where = 'cometHub';
  const { history, historyTotal, limit, policy, secret, ...encodingOptions } = checkOptions(options, where, COMET_HUB_OPTIONS);
  const key = checkSecret(secret, where);
  const { wire, ...made } = encoding<T>(callback, encodingOptions, where);
  const settings = coreSettings<T, string>({ history, historyTotal, limit, policy, ...made }, where);
  const spoken = applyWire(settings, wire, where)!;
  return new LocalCometHub<T>(settings).speak(spoken, key);
}

class LocalHub<T, O> implements Hub<T, O>, ObservableHub {
  /** @internal The engine this hub fans out with (the protocol layer subscribes through it). */
  readonly core: HubCore<O>;
  readonly #encode: ((value: T, id: number, topic?: string) => O) | undefined;

  constructor(settings: HubSettings<T, O>) {
    this.core = new HubCore<O>(settings);
    this.#encode = settings.encode;
  }

  publish(value: T, options?: PublishOptions): number {
    const topic = options === undefined ? '' : topicOf(options, 'publish');
    if (this.core.closed) throw new HubClosedError();
    const id = this.core.lastId + 1;
    const out = this.#encode ? this.#encode(value, id, topic) : (value as unknown as O);
    this.core.emit(id, out, topic);
    return id;
  }

  subscribe(options?: SubscribeOptions): HubSubscription<O> {
    return this.core.subscribe(options);
  }

  get size(): number {
    return this.core.size;
  }

  get lastId(): number {
    return this.core.lastId;
  }

  get epoch(): string {
    return this.core.epoch;
  }

  get closed(): boolean {
    return this.core.closed;
  }

  close(): void {
    this.core.close();
  }

  stats(): HubStats {
    return this.core.stats();
  }

  /** @internal Attaches an observer (metrics); returns what detaches it. */
  [observeKey](observer: HubObserver): () => void {
    return this.core.observe(observer);
  }
}

class LocalCometHub<T> extends speaking(LocalHub)<T, string> implements CometHub<T> {}
