/**
 * A clock written the Play way, against the deprecated Enumerator API only: a
 * `Concurrent.broadcast` channel fed by `setInterval`, each client reading it through
 * `LegacyComet.apply` (Play's `Comet(callback)`), served by `sendComet` via
 * `Streams.enumeratorToSource` (the old `Ok.chunked(clock &> Comet("parent.clockChanged"))`).
 *
 * Run it with `npx tsx examples/legacy/broadcast-clock.ts [port]` and open the printed URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Concurrent, LegacyComet, Streams, sendComet } from '../../src/index.js';

/** Options of {@link startBroadcastClock}. */
export interface BroadcastClockOptions {
  /** Milliseconds between ticks; default 100. */
  intervalMs?: number;
  /** Interface to listen on; default `'127.0.0.1'`. */
  host?: string;
}

/** A running legacy clock. */
export interface BroadcastClock {
  /** The page to open. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops the ticks, ends every open stream and closes the server. */
  close(): Promise<void>;
}

/** The page: a clock and a hidden forever iframe whose scripts call `parent.clockChanged`. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Legacy broadcast clock</title></head>
<body>
<h1 id="clock">waiting for the first tick</h1>
<script>
  window.ticks = [];
  function clockChanged(tick) {
    window.ticks.push(tick);
    document.getElementById('clock').textContent = tick;
  }
</script>
<iframe src="/comet" style="display:none"></iframe>
</body></html>`;

/**
 * Starts the legacy clock on `port` (0: any free port).
 * @throws RangeError when `port` is not an integer in 0..65535
 */
export async function startBroadcastClock(port = 0, options: BroadcastClockOptions = {}): Promise<BroadcastClock> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(port)}`);
  }
  const { intervalMs = 100, host = '127.0.0.1' } = options;

  // The Play pattern: one broadcast enumerator, pushed to from a scheduler.
  const [clock, channel] = Concurrent.broadcast<string>();
  let seq = 0;
  const timer = setInterval(() => {
    seq += 1;
    channel.push(`#${seq} ${new Date().toISOString().slice(11, 23)}`);
  }, intervalMs);

  const streams = new Set<Promise<unknown>>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (path === '/comet') {
      // Ok.chunked(clock &> Comet(callback = "parent.clockChanged"))
      const chunks = Streams.enumeratorToSource(clock.through(LegacyComet.apply('parent.clockChanged')));
      const stream = sendComet(res, chunks).catch(() => undefined);
      streams.add(stream);
      void stream.finally(() => streams.delete(stream));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    async close() {
      clearInterval(timer);
      channel.end();
      await Promise.all(streams);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const clock = await startBroadcastClock(Number(process.argv[2] ?? 9000));
  console.log(`legacy clock on ${clock.url}`);
  process.once('SIGINT', () => void clock.close());
}
