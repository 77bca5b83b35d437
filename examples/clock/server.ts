/**
 * The Comet clock demo (`npm start`).
 *
 * A clock EventEmitter ticks every 100 ms and each tick is published into a `cometHub` with history.
 * `/` is a page that connects with `comet-bridge/client` (`/client.js`, compiled from the source at
 * start); `/comet` is `hub.serve`: the client's cursor, the replay since it, the ticks with their ids,
 * heartbeats and rotation. Stop the server and start it again: the page reconnects on its own and,
 * the new hub having a new epoch, says so (a reset).
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cometHub, type Hub } from '../../src/index.js';
import { ClockEmitter, TICK } from './clock.js';
import { compileClient } from './client-module.js';
import { clientClockPage } from './page.js';

/** Options for {@link startClockServer}. */
export interface ClockServerOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to listen on; default `'127.0.0.1'`. */
  host?: string;
}

/** A running clock demo. */
export interface ClockServer {
  /** The page to open, e.g. `http://127.0.0.1:9000/`. */
  readonly url: string;
  readonly server: http.Server;
  /** The one clock, ticking from start to close. */
  readonly emitter: ClockEmitter;
  /** The hub every tick is published into; `/comet` serves it. */
  readonly hub: Hub<string, string>;
  /** Stops accepting connections, ends every open stream cleanly, stops the clock and closes the hub. */
  close(): Promise<void>;
}

/** Path of the Comet stream. */
export const STREAM_PATH = '/comet';

/** Path of the client module. */
export const CLIENT_PATH = '/client.js';

/** Callback the stream's chunks call in the parent page. */
export const CALLBACK = 'parent.clockChanged';

/** Ticks the hub keeps for a client that reconnects (one minute). */
export const HISTORY = 600;

/**
 * Starts the clock demo on `host:port`.
 * @throws RangeError when `port` is not an integer in 0..65535
 */
export async function startClockServer(options: ClockServerOptions = {}): Promise<ClockServer> {
  const { port = 0, host = '127.0.0.1' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(port)}`);
  }
  const client = await compileClient();
  // A hub encodes each tick once for every client, so the stream's nonce is one per server start
  // (the encoder, not the nonce, is what keeps a message from becoming markup).
  const streamNonce = randomBytes(16).toString('base64');
  const hub = cometHub<string>(CALLBACK, { kind: 'string', history: HISTORY, nonce: streamNonce });
  const emitter = new ClockEmitter(100);
  emitter.on(TICK, (time: string) => hub.publish(time));
  const shutdown = new AbortController();
  const streams = new Set<Promise<unknown>>();
  const streamHeaders = { 'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${streamNonce}'` };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
    } else if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}' 'self'; style-src 'nonce-${nonce}'; frame-src 'self'`,
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : clientClockPage({ streamPath: STREAM_PATH, clientPath: CLIENT_PATH, callback: CALLBACK, nonce }));
    } else if (path === CLIENT_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : client);
    } else if (path === STREAM_PATH) {
      const sent = hub
        .serve(req, res, { heartbeatMs: 2000, signal: shutdown.signal, headers: streamHeaders })
        .catch(() => {
          // sendComet has already destroyed the response; the clock itself cannot fail.
        })
        .finally(() => streams.delete(sent));
      streams.add(sent);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}/`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      // every stream ends cleanly, so each page's iframe loads and the page starts reconnecting
      shutdown.abort();
      await Promise.allSettled([...streams]);
      // a client that does not take the end within a second is cut
      const cut = setTimeout(() => server.closeAllConnections(), 1000);
      await closed.finally(() => clearTimeout(cut));
      emitter.stop();
      hub.close();
    })();
    return closing;
  };

  return { url, server, emitter, hub, close };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 9000 : Number(process.env.PORT);
  const clock = await startClockServer({ port });
  console.log(`Comet clock running at ${clock.url}`);
  const shutdown = (): void => {
    process.off('SIGINT', shutdown);
    process.off('SIGTERM', shutdown);
    clock.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (isMain()) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
