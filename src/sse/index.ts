/**
 * The Server-Sent Events encoder: `SSE.json`, `SSE.string`, the single-message encoder, and
 * comments. Knows no HTTP: the frames go to `sendSSE` or `sseResponse` (or anything that writes text).
 */
import { describe } from '../util/args.js';
import { relay } from '../util/relay.js';
import { createSSEEncoder, type SSEEncoder, type SSEKind, type SSEOptions } from './encoder.js';
import { commentLines } from './frame.js';

export type { SSEEncoder, SSEKind, SSEOptions } from './encoder.js';

/** Turns an AsyncIterable of messages into an AsyncIterable of event-stream frames. */
export type SSEOperator<T> = (source: AsyncIterable<T>) => AsyncIterableIterator<string>;

function operator<T>(kind: SSEKind, options: SSEOptions<T> | undefined): SSEOperator<T> {
  const where = `SSE.${kind}`;
  const encoder = createSSEEncoder<T>(kind, options, where);
  // as the Comet operators: pull-driven, return() reaches the source at once, an encoding error fails the stream
  return (source) => relay<T, string>(source, where, { first: encoder.opening() ?? undefined, map: (message, index) => encoder.encode(message, index) });
}

/**
 * The Server-Sent Events encoders, beside {@link Comet}'s: the same sources, read by `EventSource`.
 * @namespace
 */
export const SSE = Object.freeze({
  /**
   * Encodes JSON values: each becomes one event whose data is `JSON.stringify(value)` on one
   * `data:` line (JSON escapes every line break). Carries any string exactly, lone surrogates
   * included (as `\uD800` escapes): `JSON.parse(event.data)` gives the value back. A value JSON
   * cannot encode (undefined, a function, a BigInt, a cycle) is an {@link SSEEncodeError} naming its
   * position, which fails the stream.
   * @param options - `event`, `id`, `retry`, `retryJitter`, `initial`; an unknown name is a TypeError
   * @example `sendSSE(res, SSE.json({ id: (price) => price.seq })(prices))`
   */
  json<T = unknown>(options?: SSEOptions<T>): SSEOperator<T> {
    return operator<T>('json', options);
  },

  /**
   * Encodes strings: each becomes one event, one `data: ` line per line of the string. The format
   * cannot carry a CR: every line break (CRLF, CR or LF) arrives as LF, and the message can never
   * forge a field or a second event. A lone surrogate arrives as U+FFFD (UTF-8 cannot carry it);
   * use {@link SSE.json} to carry any string exactly. A message that is not a string is an
   * {@link SSEEncodeError}.
   * @param options - `event`, `id`, `retry`, `retryJitter`, `initial`; an unknown name is a TypeError
   */
  string(options?: SSEOptions<string>): SSEOperator<string> {
    return operator<string>('string', options);
  },

  /**
   * A single-message encoder, for code that encodes once and sends to many (a broadcast hub). Send
   * `opening()` first on each stream when it is not `null`.
   * @param kind - `'string'` or `'json'`
   */
  encoder<T = unknown>(kind: SSEKind, options?: SSEOptions<T>): SSEEncoder<T> {
    return createSSEEncoder<T>(kind, options, 'SSE.encoder');
  },

  /**
   * A comment: `:` then the text, one comment line per line of it; `EventSource` ignores it.
   * `SSE.comment('')` is `':\n'`, the heartbeat of `sendSSE` and `sseResponse`.
   */
  comment(text: string): string {
    if (typeof text !== 'string') throw new TypeError(`SSE.comment: text must be a string, got ${describe(text)}`);
    return commentLines(text);
  },
});
