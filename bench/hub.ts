/**
 * Broadcast: publish-to-receive throughput and latency for 1, 100 and 1,000 loopback clients, for
 * the in-process hub and the Redis hub (both through sendComet), against better-sse's channel
 * broadcast doing the same work in the same run. Clients run in a child process (this file, in its
 * client role) and time each message against the publish timestamp it carries.
 *
 * Throughput: `MESSAGES` messages published in bursts of 50 per event-loop turn, timed from the
 * first publish until every client has every message. Latency: messages published at a steady
 * `RATE` per second; p50/p99 over every delivery.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createChannel, createSession } from 'better-sse';
import { createClient } from 'redis';
import { library, type Library } from './lib/library.js';
import { listen } from './lib/server.js';
import { formatMs, formatRate, formatRatio, median, percentile, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

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
  process.on('message', async (cmd: { op: string; port?: number; count?: number; target?: number }) => {
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

async function paced(system: System, clients: Clients, count: number, seq: { n: number }): Promise<Record<string, number>> {
  await clients.ask({ op: 'reset' });
  const done = clients.ask({ op: 'wait', target: count });
  for (let i = 0; i < count; i++) {
    system.publish([++seq.n, now()]);
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  return done;
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
    for (let round = 0; round < rounds; round++) {
      await clients.ask({ op: 'reset' });
      const done = clients.ask({ op: 'wait', target: messages });
      const start = now();
      for (let i = 0; i < messages; i += BURST) {
        for (let j = 0; j < BURST && i + j < messages; j++) system.publish([++seq.n, now()]);
        await new Promise((r) => setImmediate(r));
      }
      const { at } = await done;
      rates.push((n * messages) / ((at! - start) / 1000));
    }
    await clients.ask({ op: 'close' });
    return { perSecond: median(rates), p50: p50!, p99: p99!, cpuPerDelivery };
  } finally {
    await server.close();
    await system.close();
  }
}

/** Runs the hub benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const rounds = settings.quick ? 1 : 3;
  const sizes = (process.env.HUB_BENCH_CLIENTS ?? '1,100,1000').split(',').map(Number);
  const perClient = (n: number): number => Math.max(200, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const notes: string[] = [];
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
  );
  return { title: 'Broadcast: hub vs better-sse channel', columns: ['clients', 'system', 'delivered msg/s', 'vs better-sse', 'p50', 'p99', 'CPU/delivery', 'target'], rows, notes };
}

if (process.env.HUB_BENCH_ROLE === 'clients') {
  clientRole();
} else if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
