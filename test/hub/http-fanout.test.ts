/**
 * Hub fan-out over real HTTP: 1,000 loopback clients, slow readers under each policy.
 *
 * Slow readers are paused sockets. They connect through a Unix domain socket to the same HTTP
 * server, because a paused loopback TCP socket absorbs about 4 MB in kernel buffers before the
 * server's writes back up (it would take gigabytes of traffic to the 990 others to fill it), while
 * a Unix socket backs up after about 100 KB.
 */
import { expect } from 'chai';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { getDefaultHighWaterMark } from 'node:stream';
import { sendComet } from '../../src/http/send-comet.js';
import { cometHub, type Hub, type HubSubscription, type SlowConsumerPolicy } from '../../src/hub/index.js';
import { openClient, openClients, skipWithoutSockets, unixFront, type CometClient } from './fixtures/comet-clients.js';
import { sleep, turn, until } from '../support/timing.js';

const CLIENTS = 1000;
const SLOW = 10;

interface Served {
  sub: HubSubscription<string>;
  res: http.ServerResponse;
  done: Promise<unknown>;
}

describe('hub over HTTP: 1,000 clients', function () {
  this.timeout(60_000);
  let server: http.Server;
  let front: net.Server;
  let port = 0;
  const socketPath = path.join(os.tmpdir(), `comet-hub-${process.pid}.sock`);
  let hub: Hub<string, string>;
  const served = new Map<string, Served>();
  let clients: CometClient[] = [];

  before(function () {
    skipWithoutSockets(this, CLIENTS);
  });

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      const tag = new URL(req.url!, 'http://localhost').searchParams.get('c')!;
      const sub = hub.subscribe();
      served.set(tag, { sub, res, done: sendComet(res, sub).catch((e: unknown) => e) });
    });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve));
    port = (server.address() as net.AddressInfo).port;
    front = await unixFront(server, socketPath);
  });

  afterEach(async () => {
    hub?.close();
    for (const c of clients) c.destroy();
    clients = [];
    served.clear();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await new Promise((r) => front.close(r));
  });

  /** Publishes ids 1..count (each a chunk of about `size` bytes), never letting a fast subscriber's queue pass half its limit. */
  async function publish(count: number, size: number, fast: HubSubscription<string>[], limit: number): Promise<void> {
    const pad = 'x'.repeat(size);
    const batch = Math.max(1, Math.floor(limit / 2));
    for (let i = 0; i < count; ) {
      for (let j = 0; j < batch && i < count; j++, i++) hub.publish(pad);
      await until(() => fast.every((s) => s.stats.buffered <= limit - batch), { what: 'fast subscribers to keep up', timeoutMs: 20_000 });
      await turn();
    }
  }

  it('every one of 1,000 subscribers receives every message, in order', async () => {
    hub = cometHub<string>('cb', { initialChunk: null, map: (v, id) => [id, v], limit: 64 });
    clients = await openClients(CLIENTS, (i) => openClient(port, `f${i}`));
    expect(hub.size).to.equal(CLIENTS);
    await publish(100, 16, [...served.values()].map((s) => s.sub), 64);
    hub.close();
    const endings = await Promise.all(clients.map((c) => c.finished));
    expect(endings.filter((e) => e !== 'end')).to.deep.equal([]);
    for (const c of clients) {
      expect(c.disorder, c.tag).to.equal(null);
      expect(c.count, c.tag).to.equal(100);
    }
    expect(hub.stats()).to.deep.equal({
      subscribers: 0, published: 100, offered: 100 * CLIENTS, delivered: 100 * CLIENTS,
      dropped: { 'drop-oldest': 0, 'drop-newest': 0 }, cutOff: 0, discarded: 0, waiting: 0, disconnectedForSlowness: 0,
      encoded: { comet: 100, sse: 0 }, topics: 0, history: 0,
      connections: { iframe: 0, eventsource: 0, subscribe: 0 }, opened: { iframe: 0, eventsource: 0, subscribe: CLIENTS }, replayed: 0, missed: 0, resets: 0, lostToSlowness: 0,
    });
  });

  for (const policy of ['drop-oldest', 'drop-newest', 'disconnect'] as const) {
    it(`'${policy}': 10 paused readers stay within their limit, the 990 others get everything`, async () => {
      const LIMIT = 16;
      const SIZE = 1000;
      // enough to fill a paused reader's socket and response buffers, whose default size grew from
      // 16 KiB (Node 20) to 64 KiB (Node 22)
      const COUNT = 240 + 2 * Math.ceil((getDefaultHighWaterMark(false) - 16 * 1024) / SIZE);
      hub = cometHub<string>('cb', { initialChunk: null, map: (v, id) => [id, v], policy, limit: LIMIT });
      const slow = await openClients(SLOW, (i) => {
        const c = openClient(socketPath, `s${i}`, { keepIds: true, contiguous: false });
        c.pause();
        return c;
      });
      const fast = await openClients(CLIENTS - SLOW, (i) => openClient(port, `f${i}`));
      clients = [...slow, ...fast];
      expect(hub.size).to.equal(CLIENTS);
      const slowSubs = slow.map((c) => served.get(c.tag)!);
      const fastSubs = fast.map((c) => served.get(c.tag)!.sub);

      await publish(COUNT, SIZE, fastSubs, LIMIT);
      await sleep(50); // let the last writes reach the paused sockets

      // what the server holds for each paused reader: at most LIMIT messages in its queue, and beyond
      // the socket buffer at most the one write in progress (up to LIMIT + 1 chunks joined)
      for (const { sub, res } of slowSubs) {
        expect(sub.stats.highWaterMark).to.be.at.most(LIMIT);
        expect(res.writableLength).to.be.at.most(res.writableHighWaterMark + (LIMIT + 1) * (SIZE + 100));
        expect(sub.lastId, 'a paused reader must back up before the end').to.be.below(COUNT - LIMIT);
      }
      const stats = hub.stats();
      expect(stats.published).to.equal(COUNT);
      if (policy === 'disconnect') {
        expect(stats.disconnectedForSlowness).to.equal(SLOW);
        expect(hub.size).to.equal(CLIENTS - SLOW);
        expect(stats.dropped).to.deep.equal({ 'drop-oldest': 0, 'drop-newest': 0 });
      } else {
        expect(stats.disconnectedForSlowness).to.equal(0);
        expect(hub.size).to.equal(CLIENTS);
        let dropped = 0;
        for (const { sub } of slowSubs) {
          expect(sub.stats.buffered).to.equal(LIMIT);
          expect(sub.stats.dropped).to.equal(COUNT - sub.lastId - LIMIT);
          dropped += sub.stats.dropped;
        }
        expect(stats.dropped[policy]).to.equal(dropped);
        expect(stats.dropped[policy === 'drop-oldest' ? 'drop-newest' : 'drop-oldest']).to.equal(0);
      }
      const handed = slowSubs.map(({ sub }) => sub.lastId);
      // the others are not held back: each has every message while the slow ones are still stalled
      await until(() => fast.every((c) => c.count === COUNT), { what: 'the others to receive every message', timeoutMs: 20_000 });
      expect(slowSubs.map(({ sub }) => sub.lastId), 'the paused readers are still stalled').to.deep.equal(handed);

      for (const c of slow) c.resume();
      if (policy === 'disconnect') {
        expect(await Promise.all(slow.map((c) => c.finished))).to.deep.equal(Array(SLOW).fill('aborted'));
      }
      hub.close();
      const endings = await Promise.all(fast.map((c) => c.finished));
      expect(endings.filter((e) => e !== 'end')).to.deep.equal([]);
      for (const c of fast) {
        expect(c.disorder, c.tag).to.equal(null);
        expect(c.count, c.tag).to.equal(COUNT);
      }
      await Promise.all(slow.map((c) => c.finished));
      slow.forEach((c, i) => {
        const first = Array.from({ length: handed[i]! }, (_, k) => k + 1);
        if (policy === 'drop-oldest') {
          const newest = Array.from({ length: LIMIT }, (_, k) => COUNT - LIMIT + k + 1);
          expect(c.ids, c.tag).to.deep.equal([...first, ...newest]);
        } else if (policy === 'drop-newest') {
          expect(c.ids, c.tag).to.deep.equal([...first, ...Array.from({ length: LIMIT }, (_, k) => handed[i]! + k + 1)]);
        } else {
          // the buffered messages, then the stream is cut: a prefix of 1..handed+LIMIT, with no gap
          expect(c.ids, c.tag).to.deep.equal(Array.from({ length: c.ids.length }, (_, k) => k + 1));
          expect(c.ids.length).to.be.at.most(handed[i]! + LIMIT);
        }
      });
      expect(hub.size).to.equal(0);
    });
  }
});
