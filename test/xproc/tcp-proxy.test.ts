/**
 * The test proxy (test/support/tcp-proxy.ts) against small upstream servers on 127.0.0.1.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { sleep, until } from '../support/timing.js';

interface Upstream {
  port: number;
  server: net.Server;
  connections(): Promise<number>;
  close(): Promise<void>;
}

/** An upstream that greets each connection with `name\n`, then echoes what it reads. */
async function echoServer(name: string): Promise<Upstream> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    connections: () => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface Conn {
  socket: net.Socket;
  /** Everything read so far. */
  text(): string;
  /** Resolves once what was read holds `expected`; rejects after `ms` (default: {@link until}'s). */
  received(expected: string, ms?: number): Promise<void>;
  closed: Promise<void>;
}

function connect(port: number): Conn {
  const socket = net.connect({ port, host: '127.0.0.1' });
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    text: () => text,
    closed,
    received: (expected, ms) => until(() => text.includes(expected), { what: `${JSON.stringify(expected.slice(0, 40))} to arrive`, timeoutMs: ms, everyMs: 2 }),
  };
}

/** `promise`, or a rejection naming `what` after `ms`. */
const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);

describe('test TCP proxy', function () {
  this.timeout(15_000);
  let upstreams: Upstream[] = [];
  let proxy: TcpProxy | null = null;
  const conns: Conn[] = [];
  const open = (): Conn => {
    const c = connect(proxy!.port);
    conns.push(c);
    return c;
  };

  beforeEach(async () => {
    upstreams = await Promise.all(['A', 'B'].map(echoServer));
    proxy = await startTcpProxy(upstreams.map((u) => u.port));
  });

  afterEach(async () => {
    for (const c of conns.splice(0)) c.socket.destroy();
    await proxy?.close();
    await Promise.all(upstreams.map((u) => u.close()));
  });

  it('sends each new connection to the next upstream in turn, including one added later', async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = open();
      await c.received('\n');
      names.push(c.text().trim());
    }
    expect(names).to.deep.equal(['A', 'B', 'A']);
    const late = await echoServer('C');
    upstreams.push(late);
    proxy!.add(late.port);
    for (let i = 0; i < 3; i++) {
      const c = open();
      await c.received('\n');
      names.push(c.text().trim());
    }
    // the round goes on where it was: connection 4 is the 4th of A,B,C
    expect(names.slice(3)).to.deep.equal(['A', 'B', 'C']);
    expect(proxy!.accepted).to.deep.equal([3, 2, 1]);
    expect(proxy!.upstreams).to.deep.equal(upstreams.map((u) => u.port));
  });

  it('forwards bytes both ways unchanged and in order (1 MiB echoed)', async () => {
    const c = open();
    await c.received('A\n');
    const payload = Array.from({ length: 16_384 }, (_, i) => `${String(i).padStart(63, '.')}\n`).join('');
    c.socket.write(payload);
    await c.received(payload.slice(-64));
    expect(c.text()).to.equal('A\n' + payload);
  });

  it('hold(ms) delays each direction by ms, keeps the order, and hold(0) forwards at once again', async () => {
    const c = open();
    await c.received('A\n');
    proxy!.hold(200);
    const t0 = Date.now();
    c.socket.write('one;');
    await sleep(50);
    c.socket.write('two;');
    await c.received('one;two;');
    const elapsed = Date.now() - t0;
    // 200 ms towards the upstream, 200 ms back, for the second chunk (sent 50 ms later)
    expect(elapsed).to.be.at.least(440);
    expect(elapsed).to.be.below(3000);
    expect(c.text()).to.equal('A\none;two;');
    proxy!.hold(0);
    const t1 = Date.now();
    c.socket.write('three;');
    await c.received('three;');
    expect(Date.now() - t1).to.be.below(300);
  });

  it('cutAll() closes both sides of every connection and still accepts new ones', async () => {
    const a = open();
    const b = open();
    await a.received('\n');
    await b.received('\n');
    expect(proxy!.open).to.equal(2);
    proxy!.cutAll();
    await within(Promise.all([a.closed, b.closed]), 3000, 'clients closed');
    for (const u of upstreams) await until(async () => (await u.connections()) === 0, { what: 'upstream sockets closed', everyMs: 10 });
    expect(proxy!.open).to.equal(0);
    const c = open();
    await c.received('\n');
    expect(proxy!.open).to.equal(1);
  });

  it('close() leaves no socket behind and refuses new connections', async () => {
    const held = [open(), open(), open()];
    for (const c of held) await c.received('\n');
    proxy!.hold(1000);
    held[0]!.socket.write('in flight');
    await within(proxy!.close(), 3000, 'proxy closed');
    await within(Promise.all(held.map((c) => c.closed)), 3000, 'clients closed');
    for (const u of upstreams) await until(async () => (await u.connections()) === 0, { what: 'upstream sockets closed', everyMs: 10 });
    expect(proxy!.open).to.equal(0);
    const refused = connect(proxy!.port);
    const error = await within(once(refused.socket, 'error').catch((e: unknown) => [e]), 3000, 'refusal');
    expect((error[0] as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    proxy = null;
  });

  it('rejects an upstream that is not a port, and a bad hold', async () => {
    let caught: unknown;
    await startTcpProxy([0]).catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(RangeError).with.property('message', 'startTcpProxy: an upstream must be a TCP port (1 to 65535), got 0');
    expect(() => proxy!.add(70_000)).to.throw(RangeError, 'startTcpProxy: an upstream must be a TCP port');
    expect(() => proxy!.hold(-1)).to.throw(RangeError, 'TcpProxy.hold: ms must be a non-negative finite number, got -1');
  });
});
