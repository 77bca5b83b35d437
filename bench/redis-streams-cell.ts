/**
 * One cell of the redis-streams benchmark (bench/redis-streams.ts), repeated: the pub/sub baseline
 * and the Streams hub at 1,000 clients, alternated, with the throughput of every round printed, so
 * that a change can be compared in one process and profiled (`node --cpu-prof`) on its own.
 *
 *   npx tsx bench/redis-streams-cell.ts                       # pub/sub, Streams; 6 repetitions
 *   CELL_SYSTEMS=streams CELL_REPS=3 node --cpu-prof --import tsx bench/redis-streams-cell.ts
 *   CELL_OTHER=/path/to/esm npx tsx bench/redis-streams-cell.ts   # adds the Streams hub of another build
 *
 * Env: CELL_CLIENTS (1000), CELL_MESSAGES (200 per round, as the table's cell), CELL_ROUNDS (3 per
 * repetition, median), CELL_REPS (6), CELL_SYSTEMS (comma list of pubsub, streams, other).
 */
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { Clients } from './hub-clients.js';
import { paced, throughput } from './hub-measure.js';
import { hubSystem, redisCpuSeconds, redisServer, type System } from './hub-systems.js';
import { pubsubBaseline } from './redis-streams-baseline.js';
import { buildLibrary, library, type Library } from './lib/library.js';
import { listen } from './lib/server.js';
import { median } from './lib/stats.js';

type Value = [number, number];
type MakeRedisHub = (options: object) => Promise<{ publish(v: Value): Promise<number>; subscribe(): AsyncIterable<string>; size: number; close(): Promise<void> }>;

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const CLIENTS = env('CELL_CLIENTS', 1000);
const MESSAGES = env('CELL_MESSAGES', 200);
const ROUNDS = env('CELL_ROUNDS', 3);
const REPS = env('CELL_REPS', 6);
const NAMES = (process.env.CELL_SYSTEMS ?? (process.env.CELL_OTHER ? 'pubsub,streams,other' : 'pubsub,streams')).split(',');

/** Socket writes (write and writev calls) of this process: one per client per delivered batch. */
let writes = 0;
const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
for (const key of ['_write', '_writev'] as const) {
  const original = proto[key];
  proto[key] = function (this: unknown, ...args: unknown[]) {
    writes++;
    return original.apply(this, args);
  };
}

if (!process.env.COMET_BENCH_LIBRARY) await buildLibrary();
const lib = await library();
const other = process.env.CELL_OTHER ? ((await import(pathToFileURL(process.env.CELL_OTHER + '/index.js').href)) as Library) : undefined;
const baseline = await pubsubBaseline();
const redis = await redisServer([]);
if (redis === null) throw new Error('redis-streams-cell: no Redis server');
const options = { ...lib.cometEncoding<Value>('parent.cometMessage'), policy: 'drop-oldest' as const, limit: Infinity, history: 1000 };
const makers: Record<string, MakeRedisHub> = {
  pubsub: baseline.module.createRedisHub as unknown as MakeRedisHub,
  streams: lib.createRedisHub as unknown as MakeRedisHub,
  ...(other ? { other: other.createRedisHub as unknown as MakeRedisHub } : {}),
};

/**
 * The median throughput of ROUNDS rounds of `name` at CLIENTS clients, on a fresh hub, channel and
 * connection; the p50 of 20 paced messages before; the socket writes per client per message meanwhile.
 */
async function cell(name: string, clients: Clients): Promise<{ rate: number; p50: number; writes: number; cpu: number; redisCpu: number }> {
  const client = createClient({ url: redis!.url });
  client.on('error', () => {});
  await client.connect();
  const hub = await makers[name]!({ client, channel: `cell-${process.pid}-${Date.now()}`, ...options });
  const system: System = hubSystem(lib, name, hub, (v) => void hub.publish(v).catch(() => {}));
  const server = await listen(system.handler);
  try {
    await clients.ask({ op: 'open', port: server.port, count: CLIENTS, sse: false });
    while (system.size() < CLIENTS) await new Promise((r) => setTimeout(r, 5));
    const seq = { n: 0 };
    await paced(system, clients, 10, seq);
    const { p50 } = await paced(system, clients, 20, seq);
    const before = writes;
    const cpu = process.cpuUsage();
    const redisCpu = await redisCpuSeconds(client);
    const rates: number[] = [];
    for (let i = 0; i < ROUNDS; i++) rates.push(await throughput(system, clients, CLIENTS, MESSAGES, seq));
    const deliveries = CLIENTS * MESSAGES * ROUNDS;
    const used = process.cpuUsage(cpu);
    const redisUsed = (await redisCpuSeconds(client)) - redisCpu;
    const perMessage = (writes - before) / deliveries;
    await clients.ask({ op: 'close' });
    return { rate: median(rates), p50: p50!, writes: perMessage, cpu: (used.user + used.system) / deliveries, redisCpu: (redisUsed * 1e6) / deliveries };
  } finally {
    await server.close();
    await hub.close();
    client.destroy();
  }
}

const clients = new Clients();
await clients.ask({});
const results: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
const latencies: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
const batches: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
const cpus: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
const redisCpus: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, []]));
try {
  for (let rep = 0; rep < REPS; rep++) {
    const order = NAMES.map((_, i) => NAMES[(i + rep) % NAMES.length]!);
    const line: string[] = [];
    for (const name of order) {
      const { rate, p50, writes: w, cpu, redisCpu } = await cell(name, clients);
      cpus[name]!.push(cpu);
      redisCpus[name]!.push(redisCpu);
      results[name]!.push(rate);
      latencies[name]!.push(p50);
      batches[name]!.push(1 / w);
      line.push(`${name} ${(rate / 1e6).toFixed(2)} M/s (p50 ${p50.toFixed(2)} ms, ${(1 / w).toFixed(1)} msg/write, CPU ${cpu.toFixed(2)} + Redis ${redisCpu.toFixed(2)} µs/delivery)`);
    }
    const ratio = results.pubsub ? NAMES.filter((n) => n !== 'pubsub').map((n) => `${n}/pubsub ${(results[n]!.at(-1)! / results.pubsub.at(-1)!).toFixed(2)}`) : [];
    console.log(`rep ${rep}: ${line.join(', ')}  ${ratio.join(' ')}`);
  }
} finally {
  clients.stop();
  await redis.stop();
}
for (const name of NAMES) {
  const rate = (median(results[name]!) / 1e6).toFixed(2);
  console.log(`${name}: median ${rate} M/s, p50 ${median(latencies[name]!).toFixed(2)} ms, ${median(batches[name]!).toFixed(1)} msg/write, CPU ${median(cpus[name]!).toFixed(2)} + Redis ${median(redisCpus[name]!).toFixed(2)} µs/delivery, over ${REPS}`);
}
if (results.pubsub) {
  for (const name of NAMES.filter((n) => n !== 'pubsub')) {
    const ratios = results[name]!.map((r, i) => r / results.pubsub![i]!);
    console.log(`${name}/pubsub paired ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`);
  }
}
