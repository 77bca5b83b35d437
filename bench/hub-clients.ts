/**
 * The clients of the broadcast benchmark (bench/hub.ts), in a child process of their own: loopback
 * HTTP clients that time each message against the publish timestamp it carries, plus unmeasured
 * "slow" clients on a Unix socket. The server side drives them through `Clients`, one command and
 * one answer at a time over the IPC channel. Opened with `sse: true`, a client reads its response
 * as an event stream (bench/sse-reader.ts: HTTP chunking undone, events parsed, the data of each
 * `message` event JSON-parsed) instead of matching `[sequence,timestamp]` in the raw bytes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { percentile } from './lib/stats.js';
import { SSEReader } from './sse-reader.js';

const SELF = fileURLToPath(import.meta.url);
const ROLE = 'clients';

/** Wall-clock milliseconds, comparable across the server and client processes. */
export const now = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- client role (child process)

interface Conn {
  count: number;
  tail: string;
  /** The latency samples of this client's group (opened with a `tag`), besides the common ones. */
  group: number[] | null;
}

function clientRole(): void {
  const conns = new Set<Conn & { socket: net.Socket }>();
  const slow = new Set<net.Socket>();
  let samples: number[] = [];
  /** The samples of each group of clients opened with a `tag`. */
  const groups = new Map<string, number[]>();
  const sample = (c: Conn, ms: number): void => {
    samples.push(ms);
    c.group?.push(ms);
  };
  let waiting: { target: number; resolve: () => void } | null = null;
  const MESSAGE = /\[(\d+),([\d.]+)\]/g;
  // called with the client that just received something: only one that has reached the target can complete the wait
  const check = (from?: Conn): void => {
    if (!waiting || (from && from.count < waiting.target)) return;
    for (const c of conns) if (c.count < waiting.target) return;
    const w = waiting;
    waiting = null;
    w.resolve();
  };
  const onData = (c: Conn, data: string): void => {
    const t = now();
    const text = c.tail + data;
    let end = 0;
    let got = 0;
    for (const m of text.matchAll(MESSAGE)) {
      sample(c, t - Number(m[2]));
      c.count++;
      got++;
      end = m.index! + m[0].length;
    }
    c.tail = text.slice(Math.max(end, text.length - 64));
    if (got > 0 && waiting) check(c);
  };
  /** One `message` event's data: `[sequence, timestamp]` as JSON. */
  const onEvent = (c: Conn, type: string, data: string): void => {
    if (type !== 'message') return;
    const stamp = (JSON.parse(data) as [number, number])[1];
    sample(c, now() - stamp);
    c.count++;
  };
  const open = (port: number, path: string, sse: boolean, tag: string | undefined): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      if (tag !== undefined && !groups.has(tag)) groups.set(tag, []);
      const c: Conn & { socket: net.Socket } = { socket, count: 0, tail: '', group: tag === undefined ? null : groups.get(tag)! };
      let headers = false;
      socket.setEncoding('latin1');
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
      const reader = sse ? new SSEReader((type, data) => onEvent(c, type, data)) : null;
      socket.on('data', (data: string) => {
        const before = c.count;
        reader?.feed(data);
        if (!headers && (reader ? reader.headersDone : (c.tail + data).includes('\r\n\r\n'))) {
          headers = true;
          conns.add(c);
          resolve();
        }
        if (!reader) onData(c, data);
        else if (c.count !== before && waiting) check(c);
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
  process.on('message', async (cmd: { op: string; port?: number; count?: number; target?: number; ms?: number; path?: string; paused?: boolean; sse?: boolean; tag?: string }) => {
    if (cmd.op === 'open') {
      for (let i = 0; i < cmd.count!; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, cmd.count! - i) }, () => open(cmd.port!, '/', cmd.sse === true, cmd.tag)));
      }
      process.send!({ op: 'open', open: conns.size });
    } else if (cmd.op === 'reset') {
      samples = [];
      for (const group of groups.values()) group.length = 0;
      for (const c of conns) c.count = 0;
      process.send!({ op: 'reset' });
    } else if (cmd.op === 'wait') {
      // bounded by `ms`: a broadcaster that lost messages must fail its cell, not stall the run
      const complete = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve(false);
        }, cmd.ms ?? 60_000);
        waiting = { target: cmd.target!, resolve: () => (clearTimeout(timer), resolve(true)) };
        check();
      });
      const at = now();
      const sorted = samples.sort((a, b) => a - b);
      const least = conns.size === 0 ? 0 : Math.min(...[...conns].map((c) => c.count));
      if (!complete) process.send!({ op: 'wait', at, timedOut: 1, least, open: conns.size, deliveries: sorted.length });
      else process.send!({ op: 'wait', at, p50: percentile(sorted, 50), p99: percentile(sorted, 99), deliveries: sorted.length });
    } else if (cmd.op === 'groups') {
      // each group's percentiles, as `p50:<tag>` and `p99:<tag>`, and its deliveries as `n:<tag>`
      const out: Record<string, number | string> = { op: 'groups' };
      for (const [tag, group] of groups) {
        if (group.length === 0) continue;
        const sorted = group.sort((a, b) => a - b);
        Object.assign(out, { [`p50:${tag}`]: percentile(sorted, 50), [`p99:${tag}`]: percentile(sorted, 99), [`n:${tag}`]: sorted.length });
      }
      process.send!(out);
    } else if (cmd.op === 'slow') {
      await Promise.all(Array.from({ length: cmd.count! }, () => openSlow(cmd.path!, cmd.paused!)));
      process.send!({ op: 'slow', open: slow.size });
    } else if (cmd.op === 'slow-close') {
      for (const socket of slow) socket.destroy();
      process.send!({ op: 'slow-close' });
    } else if (cmd.op === 'close') {
      for (const c of conns) c.socket.destroy();
      groups.clear();
      process.send!({ op: 'close' });
    }
  });
  process.send!({ op: 'ready' });
}

// ---------------------------------------------------------------- server side

/** The client process, seen from the server: `ask({})` waits until it is ready. */
export class Clients {
  private readonly child: ChildProcess;
  private waiter: ((m: Record<string, number>) => void) | null = null;
  constructor() {
    this.child = fork(SELF, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, HUB_BENCH_ROLE: ROLE } });
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

if (process.env.HUB_BENCH_ROLE === ROLE) clientRole();
