/**
 * Slow clients, the last rows of the broadcast benchmark (bench/hub.ts): a cometHub with 1,000
 * subscribers under each slow-consumer policy, measured at its 990 fast clients (a) while the other
 * 10 read too and (b) while those 10 have stopped reading, in interleaved rounds. The 10 connect
 * through a Unix socket to the same server: a paused loopback TCP socket absorbs megabytes in
 * kernel buffers before the server's writes back up, a Unix socket a few hundred kilobytes.
 */
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { now, type Clients } from './hub-clients.js';
import { deliveries, formatCpu, RATE, type Result } from './hub-measure.js';
import type { Library } from './lib/library.js';
import { listen } from './lib/server.js';
import { formatBytes, formatMs, formatRate, formatRatio, median, spread } from './lib/stats.js';
import type { HubSubscription } from '../src/index.js';

const POLICIES = ['drop-oldest', 'drop-newest', 'disconnect'] as const;
const FAST = 990;
const SLOW = 10;
const SLOW_LIMIT = 64;
/**
 * Messages per throughput run (3 runs per round), in bursts of BURST (< SLOW_LIMIT): about 12 KB,
 * less than a response's 16 KiB buffer, so a fast subscriber's queue empties at every turn even
 * when its client lags behind, and never nears its limit.
 */
const SLOW_MESSAGES = 200;
/**
 * Messages per event-loop turn while backing the paused readers up. Small writes fill a Unix
 * socket with the fewest bytes (each write costs it a fixed overhead), but every turn writes to all
 * 1,000 clients: 4 backs them up soonest here (about 900 messages; 1 per turn needs about 500).
 */
const PREFILL_BURST = 4;
const PREFILL_MAX = 20_000;

interface SlowRound extends Result {
  /** Over the 10 slow subscribers: most buffered, most bytes held in their responses, dropped, cut off. */
  buffered: number;
  held: number;
  dropped: number;
  cut: number;
  /** Dropped / cut off among the 990 others (must stay 0). */
  others: number;
  /** Messages published before measuring: in (b), until the paused readers were backed up. */
  prefill: number;
  backedUp: boolean;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Measures one policy: 990 fast clients stay connected; each round adds 10 reading (a) or paused (b) ones. */
async function slowPolicy(lib: Library, clients: Clients, policy: (typeof POLICIES)[number], rounds: number, socketPath: string): Promise<Record<'a' | 'b', SlowRound[]>> {
  const hub = lib.cometHub<[number, number]>('parent.cometMessage', { policy, limit: SLOW_LIMIT });
  const fast = new Set<HubSubscription<string>>();
  let slow: { sub: HubSubscription<string>; res: ServerResponse }[] = [];
  const server = await listen((req, res) => {
    const sub = hub.subscribe();
    if (req.url === '/slow') slow.push({ sub, res });
    else fast.add(sub);
    void lib.sendComet(res, sub).catch(() => {}).finally(() => fast.delete(sub));
  });
  rmSync(socketPath, { force: true });
  const front = net.createServer((socket) => server.server.emit('connection', socket));
  await new Promise<void>((resolve, reject) => front.once('error', reject).listen(socketPath, resolve));
  const system = { publish: (v: [number, number]) => void hub.publish(v) };
  const seq = { n: 0 };
  const results: Record<'a' | 'b', SlowRound[]> = { a: [], b: [] };
  let prefill = 0;
  const dropped = (): number => hub.stats().dropped['drop-oldest'] + hub.stats().dropped['drop-newest'];
  try {
    await clients.ask({ op: 'open', port: server.port, count: FAST });
    await until(() => hub.size === FAST, 'the fast clients');
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 === 0 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
        slow = [];
        const before = { dropped: dropped(), cut: hub.stats().disconnectedForSlowness };
        await clients.ask({ op: 'slow', path: socketPath, count: SLOW, paused: kind === 'b' });
        await until(() => slow.length === SLOW && hub.size === FAST + SLOW, 'the slow clients');
        // (b): publish until every paused reader is at its limit (or cut off); (a): as many messages,
        // in fewer turns (only the amount matters there). Never more than half a limit ahead of the
        // fast subscribers, so they drop nothing.
        const backedUp = (): boolean => slow.every(({ sub }) => (policy === 'disconnect' ? sub.signal.aborted : sub.stats.buffered >= SLOW_LIMIT));
        await clients.ask({ op: 'reset' });
        let sent = 0;
        while (kind === 'b' ? !backedUp() && sent < PREFILL_MAX : sent < prefill) {
          const burst = kind === 'b' ? PREFILL_BURST : Math.min(SLOW_LIMIT / 2, prefill - sent);
          for (let j = 0; j < burst; j++) hub.publish([++seq.n, now()]);
          sent += burst;
          do await new Promise((r) => setImmediate(r));
          while (![...fast].every((s) => s.stats.buffered <= SLOW_LIMIT / 2));
        }
        if (kind === 'b') prefill = sent;
        await clients.ask({ op: 'wait', target: sent });
        const measured = await deliveries(system, clients, FAST, { paced: RATE, messages: SLOW_MESSAGES, runs: 3 }, seq);
        const slowDropped = slow.reduce((sum, { sub }) => sum + sub.stats.dropped, 0);
        const cut = hub.stats().disconnectedForSlowness - before.cut;
        results[kind].push({
          ...measured,
          buffered: Math.max(...slow.map(({ sub }) => sub.stats.highWaterMark)),
          held: Math.max(...slow.map(({ res }) => res.writableLength)),
          dropped: slowDropped, cut,
          others: dropped() - before.dropped - slowDropped + (FAST - fast.size),
          prefill: sent,
          backedUp: kind === 'a' || backedUp(),
        });
        await clients.ask({ op: 'slow-close' });
        await until(() => hub.size === FAST, 'the slow clients to leave');
      }
    }
    return results;
  } finally {
    await clients.ask({ op: 'slow-close' });
    await clients.ask({ op: 'close' });
    await server.close();
    await new Promise((r) => front.close(r));
    hub.close();
  }
}

/** The slow-clients rows, (a), (b) and (b)/(a) per policy, medians over the rounds, and their notes. */
export async function slowClientRows(lib: Library, clients: Clients, rounds: number): Promise<{ rows: (string | number)[][]; notes: string[] }> {
  const socketPath = path.join(os.tmpdir(), `comet-bench-hub-${process.pid}.sock`);
  const who = `${FAST} of ${(FAST + SLOW).toLocaleString('en-US')}`;
  const rows: (string | number)[][] = [];
  const label = { a: '(a) all read', b: `(b) ${SLOW} paused` };
  for (const policy of POLICIES) {
    const r = await slowPolicy(lib, clients, policy, rounds, socketPath);
    const m = (kind: 'a' | 'b', key: keyof Result | 'dropped' | 'cut' | 'prefill'): number => median(r[kind].map((x) => x[key]));
    const most = (key: 'buffered' | 'held' | 'others'): number => Math.max(...r.b.map((x) => x[key]), ...(key === 'others' ? r.a.map((x) => x.others) : []));
    const name = `slow clients, '${policy}'`;
    const counters = (kind: 'a' | 'b'): string =>
      `slow: dropped ${m(kind, 'dropped').toLocaleString('en-US')}, cut ${m(kind, 'cut')}` +
      (kind === 'b' ? `, buffered ≤ ${most('buffered')}/${SLOW_LIMIT}, held ≤ ${formatBytes(most('held'))}, full after ${m('b', 'prefill')}; others: dropped/cut ${most('others')}` : '') +
      (r[kind].every((x) => x.backedUp) ? '' : '; NOT backed up');
    for (const kind of ['a', 'b'] as const) {
      rows.push([who, `${name}: ${label[kind]}`, formatRate(m(kind, 'perSecond')), '', formatMs(m(kind, 'p50')), formatMs(m(kind, 'p99')), formatCpu(m(kind, 'cpuPerDelivery')), counters(kind)]);
    }
    const ratio = (key: keyof Result): string => formatRatio(m('b', key) / m('a', key));
    const noise = (key: 'p50' | 'p99' | 'perSecond'): string => spread(r.a.map((x) => x[key]));
    const spreads = rounds > 1 ? `spread of (a) rounds: msg/s ${noise('perSecond')}, p50 ${noise('p50')}, p99 ${noise('p99')}` : '';
    rows.push([who, `${name}: (b)/(a)`, ratio('perSecond'), '', ratio('p50'), ratio('p99'), ratio('cpuPerDelivery'), spreads]);
  }
  const notes = [
    `slow clients: one cometHub (limit ${SLOW_LIMIT}) per policy, ${FAST} clients on TCP measured as above, plus ${SLOW} on a Unix socket to the same server, (a) reading or (b) paused from the start; ${rounds} round(s) of (a) and (b), interleaved, medians`,
    `slow clients, each round: (b) publishes ${PREFILL_BURST} messages per event-loop turn until each paused reader has ${SLOW_LIMIT} waiting (its limit; under 'disconnect', until it is cut off), (a) publishes as many (${SLOW_LIMIT / 2} per turn); then latency (${RATE} messages at ${RATE}/s) and throughput (3 runs of ${SLOW_MESSAGES}, median), at the ${FAST} only; CPU per delivery to them`,
    `slow clients, counters of the ${SLOW} (medians per round): dropped messages, cut off ('disconnect'); most messages ever waiting for one, most bytes held in one's response beyond the socket, messages published until all were at their limit; others: messages dropped or clients cut among the ${FAST} (max over rounds)`,
  ];
  return { rows, notes };
}
