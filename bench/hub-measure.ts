/**
 * How the broadcast benchmark times a broadcaster against the client process (bench/hub-clients.ts).
 *
 * Throughput: messages published in bursts of `BURST` per event-loop turn, timed from the first
 * publish until every client has every message. Latency: messages published at a steady `RATE`
 * per second; p50/p99 over every delivery, with the server's CPU time meanwhile.
 */
import { now, type Clients } from './hub-clients.js';
import type { System } from './hub-systems.js';
import { listen } from './lib/server.js';
import { formatMs, formatRate, formatRatio, median } from './lib/stats.js';

/** Messages published per event-loop turn in a throughput run. */
export const BURST = 50;
/** Messages per second while measuring latency. */
export const RATE = 100;
/** How long the clients wait for every message of one phase before the cell fails. */
export const WAIT_MS = 60_000;

/**
 * Asks the clients to wait for `target` messages each, at most {@link WAIT_MS}.
 * @throws Error (when the answer comes) saying how many arrived, when not all did
 */
async function waitFor(clients: Clients, target: number): Promise<Record<string, number>> {
  const reply = await clients.ask({ op: 'wait', target, ms: WAIT_MS });
  if (reply.timedOut) {
    throw new Error(`within ${WAIT_MS / 1000} s, ${reply.open} client stream(s) still open, the least served had ${reply.least} of the ${target} messages`);
  }
  return reply;
}

type Publisher = Pick<System, 'publish'>;

/** What one broadcaster achieved towards one set of clients. */
export interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  /** Server CPU time per delivery while paced, in microseconds. */
  cpuPerDelivery: number;
}

/** A CPU time per delivery as shown in the tables. */
export const formatCpu = (micros: number): string => `${micros.toFixed(1)} µs`;

/** Publishes `count` messages at `rate` (default RATE) per second; the clients' latency percentiles once all have them. */
export async function paced(system: Publisher, clients: Clients, count: number, seq: { n: number }, rate = RATE): Promise<Record<string, number>> {
  await clients.ask({ op: 'reset' });
  const done = waitFor(clients, count);
  for (let i = 0; i < count; i++) {
    system.publish([++seq.n, now()]);
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  return done;
}

/** Deliveries per second: `messages` published in bursts of BURST, until `n` clients have them all. */
export async function throughput(system: Publisher, clients: Clients, n: number, messages: number, seq: { n: number }): Promise<number> {
  await clients.ask({ op: 'reset' });
  const done = waitFor(clients, messages);
  const start = now();
  for (let i = 0; i < messages; i += BURST) {
    for (let j = 0; j < BURST && i + j < messages; j++) system.publish([++seq.n, now()]);
    await new Promise((r) => setImmediate(r));
  }
  const { at } = await done;
  return (n * messages) / ((at! - start) / 1000);
}

/** How much one measurement publishes: `paced` at `rate` (default RATE) for latency, then `runs` throughput runs of `messages`. */
export interface Workload {
  paced: number;
  rate?: number;
  messages: number;
  runs: number;
}

/** This process's CPU time so far (user + system), in microseconds. */
const ownCpu = (): number => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/**
 * Latency first, on a quiet process (after 10 warm-up messages), with the server's CPU time (`cpu`,
 * microseconds so far: this process's unless the server runs in another); then the median
 * throughput. `n` is the number of clients measured.
 */
export async function deliveries(system: Publisher, clients: Clients, n: number, work: Workload, seq: { n: number }, cpu: () => number | Promise<number> = ownCpu): Promise<Result> {
  await paced(system, clients, 10, seq, work.rate);
  const before = await cpu();
  const { p50, p99 } = await paced(system, clients, work.paced, seq, work.rate);
  const used = (await cpu()) - before;
  const rates: number[] = [];
  for (let run = 0; run < work.runs; run++) rates.push(await throughput(system, clients, n, work.messages, seq));
  return { perSecond: median(rates), p50: p50!, p99: p99!, cpuPerDelivery: used / (work.paced * n) };
}

/**
 * A broadcaster that serves from a process of its own (bench/fetch-server.ts): it listens itself,
 * and counts its subscribers and its CPU time there.
 */
export interface Remote extends Publisher {
  name: string;
  port: number;
  size(): Promise<number>;
  /** The serving process's CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

/** How {@link measure} differs from the broadcast table's cells. */
export interface MeasureOptions {
  /** The clients parse their responses as event streams (bench/hub-clients.ts). */
  sse?: boolean;
  /** Messages per second while measuring latency (default RATE). */
  rate?: number;
}

/**
 * One cell of the broadcast table: `system` serving `n` clients, `messages` per throughput round; a
 * {@link System} on a loopback server of this process, a {@link Remote} where it listens.
 */
export async function measure(system: System | Remote, clients: Clients, n: number, messages: number, rounds: number, options: MeasureOptions = {}): Promise<Result> {
  const { sse = false, rate = RATE } = options;
  const server = 'port' in system ? null : await listen(system.handler);
  try {
    await clients.ask({ op: 'open', port: server?.port ?? (system as Remote).port, count: n, sse });
    while ((await system.size()) < n) await new Promise((r) => setTimeout(r, 5));
    const work = { paced: n >= 1000 ? 2 * rate : rate, rate, messages, runs: rounds };
    const result = await deliveries(system, clients, n, work, { n: 0 }, 'port' in system ? () => system.cpuMicros() : undefined);
    await clients.ask({ op: 'close' });
    return result;
  } finally {
    await server?.close();
    await system.close();
  }
}

/**
 * Every system of `makers` at `n` clients, each made fresh and measured by {@link measure}, started
 * in an order rotated by `turn` (so that none always runs first, or last, on the shared machine).
 * A system that fails (it lost messages, say) gets its error instead of a result; the others go on.
 * @returns the systems and their results, in the order of `makers`
 */
export async function measureEach(makers: readonly (() => Promise<System>)[], clients: Clients, n: number, messages: number, rounds: number, turn: number): Promise<{ system: System; r: Result | Error }[]> {
  const results: { system: System; r: Result | Error }[] = [];
  for (let i = 0; i < makers.length; i++) {
    const rank = (i + turn) % makers.length;
    const system = await makers[rank]!();
    const r = await measure(system, clients, n, messages, rounds).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    results[rank] = { system, r };
  }
  return results;
}

/** The cells of a table row after `clients` and `system`: rate, ratio to `base`, p50, p99, CPU (or the failure). */
export function resultCells(r: Result | Error, base: Result | Error): string[] {
  if (r instanceof Error) return ['failed', '', '', '', ''];
  const ratio = base instanceof Error ? '' : formatRatio(r.perSecond / base.perSecond);
  return [formatRate(r.perSecond), ratio, formatMs(r.p50), formatMs(r.p99), formatCpu(r.cpuPerDelivery)];
}
