/**
 * The Node `ServerResponse` output of the chunk reader, behind `sendComet`: writes chunks, waits
 * for `'drain'` when the response asks to, and turns the reader's end into the response's.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { cometHeaders, type CometChunk, type HeaderValue } from './chunk.js';
import type { ChunkOutput, ReadEnd } from './reader.js';
import { ChunkReader } from './reader.js';
import type { StreamSettings } from './options.js';

/** How `sendComet` ended without failing. */
export type SendCometResult = 'end' | 'client-gone' | 'rotated' | 'shutdown' | 'head';

/**
 * Sets {@link cometHeaders} then `headers` on `res` (a later name replaces an earlier one whatever
 * its case, as `setHeader` does), unless its headers were sent already. One `writeHead` with the
 * response's own status: headers set on `res` before are kept unless named again, and Node keeps
 * no header map of its own for the response (with `setHeader` it would, ~250 B per stream).
 */
export function setCometHeaders(res: ServerResponse, headers: Record<string, HeaderValue> | undefined): void {
  if (res.headersSent) return;
  let all: Record<string, HeaderValue> = cometHeaders;
  if (headers) {
    all = { ...cometHeaders };
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      for (const known in all) if (known.toLowerCase() === lower) delete all[known];
      all[name] = value;
    }
  }
  res.writeHead(res.statusCode, all as Record<string, string | number | string[]>);
}

/** True when the client has already gone: the response or its socket is destroyed. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket?.destroyed === true;
}

/**
 * The output of each response while it streams. The response's listeners are three functions
 * shared by every response, which find their output here (an emitter calls a listener with itself
 * as `this`), so a stream adds no function of its own to its response.
 */
const outputs = new WeakMap<ServerResponse, ResponseOutput>();

function onClose(this: ServerResponse): void {
  if (!this.writableEnded) outputs.get(this)?.reader.gone();
}

function onError(this: ServerResponse, error: unknown): void {
  outputs.get(this)?.reader.fail(error);
}

function onDrain(this: ServerResponse): void {
  outputs.get(this)?.reader.resume();
}

/** @internal One response fed by a {@link ChunkReader}. */
export class ResponseOutput implements ChunkOutput {
  readonly #res: ServerResponse;
  readonly reader: ChunkReader;
  readonly #headers: Record<string, HeaderValue> | undefined;
  readonly #resolve: (result: SendCometResult) => void;
  readonly #reject: (error: Error) => void;
  /** True once `onDrain` listens on the response. */
  #draining = false;

  constructor(
    where: string,
    res: ServerResponse,
    iterator: AsyncIterator<unknown>,
    settings: StreamSettings,
    carrier: unknown,
    headers: Record<string, HeaderValue> | undefined,
    resolve: (result: SendCometResult) => void,
    reject: (error: Error) => void,
  ) {
    this.#res = res;
    this.#headers = headers;
    this.#resolve = resolve;
    this.#reject = reject;
    this.reader = new ChunkReader(where, iterator, this, settings, carrier);
  }

  /** Starts the stream: the client already gone ends it at once; else the headers go out and the first chunk is pulled. */
  start(): void {
    const res = this.#res;
    const reader = this.reader;
    if (clientGone(res)) return reader.gone();
    outputs.set(res, this);
    res.on('close', onClose);
    res.on('error', onError);
    reader.start();
    if (reader.done) return;
    try {
      setCometHeaders(res, this.#headers);
      res.flushHeaders();
      res.socket?.setNoDelay?.(true);
    } catch (error) {
      return reader.fail(error);
    }
    reader.resume();
  }

  write(chunk: CometChunk): boolean {
    const res = this.#res;
    const ok = res.write(chunk);
    this.#flush();
    // 'drain' is listened for from the first full write on: an idle stream's response holds two listeners
    if (!ok && !this.#draining) {
      this.#draining = true;
      res.on('drain', onDrain);
    }
    return ok;
  }

  beat(chunk: CometChunk): void {
    if (this.#res.writableNeedDrain) return;
    this.#res.write(chunk);
    this.#flush();
  }

  close(how: ReadEnd, error: Error | undefined): void {
    const res = this.#res;
    res.removeListener('close', onClose);
    res.removeListener('error', onError);
    if (this.#draining) res.removeListener('drain', onDrain);
    if (outputs.get(res) === this) outputs.delete(res);
    if (how === 'client-gone') return this.#resolve(how);
    if (how === 'failed') return this.#destroy(error!);
    try {
      setCometHeaders(res, this.#headers);
      // a shutdown also closes the connection once the response is out, so that server.close()
      // need not wait for an idle keep-alive connection (not on HTTP/2, whose `res.stream` shares
      // the connection with other streams: `res.socket` is the whole session's)
      const socket: Partial<Socket> | null = how === 'shutdown' && !('stream' in res) ? res.socket : null;
      res.end();
      socket?.destroySoon?.();
    } catch (failure) {
      return this.#destroy(failure as Error);
    }
    this.#resolve(how);
  }

  /** `compression` adds `res.flush()`: without it each chunk would wait for a full gzip block. */
  #flush(): void {
    const flush = (this.#res as { flush?: unknown }).flush;
    if (typeof flush === 'function') flush.call(this.#res);
  }

  #destroy(error: Error): void {
    const res = this.#res;
    if (res.destroyed || res.writableFinished) return this.#reject(error);
    // Node corks the socket for the rest of the tick after a write: let the chunks written before
    // the failure leave first, so the client gets everything up to the failure, then the abort.
    setImmediate(() => {
      if (!res.destroyed) res.destroy(error);
      this.#reject(error);
    });
  }
}
