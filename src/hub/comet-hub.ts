/**
 * Hubs of ready-made Comet chunks: each message is encoded once, whatever the number of clients.
 */
import { Comet, type CometOptions } from '../comet/index.js';
import { createFramer } from '../comet/encoder.js';
import { checkFunction, checkOptions, describe } from '../util/args.js';
import { framing, markWire, type Wire } from './framing.js';
import { coreSettings, HUB_OPTIONS, localHub } from './hub.js';
import type { Hub, HubOptions } from './types.js';

/**
 * Options of {@link cometEncoding}: the encoder's options (except `onInvalid`: a hub's `publish`
 * always throws the `CometEncodeError` and publishes nothing), plus the kind and an optional mapping.
 */
export interface CometEncodingOptions<T> extends Omit<CometOptions, 'onInvalid'> {
  /** `'json'` (default): any JSON value; `'string'`: the message must be a string. */
  kind?: 'json' | 'string';
  /**
   * Builds what is encoded from the published value and its id, e.g. `(v, id) => ({ id, v })`
   * so the page can remember the last id and reconnect with `?since=<id>`. Default: the value itself.
   * Runs once per message, inside `encode`: if it throws, `publish` throws and publishes nothing.
   */
  map?: (value: T, id: number) => unknown;
  /**
   * Hand a subscriber all the chunks waiting for it as one string (default `true`): the bytes are
   * the same, but a transport writes them with one call, which is what keeps a busy hub with
   * thousands of clients fast. `false`: one chunk per message.
   */
  coalesce?: boolean;
}

const join = (chunks: string[]): string => chunks.join('');

/** The option names of {@link CometEncodingOptions} (the compiler keeps the list complete). */
const ENCODING_OPTIONS: readonly string[] = Object.keys({
  kind: 1, map: 1, coalesce: 1, initialChunk: 1, nonce: 1, maxMessageBytes: 1, maxDepth: 1,
} satisfies Record<keyof CometEncodingOptions<unknown>, 1>);

/** The option names of {@link CometHubOptions}. */
const COMET_HUB_OPTIONS: readonly string[] = [
  ...Object.keys({ history: 1, limit: 1, policy: 1 } satisfies Record<Exclude<keyof CometHubOptions<unknown>, keyof CometEncodingOptions<unknown>>, 1>),
  ...ENCODING_OPTIONS,
];

/**
 * The `encode`, `initial` and `coalesce` options of a hub whose subscribers receive Comet chunks:
 * `encode` turns each message into one `<script>callback(…);</script>` chunk, computed once per
 * message and shared by every subscriber; `initial` is the encoder's initial chunk (none when
 * `initialChunk: null`), which every subscriber receives first; `coalesce` joins the chunks waiting
 * for a subscriber into one string (unless `coalesce: false`), so a subscription can be passed
 * straight to `sendComet(res, hub.subscribe())`. Spread it into {@link createHub} or
 * {@link createRedisHub} options.
 *
 * @param callback - the page's callback, e.g. `'parent.cometMessage'` (validated now)
 * @param options - the encoder's options, `kind`, `map` and `coalesce`
 * @throws TypeError for an invalid callback or option; encoding errors (`CometEncodeError`) surface from `publish`
 */
export function cometEncoding<T = unknown>(
  callback: string,
  options: CometEncodingOptions<T> = {},
): CometEncoding<T> {
  return encoding<T>(callback, options, 'cometEncoding');
}

/** What {@link cometEncoding} returns: the `encode`, `initial` and `coalesce` options of a hub. */
export interface CometEncoding<T> {
  encode: (value: T, id: number) => string;
  initial: string | undefined;
  coalesce: ((chunks: string[]) => string) | undefined;
}

function encoding<T>(callback: string, options: CometEncodingOptions<T> | undefined, where: string): CometEncoding<T> {
  if (options !== null && typeof options === 'object' && 'onInvalid' in options) {
    throw new TypeError(`${where}: onInvalid does not apply to a hub: publish throws CometEncodeError and publishes nothing`);
  }
  const { kind = 'json', map, coalesce = true, ...cometOptions } = checkOptions(options, where, ENCODING_OPTIONS);
  if (typeof coalesce !== 'boolean') throw new TypeError(`${where}: coalesce must be a boolean, got ${describe(coalesce)}`);
  if (kind !== 'json' && kind !== 'string') throw new TypeError(`${where}: kind must be 'json' or 'string', got ${describe(kind)}`);
  checkFunction(map, where, 'map');
  const framer = createFramer<unknown>(kind, callback, cometOptions, where);
  const serialize = map
    ? (value: T, id: number): string => framer.serialize(map(value, id), id)
    : (value: T, id: number): string => framer.serialize(value, id);
  const encode = (value: T, id: number): string => framer.frame(serialize(value, id), id, id);
  // the control scripts of hub.serve: JSON, with the same callback and nonce, id 0
  const controls = Comet.encoder<object>('json', callback, cometOptions.nonce === undefined ? { initialChunk: null } : { initialChunk: null, nonce: cometOptions.nonce });
  const initial = framer.initialChunk ?? undefined;
  const wire: Wire = {
    control: (info) => controls.encode(info, -1, 0),
    initial,
    framing: (first) => framing(wire, first, kind, framer, serialize),
  };
  markWire(encode, wire);
  return { encode, initial, coalesce: coalesce ? join : undefined };
}

/** Options of {@link cometHub}: hub options (without `encode`/`initial`/`coalesce`) and Comet encoding options. */
export interface CometHubOptions<T> extends Omit<HubOptions<T, string>, 'encode' | 'initial' | 'coalesce'>, CometEncodingOptions<T> {}

/**
 * An in-process hub of Comet chunks: `publish(value)` encodes once; each `subscribe()` yields the
 * initial chunk, then the chunks of the messages (several joined in one string when they were
 * waiting together, unless `coalesce: false`). Same as `createHub({ ...options, ...cometEncoding(callback, options) })`.
 *
 * @example
 * ```ts
 * const clock = cometHub<string>('parent.clockChanged', { kind: 'string', policy: 'drop-oldest', limit: 16 });
 * app.get('/clock', (req, res) => sendComet(res, clock.subscribe()));
 * setInterval(() => clock.publish(new Date().toISOString()), 1000);
 * ```
 * @param callback - the page's callback, e.g. `'parent.clockChanged'` (validated now)
 * @param options - hub options (`history`, `limit`, `policy`) and {@link CometEncodingOptions}
 * @throws TypeError for an invalid callback, an unknown option name or a bad option type; RangeError
 *   for a bad number (`cometHub: limit must be …, got …`)
 */
export function cometHub<T = unknown>(callback: string, options?: CometHubOptions<T>): Hub<T, string> {
  const { history, limit, policy, ...encodingOptions } = checkOptions(options, 'cometHub', COMET_HUB_OPTIONS);
  const hubOptions: HubOptions<T, string> = { history, limit, policy, ...encoding<T>(callback, encodingOptions, 'cometHub') };
  return localHub<T, string>(coreSettings(hubOptions, 'cometHub', HUB_OPTIONS));
}
