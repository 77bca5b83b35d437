/**
 * The client side of the loopback benchmarks, run in its own process so that clients and server do
 * not share an event loop. Reads one JSON command per line on stdin, answers one JSON line on stdout
 * (`{ id, ...result }`). Clients are raw TCP sockets speaking just enough HTTP/1.1; each counts the
 * `</script>` closing tags it receives (one per Comet chunk). Started with `--stamps`, a client counts
 * instead every `[sequence,timestamp]` it receives (a Comet chunk or an SSE event alike) and records
 * its latency: receipt time minus the timestamp, both `performance.timeOrigin + performance.now()`.
 */
import net from 'node:net';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { percentile } from './stats.js';

const CLOSE_TAG = Buffer.from('</script>');
const HEADER_END = Buffer.from('\r\n\r\n');
const STAMPS = process.argv.includes('--stamps');
const STAMP = /\[(\d+),([\d.]+)\]/g;

interface Client {
  socket: net.Socket;
  scripts: number;
  bytes: number;
  ready: boolean;
  tail: Buffer;
  /** The undecided end of the last data (--stamps). */
  text: string;
}

const clients = new Set<Client>();
let errors = 0;
let waiters: { target: number; done: () => void; remaining: number }[] = [];
let samples: number[] = [];

function countStamps(client: Client, data: Buffer): number {
  const at = performance.timeOrigin + performance.now();
  const text = client.text + data.toString('latin1');
  let n = 0;
  let end = 0;
  for (const m of text.matchAll(STAMP)) {
    samples.push(at - Number(m[2]));
    n++;
    end = m.index + m[0].length;
  }
  client.text = text.slice(Math.max(end, text.length - 48));
  return n;
}

function countTags(client: Client, data: Buffer): number {
  let n = 0;
  const edge = Buffer.concat([client.tail, data.subarray(0, CLOSE_TAG.length - 1)]);
  if (edge.indexOf(CLOSE_TAG) !== -1 && client.tail.length > 0) n++;
  for (let at = data.indexOf(CLOSE_TAG); at !== -1; at = data.indexOf(CLOSE_TAG, at + CLOSE_TAG.length)) n++;
  client.tail = Buffer.from(data.subarray(Math.max(0, data.length - (CLOSE_TAG.length - 1))));
  return n;
}

function onData(client: Client, data: Buffer, ready: () => void): void {
  client.bytes += data.length;
  if (!client.ready) {
    const edge = Buffer.concat([client.tail, data]);
    if (edge.indexOf(HEADER_END) !== -1) {
      client.ready = true;
      ready();
    }
  }
  const before = client.scripts;
  client.scripts += STAMPS ? countStamps(client, data) : countTags(client, data);
  if (client.scripts !== before && waiters.length > 0) {
    for (const w of waiters) if (before < w.target && client.scripts >= w.target) w.remaining--;
    settleWaiters();
  }
}

function settleWaiters(): void {
  const done = waiters.filter((w) => w.remaining <= 0);
  if (done.length === 0) return;
  waiters = waiters.filter((w) => w.remaining > 0);
  for (const w of done) w.done();
}

/** Next local port per source address: binding an explicit port is O(1), letting the kernel pick one is not. */
const nextPort = new Map<string, number>();
const FIRST_PORT = 10_000;

function openOne(port: number, path: string, localAddress?: string): Promise<void> {
  const localPort = localAddress === undefined ? undefined : (nextPort.get(localAddress) ?? FIRST_PORT);
  if (localAddress !== undefined) nextPort.set(localAddress, localPort! + 1);
  if (localPort !== undefined && localPort > 65_535) {
    errors++;
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress, localPort, noDelay: true });
    const client: Client = { socket, scripts: 0, bytes: 0, ready: false, tail: Buffer.alloc(0), text: '' };
    clients.add(client);
    let settled = false;
    const ready = (): void => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
    socket.on('data', (data: Buffer) => onData(client, data, ready));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // a local port someone else holds: take the next one
      if (localPort !== undefined && !settled && (error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL')) {
        settled = true;
        clients.delete(client);
        openOne(port, path, localAddress).then(resolve);
        return;
      }
      errors++;
    });
    socket.on('close', () => {
      clients.delete(client);
      ready();
    });
  });
}

async function open(port: number, path: string, count: number, localAddress?: string, concurrency = 256): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await openOne(port, path, localAddress);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return clients.size;
}

function wait(target: number): Promise<void> {
  let remaining = 0;
  for (const c of clients) if (c.scripts < target) remaining++;
  if (remaining === 0) return Promise.resolve();
  return new Promise((done) => waiters.push({ target, done, remaining }));
}

function closeSome(count: number): number {
  const all = [...clients];
  let closed = 0;
  for (let i = 0; i < count && all.length > 0; i++) {
    const pick = all.splice(Math.floor(Math.random() * all.length), 1)[0]!;
    pick.socket.destroy();
    clients.delete(pick);
    closed++;
  }
  return closed;
}

function fetchAll(port: number, path: string): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ bytes, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function totals(): { open: number; scripts: number; bytes: number; errors: number; minScripts: number } {
  let scripts = 0;
  let bytes = 0;
  let minScripts = Infinity;
  for (const c of clients) {
    scripts += c.scripts;
    bytes += c.bytes;
    minScripts = Math.min(minScripts, c.scripts);
  }
  return { open: clients.size, scripts, bytes, errors, minScripts: clients.size === 0 ? 0 : minScripts };
}

type Command =
  | { id: number; cmd: 'open'; port: number; path: string; count: number; localAddress?: string }
  | { id: number; cmd: 'wait'; scripts: number }
  | { id: number; cmd: 'churn'; port: number; path: string; count: number }
  | { id: number; cmd: 'fetch'; port: number; path: string }
  | { id: number; cmd: 'close' }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'samples' };

async function handle(command: Command): Promise<object> {
  switch (command.cmd) {
    case 'open':
      return { open: await open(command.port, command.path, command.count, command.localAddress) };
    case 'wait':
      await wait(command.scripts);
      return totals();
    case 'churn': {
      const closed = closeSome(command.count);
      await open(command.port, command.path, closed);
      return { closed, ...totals() };
    }
    case 'fetch':
      return fetchAll(command.port, command.path);
    case 'close': {
      const n = closeSome(clients.size);
      waiters = [];
      return { closed: n };
    }
    case 'stats':
      return { ...totals(), memory: process.memoryUsage().rss };
    case 'samples': {
      const taken = samples;
      samples = [];
      if (taken.length === 0) return { count: 0, p50: NaN, p99: NaN };
      return { count: taken.length, p50: percentile(taken, 50), p99: percentile(taken, 99) };
    }
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as Command;
  handle(command).then(
    (result) => process.stdout.write(JSON.stringify({ id: command.id, ...result }) + '\n'),
    (error: Error) => process.stdout.write(JSON.stringify({ id: command.id, error: error.message }) + '\n'),
  );
});
lines.on('close', () => process.exit(0));
process.stdout.write(JSON.stringify({ id: 0, ready: true }) + '\n');
