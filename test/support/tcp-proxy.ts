/**
 * A TCP proxy on 127.0.0.1 for tests: each accepted connection goes to the next upstream in turn
 * (round-robin); `hold(ms)` delays the data in each direction by `ms` before forwarding it (a slow
 * or stuck network, bytes and their order kept); `cutAll()` drops every connection it carries;
 * `close()` stops listening and leaves no socket behind.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** An upstream: a TCP port on 127.0.0.1. */
export type Upstream = number;

/** A running proxy (see {@link startTcpProxy}). */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, for a Redis upstream. */
  readonly url: string;
  /** Connections accepted so far, per upstream index (in the order of {@link TcpProxy.upstreams}). */
  readonly accepted: readonly number[];
  /** The upstreams, in round-robin order. */
  readonly upstreams: readonly Upstream[];
  /** Connections open now (client side). */
  readonly open: number;
  /** Adds an upstream at the end of the round. */
  add(upstream: Upstream): void;
  /** From now on, holds each chunk `ms` milliseconds (in both directions) before forwarding it; `0` forwards at once. */
  hold(ms: number): void;
  /** Destroys every open connection, both sides; new connections are still accepted. */
  cutAll(): void;
  /** Stops listening and destroys every connection; resolves once the listening socket is closed. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

/**
 * Forwards `from` to `to`, each chunk `delay()` ms after it arrived, in order; pauses `from` while
 * `to` is full (so a held direction still bounds its memory by the socket buffers and the queue).
 */
function forward(from: net.Socket, to: net.Socket, delay: () => number): void {
  const queue: { due: number; data: Buffer }[] = [];
  let timer: NodeJS.Timeout | null = null;
  let full = false;
  const pump = (): void => {
    timer = null;
    while (queue.length > 0 && !to.destroyed) {
      const wait = queue[0]!.due - Date.now();
      if (wait > 0) {
        timer = setTimeout(pump, wait);
        return;
      }
      if (!to.write(queue.shift()!.data) && !full) {
        full = true;
        from.pause();
        to.once('drain', () => {
          full = false;
          from.resume();
        });
      }
    }
  };
  from.on('data', (data: Buffer) => {
    queue.push({ due: Date.now() + delay(), data });
    if (timer === null) pump();
  });
  from.on('close', () => {
    if (timer !== null) clearTimeout(timer);
    queue.length = 0;
    to.destroy();
  });
}

/**
 * Starts a proxy on 127.0.0.1 (an ephemeral port) in front of `upstreams` (ports on 127.0.0.1).
 * @returns the proxy, once it listens
 * @throws RangeError (the promise rejects) for an upstream that is not a TCP port
 */
export async function startTcpProxy(upstreams: readonly Upstream[]): Promise<TcpProxy> {
  const where = 'startTcpProxy';
  const check = (port: unknown): Upstream => {
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
      throw new RangeError(`${where}: an upstream must be a TCP port (1 to 65535), got ${String(port)}`);
    }
    return port as number;
  };
  const list = upstreams.map(check);
  const accepted = list.map(() => 0);
  const pairs = new Set<Pair>();
  let next = 0;
  let holdMs = 0;
  const delay = (): number => holdMs;

  const server = net.createServer((client) => {
    if (list.length === 0) {
      client.destroy();
      return;
    }
    const index = next++ % list.length;
    accepted[index]!++;
    const upstream = net.connect({ host: '127.0.0.1', port: list[index]!, noDelay: true });
    const pair = { client, server: upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => pairs.delete(pair));
    forward(client, upstream, delay);
    forward(upstream, client, delay);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const cutAll = (): void => {
    for (const { client, server: upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    accepted,
    upstreams: list,
    get open() {
      return pairs.size;
    },
    add(upstream) {
      list.push(check(upstream));
      accepted.push(0);
    },
    hold(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`TcpProxy.hold: ms must be a non-negative finite number, got ${String(ms)}`);
      holdMs = ms;
    },
    cutAll,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      return closed;
    },
  };
}
