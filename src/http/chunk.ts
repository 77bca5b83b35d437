/**
 * Pieces shared by every transport: the response headers, the keep-alive chunk, argument checks,
 * and chunk-to-bytes conversion.
 */

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
 * What every transport writes while the source is idle and `heartbeatMs` is set: one newline.
 * Whitespace between (or before) the Comet chunks is inert in HTML, and it is only ever written
 * between whole chunks, never inside a `<script>` element.
 */
export const heartbeatChunk = '\n';

/** The heartbeat as bytes. */
export const heartbeatBytes: Uint8Array = new TextEncoder().encode(heartbeatChunk);

/** A chunk a transport accepts. */
export type CometChunk = string | Uint8Array;

/** Header values accepted by the transports (as Node's `setHeader`). */
export type HeaderValue = string | number | readonly string[];

/** The longest delay a Node timer takes; beyond it Node fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Validates a `heartbeatMs` option: `undefined` or `0` mean no heartbeat; anything else must be a
 * positive finite number of milliseconds, at most 2147483647 (the longest timer Node keeps).
 * @returns the interval, or 0 for none
 * @throws RangeError for a negative, non-finite, too large or non-number value
 */
export function checkHeartbeatMs(where: string, value: unknown): number {
  if (value === undefined || value === 0) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${where}: heartbeatMs must be a positive finite number of milliseconds, got ${String(value)}`);
  }
  if (value > MAX_TIMER_MS) {
    throw new RangeError(`${where}: heartbeatMs must be at most ${MAX_TIMER_MS} (about 24.8 days), got ${value}`);
  }
  return value;
}

/**
 * Checks that `chunks` is an AsyncIterable.
 * @throws TypeError when it is not
 */
export function checkIterable(where: string, chunks: unknown): AsyncIterable<unknown> {
  const make = (chunks as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator];
  if (typeof make !== 'function') {
    throw new TypeError(`${where}: chunks must be an AsyncIterable of strings or Uint8Arrays`);
  }
  return chunks as AsyncIterable<unknown>;
}

/**
 * Checks that `chunks` is an AsyncIterable and returns its iterator.
 * @throws TypeError when it is not
 */
export function iteratorOf(where: string, chunks: unknown): AsyncIterator<unknown> {
  return checkIterable(where, chunks)[Symbol.asyncIterator]();
}

/**
 * Checks a chunk taken from the source.
 * @throws TypeError naming the chunk's position when it is neither a string nor a Uint8Array
 */
export function checkChunk(where: string, chunk: unknown, index: number): CometChunk {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk;
  const kind = chunk === null ? 'null' : typeof chunk;
  throw new TypeError(`${where}: chunk #${index} is ${kind}, expected a string or a Uint8Array`);
}

const encoder = new TextEncoder();

/** A chunk as bytes (UTF-8 for strings). */
export function toBytes(chunk: CometChunk): Uint8Array {
  return typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
}

/**
 * Calls `return()` on an iterator without waiting for it. An async generator suspended inside an
 * `await` runs its `finally` blocks only once that await settles, so waiting here could stall the
 * caller; a failure of `return()` itself is ignored because the consumer has already gone.
 */
export function releaseIterator(iterator: AsyncIterator<unknown>): void {
  try {
    const result = iterator.return?.();
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, () => {});
    }
  } catch {
    // a throwing return(): nothing more can be done for a consumer that has left
  }
}

/**
 * The AbortSignal that `chunks` itself carries as `signal`, if any. A hub subscription carries one,
 * aborted when the hub cuts that subscriber off; a transport watching it can end a response at once
 * even while it waits for a client that stopped reading.
 */
export function carriedSignal(chunks: unknown): AbortSignal | undefined {
  const signal = (chunks as { signal?: unknown }).signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

/** `reason` as an Error to destroy a stream with (wrapped, as `cause`, when it is not one). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason), { cause: reason });
}

/**
 * Checks an optional `AbortSignal`.
 * @throws TypeError for anything that is not an AbortSignal
 */
export function checkSignal(where: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new TypeError(`${where}: signal must be an AbortSignal`);
  return signal;
}
