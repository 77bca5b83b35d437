/**
 * Latency under fan-out: p99 from publish() to receipt at 1, 100, 1,000 and 10,000 loopback clients,
 * the in-process hub (cometHub → sendComet) against a better-sse channel. Every round opens the
 * clients afresh (from a source address of its own), publishes paced messages carrying their
 * timestamp, and takes the p99 over every delivery; systems alternate round by round, and the table
 * shows the median p99 over rounds with its range.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { ClientFleet } from './lib/clients.js';
import { library, type Library } from './lib/library.js';
import { storePoints } from './lib/points.js';
import { listen } from './lib/server.js';
import { formatMs, formatRatio, median, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { until } from './scale.js';

/** One system under test: a request handler, a publish function, its subscriber count. */
export interface Broadcaster {
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** The path the clients request (default `/`). */
  path?: string;
  publish(value: [number, number]): void;
  size(): number;
  close(): void;
}

/** The systems compared, by name: the hub through sendComet and a better-sse channel. */
export const SYSTEMS: Record<string, (lib: Library) => Broadcaster> = {
  'hub (cometHub → sendComet)': (lib) => {
    const hub = lib.cometHub<[number, number]>('parent.cometMessage', { policy: 'drop-oldest', limit: 1024 });
    return {
      handler: (_req, res) => void lib.sendComet(res, hub.subscribe()).catch(() => {}),
      publish: (value) => void hub.publish(value),
      size: () => hub.size,
      close: () => void hub.close(),
    };
  },
  'better-sse channel': () => {
    const channel = createChannel();
    return {
      handler: (req, res) => void createSession(req, res, { keepAlive: null }).then((s) => channel.register(s)),
      publish: (value) => void channel.broadcast(value),
      size: () => channel.sessionCount,
      close: () => {
        for (const s of channel.activeSessions) channel.deregister(s);
      },
    };
  },
};

/** A point of the fan-out chart: median p99 over rounds and its range, in ms. */
export interface FanoutPoint {
  system: string;
  clients: number;
  p99: number;
  low: number;
  high: number;
}

/** Messages per second at `n` clients: fewer at the high counts, so the client process keeps up. */
export const rateFor = (n: number): number => (n >= 10_000 ? 10 : n >= 1000 ? 50 : 100);

const now = (): number => performance.timeOrigin + performance.now();

/** One round: `n` fresh clients, 5 warm-up messages, then `count` paced ones; their p99 and p50. */
export async function round(make: () => Broadcaster, fleet: ClientFleet, n: number, count: number, address: string): Promise<{ p99: number; p50: number }> {
  const system = make();
  const server = await listen(system.handler);
  let seq = 0;
  try {
    await fleet.open(server.port, system.path ?? '/', n, address);
    await until(() => system.size() === n, 60_000, `${n} clients`);
    const rate = rateFor(n);
    const pace = async (k: number): Promise<void> => {
      for (let i = 0; i < k; i++) {
        system.publish([++seq, now()]);
        await new Promise((r) => setTimeout(r, 1000 / rate));
      }
      await fleet.wait(seq);
    };
    await pace(5);
    await fleet.samples();
    await pace(count);
    return await fleet.samples();
  } finally {
    await fleet.closeAll();
    system.close();
    await server.close();
  }
}

/** Runs the fan-out latency benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const counts = settings.quick ? [1, 100, 1000] : [1, 100, 1000, 10_000];
  const rounds = settings.quick ? 3 : 5;
  const names = Object.keys(SYSTEMS);
  const fleet = await ClientFleet.start({ stamps: true });
  const rows: (string | number)[][] = [];
  const points: FanoutPoint[] = [];
  const notes: string[] = [];
  let cycle = 0;
  try {
    for (const n of counts) {
      const count = n >= 10_000 ? 30 : 50;
      const p99s = names.map(() => [] as number[]);
      const p50s = names.map(() => [] as number[]);
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? names.map((_, i) => i) : names.map((_, i) => names.length - 1 - i);
        for (const i of order) {
          // a fresh source address per round: the last round's ports are still in TIME_WAIT
          const k = ++cycle;
          const address = `127.0.${1 + (k >> 8)}.${k & 255}`;
          const got = await round(() => SYSTEMS[names[i]!]!(lib), fleet, n, count, address);
          p99s[i]!.push(got.p99);
          p50s[i]!.push(got.p50);
        }
      }
      const medians = p99s.map((v) => median(v));
      names.forEach((name, i) => {
        const v = p99s[i]!;
        points.push({ system: name, clients: n, p99: medians[i]!, low: Math.min(...v), high: Math.max(...v) });
        rows.push([
          n.toLocaleString('en-US'),
          name,
          formatMs(median(p50s[i]!)),
          formatMs(medians[i]!),
          `${formatMs(Math.min(...v))} – ${formatMs(Math.max(...v))}`,
          i === 0 ? formatRatio(medians[0]! / medians[1]!) : '',
        ]);
      });
      notes.push(`${n.toLocaleString('en-US')} clients: hub p99 ${formatMs(medians[0]!)} vs better-sse ${formatMs(medians[1]!)} (target no worse: ${verdict(medians[0]! <= medians[1]!)}).`);
    }
  } finally {
    await fleet.stop();
  }
  if (!settings.quick) storePoints('fanout', points);
  return {
    title: 'Latency under fan-out: hub vs better-sse',
    columns: ['clients', 'system', 'p50 (median of rounds)', 'p99 (median of rounds)', 'p99 range over rounds', 'p99 hub/better-sse'],
    rows,
    notes: [
      ...notes,
      `${rounds} rounds per cell, the two systems alternating; each round opens the clients afresh, publishes 5 warm-up messages and then 50 (30 at 10,000 clients) at ${rateFor(1)}/s (${rateFor(1000)}/s at 1,000, ${rateFor(10_000)}/s at 10,000 clients), and takes p50/p99 over every delivery of those.`,
      'Latency: publish() to receipt in the client process (raw sockets in one child process), both clocks performance.timeOrigin + now(); same payload [sequence, timestamp] as JSON; the hub sends Comet chunks through sendComet, better-sse SSE events.',
      '![Fan-out p99 against clients, hub vs better-sse](bench/charts/fanout.svg)',
    ],
  };
}
