/**
 * Metrics on against off: the same hub, once bare and once observed by `observeHub`
 * (comet-bridge/metrics) with the OpenTelemetry SDK collecting often and a `topicLabel` (so that
 * every publish goes through the observer), for the in-process hub and, when a Redis server is at
 * hand, the Redis hub (whose observer also times every publish and every read). Two parts:
 *
 * - fan-out in one process: 1,000 subscribers read by `for await` loops, no sockets, so that what
 *   is measured is the hub's own work, where metrics add theirs; many short rounds, off and on back
 *   to back, the ratio the median of the pairs' ratios (the target is judged here);
 * - `hub.serve` to 1,000 Server-Sent Events clients over loopback, as the broadcast benchmark
 *   measures (bench/hub-measure.ts), off and on back to back in each round: the same check end to
 *   end, where the sockets' cost and the machine's other load make it much noisier.
 *
 * `METRICS_BENCH_CLIENTS=1000` picks the client counts of the second part (empty: none).
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { pathToFileURL } from 'node:url';
import type { CometHub, HubStats, HubSubscription } from '../src/index.js';
import { Clients } from './hub-clients.js';
import { formatCpu, measure, type Result } from './hub-measure.js';
import { redisServer, type System } from './hub-systems.js';
import { library, metricsLibrary, type Library, type MetricsLibrary } from './lib/library.js';
import { formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { rateFor } from './sse.js';

/** How often the SDK collects while metrics are on: 150 times as often as a 15 s scrape. */
const COLLECT_MS = 100;
/** Throughput runs in each cell of the loopback part (their median is the cell's). */
const RUNS = 3;
/** Subscribers in the fan-out part. */
const SUBSCRIBERS = 1000;
/** Messages per round of the fan-out part, published 50 per event-loop turn. */
const MESSAGES = 2000;
const BURST = 50;
const CALLBACK = 'parent.cometMessage';

/** What both parts need of a hub. */
type Observed = { size: number; stats(): HubStats; subscribe(): HubSubscription<string>; close(): unknown };

/** Metrics for `hub`, collected every {@link COLLECT_MS}; `stop` ends both; `collections` counts the exports. */
function watch(metrics: MetricsLibrary, hub: Observed) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: COLLECT_MS, exportTimeoutMillis: COLLECT_MS });
  const provider = new MeterProvider({ readers: [reader] });
  const observed = metrics.observeHub(hub, { meter: provider.getMeter('bench'), topicLabel: (topic) => topic.split(':')[0]! });
  return {
    collections: () => exporter.getMetrics().length,
    stop: async () => {
      observed.stop();
      await provider.shutdown();
    },
  };
}

/** One kind of hub under test, made bare or observed. */
interface Kind {
  name: string;
  make(on: boolean): Promise<{ hub: Observed & Pick<CometHub<unknown>, 'serve'>; publish(v: [number, number]): void; close(): Promise<void>; note?: () => string }>;
}

/** The in-process hub and, when a Redis server is at hand, the Redis hub; what stops that server. */
async function kinds(lib: Library, metrics: MetricsLibrary, notes: string[]): Promise<{ list: Kind[]; stop(): Promise<void> }> {
  const encoding = lib.cometEncoding<[number, number]>(CALLBACK);
  const observe = (hub: Observed, on: boolean) => (on ? watch(metrics, hub) : undefined);
  const list: Kind[] = [
    {
      name: 'in-process hub',
      async make(on) {
        const hub = lib.cometHub<[number, number]>(CALLBACK, { policy: 'drop-oldest', limit: Infinity });
        const watching = observe(hub, on);
        return {
          hub,
          publish: (v) => void hub.publish(v),
          close: async () => {
            await watching?.stop();
            hub.close();
          },
          ...(watching ? { note: () => `${watching.collections()} collections` } : {}),
        };
      },
    },
  ];
  const redis = await redisServer(notes);
  if (redis !== null) {
    const { createClient } = await import('redis');
    list.push({
      name: 'Redis hub',
      async make(on) {
        const client = createClient({ url: redis.url });
        await client.connect();
        const hub = await lib.createRedisHub<[number, number], string>({ client, channel: `bench-metrics-${process.pid}-${Date.now()}`, ...encoding, policy: 'drop-oldest', limit: Infinity });
        const watching = observe(hub, on);
        return {
          hub,
          publish: (v) => void hub.publish(v).catch(() => {}),
          close: async () => {
            await watching?.stop();
            await hub.close();
            client.destroy();
          },
          ...(watching ? { note: () => `${watching.collections()} collections` } : {}),
        };
      },
    });
  }
  return { list, stop: async () => void (await redis?.stop()) };
}

/**
 * One round of the fan-out part: {@link SUBSCRIBERS} subscribers read in `for await` loops,
 * {@link MESSAGES} published; deliveries per second until every subscriber has the last one. They
 * join before the clock starts and leave after it stops (when the hub closes), so that only
 * deliveries are timed, on both sides.
 */
async function fanoutRound(kind: Kind, on: boolean): Promise<{ perSecond: number; cpuPerDelivery: number; note: string | undefined }> {
  const made = await kind.make(on);
  const { hub } = made;
  let left = SUBSCRIBERS;
  let allRead!: () => void;
  const done = new Promise<void>((resolve) => (allRead = resolve));
  const goal = hub.stats().published + MESSAGES;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const sub = hub.subscribe();
    void (async () => {
      for await (const _ of sub) {
        if (sub.lastId === goal && --left === 0) allRead();
      }
    })();
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i += BURST) {
    for (let j = 0; j < BURST; j++) made.publish([i + j, 0]);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  const perSecond = (SUBSCRIBERS * MESSAGES) / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  const note = made.note?.();
  await made.close();
  return { perSecond, cpuPerDelivery: (used.user + used.system) / (SUBSCRIBERS * MESSAGES), note };
}

/** A hub served through `hub.serve`, for the loopback part. */
async function served(kind: Kind, on: boolean): Promise<System> {
  const made = await kind.make(on);
  return {
    name: `${kind.name}, metrics ${on ? 'on' : 'off'}`,
    handler: (req, res) => void made.hub.serve(req, res, { heartbeatMs: 0 }).catch(() => {}),
    publish: made.publish,
    size: () => made.hub.size,
    close: made.close,
  };
}

/** The two rows of one comparison: off, then on with its ratio (the median of the pairs') and the target. */
function rows(label: string, name: string, off: Result[], on: Result[], target: boolean): (string | number)[][] {
  const of = (list: Result[], key: keyof Result): number => median(list.map((x) => x[key]));
  const paired = (key: keyof Result): number[] => on.map((x, r) => x[key] / off[r]![key]);
  const speed = median(paired('perSecond'));
  // deliveries per second of this process's CPU time: what it reaches when it has a core to itself
  const perCpu = median(paired('cpuPerDelivery').map((ratio) => 1 / ratio));
  const timed = off[0]!.p99 > 0;
  // a delivery in one process costs a fraction of a microsecond: in nanoseconds there
  const cpu = (micros: number): string => (timed ? formatCpu(micros) : `${(micros * 1000).toFixed(0)} ns`);
  const cells = (list: Result[]) => [timed ? formatMs(of(list, 'p50')) : '', timed ? formatMs(of(list, 'p99')) : '', cpu(of(list, 'cpuPerDelivery'))];
  return [
    [label, `${name}, metrics off`, formatRate(of(off, 'perSecond')), formatRatio(1), '', ...cells(off), formatRatio(1), '', ''],
    [
      label, `${name}, metrics on`, formatRate(of(on, 'perSecond')), formatRatio(speed), spread(paired('perSecond')), ...cells(on),
      formatRatio(median(paired('cpuPerDelivery'))), spread(paired('cpuPerDelivery')),
      target ? `≥0.95× msg per CPU-second: ${formatRatio(perCpu)} ${verdict(perCpu >= 0.95)}` : 'reported',
    ],
  ];
}

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const metrics = await metricsLibrary();
  const pairs = settings.quick ? 4 : 25;
  const rounds = settings.quick ? 1 : 5;
  const sizes = (process.env.METRICS_BENCH_CLIENTS ?? '1000').split(',').filter(Boolean).map(Number);
  const perClient = (n: number): number => Math.max(settings.quick ? 500 : 1000, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
  const table: (string | number)[][] = [];
  const { list, stop } = await kinds(lib, metrics, notes);
  try {
    for (const kind of list) {
      const results: [Result[], Result[]] = [[], []];
      let note: string | undefined;
      // a pair to warm up, not counted; then off then on, then on then off: neither always runs first
      for (let r = -1; r < pairs; r++) {
        for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
          const round = await fanoutRound(kind, on);
          if (r < 0) continue;
          results[on ? 1 : 0].push({ perSecond: round.perSecond, p50: 0, p99: 0, cpuPerDelivery: round.cpuPerDelivery });
          if (on) note = round.note;
        }
      }
      table.push(...rows(`${SUBSCRIBERS.toLocaleString('en-US')} in-process`, kind.name, results[0], results[1], true));
      notes.push(`in-process, ${kind.name}, metrics on: ${note} in its last round`);
    }
    const clients = new Clients();
    await clients.ask({});
    try {
      for (const n of sizes) {
        for (const kind of list) {
          const results: [Result[], Result[]] = [[], []];
          for (let r = 0; r < rounds; r++) {
            for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
              results[on ? 1 : 0].push(await measure(await served(kind, on), clients, n, perClient(n), RUNS, { sse: true, rate: rateFor(n) }));
            }
          }
          table.push(...rows(`${n.toLocaleString('en-US')} over loopback`, kind.name, results[0], results[1], false));
        }
      }
    } finally {
      clients.stop();
    }
  } finally {
    await stop();
  }
  notes.push(
    `metrics on: observeHub with the OpenTelemetry SDK (MeterProvider, PeriodicExportingMetricReader every ${COLLECT_MS} ms into an InMemoryMetricExporter: 150 times as often as a 15 s scrape) and topicLabel, so every publish is counted by topic group; each subscriber's join and leave are seen, and the Redis hub also records each publish's duration and each entry's read lag`,
    `in-process: a cometHub (or a Redis hub with cometEncoding) with ${SUBSCRIBERS} subscribers of hub.subscribe() read by for-await loops in the same process, no sockets; ${MESSAGES} messages published ${BURST} per event-loop turn, timed until every subscriber has the last (CPU/delivery: this process's user + system time over the round, per delivery: redis-server's is not in it); ${pairs} pairs of rounds after one to warm up, off and on back to back (which goes first alternating), each round a fresh hub; "vs off" and "CPU vs off" are the medians of the pairs' ratios, the spreads half their min-max range over that median. The target is judged on deliveries per second of this process's CPU time (the inverse of the CPU ratio, taken pair by pair): the rate the hub reaches when it has a core, which is what metrics can take from it; the wall-clock rate beside it moves with the other work on this shared 2-core machine (load average 3 to 12 during these runs) far more than by 5%`,
    `over loopback: hub.serve to Server-Sent Events clients in a child process (bench/hub-clients.ts); ${rounds} round(s), each measuring off and on back to back; each measurement: clients opened afresh, 10 warm-up messages, latency at ${rateFor(1000)}/s with the server's CPU time, then the median of ${RUNS} throughput runs of ${perClient(1000)} messages published 50 per event-loop turn until every client has every one; p50, p99, CPU/delivery: medians; ratios as above. Reported, not judged: the sockets and the other work on this shared 2-core machine move these figures far more than metrics do (see the spread)`,
  );
  return {
    title: 'Metrics: observeHub on against off',
    columns: ['clients', 'system', 'delivered msg/s', 'vs off', 'ratio spread', 'p50', 'p99', 'CPU/delivery', 'CPU vs off', 'CPU ratio spread', 'target'],
    rows: table,
    notes,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
