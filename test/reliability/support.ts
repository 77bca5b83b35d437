/** Shared pieces of the reliability suite: seeded randomness, loopback servers, raw clients, leak checks. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';

/** A small seeded PRNG (mulberry32), so every run makes the same choices. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** A server on 127.0.0.1 with an ephemeral port. */
export interface Loopback {
  server: http.Server;
  port: number;
  /** Destroys every connection and closes the server. */
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1:0. */
export async function listen(handler: http.RequestListener): Promise<Loopback> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 1024 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sockets the server holds open now. */
export function socketCount(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/** Polls `check` every 5 ms until it holds; fails naming `what` after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Connects a raw TCP client to the server (the request is written by the caller). */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The request line and headers of a GET. */
export function getRequest(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
}

/** Heap used after full garbage collection (needs --expose-gc, which the test setup gives). */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await tick();
    globalThis.gc?.();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Records every uncaught exception and unhandled rejection while installed: a fault that escapes
 * the library shows up here instead of only in mocha's own handler.
 */
export function processGuard(): { readonly errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => {
    errors.push(error);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    dispose() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}

/** Splits a chunked HTTP/1.1 response read raw into its head and de-chunked body. */
export function parseChunked(raw: string): { head: string; body: string; complete: boolean } {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { head: raw, body: '', complete: false };
  const head = raw.slice(0, end);
  let rest = raw.slice(end + 4);
  let body = '';
  for (;;) {
    const line = rest.indexOf('\r\n');
    if (line === -1) return { head, body, complete: false };
    const size = parseInt(rest.slice(0, line), 16);
    if (!Number.isFinite(size)) return { head, body, complete: false };
    if (size === 0) return { head, body, complete: rest.slice(line + 2).startsWith('\r\n') };
    if (rest.length < line + 2 + size + 2) return { head, body: body + rest.slice(line + 2, line + 2 + size), complete: false };
    body += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}
