/**
 * The Comet clock on every core (`npm run example:cluster`).
 *
 * The primary process forks `WORKERS` workers (default: the number of cores) that share one port
 * (`node:cluster`). Each worker serves the clock page and its Comet stream from its own
 * `createRedisHub`, so a browser gets every tick whichever worker it lands on. The primary is the one
 * publisher: it publishes the time every `TICK_MS` (default 100) through a hub on the same channel.
 * Redis is `REDIS_URL`, or a redis-server this script starts on a free port and stops on exit.
 *
 *   npm run example:cluster                  # http://127.0.0.1:9000/
 *   WORKERS=2 PORT=0 npm run example:cluster # any free port, printed at start
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createClient } from 'redis';
import { cometEncoding, createRedisHub, sendComet, type RedisHub } from '../../src/index.js';
import { clockPage } from '../clock/page.js';

/** Path of the Comet stream. */
export const STREAM_PATH = '/comet';
/** The page's callback (the clock page's). */
export const CALLBACK = 'parent.clockChanged';

const env = process.env;
const CHANNEL = env.CHANNEL || 'comet-bridge-cluster-clock';
const HOST = env.HOST || '127.0.0.1';

/** A positive integer from the environment, else `fallback`; exits naming the variable when it is not one. */
function count(name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`examples/cluster: ${name} must be an integer ≥ ${min}, got ${raw}`);
    process.exit(2);
  }
  return n;
}

/** A hub of clock chunks on the shared channel, with its Redis client. */
async function clockHub(url: string): Promise<RedisHub<string, string>> {
  const client = createClient({ url });
  await client.connect();
  const hub = await createRedisHub<string, string>({
    client,
    channel: CHANNEL,
    ...cometEncoding<string>(CALLBACK, { kind: 'string' }),
    policy: 'drop-oldest',
    limit: 64,
  });
  const close = hub.close.bind(hub);
  return Object.assign(hub, { close: async () => { await close(); client.destroy(); } });
}

/** A worker: the page and the stream, on the port the workers share. */
async function worker(): Promise<void> {
  const hub = await clockHub(env.REDIS_URL!);
  const id = String(cluster.worker!.id);
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const nonce = randomBytes(16).toString('base64');
    const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; frame-src 'self'`;
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
    } else if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': csp, 'X-Worker': id });
      res.end(clockPage({ streamPath: STREAM_PATH, nonce }));
    } else if (path === STREAM_PATH) {
      sendComet(res, hub.subscribe(), { headers: { 'X-Worker': id } }).catch(() => {
        // sendComet has already destroyed the response
      });
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(count('PORT', 9000, 0), HOST);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void hub.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

/** The primary: Redis, the workers, the one publisher; stops them all on SIGINT/SIGTERM. */
async function primary(): Promise<void> {
  const workers = count('WORKERS', os.availableParallelism());
  const tickMs = count('TICK_MS', 100);
  let redis: { url: string; stop(): Promise<void> } = { url: env.REDIS_URL ?? '', stop: async () => {} };
  if (!env.REDIS_URL) {
    const script = new URL('../../scripts/redis-test-server.mjs', import.meta.url).href;
    const { startRedis } = (await import(script)) as { startRedis(): Promise<typeof redis> };
    redis = await startRedis();
  }
  const hub = await clockHub(redis.url);
  let stopping = false;
  const fork = (): void => void cluster.fork({ REDIS_URL: redis.url, CHANNEL });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    console.error(`worker ${w.id} exited (${signal ?? code}); starting another`);
    fork();
  });
  const listening = new Promise<number>((resolve) => {
    let ready = 0;
    cluster.on('listening', (_w, address: AddressInfo | { port: number }) => {
      if (++ready === workers) resolve(address.port);
    });
  });
  for (let i = 0; i < workers; i++) fork();
  const port = await listening;
  const timer = setInterval(() => void hub.publish(new Date().toISOString()).catch(() => {}), tickMs);
  console.log(`Comet clock cluster: ${workers} worker(s) at http://${HOST}:${port}/ (redis ${redis.url}, channel ${CHANNEL})`);

  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    const exits = Object.values(cluster.workers ?? {}).map((w) => new Promise((r) => w!.process.exitCode !== null ? r(null) : w!.once('exit', r)));
    for (const w of Object.values(cluster.workers ?? {})) w!.process.kill('SIGTERM');
    await Promise.all(exits);
    await hub.close();
    await redis.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

(cluster.isPrimary ? primary() : worker()).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
