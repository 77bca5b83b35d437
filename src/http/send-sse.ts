/**
 * `sendSSE`: writes an AsyncIterable of event-stream frames to a Node `http.ServerResponse` (or a
 * `node:http2` compatibility response) on the same chunk reader as `sendComet`; `stopSSE`: the
 * `204` that stops an `EventSource` for good.
 */
import type { ServerResponse } from 'node:http';
import { describe } from '../util/args.js';
import { SSE } from '../sse/index.js';
import { checkHeaders, type HeaderValue } from './chunk.js';
export { sseHeaders } from './chunk.js';
import { startStream, type SendCometOptions, type SendCometResult } from './send-comet.js';


/**
 * Options of {@link sendSSE}: those of `sendComet` (`heartbeatMs`, `heartbeat`, `signal`,
 * `maxBytes`, `maxAgeMs`, `beforeEnd`, `headers`). `heartbeat` defaults to an empty comment.
 */
export interface SendSSEOptions extends SendCometOptions {}

/** How `sendSSE` ended without failing: as `sendComet`. */
export type SendSSEResult = SendCometResult;

/**
 * Streams `frames` to `res` as Server-Sent Events, exactly as `sendComet` streams Comet chunks:
 * headers ({@link sseHeaders}, then `options.headers`) flushed at once; one frame pulled per write
 * and nothing more until `'drain'` (backpressure); the client gone: the source's `return()` at
 * once, resolving `'client-gone'`; HEAD: the headers and an ended response without a pull,
 * resolving `'head'`; `heartbeatMs`: an empty comment (`':\n'`, which `EventSource` ignores)
 * while the source is idle; `maxBytes` / `maxAgeMs`: rotation at an event boundary, resolving
 * `'rotated'` (the browser reconnects by itself, after its `retry` delay, sending `Last-Event-ID`);
 * `signal` and a hub subscription's cut-off: a shutdown ends cleanly, a failure destroys the
 * response. Works on a `node:http2` compatibility response too (`Http2ServerResponse`), which
 * gets no `Connection` header.
 *
 * To stop a client for good (it must not reconnect, e.g. after a logout), answer its request with
 * {@link stopSSE} instead.
 *
 * @param res - the response; nothing else may write to it while the stream runs
 * @param frames - event-stream frames, e.g. `SSE.json()(source)`
 * @returns a promise resolving `'end'`, `'client-gone'`, `'shutdown'`, `'rotated'` or `'head'`,
 *   or rejecting with the source's error (or the signal's reason)
 * @throws TypeError (synchronously, after calling the source's `return()`) as `sendComet` does
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   sendSSE(res, SSE.json()(prices), { heartbeatMs: 15_000 }).catch(logError);
 * });
 * ```
 */
export function sendSSE(res: ServerResponse, frames: AsyncIterable<string | Uint8Array>, options?: SendSSEOptions): Promise<SendSSEResult> {
  return startStream('sendSSE', res, frames, options, undefined, 'sse');
}

/**
 * Answers an `EventSource` request with `204 No Content`, which makes the browser close the
 * `EventSource` and never reconnect (e.g. once the user logged out). With a web `Response`, return
 * `new Response(null, { status: 204 })` instead.
 * @param res - a response whose headers were not sent yet
 * @param headers - extra headers, checked as `sendSSE`'s
 * @throws TypeError when `res` is not a response or a header is invalid; Error when its headers were already sent
 */
export function stopSSE(res: ServerResponse, headers?: Record<string, HeaderValue>): void {
  const where = 'stopSSE';
  const r = res as Partial<ServerResponse> | null | undefined;
  if (typeof r?.end !== 'function' || typeof r.setHeader !== 'function') {
    throw new TypeError(`${where}: res must be an http.ServerResponse, got ${describe(res)}`);
  }
  const extra = checkHeaders(where, headers, 'headers');
  if (res.headersSent || res.writableEnded) throw new Error(`${where}: the response has already been started`);
  res.statusCode = 204;
  if (extra) for (const name in extra) if (extra[name] !== undefined) res.setHeader(name, extra[name]!);
  res.end();
}
