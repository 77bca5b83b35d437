/**
 * `sendComet`: writes an AsyncIterable of Comet chunks to a Node `http.ServerResponse`
 * (and so to Express's `res`, Fastify's `reply.raw`, or any subclass).
 */
import type { ServerResponse } from 'node:http';
import { carriedSignal, checkHeartbeatMs, checkSignal, iteratorOf, releaseIterator, type HeaderValue } from './chunk.js';
import { CometPump } from './comet-pump.js';

/** Options of {@link sendComet}. */
export interface SendCometOptions {
  /**
   * While the source has nothing to send for this many milliseconds, write a newline (inert in
   * HTML), and again every `heartbeatMs` while it stays idle, so proxies with idle timeouts keep the
   * stream open. Only ever written between whole chunks. `0` or absent: no heartbeat.
   */
  heartbeatMs?: number;
  /**
   * Aborting stops the stream from the server side: the source's `return()` is called, the
   * response is destroyed (the client sees an incomplete response) and the promise rejects with
   * `signal.reason`. An AbortSignal that `chunks` itself carries as `chunks.signal` (a hub
   * subscription does) is watched the same way, besides this one.
   */
  signal?: AbortSignal;
  /** Extra headers, applied after {@link cometHeaders} (so they may override them). */
  headers?: Record<string, HeaderValue>;
}

const where = 'sendComet';

/**
 * Streams `chunks` to `res` as a Comet response.
 *
 * - **Headers**: sets {@link cometHeaders} then `options.headers` (unless headers were already
 *   sent), flushes them at once and turns off Nagle's algorithm on the socket, so the browser
 *   starts the page and every chunk leaves without delay.
 * - **Backpressure**: one chunk is pulled from the source per write; when `res.write()` returns
 *   `false` nothing more is pulled until `'drain'`. A slow client therefore slows the source instead
 *   of growing memory: at most one chunk beyond the socket's own buffers is ever held.
 * - **Compression**: the default `Cache-Control` carries `no-transform`, which the `compression`
 *   middleware honours by leaving the response uncompressed, so every chunk reaches the client as
 *   written. If `options.headers` overrides `Cache-Control` so the response is compressed,
 *   `sendComet` calls `res.flush()` (added by `compression`) after every write, so each chunk still
 *   leaves the gzip stream at once rather than waiting for a full compression block.
 * - **Client gone**: when the response closes before it was ended (the client disconnected), the
 *   source's `return()` is called at once and the promise resolves. It does not wait for
 *   `return()` to settle: an async generator suspended inside an `await` runs its `finally` blocks
 *   only when that await settles, which the language does not let anyone hurry.
 * - **Source fails**: the response is destroyed with the error (no terminating chunk, so the
 *   client and any proxy see a failed stream, not a complete one) and the promise rejects with that
 *   same error. The chunks written before the failure are let out first (one event-loop turn). A
 *   chunk that is neither a string nor a Uint8Array is treated the same way, with a `TypeError`,
 *   after the source's `return()` is called.
 * - **Cut off**: when `chunks` carries an AbortSignal as `chunks.signal` (a hub subscription does,
 *   aborted when the hub drops a slow subscriber), its abort is handled as `options.signal`'s, at
 *   once, even while waiting for a client that stopped reading: the response is destroyed and the
 *   promise rejects with the reason (e.g. `SlowConsumerError`).
 * - **Normal end**: the response is ended and the promise resolves (the last bytes may still be in
 *   the socket's buffer).
 *
 * @param res - the response; nothing else may write to it while the stream runs
 * @param chunks - strings (written as UTF-8) and/or Uint8Arrays, e.g. `Comet.string(cb)(source)`
 * @param options - `heartbeatMs`, `signal`, extra `headers`
 * @returns a promise settled as described above
 * @throws TypeError (synchronously) when `res` is not a response, `chunks` not an AsyncIterable,
 *   `signal` not an AbortSignal or `headers` not an object; RangeError for a bad `heartbeatMs`
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   sendComet(res, Comet.string('parent.cometMessage')(clock), { heartbeatMs: 15_000 }).catch(logError);
 * });
 * ```
 */
export function sendComet(
  res: ServerResponse,
  chunks: AsyncIterable<string | Uint8Array>,
  options: SendCometOptions = {},
): Promise<void> {
  const r = res as Partial<ServerResponse> | null | undefined;
  if (typeof r?.write !== 'function' || typeof r.end !== 'function' || typeof r.setHeader !== 'function' || typeof r.on !== 'function') {
    throw new TypeError(`${where}: res must be an http.ServerResponse`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  const heartbeatMs = checkHeartbeatMs(where, options.heartbeatMs);
  const signal = checkSignal(where, options.signal);
  const headers = options.headers;
  if (headers !== undefined && (headers === null || typeof headers !== 'object')) {
    throw new TypeError(`${where}: headers must be an object of header names to values`);
  }
  const iterator = iteratorOf(where, chunks);
  const carried = carriedSignal(chunks);
  const signals = [signal, carried].filter((s, i, all): s is AbortSignal => s !== undefined && all.indexOf(s) === i);
  return run(res, iterator, heartbeatMs, signals, headers);
}

function run(
  res: ServerResponse,
  iterator: AsyncIterator<unknown>,
  heartbeatMs: number,
  signals: readonly AbortSignal[],
  headers: Record<string, HeaderValue> | undefined,
): Promise<void> {
  if (res.writableEnded) {
    releaseIterator(iterator);
    return Promise.reject(new Error(`${where}: the response has already been ended`));
  }
  return new Promise<void>((resolve, reject) => {
    new CometPump(res, iterator, heartbeatMs, signals, resolve, reject).start(headers);
  });
}
