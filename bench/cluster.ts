/**
 * More cores: the cluster example (examples/cluster) with 1 and with 2 worker processes, delivered
 * messages per second to 1,000 loopback clients through the Redis hub. The benchmark publishes
 * itself (one more Redis hub on the example's channel, the example's own clock stopped), in bursts,
 * and times each run from the first publish until every client has every message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { ClientFleet } from './lib/clients.js';
import { library } from './lib/library.js';
import { formatRate, formatRatio, median, spread } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

const EXAMPLE = fileURLToPath(new URL('../examples/cluster/server.ts', import.meta.url));
/** Messages per burst, below the example's per-client buffer limit of 64. */
const BURST = 50;
/** Messages sent untimed after each start, so every worker has compiled and warmed its code. */
const WARM_UP = 300;

/** Starts the example with `workers` workers on a free port; resolves with the port once all listen. */
async function startExample(workers: number, redisUrl: string, channel: string): Promise<{ child: ChildProcess; port: number }> {
  const env = { ...process.env, WORKERS: String(workers), PORT: '0', REDIS_URL: redisUrl, CHANNEL: channel, TICK_MS: String(2 ** 31 - 1) };
  const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`examples/cluster exited with ${code}`)));
  });
  const port = Number(/:(\d+)\//.exec(line)?.[1]);
  if (!port) throw new Error(`examples/cluster: no port in "${line}"`);
  return { child, port };
}

/** Runs the cluster benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const clients = 1000;
  const messages = settings.quick ? 500 : 2000;
  const rounds = settings.quick ? 1 : 3;
  const script = (await import(new URL('../scripts/redis-test-server.mjs', import.meta.url).href)) as { startRedis(): Promise<{ url: string; stop(): Promise<void> }> };
  const redis = process.env.REDIS_URL ? { url: process.env.REDIS_URL, stop: async () => {} } : await script.startRedis();
  const fleet = await ClientFleet.start();
  const rates: Record<number, number[]> = { 1: [], 2: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const workers of r % 2 === 0 ? [1, 2] : [2, 1]) {
        const channel = `bench-cluster-${process.pid}-${r}-${workers}`;
        const { child, port } = await startExample(workers, redis.url, channel);
        const client = createClient({ url: redis.url });
        await client.connect();
        const hub = await lib.createRedisHub<string>({ client, channel });
        try {
          await fleet.open(port, '/comet', clients);
          let received = (await fleet.stats()).minScripts;
          // a burst stays below the example's per-client limit (64, 'drop-oldest'): each is waited for
          const send = async (count: number): Promise<void> => {
            for (let sent = 0; sent < count; ) {
              const k = Math.min(BURST, count - sent);
              await Promise.all(Array.from({ length: k }, () => hub.publish(new Date().toISOString())));
              sent += k;
              await fleet.wait((received += k));
            }
          };
          await send(WARM_UP);
          const t0 = performance.now();
          await send(messages);
          rates[workers]!.push((messages * clients) / ((performance.now() - t0) / 1000));
          await fleet.closeAll();
        } finally {
          await hub.close();
          client.destroy();
          child.kill('SIGTERM');
          await once(child, 'exit');
        }
      }
    }
  } finally {
    await fleet.stop();
    await redis.stop();
  }
  const one = median(rates[1]!);
  const two = median(rates[2]!);
  return {
    title: 'More cores: examples/cluster with 1 and 2 workers, 1,000 clients, Redis hub',
    columns: ['workers', 'delivered msg/s', 'spread', 'vs 1 worker'],
    rows: [1, 2].map((w) => [w, formatRate(median(rates[w]!)), spread(rates[w]!), formatRatio(median(rates[w]!) / one)]),
    notes: [
      `Scaling factor from 1 to 2 workers: ${formatRatio(two / one)}. This machine has 2 cores, shared by the workers, redis-server, the client process (1,000 raw HTTP sockets counting chunks) and the publishing process, so a second worker gets much less than a core of its own; the factor is what this machine shows, not the ceiling.`,
      `${messages.toLocaleString('en-US')} messages per run, published in bursts of ${BURST}, each waited for on every client (below the example's per-client limit of 64, so nothing is dropped), the time as a string (as the example's clock sends it), through one more Redis hub on the example's channel (the example's clock stopped); delivered msg/s = messages × clients / time, after ${WARM_UP} untimed ones, from the first publish until every client has every message; ${rounds} round(s) per worker count, interleaved, medians.`,
      'Each worker encodes each message once for its own clients (createRedisHub with cometEncoding), so adding workers adds one encode and one Redis delivery per message per worker.',
    ],
  };
}
