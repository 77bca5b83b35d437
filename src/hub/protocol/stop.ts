/**
 * Ending a Comet client for good: one `stop` control (docs/protocol.md, "Stop"), on which
 * `connectComet` closes and never reconnects. `hub.serve`'s `stop` option writes it too.
 */
import type { ServerResponse } from 'node:http';
import { Comet } from '../../comet/index.js';
import { sendComet, type SendCometResult } from '../../http/index.js';
import type { HeaderValue } from '../../http/chunk.js';
import { checkOptions, describe } from '../../util/args.js';

/** Options of {@link stopComet}. */
export interface StopCometOptions {
  /** The CSP nonce of the page's scripts, as the hub's encoding has it. */
  nonce?: string;
  /** Extra headers (after the Comet ones). */
  headers?: Record<string, HeaderValue>;
}

async function* just(chunk: string): AsyncGenerator<string> {
  yield chunk;
}

/** @internal Sends `chunk` (what ends a client for good) as the whole Comet response. */
export function sendStop(res: ServerResponse, chunk: string, options: { signal?: AbortSignal | undefined; headers?: Record<string, HeaderValue> | undefined }): Promise<SendCometResult> {
  return sendComet(res, just(chunk), options);
}

/**
 * Answers a forever iframe with one `stop` control, `callback({"type":"stop"}, 0)`: `connectComet`
 * closes for good on it (state `closed`), where any other ending would make it reconnect. For a
 * route without a hub (the page's user logged out, say); `stopSSE` is its twin for `EventSource`.
 *
 * @example
 * ```ts
 * app.get('/live', (req, res) => (req.session.user ? hub.serve(req, res) : stopComet(res, 'parent.news')));
 * ```
 * @param callback - the page's callback, e.g. `'parent.news'` (validated now)
 * @throws TypeError for an invalid callback, `res` or option; Error when the response has started
 */
export function stopComet(res: ServerResponse, callback: string, options?: StopCometOptions): Promise<SendCometResult> {
  const where = 'stopComet';
  const { nonce, headers } = checkOptions(options, where, ['nonce', 'headers']);
  const r = res as Partial<ServerResponse> | null | undefined;
  if (typeof r?.end !== 'function' || typeof r.setHeader !== 'function') throw new TypeError(`${where}: res must be an http.ServerResponse, got ${describe(res)}`);
  const encoder = Comet.encoder<object>('json', callback, nonce === undefined ? { initialChunk: null } : { initialChunk: null, nonce });
  return sendStop(res, encoder.encode({ type: 'stop' }, -1, 0), { headers });
}
