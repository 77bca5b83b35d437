/**
 * SSE broadcast: the hub serving Server-Sent Events against better-sse's channel broadcast, the
 * same protocol on both sides, at 1, 100 and 1,000 loopback clients. The clients run in one child
 * process (bench/hub-clients.ts) and parse every response as an event stream (bench/sse-reader.ts).
 * Throughput and CPU are taken as the broadcast benchmark takes them (bench/hub-measure.ts: paced
 * latency with the server's CPU time, then throughput in bursts), one system at a time in rounds
 * that alternate the systems; p50/p99 with all the systems running together (bench/sse-latency.ts).
 *
 * `SSE_BENCH_CLIENTS=1,100` picks the client counts.
 */
import { pathToFileURL } from 'node:url';
import { Clients } from './hub-clients.js';
import { formatCpu, measure, type Result } from './hub-measure.js';
import { betterSse, type System } from './hub-systems.js';
import { library } from './lib/library.js';
import { formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { latencyTogether } from './sse-latency.js';
import { sseHubs } from './sse-systems.js';

/**
 * Messages per second while measuring latency at `n` clients: 50 at 1,000 (as the fan-out benchmark),
 * where 100 would take both systems' whole core on this 2-core machine and measure a queue.
 */
export const rateFor = (n: number): number => (n >= 1000 ? 50 : 100);

/** Messages per system in the latency phase where the systems run together. */
const latencyCount = (n: number): number => (n >= 1000 ? 150 : 300);

/** Runs the SSE broadcast benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const rounds = settings.quick ? 2 : 5;
  const sizes = (process.env.SSE_BENCH_CLIENTS ?? '1,100,1000').split(',').filter(Boolean).map(Number);
  // at least 1,000 messages per client: a run of a few bursts measures the start more than the rate
  const perClient = (n: number): number => Math.max(settings.quick ? 500 : 1000, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const makers: (() => System)[] = [...sseHubs(lib), betterSse];
  // each system's name, from a throw-away instance (nothing listens yet)
  const names = makers.map((make) => {
    const system = make();
    void system.close();
    return system.name;
  });
  const base = names.length - 1;
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const clients = new Clients();
  await clients.ask({});
  try {
    for (const n of sizes) {
      const results: Result[][] = names.map(() => []);
      for (let r = 0; r < rounds; r++) {
        // the order turns every round, so no system always runs first (or last) on the shared machine
        for (let k = 0; k < makers.length; k++) {
          const i = (k + r) % makers.length;
          const system = makers[i]!();
          results[i]!.push(await measure(system, clients, n, perClient(n), 1, { sse: true, rate: rateFor(n) }));
          if (system.note && r === rounds - 1) notes.push(`${n} clients: ${system.note()}`);
        }
      }
      const together = await latencyTogether(makers.map((make) => make()), clients, n, settings.quick ? 100 : latencyCount(n), rateFor(n) / (n >= 1000 ? makers.length : 1));
      const of = (i: number, key: keyof Result): number => median(results[i]!.map((x) => x[key]));
      for (const [i, name] of names.entries()) {
        const speed = of(i, 'perSecond') / of(base, 'perSecond');
        const p99 = together[i]!.p99 / together[base]!.p99;
        const targets = i === base ? '' : [n === 1000 ? `≥3× msg/s ${verdict(speed >= 3)}` : '', `p99 no worse ${verdict(p99 <= 1)}`].filter(Boolean).join(', ');
        rows.push([
          n.toLocaleString('en-US'),
          name,
          formatRate(of(i, 'perSecond')),
          formatRatio(speed),
          formatMs(together[i]!.p50),
          formatMs(together[i]!.p99),
          formatRatio(p99),
          `${formatMs(of(i, 'p99'))} (${formatRatio(of(i, 'p99') / of(base, 'p99'))}, ${spread(results[i]!.map((x) => x.p99))})`,
          formatCpu(of(i, 'cpuPerDelivery')),
          formatRatio(of(i, 'cpuPerDelivery') / of(base, 'cpuPerDelivery')),
          spread(results[i]!.map((x) => x.perSecond)),
          targets,
        ]);
      }
    }
  } finally {
    clients.stop();
  }
  return {
    title: 'SSE broadcast: hub vs better-sse channel, both Server-Sent Events',
    columns: ['clients', 'system', 'delivered msg/s', 'vs better-sse', 'p50', 'p99', 'p99 vs better-sse', 'p99 apart (vs better-sse, spread)', 'CPU/delivery', 'CPU vs better-sse', 'msg/s spread', 'targets'],
    rows,
    notes: [
      ...notes,
      `p50, p99: the systems measured together, so that load from other work on the machine hits each alike (bench/sse-latency.ts): each its own server and its own clients, one paced loop publishing to each in turn, the order rotated every cycle; ${settings.quick ? 100 : latencyCount(1)} messages per system at 100/s each (at 1,000 clients ${settings.quick ? 100 : latencyCount(1000)}, at 50/s shared by the ${makers.length} systems), after 10 warm-up ones; p50/p99 over every delivery, publish to client receipt, both clocks performance.timeOrigin + now(); the p99 target is judged on these`,
      `throughput, CPU and "p99 apart": ${rounds} round(s) per cell, one system at a time (the order rotated each round), medians over rounds; spread is half the min-max range over the median`,
      `each round: the clients opened afresh, 10 warm-up messages, then latency alone ("p99 apart": 100 messages at 100/s; at 1,000 clients 100 at 50/s, where 100/s takes a whole core for either system; p50/p99 over every delivery, publish to client receipt, as above), then throughput (${perClient(1)} messages at 1 client, ${perClient(100)} at 100, ${perClient(1000)} at 1,000, published 50 per event-loop turn until every client has every one)`,
      'CPU/delivery: user + system CPU time of the server process during the paced phase, per delivered message; at 1 client it is mostly the cost of waking the process 100 times a second, the same for every system',
      'clients: raw HTTP/1.1 sockets in one child process, every response read as an event stream (chunked encoding undone, lines and fields parsed as the WHATWG algorithm says, the data of every message event JSON-parsed); the same reader for every system',
      'same payload for all: [sequence, timestamp] as JSON; the hub writes `id: <epoch>:<id>` and `data:` lines, better-sse its defaults (`event: message`, a random UUID `id:`, `data:`), so its events are about 60 bytes longer',
      'the hub encodes each event once and hands a client all the events waiting for it as one string (coalesce), so a burst costs one write per client; better-sse serializes and writes each event for each session',
    ],
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
