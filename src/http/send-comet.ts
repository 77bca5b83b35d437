/**
 * `sendComet`: writes an AsyncIterable of Comet chunks to a Node `http.ServerResponse`
 * (and so to Express's `res`, Fastify's `reply.raw`, or any subclass).
 */
import type { ServerResponse } from 'node:http';
import { describe } from '../util/args.js';
import { returnQuietly } from '../util/iterators.js';
import { checkHeaders, checkOrRelease, FRAMINGS, iteratorOf, type HeaderValue, type StreamFormat } from './chunk.js';
import { STREAM_OPTIONS, streamSettings, type StreamOptions } from './options.js';
import { clientGone, ResponseOutput, setCometHeaders, type SendCometResult } from './response-output.js';

/** Options of {@link sendComet}: the stream options, plus extra headers. */
export interface SendCometOptions extends StreamOptions {
  /**
   * Extra headers, applied after {@link cometHeaders} (so they may override them). Checked at
   * once: a value with CR, LF or another control character is a TypeError from `sendComet` itself.
   */
  headers?: Record<string, HeaderValue>;
}

const where = 'sendComet';
const KNOWN = [...STREAM_OPTIONS, 'headers'];

/**
 * @internal Checks `sendComet`'s arguments and starts the stream; `shutdown` is a further signal
 * whose plain abort ends it cleanly (Fastify's close); `format`, the transport's own (`sendSSE`:
 * `'sse'`), else `options.format`, gives the headers set over the Comet ones and the default heartbeat.
 */
export function startStream(
  where: string,
  res: ServerResponse,
  chunks: AsyncIterable<string | Uint8Array>,
  options: SendCometOptions | undefined,
  shutdown?: AbortSignal,
  format?: StreamFormat,
): Promise<SendCometResult> {
  const iterator = iteratorOf(where, chunks);
  const [settings, headers] = checkOrRelease(iterator, () => {
    const r = res as Partial<ServerResponse> | null | undefined;
    if (typeof r?.write !== 'function' || typeof r.end !== 'function' || typeof r.setHeader !== 'function' || typeof r.on !== 'function') {
      throw new TypeError(`${where}: res must be an http.ServerResponse, got ${describe(res)}`);
    }
    const settings = streamSettings(where, options, KNOWN, shutdown, format);
    const extra = checkHeaders(where, options?.headers, 'options.headers');
    // the Comet headers are the transport's base: another format's go over them
    return [settings, settings.framing === FRAMINGS.comet ? extra : { ...settings.framing.headers, ...extra }] as const;
  });
  if (res.writableEnded) {
    returnQuietly(iterator);
    return Promise.reject(new Error(`${where}: the response has already been ended`));
  }
  if ((res as { req?: { method?: unknown } }).req?.method === 'HEAD' && !clientGone(res)) {
    returnQuietly(iterator);
    try {
      setCometHeaders(res, headers);
      res.end();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve('head');
  }
  return new Promise<SendCometResult>((resolve, reject) => {
    new ResponseOutput(where, res, iterator, settings, chunks, headers, resolve, reject).start();
  });
}

/**
 * Streams `chunks` to `res` as a Comet response.
 *
 * - **Headers**: sets {@link cometHeaders} then `options.headers` (unless headers were already
 *   sent), flushes them at once and turns off Nagle's algorithm on the socket, so the browser
 *   starts the page and every chunk leaves without delay.
 * - **HEAD**: a HEAD request gets the headers and an ended response at once; the source's
 *   `return()` is called without a pull; resolves `'head'`.
 * - **Backpressure**: one chunk is pulled from the source per write; when `res.write()` returns
 *   `false` nothing more is pulled until `'drain'`. A slow client therefore slows the source instead
 *   of growing memory: at most one chunk beyond the socket's own buffers is ever held.
 * - **Compression**: the default `Cache-Control` carries `no-transform`, which the `compression`
 *   middleware honours by leaving the response uncompressed. If `options.headers` overrides
 *   `Cache-Control` so the response is compressed, `sendComet` calls `res.flush()` (added by
 *   `compression`) after every write, so each chunk still leaves the gzip stream at once.
 * - **Client gone**: when the response closes before it was ended (the client disconnected), or
 *   is already closed when `sendComet` is called, the source's `return()` is called at once and the
 *   promise resolves `'client-gone'`. It does not wait for `return()` to settle: an async
 *   generator suspended inside an `await` runs its `finally` blocks only when that await settles.
 * - **Source fails**: the response is destroyed with the error (no terminating chunk, so the
 *   client and any proxy see a failed stream, not a complete one) and the promise rejects with that
 *   same error (a non-Error wrapped, see `signal`). The chunks written before the failure are let
 *   out first (one event-loop turn). A chunk that is neither a string nor a Uint8Array is treated
 *   the same way, with a `TypeError`, after the source's `return()` is called.
 * - **Stopped**: `options.signal` aborted without a reason is a shutdown: the response is ended
 *   cleanly, its connection closed once the end is out, and the promise resolves `'shutdown'`.
 *   Aborted with a reason, it is a failure, as above, rejecting with the reason (a non-Error
 *   wrapped in an Error named `AbortError`, its `cause` the reason). The cut-off
 *   signal a hub subscription carries (a hub dropping a slow subscriber) is watched too, at once,
 *   even while waiting for a client that stopped reading: a failure with its reason (e.g.
 *   `SlowConsumerError`).
 * - **Rotation**: after `maxBytes` bytes or `maxAgeMs` milliseconds the response is ended cleanly
 *   at a chunk boundary (after `beforeEnd('rotated')`'s chunk), the source is returned and the
 *   promise resolves `'rotated'`.
 * - **Normal end**: the source finished: the response is ended and the promise resolves `'end'`
 *   (the last bytes may still be in the socket's buffer).
 *
 * @param res - the response; nothing else may write to it while the stream runs
 * @param chunks - strings (written as UTF-8) and/or Uint8Arrays, e.g. `Comet.string(cb)(source)`
 * @param options - {@link StreamOptions} and extra `headers`
 * @returns a promise resolving `'end'`, `'client-gone'`, `'shutdown'`, `'rotated'` or `'head'`,
 *   or rejecting as described above
 * @throws TypeError (synchronously, after calling the source's `return()`) when `res` is not a
 *   response, an option is unknown or of the wrong type, or a header is invalid (CR or LF in a
 *   value); RangeError for a number out of range; TypeError when `chunks` is not an AsyncIterable
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
  options?: SendCometOptions,
): Promise<SendCometResult> {
  return startStream(where, res, chunks, options);
}

export type { SendCometResult };
