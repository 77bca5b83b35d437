/**
 * Broadcast: publish-to-receive throughput and latency for 1, 100 and 1,000 loopback clients, for
 * the in-process hub and the Redis hub (both through sendComet), against better-sse's channel
 * broadcast doing the same work in the same run (bench/hub-systems.ts). Clients run in a child
 * process (bench/hub-clients.ts) and time each message against the publish timestamp it carries;
 * bench/hub-measure.ts says how throughput and latency are taken. Then the slow-clients rows
 * (bench/hub-slow-clients.ts): delivery to 990 clients while 10 others read or have stopped reading.
 *
 * `HUB_BENCH_CLIENTS=100,1000` picks the broadcast sizes (empty: none); `HUB_BENCH_SLOW=0` skips
 * the slow-clients rows.
 */
import { pathToFileURL } from 'node:url';
import { Clients } from './hub-clients.js';
import { BURST, measureEach, RATE, resultCells } from './hub-measure.js';
import { slowClientRows } from './hub-slow-clients.js';
import { systems } from './hub-systems.js';
import { library } from './lib/library.js';
import { verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

/** Runs the hub benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const rounds = settings.quick ? 1 : 3;
  const sizes = (process.env.HUB_BENCH_CLIENTS ?? '1,100,1000').split(',').filter(Boolean).map(Number);
  const perClient = (n: number): number => Math.max(200, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
  const slowNotes: string[] = [];
  const { makers, stop } = await systems(lib, notes);

  const clients = new Clients();
  await clients.ask({});
  const rows: (string | number)[][] = [];
  try {
    for (const [index, n] of sizes.entries()) {
      const results = await measureEach(makers, clients, n, perClient(n), rounds, index);
      for (const { system } of results) if (system.note) notes.push(`${n} clients: ${system.note()}`);
      const base = results.find((x) => x.system.name.startsWith('better-sse'))!.r;
      for (const { system: { name }, r } of results) {
        let target = r instanceof Error ? r.message : '';
        if (n === 1000 && name.startsWith('hub') && !(r instanceof Error) && !(base instanceof Error)) {
          target = `≥2× ${verdict(r.perSecond / base.perSecond >= 2)}, p99<50ms ${verdict(r.p99 < 50)}`;
        }
        rows.push([n, name, ...resultCells(r, base), target]);
      }
    }
    if (process.env.HUB_BENCH_SLOW !== '0') {
      const slow = await slowClientRows(lib, clients, rounds);
      rows.push(...slow.rows);
      slowNotes.push(...slow.notes);
    }
  } finally {
    clients.stop();
    await stop();
  }
  notes.push(
    `throughput: ${rounds} round(s) per cell, median; each round publishes ${BURST} messages per event-loop turn and ends when every client has every message`,
    `latency: ${RATE} messages/s paced (${RATE} messages, ${2 * RATE} at 1,000 clients, after 10 warm-up ones), p50/p99 over every delivery, publish to client receipt; clients in a child process, clock = performance.timeOrigin + now()`,
    'CPU/delivery: user + system CPU time of the server process (the Redis hub: without redis-server) during the paced phase, per delivered message',
    'same payload for all ([sequence, timestamp] as JSON); the hubs send Comet chunks through sendComet, better-sse sends SSE events; ratios against better-sse in this run',
    'the hubs encode each message once and hand a client all the chunks waiting for it as one string (cometEncoding coalesce), so a burst costs one write per client rather than one per message; better-sse serializes and writes each event for each session',
    'hub (Redis): each publish is one EVAL (id + PUBLISH) and one pub/sub message through redis-server, a third process on the same 2 cores; with one client its rate is that of Redis, not of the fan-out',
    ...slowNotes,
  );
  return {
    title: 'Broadcast: hub vs better-sse channel; slow clients',
    columns: ['clients', 'system', 'delivered msg/s', 'vs better-sse', 'p50', 'p99', 'CPU/delivery', 'target / counters'],
    rows,
    notes,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
