/**
 * The encoding of a hub that speaks the client's protocol: each message serialized once, whatever
 * the number and kinds of clients.
 */
import { Comet } from '../../comet/index.js';
import { createFramer } from '../../comet/encoder.js';
import { checkFunction, checkOptions, describe } from '../../util/args.js';
import type { CometEncoding, CometEncodingOptions } from '../types.js';
import { Wire } from './framing.js';

const join = (chunks: string[]): string => chunks.join('');

/** @internal The option names of {@link CometEncodingOptions}. */
export const ENCODING_OPTIONS: readonly string[] = Object.keys({
  kind: 1, map: 1, coalesce: 1, initialChunk: 1, nonce: 1, maxMessageBytes: 1, maxDepth: 1,
} satisfies Record<keyof CometEncodingOptions<unknown>, 1>);

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

/** @internal {@link cometEncoding} for `where`, the public function called. */
export function encoding<T>(callback: string, options: CometEncodingOptions<T> | undefined, where: string): CometEncoding<T> {
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
  const wire = new Wire(callback, kind, (info) => controls.encode(info, -1, 0), initial, framer, serialize as (value: never, id: number) => string, encode as (value: never, id: number) => string);
  return { encode, initial, coalesce: coalesce ? join : undefined, wire };
}

