/**
 * Broadcast: publish-to-receive throughput and latency for 1, 100 and 1,000 loopback clients, for
 * the in-process hub and the Redis hub (both through sendComet), against better-sse's channel
 * broadcast doing the same work in the same run. Clients run in a child process (this file, in its
 * client role) and time each message against the publish timestamp it carries.
 *
 * Throughput: `MESSAGES` messages published in bursts of 50 per event-loop turn, timed from the
 * first publish until every client has every message. Latency: messages published at a steady
 * `RATE` per second; p50/p99 over every delivery.
 *
 * Slow clients: a cometHub with 1,000 subscribers under each slow-consumer policy, measured at its
 * 990 fast clients (a) while the other 10 read too and (b) while those 10 have stopped reading,
 * in interleaved rounds. The 10 connect through a Unix socket to the same server: a paused
 * loopback TCP socket absorbs megabytes in kernel buffers before the server's writes back up, a
 * Unix socket a few hundred kilobytes.
 *
 * `HUB_BENCH_CLIENTS=100,1000` picks the broadcast sizes (empty: none); `HUB_BENCH_SLOW=0` skips
 * the slow-clients rows.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createChannel, createSession } from 'better-sse';
import { createClient } from 'redis';
import { library, type Library } from './lib/library.js';
import { listen } from './lib/server.js';
import { formatBytes, formatMs, formatRate, formatRatio, median, percentile, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import type { HubSubscription } from '../src/index.js';

const SELF = fileURLToPath(import.meta.url);
const now = (): number => performance.timeOrigin + performance.now();
const BURST = 50;
const RATE = 100;

/** One broadcaster under test: a server handler and a publish function. */
interface System {
  name: string;
  handler(req: IncomingMessage, res: ServerResponse): void;
  publish(value: [number, number]): void;
  size(): number;
  close(): Promise<void>;
  note?: () => string;
}

// ---------------------------------------------------------------- client role (child process)

interface Conn {
  count: number;
  tail: string;
}

function clientRole(): void {
  const conns = new Set<Conn & { socket: net.Socket }>();
  const slow = new Set<net.Socket>();
  let samples: number[] = [];
  let waiting: { target: number; resolve: () => void } | null = null;
  const MESSAGE = /\[(\d+),([\d.]+)\]/g;
  const check = (): void => {
    if (waiting && [...conns].every((c) => c.count >= waiting!.target)) {
      const w = waiting;
      waiting = null;
      w.resolve();
    }
  };
  const onData = (c: Conn, data: string): void => {
    const t = now();
    const text = c.tail + data;
    let end = 0;
    let got = 0;
    for (const m of text.matchAll(MESSAGE)) {
      samples.push(t - Number(m[2]));
      c.count++;
      got++;
      end = m.index! + m[0].length;
    }
    c.tail = text.slice(Math.max(end, text.length - 64));
    if (got > 0 && waiting) check();
  };
  const open = (port: number, path: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const c = { socket, count: 0, tail: '' };
      let headers = false;
      socket.setEncoding('latin1');
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
      socket.on('data', (data: string) => {
        if (!headers && (c.tail + data).includes('\r\n\r\n')) {
          headers = true;
          conns.add(c);
          resolve();
        }
        onData(c, data);
      });
      socket.on('error', reject);
      socket.on('close', () => conns.delete(c));
    });
  // extra clients on a Unix socket, not measured: reading (and discarding) or paused from the start
  const openSlow = (socketPath: string, paused: boolean): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect({ path: socketPath });
      slow.add(socket);
      socket.on('connect', () => {
        socket.write('GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
        if (paused) socket.pause();
        else socket.resume();
        resolve();
      });
      socket.on('error', () => resolve());
      socket.on('close', () => slow.delete(socket));
    });
  process.on('message', async (cmd: { op: string; port?: number; count?: number; target?: number; path?: string; paused?: boolean }) => {
    if (cmd.op === 'open') {
      for (let i = 0; i < cmd.count!; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, cmd.count! - i) }, () => open(cmd.port!, '/')));
      }
      process.send!({ op: 'open', open: conns.size });
    } else if (cmd.op === 'reset') {
      samples = [];
      for (const c of conns) c.count = 0;
      process.send!({ op: 'reset' });
    } else if (cmd.op === 'wait') {
      await new Promise<void>((resolve) => {
        waiting = { target: cmd.target!, resolve };
        check();
      });
      const at = now();
      const sorted = samples.sort((a, b) => a - b);
      process.send!({ op: 'wait', at, p50: percentile(sorted, 50), p99: percentile(sorted, 99), deliveries: sorted.length });
    } else if (cmd.op === 'slow') {
      await Promise.all(Array.from({ length: cmd.count! }, () => openSlow(cmd.path!, cmd.paused!)));
      process.send!({ op: 'slow', open: slow.size });
    } else if (cmd.op === 'slow-close') {
      for (const socket of slow) socket.destroy();
      process.send!({ op: 'slow-close' });
    } else if (cmd.op === 'close') {
      for (const c of conns) c.socket.destroy();
      process.send!({ op: 'close' });
    }
  });
  process.send!({ op: 'ready' });
}

// ---------------------------------------------------------------- server role

class Clients {
  private readonly child: ChildProcess;
  private waiter: ((m: Record<string, number>) => void) | null = null;
  constructor() {
    this.child = fork(SELF, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, HUB_BENCH_ROLE: 'clients' } });
    this.child.on('message', (m: Record<string, number>) => this.waiter?.(m));
  }
  ask(cmd: object): Promise<Record<string, number>> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      if (Object.keys(cmd).length > 0) this.child.send(cmd);
    });
  }
  stop(): void {
    this.child.kill();
  }
}

function hubSystem(lib: Library, name: string, hub: { subscribe(): AsyncIterable<string>; size: number; close(): unknown }, publish: (v: [number, number]) => void, note?: () => string): System {
  return {
    name,
    handler: (_req, res) => void lib.sendComet(res, hub.subscribe()).catch(() => {}),
    publish,
    size: () => hub.size,
    close: async () => void (await hub.close()),
    note,
  };
}

function betterSse(): System {
  const channel = createChannel();
  return {
    name: 'better-sse channel',
    handler: (req, res) => {
      void createSession(req, res, { keepAlive: null }).then((session) => channel.register(session));
    },
    publish: (value) => void channel.broadcast(value),
    size: () => channel.sessionCount,
    close: async () => {
      for (const s of channel.activeSessions) channel.deregister(s);
    },
  };
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  /** Server CPU time per delivery while paced, in microseconds. */
  cpuPerDelivery: number;
}

async function paced(system: Pick<System, 'publish'>, clients: Clients, count: number, seq: { n: number }): Promise<Record<string, number>> {
  await clients.ask({ op: 'reset' });
  const done = clients.ask({ op: 'wait', target: count });
  for (let i = 0; i < count; i++) {
    system.publish([++seq.n, now()]);
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  return done;
}

/** Deliveries per second: `messages` published in bursts of BURST, until `n` clients have them all. */
async function throughput(system: Pick<System, 'publish'>, clients: Clients, n: number, messages: number, seq: { n: number }): Promise<number> {
  await clients.ask({ op: 'reset' });
  const done = clients.ask({ op: 'wait', target: messages });
  const start = now();
  for (let i = 0; i < messages; i += BURST) {
    for (let j = 0; j < BURST && i + j < messages; j++) system.publish([++seq.n, now()]);
    await new Promise((r) => setImmediate(r));
  }
  const { at } = await done;
  return (n * messages) / ((at! - start) / 1000);
}

async function measure(system: System, clients: Clients, n: number, messages: number, rounds: number): Promise<Result> {
  const server = await listen(system.handler);
  try {
    await clients.ask({ op: 'open', port: server.port, count: n });
    while (system.size() < n) await new Promise((r) => setTimeout(r, 5));
    const seq = { n: 0 };
    // latency first, on a quiet process (after a short warm-up), with the server's CPU time
    await paced(system, clients, 10, seq);
    const count = n >= 1000 ? 2 * RATE : RATE;
    const cpu = process.cpuUsage();
    const { p50, p99 } = await paced(system, clients, count, seq);
    const used = process.cpuUsage(cpu);
    const cpuPerDelivery = (used.user + used.system) / (count * n);
    const rates: number[] = [];
    for (let round = 0; round < rounds; round++) rates.push(await throughput(system, clients, n, messages, seq));
    await clients.ask({ op: 'close' });
    return { perSecond: median(rates), p50: p50!, p99: p99!, cpuPerDelivery };
  } finally {
    await server.close();
    await system.close();
  }
}

// ---------------------------------------------------------------- slow clients

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

interface SlowRound {
  p50: number;
  p99: number;
  perSecond: number;
  cpu: number;
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
        await paced(system, clients, 10, seq);
        const cpu = process.cpuUsage();
        const { p50, p99 } = await paced(system, clients, RATE, seq);
        const used = process.cpuUsage(cpu);
        const rates: number[] = [];
        for (let i = 0; i < 3; i++) rates.push(await throughput(system, clients, FAST, SLOW_MESSAGES, seq));
        const slowDropped = slow.reduce((sum, { sub }) => sum + sub.stats.dropped, 0);
        const cut = hub.stats().disconnectedForSlowness - before.cut;
        results[kind].push({
          p50: p50!, p99: p99!, perSecond: median(rates), cpu: (used.user + used.system) / (RATE * FAST),
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

/** The slow-clients rows: (a), (b) and (b)/(a) per policy, medians over the rounds. */
async function slowClientRows(lib: Library, clients: Clients, rounds: number, rows: (string | number)[][], notes: string[]): Promise<void> {
  const socketPath = path.join(os.tmpdir(), `comet-bench-hub-${process.pid}.sock`);
  const who = `${FAST} of ${(FAST + SLOW).toLocaleString('en-US')}`;
  for (const policy of POLICIES) {
    const r = await slowPolicy(lib, clients, policy, rounds, socketPath);
    const m = (kind: 'a' | 'b', key: 'p50' | 'p99' | 'perSecond' | 'cpu' | 'dropped' | 'cut' | 'prefill'): number => median(r[kind].map((x) => x[key]));
    const most = (key: 'buffered' | 'held' | 'others'): number => Math.max(...r.b.map((x) => x[key]), ...(key === 'others' ? r.a.map((x) => x.others) : []));
    const name = `slow clients, '${policy}'`;
    const counters = (kind: 'a' | 'b'): string =>
      `slow: dropped ${m(kind, 'dropped').toLocaleString('en-US')}, cut ${m(kind, 'cut')}` +
      (kind === 'b' ? `, buffered ≤ ${most('buffered')}/${SLOW_LIMIT}, held ≤ ${formatBytes(most('held'))}, full after ${m('b', 'prefill')}; others: dropped/cut ${most('others')}` : '') +
      (r[kind].every((x) => x.backedUp) ? '' : '; NOT backed up');
    rows.push([who, `${name}: (a) all read`, formatRate(m('a', 'perSecond')), '', formatMs(m('a', 'p50')), formatMs(m('a', 'p99')), `${m('a', 'cpu').toFixed(1)} µs`, counters('a')]);
    rows.push([who, `${name}: (b) ${SLOW} paused`, formatRate(m('b', 'perSecond')), '', formatMs(m('b', 'p50')), formatMs(m('b', 'p99')), `${m('b', 'cpu').toFixed(1)} µs`, counters('b')]);
    const ratio = (key: 'p50' | 'p99' | 'perSecond' | 'cpu'): string => formatRatio(m('b', key) / m('a', key));
    const noise = (key: 'p50' | 'p99' | 'perSecond'): string => spread(r.a.map((x) => x[key]));
    const spreads = rounds > 1 ? `spread of (a) rounds: msg/s ${noise('perSecond')}, p50 ${noise('p50')}, p99 ${noise('p99')}` : '';
    rows.push([who, `${name}: (b)/(a)`, ratio('perSecond'), '', ratio('p50'), ratio('p99'), ratio('cpu'), spreads]);
  }
  notes.push(
    `slow clients: one cometHub (limit ${SLOW_LIMIT}) per policy, ${FAST} clients on TCP measured as above, plus ${SLOW} on a Unix socket to the same server, (a) reading or (b) paused from the start; ${rounds} round(s) of (a) and (b), interleaved, medians`,
    `slow clients, each round: (b) publishes ${PREFILL_BURST} messages per event-loop turn until each paused reader has ${SLOW_LIMIT} waiting (its limit; under 'disconnect', until it is cut off), (a) publishes as many (${SLOW_LIMIT / 2} per turn); then latency (${RATE} messages at ${RATE}/s) and throughput (3 runs of ${SLOW_MESSAGES}, median), at the ${FAST} only; CPU per delivery to them`,
    `slow clients, counters of the ${SLOW} (medians per round): dropped messages, cut off ('disconnect'); most messages ever waiting for one, most bytes held in one's response beyond the socket, messages published until all were at their limit; others: messages dropped or clients cut among the ${FAST} (max over rounds)`,
  );
}

/** Runs the hub benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const rounds = settings.quick ? 1 : 3;
  const sizes = (process.env.HUB_BENCH_CLIENTS ?? '1,100,1000').split(',').filter(Boolean).map(Number);
  const perClient = (n: number): number => Math.max(200, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
  const slowNotes: string[] = [];
  const encoding = lib.cometEncoding<[number, number]>('parent.cometMessage');

  type Redis = { url: string; stop(): Promise<void> };
  type RedisScript = { startRedis(): Promise<Redis> };
  let redis: Redis | null = null;
  try {
    if (process.env.REDIS_URL) {
      redis = { url: process.env.REDIS_URL, stop: async () => {} };
    } else {
      const script = (await import(new URL('../scripts/redis-test-server.mjs', import.meta.url).href)) as RedisScript;
      redis = await script.startRedis();
    }
  } catch (error) {
    notes.push(`Redis hub skipped: ${(error as Error).message}`);
  }

  const makers: (() => Promise<System>)[] = [
    async () => {
      const hub = lib.createHub<[number, number], string>({ ...encoding, policy: 'drop-oldest', limit: Infinity });
      return hubSystem(lib, 'hub (in-process)', hub, (v) => void hub.publish(v), () => `in-process hub dropped ${hub.stats().dropped['drop-oldest']}`);
    },
    async () => betterSse(),
  ];
  if (redis) {
    const url = redis.url;
    makers.splice(1, 0, async () => {
      const client = createClient({ url });
      await client.connect();
      const hub = await lib.createRedisHub<[number, number], string>({ client, channel: `bench-${process.pid}-${Date.now()}`, ...encoding, policy: 'drop-oldest', limit: Infinity });
      const system = hubSystem(lib, 'hub (Redis)', hub, (v) => void hub.publish(v).catch(() => {}));
      return { ...system, close: async () => { await hub.close(); client.destroy(); } };
    });
  }

  const clients = new Clients();
  await clients.ask({});
  const rows: (string | number)[][] = [];
  try {
    for (const [index, n] of sizes.entries()) {
      const results: { name: string; rank: number; r: Result }[] = [];
      // rotate the order per size, so no system always runs first (or last) on the shared machine
      const order = makers.map((_, i) => (i + index) % makers.length);
      for (const rank of order) {
        const system = await makers[rank]!();
        results.push({ name: system.name, rank, r: await measure(system, clients, n, perClient(n), rounds) });
        if (system.note) notes.push(`${n} clients: ${system.note()}`);
      }
      results.sort((a, b) => a.rank - b.rank);
      const base = results.find((x) => x.name.startsWith('better-sse'))!.r;
      for (const { name, r } of results) {
        const ratio = r.perSecond / base.perSecond;
        const target = n === 1000 && name.startsWith('hub') ? `≥2× ${verdict(ratio >= 2)}, p99<50ms ${verdict(r.p99 < 50)}` : '';
        rows.push([n, name, formatRate(r.perSecond), formatRatio(ratio), formatMs(r.p50), formatMs(r.p99), `${r.cpuPerDelivery.toFixed(1)} µs`, target]);
      }
    }
    if (process.env.HUB_BENCH_SLOW !== '0') await slowClientRows(lib, clients, settings.quick ? 1 : 3, rows, slowNotes);
  } finally {
    clients.stop();
    await redis?.stop();
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

if (process.env.HUB_BENCH_ROLE === 'clients') {
  clientRole();
} else if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
