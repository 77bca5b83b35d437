/** A scripted stand-in for a ServerResponse, and a source driven by the test, for sendComet's pump tests. */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import sinon from 'sinon';

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
