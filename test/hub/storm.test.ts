/**
 * Disconnect storm: 1,000 clients connect and drop at seeded random points; afterwards the hub
 * has no subscriber and nothing the streams attached remains.
 */
import { expect } from 'chai';
import http from 'node:http';
import type net from 'node:net';
import { sendComet } from '../../src/http/send-comet.js';
import { cometHub, type Hub, type HubSubscription } from '../../src/hub/index.js';
import { openClient, skipWithoutSockets, type CometClient } from './fixtures/comet-clients.js';
import { sleep, until } from '../support/timing.js';

const CLIENTS = 1000;
const MAX_AT = 40;
const EVENTS = ['close', 'drain', 'error', 'finish'] as const;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Served {
  sub: HubSubscription<string>;
  res: http.ServerResponse;
  baseline: number[];
  settled: boolean;
}

describe('hub over HTTP: disconnect storm', function () {
  this.timeout(60_000);
  let server: http.Server;
  let hub: Hub<string, string>;
  const served: Served[] = [];
  let clients: CometClient[] = [];

  before(function () {
    skipWithoutSockets(this, CLIENTS);
  });

  after(async () => {
    hub?.close();
    for (const c of clients) c.destroy();
    server?.closeAllConnections();
    if (server) await new Promise((r) => server.close(r));
  });

  it('1,000 clients dropping at random points leave no subscriber, connection or listener behind', async () => {
    const seed = Number(process.env.HUB_STORM_SEED ?? 20240611);
    const rand = random(seed);
    hub = cometHub<string>('cb', { initialChunk: null, map: (v, id) => [id, v], policy: 'drop-oldest', limit: 32, history: 16 });
    server = http.createServer((req, res) => {
      const since = new URL(req.url!, 'http://localhost').searchParams.get('since');
      const sub = hub.subscribe(since === null ? {} : { since: Number(since) });
      const entry: Served = { sub, res, baseline: EVENTS.map((e) => res.listenerCount(e)), settled: false };
      served.push(entry);
      void sendComet(res, sub).catch(() => {}).finally(() => (entry.settled = true));
    });
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve));
    const { port } = server.address() as net.AddressInfo;

    // Each client connects at a random moment of the stream and drops after `at` messages (-1: as
    // soon as the request is sent, often before the server answers); half ask for a replay.
    const plans = Array.from({ length: CLIENTS }, () => ({
      delay: Math.floor(rand() * 400),
      at: Math.floor(rand() * (MAX_AT + 2)) - 1,
      since: rand() < 0.5 ? Math.floor(rand() * 20) : -1,
    }));
    let dropped = 0;
    const timers = new Set<NodeJS.Timeout>();
    clients = [];
    for (const [i, { delay, at, since }] of plans.entries()) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        const c = openClient(port, `c${i}`, { path: since < 0 ? '/stream' : `/stream?since=${since}`, contiguous: false });
        clients.push(c);
        const drop = (): void => {
          if (c.count > 0) midStream++;
          dropped++;
          c.destroy();
        };
        if (at < 0) setImmediate(drop);
        else if (at === 0) c.response.then(drop, drop);
        else c.onMessage = (self) => void (self.count === at && drop());
      }, delay);
      timers.add(timer);
    }
    let midStream = 0;

    const pad = 'p'.repeat(64);
    for (let n = 0; dropped < CLIENTS && n < 3000; n++) {
      hub.publish(pad);
      await sleep(1);
    }
    for (const t of timers) clearTimeout(t);
    for (const c of clients) c.destroy();
    await until(() => hub.size === 0, { what: 'every subscriber to leave' });
    await until(() => served.every((s) => s.settled), { what: 'every sendComet to settle' });
    const connections = (): Promise<number> =>
      new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    let open = await connections();
    for (let tries = 0; open > 0 && tries < 500; tries++) {
      await sleep(10);
      open = await connections();
    }

    expect(hub.size).to.equal(0);
    expect(hub.stats().subscribers).to.equal(0);
    expect(open).to.equal(0);
    expect(dropped, 'every client dropped by plan').to.equal(CLIENTS);
    expect(midStream, 'clients dropped mid-stream').to.be.greaterThan(CLIENTS / 2);
    expect(served.length).to.be.greaterThan(CLIENTS * 0.9);
    for (const { sub, res, baseline } of served) {
      expect(EVENTS.map((e) => res.listenerCount(e))).to.deep.equal(baseline);
      expect(await sub.next()).to.deep.equal({ value: undefined, done: true });
    }
    for (const c of clients) expect(c.disorder, `${c.tag} (seed ${seed})`).to.equal(null);
  });
});
