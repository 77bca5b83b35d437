/**
 * Metrics on against off: the same hub serving the same Server-Sent Events clients through
 * `hub.serve`, once bare and once observed by `observeHub` (comet-bridge/metrics) with the
 * OpenTelemetry SDK collecting every second (far more often than a real scrape) and a `topicLabel`
 * (so that every publish goes through the observer), for the in-process hub and, when a Redis
 * server is at hand, the Redis hub (whose observer also times every publish and every read).
 * Measured as the broadcast benchmark measures (bench/hub-measure.ts), off and on back to back in
 * each round (which goes first alternating); the ratio is the median of the rounds' ratios, so that
 * the load of other work on the machine, which drifts from round to round, hits both sides of each.
 *
 * `METRICS_BENCH_CLIENTS=100,1000` picks the client counts.
 */
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { pathToFileURL } from 'node:url';
import type { CometHub } from '../src/index.js';
import { Clients } from './hub-clients.js';
import { formatCpu, measure, type Result } from './hub-measure.js';
import { redisServer, type System } from './hub-systems.js';
import { library, metricsLibrary, type Library, type MetricsLibrary } from './lib/library.js';
import { formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { rateFor } from './sse.js';

/** How often the SDK collects while metrics are on. */
const COLLECT_MS = 1000;
/** Throughput runs in each cell (their median is the cell's). */
const RUNS = 3;

type Served = Pick<CometHub<[number, number]>, 'serve' | 'size' | 'stats'>;

/** Metrics for `hub`, collected every {@link COLLECT_MS}; `stop` ends both; `collections` counts what was exported. */
function watch(metrics: MetricsLibrary, hub: Served) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const provider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: COLLECT_MS })] });
  const observed = metrics.observeHub(hub, { meter: provider.getMeter('bench'), topicLabel: (topic) => topic.split(':')[0]! });
  return {
    collections: () => exporter.getMetrics().length,
    stop: async () => {
      observed.stop();
      await provider.shutdown();
    },
  };
}

/** A hub served through `hub.serve`, with or without metrics. */
function served(name: string, hub: Served, publish: (v: [number, number]) => void, close: () => Promise<void>, watching?: ReturnType<typeof watch>): System {
  return {
    name,
    handler: (req, res) => void hub.serve(req, res, { heartbeatMs: 0 }).catch(() => {}),
    publish,
    size: () => hub.size,
    close: async () => {
      await watching?.stop();
      await close();
    },
    ...(watching ? { note: () => `${name}: ${watching.collections()} collections in its last cell, ${hub.stats().published} messages` } : {}),
  };
}

/** The systems, in pairs (off, on), and what stops the Redis server. */
async function systems(lib: Library, metrics: MetricsLibrary, notes: string[]) {
  const encoding = lib.cometEncoding<[number, number]>('parent.cometMessage');
  const makers: ((on: boolean) => Promise<System>)[] = [
    async (on) => {
      const hub = lib.cometHub<[number, number]>('parent.cometMessage', { policy: 'drop-oldest', limit: Infinity });
      const watching = on ? watch(metrics, hub) : undefined;
      return served(`in-process hub, metrics ${on ? 'on' : 'off'}`, hub, (v) => void hub.publish(v), async () => hub.close(), watching);
    },
  ];
  const redis = await redisServer(notes);
  if (redis !== null) {
    const { createClient } = await import('redis');
    makers.push(async (on) => {
      const client = createClient({ url: redis.url });
      await client.connect();
      const hub = await lib.createRedisHub<[number, number], string>({ client, channel: `bench-metrics-${process.pid}-${Date.now()}`, ...encoding, policy: 'drop-oldest', limit: Infinity });
      const watching = on ? watch(metrics, hub) : undefined;
      const close = async (): Promise<void> => {
        await hub.close();
        client.destroy();
      };
      return served(`Redis hub, metrics ${on ? 'on' : 'off'}`, hub, (v) => void hub.publish(v).catch(() => {}), close, watching);
    });
  }
  return { makers, stop: async () => void (await redis?.stop()) };
}

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const metrics = await metricsLibrary();
  const rounds = settings.quick ? 1 : 5;
  const sizes = (process.env.METRICS_BENCH_CLIENTS ?? '100,1000').split(',').filter(Boolean).map(Number);
  const perClient = (n: number): number => Math.max(settings.quick ? 500 : 1000, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
  const { makers, stop } = await systems(lib, metrics, notes);
  const rows: (string | number)[][] = [];
  const clients = new Clients();
  await clients.ask({});
  try {
    for (const n of sizes) {
      for (const make of makers) {
        const results: [Result[], Result[]] = [[], []];
        const names = ['', ''];
        for (let r = 0; r < rounds; r++) {
          // off then on, then on then off: neither always runs first on the shared machine
          for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
            const system = await make(on);
            names[on ? 1 : 0] = system.name;
            results[on ? 1 : 0].push(await measure(system, clients, n, perClient(n), RUNS, { sse: true, rate: rateFor(n) }));
            if (system.note && r === rounds - 1) notes.push(`${n} clients: ${system.note()}`);
          }
        }
        const of = (i: number, key: keyof Result): number => median(results[i]!.map((x) => x[key]));
        // each round's on against its off, measured back to back
        const paired = (key: keyof Result): number[] => results[1].map((on, r) => on[key] / results[0][r]![key]);
        for (const i of [0, 1]) {
          const speed = i === 0 ? 1 : median(paired('perSecond'));
          rows.push([
            n.toLocaleString('en-US'),
            names[i]!,
            formatRate(of(i, 'perSecond')),
            formatRatio(speed),
            i === 0 ? '' : spread(paired('perSecond')),
            formatMs(of(i, 'p50')),
            formatMs(of(i, 'p99')),
            formatCpu(of(i, 'cpuPerDelivery')),
            formatRatio(i === 0 ? 1 : median(paired('cpuPerDelivery'))),
            i === 1 ? `≥0.95× msg/s ${verdict(speed >= 0.95)}` : '',
          ]);
        }
      }
    }
  } finally {
    clients.stop();
    await stop();
  }
  notes.push(
    `each system: a cometHub (or a Redis hub with cometEncoding) served by hub.serve to Server-Sent Events clients in a child process (bench/hub-clients.ts); ${rounds} round(s), each measuring off and on back to back (which goes first alternating)`,
    `each measurement: clients opened afresh, 10 warm-up messages, latency at ${rateFor(100)}/s (${rateFor(1000)}/s at 1,000 clients) with the server's CPU time, then throughput, the median of ${RUNS} runs of ${perClient(1000)} messages at 1,000 clients (${perClient(100)} at 100) published 50 per event-loop turn until every client has every one`,
    'delivered msg/s, p50, p99, CPU/delivery: medians over the rounds; "vs off" (msg/s) and "CPU vs off": the median of the rounds\' ratios of on to its off, and the spread of those ratios (half their min-max range over their median); the target is judged on that ratio',
    `metrics on: observeHub with the OpenTelemetry SDK (MeterProvider, PeriodicExportingMetricReader every ${COLLECT_MS} ms into an InMemoryMetricExporter) and topicLabel, so every publish is counted by topic group; the Redis hub also records each publish's duration and each entry's read lag`,
  );
  return {
    title: 'Metrics: observeHub on against off',
    columns: ['clients', 'system', 'delivered msg/s', 'vs off', 'ratio spread', 'p50', 'p99', 'CPU/delivery', 'CPU vs off', 'target'],
    rows,
    notes,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
