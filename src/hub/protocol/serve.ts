/**
 * `hub.serve(req, res)`: the protocol of `comet-bridge/client` on a Node response (docs/protocol.md),
 * to both kinds of client: a request whose `Accept` lists `text/event-stream` gets Server-Sent
 * Events, every other one Comet. What is answered and what a stream sends is decided in
 * exchange.ts, shared with `hub.fetch`; this edge writes it with `sendComet` and `sendSSE`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendComet, sendSSE, stopSSE, type SendCometOptions } from '../../http/index.js';
import { describe, isObjectLike } from '../../util/args.js';
import type { HubCore } from '../core/core.js';
import type { ServeOptions, ServeResult } from '../types.js';
import type { Answer } from './access.js';
import { decide, exchangeOf, failure, refusal, stopChunk, streamOf, withVary, type Exchange, type Plain } from './exchange.js';
import type { Wire } from './framing.js';
import { nodeRequest } from './request.js';
import { sendStop } from './stop.js';

async function* nothing(): AsyncGenerator<string> {}

/**
 * @internal The body of every hub's `serve`: checks, reads the request, decides the answer, and
 * writes it to `res`.
 */
export function serveHub(
  core: HubCore<string>,
  wire: Wire,
  secret: Uint8Array | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions | undefined,
): Promise<ServeResult> {
  const where = 'hub.serve';
  if (!isObjectLike(req) || typeof req.url !== 'string' || typeof req.method !== 'string') {
    throw new TypeError(`${where}: req must be an http.IncomingMessage, got ${describe(req)}`);
  }
  const exchange = exchangeOf(where, core, wire, secret, options);
  const headers = withVary(exchange.headers, (res as Partial<ServerResponse> | null)?.getHeader?.('vary'));
  const write = (decided: Answer): Promise<ServeResult> => {
    switch (decided.type) {
      case 'refuse':
        return Promise.resolve(plain(res, headers, refusal(exchange, decided), decided.status === 400 ? 'bad-request' : 'forbidden'));
      case 'stop':
        return stopped(res, headers, wire, decided.sse, exchange.stream.signal);
      default:
        return streamed(exchange, res, headers, decided);
    }
  };
  let decided: Answer | Promise<Answer>;
  try {
    decided = decide(exchange, nodeRequest(req), req);
  } catch (error) {
    return failed(exchange, res, headers, error);
  }
  return decided instanceof Promise ? decided.then(write, (error: unknown) => failed(exchange, res, headers, error)) : write(decided);
}

/** Writes a response that is not a stream. */
function plain<T>(res: ServerResponse, headers: SendCometOptions['headers'], { status, headers: own, body }: Plain, result: T): T {
  res.writeHead(status, { ...headers, ...own } as Record<string, string | number | string[]>);
  res.end(body);
  return result;
}

/** `authorize` threw: `500`, and `serve` rejects with its error (for the application to log). */
function failed(exchange: Exchange<IncomingMessage>, res: ServerResponse, headers: SendCometOptions['headers'], error: unknown): Promise<ServeResult> {
  if (!res.headersSent) plain(res, headers, failure(exchange), undefined);
  return Promise.reject(error);
}

/** The `stop` option: SSE `204`; Comet the initial chunk and one `stop` control, then the end. */
function stopped(res: ServerResponse, headers: SendCometOptions['headers'], wire: Wire, sse: boolean, signal: AbortSignal | undefined): Promise<ServeResult> {
  if (sse) {
    stopSSE(res, headers);
    return Promise.resolve('stopped');
  }
  ok(res);
  return sendStop(res, stopChunk(wire), { signal, headers }).then(() => 'stopped');
}

/**
 * A stream (a stop control's too) is a `200` whatever status the response was given before (Koa
 * sets `404` until a body is set): the transports keep the response's own status.
 */
function ok(res: ServerResponse): void {
  if (!res.headersSent) res.statusCode = 200;
}

/** A stream of either kind (see `streamOf`), or, for HEAD, its headers alone. */
function streamed(exchange: Exchange<IncomingMessage>, res: ServerResponse, headers: SendCometOptions['headers'], decided: Answer & { type: 'stream' }): Promise<ServeResult> {
  const send = decided.sse ? sendSSE : sendComet;
  ok(res);
  if (decided.head) return send(res, nothing(), { headers });
  const { chunks, settings } = streamOf(exchange, decided);
  return send(res, chunks, { ...settings, headers });
}
