/**
 * Pieces shared by every transport: the response headers, the keep-alive chunk, the checks of
 * what a transport is given, and chunk sizes.
 */
import { Buffer } from 'node:buffer';
import { describe, isObjectLike } from '../util/args.js';
import { returnQuietly } from '../util/iterators.js';

/**
 * The headers every Comet response carries:
 * - `Content-Type: text/html; charset=utf-8` (the forever iframe renders HTML),
 * - `Cache-Control: no-cache, no-store, no-transform` (nothing may cache the stream, and proxies and
 *   compression middleware must not buffer or rewrite it),
 * - `X-Content-Type-Options: nosniff`,
 * - `X-Accel-Buffering: no` (nginx passes each chunk on at once instead of buffering the response).
 */
export const cometHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache, no-store, no-transform',
  'X-Content-Type-Options': 'nosniff',
  'X-Accel-Buffering': 'no',
});

/**
 * What every transport writes while the source is idle and `heartbeatMs` is set, unless a
 * `heartbeat` chunk is given: one newline. Whitespace between (or before) the Comet chunks is inert
 * in HTML, and it is only ever written between whole chunks, never inside a `<script>` element.
 */
export const heartbeatChunk = '\n';

/**
 * The headers every Server-Sent Events response carries:
 * - `Content-Type: text/event-stream; charset=utf-8`,
 * - `Cache-Control: no-cache, no-transform` (no cache keeps it, no proxy or compression middleware rewrites or buffers it),
 * - `X-Content-Type-Options: nosniff`,
 * - `X-Accel-Buffering: no` (nginx passes each event on at once).
 *
 * No `Connection` header: Node's HTTP/1.1 server keeps the connection alive by itself, and HTTP/2
 * forbids the header (`node:http2` refuses it).
 */
export const sseHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Content-Type-Options': 'nosniff',
  'X-Accel-Buffering': 'no',
});

/** The kinds of stream the transports write: Comet (`text/html` script chunks) or Server-Sent Events. */
export type StreamFormat = 'comet' | 'sse';

/**
 * @internal What a kind of stream writes besides its chunks: the headers it starts with and its
 * heartbeat when `options.heartbeat` is not given.
 */
export interface Framing {
  readonly headers: Readonly<Record<string, string>>;
  readonly heartbeat: string;
}

/**
 * @internal The framing of each format: Comet's {@link cometHeaders} and a newline; SSE's
 * {@link sseHeaders} and an empty comment (`':\n'`, which `EventSource` ignores).
 */
export const FRAMINGS: Readonly<Record<StreamFormat, Framing>> = Object.freeze({
  comet: Object.freeze({ headers: cometHeaders, heartbeat: heartbeatChunk }),
  sse: Object.freeze({ headers: sseHeaders, heartbeat: ':\n' }),
});

/** A chunk a transport accepts. */
export type CometChunk = string | Uint8Array;

/** Header values accepted by the transports (as Node's `setHeader`). */
export type HeaderValue = string | number | readonly string[];

/**
 * Checks that `chunks` is an AsyncIterable and returns its iterator.
 * @throws TypeError when it is not
 */
export function iteratorOf(where: string, chunks: unknown): AsyncIterator<unknown> {
  const make = (chunks as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator];
  if (typeof make !== 'function') {
    throw new TypeError(`${where}: chunks must be an AsyncIterable of strings or Uint8Arrays, got ${describe(chunks)}`);
  }
  return (chunks as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

/**
 * Checks a chunk.
 * @param what - how the message names it, e.g. `chunk #3` or `options.heartbeat`
 * @throws TypeError when it is neither a string nor a Uint8Array
 */
export function checkChunk(where: string, chunk: unknown, what: string | number): CometChunk {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk;
  const name = typeof what === 'number' ? `chunk #${what}` : what;
  throw new TypeError(`${where}: ${name} must be a string or a Uint8Array, got ${describe(chunk)}`);
}

const encoder = new TextEncoder();

/** A chunk as bytes (UTF-8 for strings). */
export function toBytes(chunk: CometChunk): Uint8Array {
  return typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
}

/** The number of bytes a chunk takes on the wire (UTF-8 for strings), without encoding it. */
export function byteLength(chunk: CometChunk): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.byteLength;
}

/** An HTTP token (RFC 9110), what a header name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node's `setHeader` refuses in a value: control characters (CR, LF, NUL, …) other than tab, and code points above U+00FF. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Checks extra headers the way Node's `setHeader` would, but at once: names must be HTTP tokens,
 * values strings, numbers or arrays of strings without CR, LF or other control characters (which
 * would let a value forge headers or split the response). `undefined` values are skipped.
 * @param name - how the message names the object, e.g. `options.headers`
 * @throws TypeError naming the header
 */
export function checkHeaders(where: string, headers: unknown, name: string): Record<string, HeaderValue> | undefined {
  if (headers === undefined) return undefined;
  if (!isObjectLike(headers) || Array.isArray(headers)) {
    throw new TypeError(`${where}: ${name} must be an object of header names to values, got ${describe(headers)}`);
  }
  for (const [header, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (!TOKEN.test(header)) throw new TypeError(`${where}: ${name} has an invalid header name ${JSON.stringify(header)}`);
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const v of values) {
      if (typeof v === 'number' && !Array.isArray(value)) continue;
      if (typeof v !== 'string') {
        throw new TypeError(`${where}: header '${header}' must be a string, a number or an array of strings, got ${describe(v)}`);
      }
      if (BAD_VALUE.test(v)) {
        throw new TypeError(`${where}: header '${header}' must not contain CR, LF or other control characters, got ${JSON.stringify(v)}`);
      }
    }
  }
  return headers as Record<string, HeaderValue>;
}

/**
 * Runs a transport's argument checks. When one throws, the source's `return()` is called before the
 * error is rethrown: a stream refused before its first pull must not leave its source running.
 */
export function checkOrRelease<T>(iterator: AsyncIterator<unknown>, check: () => T): T {
  try {
    return check();
  } catch (error) {
    returnQuietly(iterator);
    throw error;
  }
}
