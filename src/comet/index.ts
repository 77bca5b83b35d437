/**
 * The Comet encoder: `Comet.string`, `Comet.json`, `Comet.flow`, and the single-message encoder.
 */
import { createEncoder, initialHtmlChunk, type CometKind, type CometOptions, type CometEncoder } from './encoder.js';
import { encodeStream } from './stream.js';

export type { CometKind, CometOptions, CometEncoder } from './encoder.js';

/** Turns an AsyncIterable of messages into an AsyncIterable of Comet chunks. */
export type CometOperator<T> = (source: AsyncIterable<T>) => AsyncIterableIterator<string>;

function operator<T>(kind: CometKind, callback: string, options?: CometOptions): CometOperator<T> {
  const where = `Comet.${kind}`;
  const encoder = createEncoder<T>(kind, callback, options, where);
  return (source) => encodeStream(encoder, source, where);
}

/** The Comet encoders, named as in Play's `Comet` helper. */
export const Comet = Object.freeze({
  /** Play's default first chunk: 5 × 1024 spaces followed by `<html><body>`. */
  initialHtmlChunk,

  /**
   * Encodes string messages: each becomes `<script type="text/javascript">callback('…');</script>`,
   * the string escaped to pure ASCII with `<` and `>` as `\u003C` and `\u003E`.
   * @param callback - dotted path of JavaScript identifiers, validated now (TypeError quoting it)
   * @example `sendComet(res, Comet.string('parent.cometMessage')(messages))`
   */
  string(callback: string, options?: CometOptions): CometOperator<string> {
    return operator<string>('string', callback, options);
  },

  /**
   * Encodes JSON values: each becomes `<script type="text/javascript">callback(JSON);</script>`, the JSON
   * pure ASCII with `<` and `>` escaped. A value `JSON.stringify` cannot encode is a `CometEncodeError`
   * naming its position (or is skipped with `onInvalid: 'skip'`), and so is a value whose arrays and
   * objects nest deeper than `options.maxDepth` (default 500), which browsers may fail to parse.
   * @param callback - dotted path of JavaScript identifiers, validated now (TypeError quoting it)
   */
  json(callback: string, options?: CometOptions): CometOperator<unknown> {
    return operator<unknown>('json', callback, options);
  },

  /**
   * Wraps already-encoded JavaScript expressions (trusted input) in script chunks, as they are. An
   * expression holding `</script`, `<script` or `<!--` is refused with a `CometEncodeError`.
   * @param callback - dotted path of JavaScript identifiers, validated now (TypeError quoting it)
   */
  flow(callback: string, options?: CometOptions): CometOperator<string> {
    return operator<string>('flow', callback, options);
  },

  /**
   * A single-message encoder, for code that encodes once and sends to many (a broadcast hub).
   * @param kind - `'string'`, `'json'` or `'flow'`
   * @param callback - dotted path of JavaScript identifiers, validated now (TypeError quoting it)
   */
  encoder<T = unknown>(kind: CometKind, callback: string, options?: CometOptions): CometEncoder<T> {
    return createEncoder<T>(kind, callback, options, 'Comet.encoder');
  },
});
