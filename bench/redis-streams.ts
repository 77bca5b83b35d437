/**
 * The Redis Streams hub against the pub/sub Redis hub it replaces (the frozen copy in bench/baseline/,
 * measured in the same run) and the in-process hub: delivered messages per second and p99 latency at
 * 1, 100 and 1,000 loopback clients, one table, ratios against the pub/sub hub. Same harness as the
 * broadcast benchmark (bench/hub-clients.ts, bench/hub-measure.ts, bench/hub-systems.ts); every hub
 * keeps the same history and policy. Target: the Streams hub at ≥ 0.8× the pub/sub hub's throughput
 * at 1,000 clients.
 *
 * `REDIS_STREAMS_BENCH_CLIENTS=1,100` picks the sizes.
 */
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { Clients } from './hub-clients.js';
import { BURST, measureEach, RATE, resultCells } from './hub-measure.js';
import { hubSystem, redisServer, type System } from './hub-systems.js';
import { pubsubBaseline } from './redis-streams-baseline.js';
import { library, type Library } from './lib/library.js';
import { verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

/** History kept by every hub (in Redis for the Streams hub, in each process for the others). */
const HISTORY = 1000;
const BASELINE = 'hub (Redis pub/sub, baseline)';
const STREAMS = 'hub (Redis Streams)';
const TARGET = 0.8;

type Value = [number, number];
type RedisHubLike = { publish(v: Value): Promise<number>; subscribe(): AsyncIterable<string>; size: number; close(): Promise<void> };
type MakeRedisHub = (options: object) => Promise<RedisHubLike>;

/** An error's name and message, and its cause's. */
function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: unknown };
  const cause = e?.cause === undefined ? '' : ` (cause: ${(e.cause as Error)?.message ?? String(e.cause)})`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}${cause}`;
}

/** A Redis hub made by `make` on a fresh connection and channel, as a System. */
function redisSystem(lib: Library, name: string, url: string, make: MakeRedisHub, options: object): () => Promise<System> {
  return async () => {
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    const hub = await make({ client, channel: `bench-streams-${process.pid}-${Date.now()}`, ...options });
    // publishes that reject are counted, and the first error kept: the table says why a cell failed
    let rejected = 0;
    let first = '';
    const onRejected = (error: unknown): void => {
      if (rejected++ === 0) first = describeError(error);
    };
    const system = hubSystem(lib, name, hub, (v) => void hub.publish(v).catch(onRejected));
    return {
      ...system,
      note: () => (rejected === 0 ? '' : `${rejected} publishes rejected, the first with ${first}`),
      close: async () => {
        await hub.close();
        client.destroy();
      },
    };
  };
}

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const baseline = await pubsubBaseline();
  const rounds = settings.quick ? 1 : 3;
  const sizes = (process.env.REDIS_STREAMS_BENCH_CLIENTS ?? '1,100,1000').split(',').filter(Boolean).map(Number);
  const perClient = (n: number): number => Math.max(200, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
  const title = 'Redis Streams hub vs the pub/sub Redis hub it replaces vs the in-process hub';
  const columns = ['clients', 'system', 'delivered msg/s', 'vs pub/sub', 'p50', 'p99', 'CPU/delivery', 'target'];
  const redis = await redisServer(notes);
  if (redis === null) return { title, columns, rows: [], notes };

  const options = { ...lib.cometEncoding<Value>('parent.cometMessage'), policy: 'drop-oldest' as const, limit: Infinity, history: HISTORY };
  const makers: (() => Promise<System>)[] = [
    async () => {
      const hub = lib.createHub<Value, string>(options);
      return hubSystem(lib, 'hub (in-process)', hub, (v) => void hub.publish(v));
    },
    redisSystem(lib, BASELINE, redis.url, baseline.module.createRedisHub as unknown as MakeRedisHub, options),
    redisSystem(lib, STREAMS, redis.url, lib.createRedisHub as unknown as MakeRedisHub, options),
  ];

  const clients = new Clients();
  await clients.ask({});
  const rows: (string | number)[][] = [];
  try {
    for (const [index, n] of sizes.entries()) {
      const results = await measureEach(makers, clients, n, perClient(n), rounds, index);
      const base = results.find((x) => x.system.name === BASELINE)!.r;
      for (const { system, r } of results) {
        let target = r instanceof Error ? r.message : '';
        if (n === 1000 && system.name === STREAMS && !(r instanceof Error) && !(base instanceof Error)) {
          target = `≥${TARGET}× pub/sub ${verdict(r.perSecond / base.perSecond >= TARGET)}`;
        }
        rows.push([n, system.name, ...resultCells(r, base), target]);
        if (system.note?.()) notes.push(`${n} clients, ${system.name}: ${system.note()}`);
      }
    }
  } finally {
    clients.stop();
    await redis.stop();
  }
  notes.push(
    `throughput: ${rounds} round(s) per cell, median; each round publishes ${BURST} messages per event-loop turn and ends when every client has every message`,
    `latency: ${RATE} messages/s paced (${RATE} messages, ${2 * RATE} at 1,000 clients, after 10 warm-up ones), p50/p99 over every delivery, publish to client receipt; clients in a child process`,
    'CPU/delivery: user + system CPU time of the server process (without redis-server) during the paced phase, per delivered message',
    `every hub: cometEncoding, policy 'drop-oldest', no limit, history ${HISTORY}; one process, one node-redis client per Redis hub, redis-server on the same 2 cores`,
    `${BASELINE}: ${baseline.origin}, the pub/sub hub that the Streams hub replaces, kept on the public createHub (one EVAL of INCR + PUBLISH per message, each received one published into an in-process hub); ratios against it in this run`,
  );
  return { title, columns, rows, notes };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
