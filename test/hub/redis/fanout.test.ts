/**
 * Redis fan-out across processes: two Node processes (one on node-redis, one on ioredis), each
 * with subscribers and publishing; then Redis goes away mid-stream, then comes back.
 */
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { redisForTests, redisScript, type RedisServer } from '../../support/redis-server.js';

const PEER = fileURLToPath(new URL('../fixtures/redis-peer.ts', import.meta.url));
const SUBS = 3;
const COUNT = 300;

interface Peer {
  name: string;
  child: ChildProcess;
  next(type: string): Promise<Record<string, unknown>>;
  send(message: object): void;
}

function startPeer(name: string, lib: string, url: string, channel: string): Peer {
  const child = fork(PEER, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_URL: url, PEER: name, LIB: lib, CHANNEL: channel, SUBS: String(SUBS), COUNT: String(COUNT) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  let exited: string | null = null;
  child.on('message', (m: Record<string, unknown>) => {
    inbox.push(m);
    wake?.();
  });
  child.on('exit', (code, signal) => {
    exited = `peer ${name} exited (${code ?? signal})`;
    wake?.();
  });
  return {
    name,
    child,
    send: (message) => child.send(message),
    async next(type) {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0]!;
        if (exited) throw new Error(`${exited} while waiting for '${type}'`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

describe('Redis hub across processes', function () {
  this.timeout(60_000);
  let server: RedisServer | null = null;
  let url = '';
  let peers: Peer[] = [];

  before(async () => {
    ({ url, server } = await redisForTests());
  });

  after(async () => {
    for (const p of peers) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await server?.stop('SIGKILL');
  });

  it('delivers every message to every process in one order, then fails subscribers when Redis goes away, then recovers', async () => {
    const channel = `fanout-${process.pid}-${Date.now()}`;
    peers = [startPeer('A', 'node-redis', url, channel), startPeer('B', 'ioredis', url, channel)];
    const ready = await Promise.all(peers.map((p) => p.next('ready')));
    expect(ready.map((r) => r.lib)).to.deep.equal(['node-redis', 'ioredis']);

    // 1. both publish a burst; every subscriber in both processes sees the same ids and order
    for (const p of peers) p.send({ type: 'publish' });
    const published = await Promise.all(peers.map((p) => p.next('published')));
    for (const { ids } of published) {
      const list = ids as number[];
      expect(list).to.have.length(COUNT);
      for (let i = 1; i < list.length; i++) expect(list[i]).to.be.greaterThan(list[i - 1]!);
    }
    for (const p of peers) p.send({ type: 'report', expect: 2 * COUNT });
    const reports = await Promise.all(peers.map((p) => p.next('report')));
    const readers = reports.flatMap((r) => r.readers as { values: string[]; ids: number[] }[]);
    expect(readers).to.have.length(2 * SUBS);
    const [reference] = readers;
    for (const r of readers) {
      expect(r.values).to.have.length(2 * COUNT);
      for (const name of ['A', 'B']) {
        const mine = r.values.filter((v) => v.startsWith(`${name}:`));
        expect(mine).to.deep.equal(Array.from({ length: COUNT }, (_, s) => `${name}:${s}:burst`));
      }
      expect(r.values).to.deep.equal(reference!.values);
      expect(r.ids).to.deep.equal(reference!.ids);
    }
    const allIds = [...(published[0]!.ids as number[]), ...(published[1]!.ids as number[])].sort((a, b) => a - b);
    expect(reference!.ids).to.deep.equal(allIds);

    // 2. Redis goes away while both stream: every subscriber ends with HubConnectionError
    for (const p of peers) p.send({ type: 'stream' });
    await Promise.all(peers.map((p) => p.next('streaming')));
    if (server) {
      await server.stop('SIGKILL');
    } else {
      // an external server is not ours to kill: it stops answering for longer than maxOutageMs (5 s)
      const admin = createClient({ url });
      await admin.connect();
      await admin.sendCommand(['CLIENT', 'PAUSE', '8000', 'ALL']);
      admin.destroy();
    }
    const failures = await Promise.all(peers.map((p) => p.next('failed')));
    for (const f of failures) {
      expect(f.errors).to.deep.equal(Array(SUBS).fill({ name: 'HubConnectionError', code: 'ERR_COMET_HUB_CONNECTION' }));
      expect(f.size).to.equal(0);
      expect(f.msAfterStreaming as number).to.be.below(10_000);
      expect(f.connected).to.equal(false);
      expect(f.refusal).to.deep.equal({ name: 'HubConnectionError', code: 'ERR_COMET_HUB_CONNECTION' });
    }

    // 3. Redis is back (same port): both hubs accept subscribers and deliver again
    if (server) server = await (await redisScript()).startRedis({ port: server.port });
    else {
      const admin = createClient({ url });
      await admin.connect();
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
      admin.destroy();
    }
    for (const p of peers) p.send({ type: 'again-subscribe' });
    await Promise.all(peers.map((p) => p.next('again-ready')));
    for (const p of peers) p.send({ type: 'again-publish' });
    const again = await Promise.all(peers.map((p) => p.next('again')));
    for (const a of again) {
      const values = a.values as string[];
      for (const name of ['A', 'B']) {
        expect(values.filter((v) => v.startsWith(`${name}:`))).to.deep.equal([0, 1, 2, 3, 4].map((s) => `${name}:${s}:again`));
      }
      expect(a.disconnects).to.equal(1);
    }
    for (const p of peers) p.send({ type: 'exit' });
    await Promise.all(peers.map((p) => new Promise((resolve) => (p.child.exitCode !== null ? resolve(null) : p.child.once('exit', resolve)))));
  });
});
