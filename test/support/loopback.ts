/** Loopback servers, raw clients and small sources for the transport tests. */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sinon from 'sinon';
import { until } from './timing.js';

/** A server listening on 127.0.0.1 on an ephemeral port. */
export interface Listening {
  readonly server: http.Server;
  readonly port: number;
  readonly url: string;
  /** Destroys every open connection and closes the server. */
  close(): Promise<void>;
}

/**
 * What every transport suite over loopback shares: the running test's server and ticker, closed and
 * stopped after each test, and how its transport's promise settled.
 */
export interface LoopbackSuite {
  server: Listening | undefined;
  stopTicker: (() => void) | undefined;
  /** Records how the stream's promise settles (what it resolves with, or the rejection), handled at once. */
  track(promise: Promise<unknown>): void;
  /** What the tracked promise settled with. */
  outcome(): Promise<unknown>;
}

/** Registers the suite's `afterEach` in the current `describe` and returns its state. */
export function loopbackSuite(): LoopbackSuite {
  let settled: Promise<unknown> | undefined;
  const suite: LoopbackSuite = {
    server: undefined,
    stopTicker: undefined,
    track(promise) {
      settled = promise.then(
        (result) => result,
        (error: unknown) => error,
      );
    },
    outcome: () => settled as Promise<unknown>,
  };
  afterEach(async () => {
    suite.stopTicker?.();
    suite.stopTicker = undefined;
    await suite.server?.close();
    suite.server = undefined;
    settled = undefined;
  });
  return suite;
}

/**
 * Starts `server` (or a plain server around `handler`) on 127.0.0.1:0; `backlog`: how many
 * connections may wait to be accepted (Node's default otherwise).
 */
export async function listen(serverOrHandler: http.Server | http.RequestListener, options: { backlog?: number } = {}): Promise<Listening> {
  const server = serverOrHandler instanceof http.Server ? serverOrHandler : http.createServer(serverOrHandler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: options.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A GET request whose response has arrived (headers only; the body is still streaming). */
export interface Opened {
  readonly req: http.ClientRequest;
  readonly res: http.IncomingMessage;
}

/** Sends a GET to `url` with a fresh connection and waits for the response headers. */
export function open(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => resolve({ req, res }));
    req.once('error', reject);
  });
}

/** Collects a response body as text; `until(text)` resolves `seen` the first time it holds. */
export function reader(res: NodeJS.ReadableStream, until: (text: string) => boolean = () => false): {
  text(): string;
  seen: Promise<string>;
  ended: Promise<'end' | 'aborted'>;
} {
  let text = '';
  let notify: (text: string) => void;
  const seen = new Promise<string>((resolve) => (notify = resolve));
  const ended = new Promise<'end' | 'aborted'>((resolve) => {
    res.on('end', () => resolve('end'));
    res.on('error', () => resolve('aborted'));
    res.on('close', () => resolve('aborted'));
  });
  res.on('data', (chunk: Buffer | string) => {
    text += chunk.toString();
    if (until(text)) notify(text);
  });
  return { text: () => text, seen, ended };
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * An async generator over an emitter's `event`, removing its listener in `finally`: a source
 * written the way users write one.
 */
export async function* emitterEvents<T>(emitter: EventEmitter, event: string): AsyncGenerator<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  const onEvent = (value: T): void => {
    queue.push(value);
    wake?.();
  };
  emitter.on(event, onEvent);
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as T;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    emitter.off(event, onEvent);
  }
}

/** An emitter that emits `tick` every `ms` until stopped. */
export function ticker(ms: number): { emitter: EventEmitter; stop(): void } {
  const emitter = new EventEmitter();
  let n = 0;
  const timer = setInterval(() => emitter.emit('tick', `tick ${n++}`), ms);
  return { emitter, stop: () => clearInterval(timer) };
}

/** An endless source of `size`-byte chunks that counts how many were pulled and whether it was returned. */
export function countingSource(size: number): { source: AsyncIterableIterator<string>; pulled(): number; returned(): boolean } {
  let pulled = 0;
  let returned = false;
  const chunk = 'x'.repeat(size);
  const source: AsyncIterableIterator<string> = {
    async next() {
      if (returned) return { done: true, value: undefined };
      pulled++;
      return { done: false, value: chunk };
    },
    async return() {
      returned = true;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { source, pulled: () => pulled, returned: () => returned };
}

/** A source that yields `first`, waits for `release()`, then yields `second` and ends. */
export function gated(first: string, second: string): { source: () => AsyncGenerator<string>; release: () => void } {
  const gate = deferred();
  async function* source(): AsyncGenerator<string> {
    yield first;
    await gate.promise;
    yield second;
  }
  return { source, release: () => gate.resolve() };
}

/**
 * An emitter source of `tick n` every 10 ms, written as users write one (see `emitterEvents`),
 * with a spy on its `return()`; `stop()` stops the ticking (call it in afterEach).
 */
export function ticking(): { source: AsyncGenerator<string>; returned: sinon.SinonSpy; emitter: EventEmitter; stop(): void } {
  const clock = ticker(10);
  const source = emitterEvents<string>(clock.emitter, 'tick');
  return { source, returned: sinon.spy(source, 'return'), emitter: clock.emitter, stop: clock.stop };
}

/** Waits until the source was returned once and its generator removed its listener. */
export async function tornDown(tick: { returned: sinon.SinonSpy; emitter: EventEmitter }): Promise<void> {
  await until(() => tick.returned.callCount === 1, { what: 'return()' });
  await until(() => tick.emitter.listenerCount('tick') === 0, { what: 'listener removal' });
}

/** A reader's predicate: true once `text` holds at least `n` ticks. */
export const ticks = (n: number) => (text: string): boolean => text.split('tick').length > n;

/**
 * Reads a response of `gated(first, second)`: `first`, then at least two heartbeats (newlines)
 * while the source waits; after `release()`, `second` and a complete end, nothing else.
 */
export async function expectHeartbeats(res: NodeJS.ReadableStream, first: string, second: string, release: () => void): Promise<void> {
  const body = reader(res, (text) => text.startsWith(`${first}\n\n`));
  await body.seen;
  release();
  if ((await body.ended) !== 'end') throw new Error(`the stream did not end cleanly: ${JSON.stringify(body.text())}`);
  const [head, beats, tail] = [body.text().slice(0, first.length), body.text().slice(first.length, -second.length), body.text().slice(-second.length)];
  if (head !== first || tail !== second || !/^\n{2,}$/.test(beats)) throw new Error(`unexpected body ${JSON.stringify(body.text())}`);
}

/** A source whose `next()` throws `error` synchronously, with a spy on its `return()`. */
export function throwingNext(error: Error): { source: AsyncIterable<string>; returned: sinon.SinonSpy } {
  const returned = sinon.spy();
  const source = {
    next(): never {
      throw error;
    },
    return: returned,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { source: source as unknown as AsyncIterable<string>, returned };
}
