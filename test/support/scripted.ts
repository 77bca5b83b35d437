/**
 * Scripted stand-ins for a ServerResponse, a request and a Fastify reply, and a source driven by the
 * test, for the transport tests that need no socket.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sinon from 'sinon';
import { cometFastify, type CometReplyMethod, type ReplyCometResult } from '../../src/http/fastify.js';
import type { SendCometOptions } from '../../src/http/send-comet.js';

/** The parts of a ServerResponse that sendComet touches, recording what it is asked to do. */
export class ScriptedResponse extends EventEmitter {
  headers: Record<string, unknown> = {};
  writes: Array<string | Uint8Array> = [];
  headersSent = false;
  statusCode = 200;
  writableEnded = false;
  writableFinished = false;
  writableNeedDrain = false;
  destroyed = false;
  destroyedWith: unknown = 'not destroyed';
  /** What write() returns next. */
  accept = true;
  socket = { setNoDelay: sinon.spy(), destroyed: false };
  setHeader(name: string, value: unknown): this {
    this.headers[name] = value;
    return this;
  }
  writeHead(statusCode: number, headers: Record<string, unknown>): this {
    this.statusCode = statusCode;
    for (const name in headers) this.setHeader(name, headers[name]);
    this.headersSent = true;
    return this;
  }
  flushHeaders(): void {
    this.headersSent = true;
  }
  write(chunk: string | Uint8Array): boolean {
    this.writes.push(chunk);
    this.writableNeedDrain = !this.accept;
    return this.accept;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  destroy(error?: unknown): this {
    this.destroyed = true;
    this.destroyedWith = error;
    return this;
  }
  drain(): void {
    this.writableNeedDrain = false;
    this.emit('drain');
  }
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** A source whose values are handed out by the test, counting the next() calls. */
export function scriptedSource() {
  const waiting: Array<{ resolve(result: IteratorResult<string>): void; reject(error: unknown): void }> = [];
  let pulls = 0;
  const source: AsyncIterableIterator<string> = {
    next: () => {
      pulls++;
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return: sinon.spy(async () => ({ done: true as const, value: undefined })),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    source,
    pulls: () => pulls,
    returns: () => (source.return as sinon.SinonSpy).callCount,
    give: (value: string) => waiting.shift()?.resolve({ done: false, value }),
    finish: () => waiting.shift()?.resolve({ done: true, value: undefined }),
    fail: (error: unknown) => waiting.shift()?.reject(error),
  };
}

/** A GET request for `hub.serve`, asking for Server-Sent Events when `accept` says so. */
export function scriptedRequest(accept?: string): IncomingMessage {
  return { url: '/events', method: 'GET', headers: accept === undefined ? {} : { accept } } as unknown as IncomingMessage;
}

/**
 * `reply.comet` as the plugin installs it, called on a fresh reply over a {@link ScriptedResponse};
 * `logged` gathers the errors the reply logs (a failed stream is logged, not rejected).
 */
export function scriptedReply(): {
  comet(chunks: AsyncIterable<string | Uint8Array>, options?: SendCometOptions): Promise<ReplyCometResult>;
  logged: unknown[];
} {
  let method: CometReplyMethod['comet'] | undefined;
  cometFastify({ decorateReply: (_name: string, fn: unknown) => (method = fn as typeof method), addHook: () => undefined }, {}, () => {});
  const logged: unknown[] = [];
  const reply = {
    raw: new ScriptedResponse().asResponse(),
    hijack: () => undefined,
    getHeaders: () => ({}),
    log: { error: (object: unknown) => void logged.push((object as { err: unknown }).err) },
  };
  return { comet: (chunks, options) => method!.call(reply, chunks, options), logged };
}
