/**
 * The Comet clock demo (`npm start`).
 *
 * `/` is a page with a clock and a hidden forever iframe; `/comet` is the stream: a clock
 * EventEmitter ticking every 100 ms, turned into an AsyncIterable by `fromEventEmitter`, encoded as
 * `<script>` chunks by `Comet.string('parent.clockChanged')` and written by `sendComet`. When the
 * browser goes away, `sendComet` ends the iterator, which removes the listener; when the last
 * listener is gone the clock's timer stops.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Comet } from '../../src/comet/index.js';
import { sendComet } from '../../src/http/index.js';
import { fromEventEmitter } from '../../src/source/index.js';
import { ClockEmitter, TICK } from './clock.js';
import { clockPage } from './page.js';

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
  /** The one clock every stream listens to. */
  readonly emitter: ClockEmitter;
  /** Stops accepting connections, ends every open stream and stops the clock. */
  close(): Promise<void>;
}

/** Path of the Comet stream. */
export const STREAM_PATH = '/comet';

/** Callback the stream's chunks call in the parent page. */
export const CALLBACK = 'parent.clockChanged';

/**
 * Starts the clock demo on `host:port`.
 * @throws RangeError when `port` is not an integer in 0..65535
 */
export async function startClockServer(options: ClockServerOptions = {}): Promise<ClockServer> {
  const { port = 0, host = '127.0.0.1' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(port)}`);
  }
  const emitter = new ClockEmitter(100);
  const streams = new Set<Promise<unknown>>();

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-src 'self'`;
    if (path === '/') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : clockPage({ streamPath: STREAM_PATH, nonce }));
    } else if (path === STREAM_PATH && req.method === 'HEAD') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain; charset=utf-8' }).end();
    } else if (path === STREAM_PATH) {
      const ticks = fromEventEmitter<string>(emitter, TICK, { buffer: { limit: 16, overflow: 'drop-oldest' } });
      const chunks = Comet.string(CALLBACK, { nonce })(ticks);
      const sent = sendComet(res, chunks, { headers: { 'Content-Security-Policy': csp } })
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
      server.closeAllConnections();
      await closed;
      await Promise.allSettled([...streams]);
      emitter.stop();
    })();
    return closing;
  };

  return { url, server, emitter, close };
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
