/**
 * Web-standard Server-Sent Events: event-stream frames as a `Response`, on the same pull-based
 * stream as `cometResponse`.
 */
import { webResponse, type CometResponseInit } from './comet-response.js';

/** `ResponseInit` plus the stream options of {@link sseResponse}. */
export interface SSEResponseInit extends CometResponseInit {}

/**
 * A web-standard `Response` streaming Server-Sent Events (Node's own `Response`, Hono, Next.js
 * route handlers, Deno, Bun), as `cometResponse` streams Comet chunks: pull-based, one frame per
 * read, cancelling the body (the client left) calls the source's `return()`, and the stream options
 * act the same. Headers are `sseHeaders`, then `init.headers`; `heartbeatMs` writes an empty
 * comment (`':\n'`) unless `heartbeat` is given. To stop a client for good, return
 * `new Response(null, { status: 204 })` instead.
 *
 * @param frames - event-stream frames, e.g. `SSE.string()(lines)`
 * @param init - `status`, `statusText`, `headers` and the stream options
 * @throws TypeError (after calling the source's `return()`) for an unknown option, a value of the
 *   wrong type or a bad header; RangeError for a number out of range
 * @example
 * ```ts
 * export const GET = () => sseResponse(SSE.json()(ticks), { heartbeatMs: 15_000 });
 * ```
 */
export function sseResponse(frames: AsyncIterable<string | Uint8Array>, init?: SSEResponseInit): Response {
  return webResponse('sseResponse', frames, init, 'sse');
}
