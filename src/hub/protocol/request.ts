/**
 * What the protocol reads of a request, whatever the server gives it: its method, its URL's query,
 * and its headers. `hub.serve` reads Node's `IncomingMessage` through it, `hub.fetch` a web `Request`.
 */
import type { IncomingMessage } from 'node:http';

/** @internal A request as the protocol reads it. */
export interface ProtocolRequest {
  readonly method: string;
  /** The query parameters of the request's URL. */
  readonly query: URLSearchParams;
  /** The value of a header (name in lower case), undefined when absent. */
  header(name: string): string | undefined;
}

/** @internal The query parameters of a URL or path (none when it has no query). */
export function queryOf(url: string): URLSearchParams {
  const at = url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
}

/** @internal Node's request as the protocol reads it (its `url` and `method` are checked by the caller). */
export function nodeRequest(req: IncomingMessage): ProtocolRequest {
  return {
    method: req.method!,
    query: queryOf(req.url!),
    header(name) {
      const value = req.headers?.[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** @internal A web `Request` as the protocol reads it (its `url`, `method` and `headers` are checked by the caller). */
export function webRequest(request: Request): ProtocolRequest {
  const url = request.url;
  const hash = url.indexOf('#');
  return {
    method: request.method,
    query: queryOf(hash < 0 ? url : url.slice(0, hash)),
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/** @internal The one value of query parameter `name`: undefined when absent, null when given more than once. */
export function single(params: URLSearchParams, name: string): string | undefined | null {
  const all = params.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0]! : null;
}
