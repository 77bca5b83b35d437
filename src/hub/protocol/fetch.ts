/**
 * `hub.fetch(request)`: the protocol of `comet-bridge/client` on a web `Request`, answered with a
 * web `Response` (docs/protocol.md). What is answered and what a stream sends is decided in
 * exchange.ts, shared with `hub.serve`; this edge writes it as a `Response` whose body is the
 * pull-based web stream of `cometResponse` and `sseResponse`.
 */
import { FRAMINGS, type HeaderValue } from '../../http/chunk.js';
import { webResponse } from '../../http/comet-response.js';
import { reportLater } from '../../source/iterators.js';
import { checkFunction, describe, isObjectLike, isSignal } from '../../util/args.js';
import type { HubCore } from '../core/core.js';
import type { FetchOptions, FetchResult } from '../types.js';
import type { Answer } from './access.js';
import { decide, EDGE_OPTIONS, exchangeOf, failure, refusal, stopChunk, streamOf, withVary, type Plain } from './exchange.js';
import type { Wire } from './framing.js';
import { webRequest } from './request.js';

/** The option names of {@link FetchOptions}. */
const FETCH_OPTIONS: readonly string[] = [...EDGE_OPTIONS, 'onEnd'];

/**
 * The default heartbeat: under the shortest idle limit of the runtimes a `Response` streams on
 * (`Bun.serve` ends a response that sent nothing for 10 s, counted in ticks of about 4 s).
 */
const HEARTBEAT_MS = 5_000;

/** `base`, then `extra` over it (a name of `extra` replaces the same name of `base`, in any case). */
function headersOf(base: Readonly<Record<string, string>>, extra: Readonly<Record<string, HeaderValue>>): Headers {
  const headers = new Headers(base);
  for (const name in extra) {
    const value = extra[name]!;
    headers.delete(name);
    if (Array.isArray(value)) for (const one of value as readonly string[]) headers.append(name, one);
    else headers.set(name, String(value));
  }
  return headers;
}

/**
 * @internal The body of every hub's `fetch`: checks, reads the request, decides the answer, and
 * makes the `Response`.
 */
export function fetchHub(
  core: HubCore<string>,
  wire: Wire,
  secret: Uint8Array | undefined,
  request: Request,
  options: FetchOptions | undefined,
): Promise<Response> {
  const where = 'hub.fetch';
  const r = request as Partial<Request> | null;
  if (!isObjectLike(r) || typeof r.url !== 'string' || typeof r.method !== 'string' || typeof r.headers?.get !== 'function') {
    throw new TypeError(`${where}: request must be a web Request, got ${describe(request)}`);
  }
  const exchange = exchangeOf(where, core, wire, secret, options, FETCH_OPTIONS, HEARTBEAT_MS);
  const onEnd = options?.onEnd;
  checkFunction(onEnd, where, 'onEnd');
  const report = (result: FetchResult, error?: unknown): void => {
    if (onEnd === undefined) return;
    try {
      onEnd(result, error);
    } catch (thrown) {
      reportLater(thrown);
    }
  };
  const headers = withVary(exchange.headers, undefined);
  const head = request.method === 'HEAD';
  const plain = ({ status, headers: own, body }: Plain): Response => new Response(head ? null : body, { status, headers: headersOf(own, headers) });
  const failed = (error: unknown): Response => {
    report('failed', error);
    return plain(failure(exchange));
  };
  const write = (decided: Answer): Response => {
    if (decided.type === 'refuse') {
      report(decided.status === 400 ? 'bad-request' : 'forbidden');
      return plain(refusal(exchange, decided));
    }
    if (decided.type === 'stop') {
      report('stopped');
      if (decided.sse) return new Response(null, { status: 204, headers: headersOf({}, headers) });
      return new Response(head ? null : stopChunk(wire), { headers: headersOf(FRAMINGS.comet.headers, headers) });
    }
    const format = decided.sse ? 'sse' : 'comet';
    if (decided.head) {
      report('head');
      return new Response(null, { headers: headersOf(FRAMINGS[format].headers, headers) });
    }
    const { chunks, settings } = streamOf(exchange, decided);
    const gone = isSignal(request.signal) ? request.signal : undefined;
    return webResponse(where, chunks, { ...settings, headers: headersOf({}, headers) }, format, { gone, onEnd: report });
  };
  let decided: Answer | Promise<Answer>;
  try {
    decided = decide(exchange, webRequest(request), request);
  } catch (error) {
    return Promise.resolve(failed(error));
  }
  return decided instanceof Promise ? decided.then(write, failed) : Promise.resolve(write(decided));
}
