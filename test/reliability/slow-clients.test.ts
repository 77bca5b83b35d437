/**
 * 100 clients that never read, next to a few that do, on one Comet hub over loopback HTTP. The
 * server's memory must not grow with what is published (measured: heap plus buffers after GC), the
 * readers must get every message in order, and the counters must add up: for every subscriber,
 * delivered + buffered + dropped = published.
 */
import { expect } from 'chai';
import { createHash, type Hash } from 'node:crypto';
import http, { type ServerResponse } from 'node:http';
import type net from 'node:net';
import { Comet, cometHub, sendComet, type HubSubscription, type SlowConsumerPolicy } from '../../src/index.js';
import { connect, getRequest, processGuard, socketCount } from './fixtures/helpers.js';
import { turn, until } from '../support/timing.js';
import { listen } from '../support/loopback.js';

const CB = 'parent.cometMessage';
const SLOW = 100;
const FAST = 4;
const LIMIT = 16;
const PER_PHASE = 200;
const SIZE = 32 * 1024;

/** Heap plus the Buffers' backing stores, after full GC. */
async function serverMemory(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await turn();
    globalThis.gc?.();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Client {
  sub: HubSubscription<string>;
  res: ServerResponse;
  consumed: number;
  settled?: 'resolved' | 'rejected';
  error?: unknown;
}

/** A hub server; `plain`: serve each subscription as users do, `sendComet(res, hub.subscribe())`. */
async function scenario(policy: SlowConsumerPolicy, plain = false) {
  const hub = cometHub<{ n: number; text: string }>(CB, { policy, limit: LIMIT });
  const clients: Client[] = [];
  const loopback = await listen((_req, res) => {
    const sub = hub.subscribe();
    const client: Client = { sub, res, consumed: 0 };
    clients.push(client);
    // counts the messages sendComet pulls: one closing tag each (the hub may join several in one chunk)
    const counted: AsyncIterableIterator<string> = {
      next: () =>
        sub.next().then((r) => {
          if (!r.done) client.consumed += r.value.split('</script>').length - 1;
          return r;
        }),
      return: (value?: unknown) => sub.return(value),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    sendComet(res, plain ? sub : counted).then(
      () => (client.settled = 'resolved'),
      (error: unknown) => {
        client.settled = 'rejected';
        client.error = error;
      },
    );
  }, { backlog: 1024 });
  return { hub, clients, loopback };
}

/** A client that asks for the slow stream and never reads: the kernel buffers fill, then Node's, then the hub queue. */
async function neverReading(port: number): Promise<net.Socket> {
  const s = await connect(port);
  s.pause();
  s.on('error', () => {});
  s.write(getRequest('/slow'));
  return s;
}

describe('reliability: slow clients', function () {
  this.timeout(60_000);

  for (const policy of ['drop-oldest', 'drop-newest', 'disconnect'] as const) {
    it(`${SLOW} clients that never read, policy ${policy}: memory bounded, readers unaffected, counters add up`, async () => {
      const guard = processGuard();
      const { hub, clients, loopback } = await scenario(policy);
      const sockets: net.Socket[] = [];
      try {
        const before = await serverMemory();
        for (let i = 0; i < SLOW; i++) sockets.push(await neverReading(loopback.port));
        // readers keep a running hash of the body, not the body: their memory is not the server's
        const fast = Array.from({ length: FAST }, () => {
          const reader = { bytes: 0, hash: createHash('sha256') as Hash };
          http.get({ host: '127.0.0.1', port: loopback.port, path: '/fast', agent: false }, (res) => {
            sockets.push(res.socket);
            res.on('data', (d: Buffer) => {
              reader.bytes += d.length;
              reader.hash.update(d);
            });
          });
          return reader;
        });
        await until(() => hub.size === SLOW + FAST, { what: 'every client subscribed' });

        const text = 'y'.repeat(SIZE);
        let published = 0;
        const publish = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            hub.publish({ n: published++, text });
            await turn();
          }
        };
        await publish(PER_PHASE);
        const afterOne = await serverMemory();
        await publish(PER_PHASE);
        const afterTwo = await serverMemory();

        // the readers get every message, in order
        const encoder = Comet.encoder('json', CB);
        const expected = createHash('sha256').update(Comet.initialHtmlChunk);
        let expectedBytes = Comet.initialHtmlChunk.length;
        for (let n = 0; n < published; n++) {
          const chunk = encoder.encode({ n, text }, n, n + 1); // hub chunks carry the id (1, 2, …)
          expected.update(chunk);
          expectedBytes += chunk.length;
        }
        const digest = expected.digest('hex');
        for (const f of fast) {
          await until(() => f.bytes >= expectedBytes, { what: 'readers to catch up', timeoutMs: 20_000 });
          expect(f.bytes).to.equal(expectedBytes);
          expect(f.hash.digest('hex'), 'a reader received every message in order').to.equal(digest);
        }

        const stats = hub.stats();
        expect(stats.published).to.equal(published);
        const slow = clients.filter((c) => c.res.req.url === '/slow');
        const readers = clients.filter((c) => c.res.req.url === '/fast');
        for (const r of readers) expect(r.sub.stats.dropped, 'nothing dropped for a reader').to.equal(0);
        if (policy === 'disconnect') {
          expect(stats.disconnectedForSlowness).to.equal(SLOW);
          expect(hub.size, 'slow subscribers removed from the hub').to.equal(FAST);
          expect(stats.dropped).to.deep.equal({ 'drop-oldest': 0, 'drop-newest': 0 });
          for (const c of slow) expect(c.sub.stats.highWaterMark).to.be.at.most(LIMIT);
        } else {
          let dropped = 0;
          for (const c of slow) {
            const { buffered, dropped: d, highWaterMark } = c.sub.stats;
            expect(c.consumed + buffered + d, 'delivered + buffered + dropped = published').to.equal(published);
            expect(buffered).to.be.at.most(LIMIT);
            expect(highWaterMark).to.be.at.most(LIMIT);
            expect(d, 'a slow client dropped messages').to.be.greaterThan(0);
            dropped += d;
          }
          expect(stats.dropped[policy]).to.equal(dropped);
          const consumed = clients.reduce((n, c) => n + c.consumed, 0);
          expect(stats.delivered).to.equal(consumed);
        }

        // bounded: the second phase adds (almost) nothing; the whole is far below what was offered
        const offered = SLOW * published * SIZE;
        // per slow client, whatever is published: its queue's LIMIT chunks joined into one write (the hub
        // coalesces what waits), one more chunk, and the socket's own buffer
        const bound = SLOW * ((LIMIT + 2) * SIZE + 64 * 1024);
        console.log(
          `      ${policy}: server memory ${mib(before)} → ${mib(afterOne)} after ${PER_PHASE} messages → ${mib(afterTwo)} after ${published}` +
            ` (offered to slow clients: ${mib(offered)}; bound ${mib(bound)})`,
        );
        expect(afterTwo - before, 'growth with slow clients connected').to.be.below(bound);
        expect(afterTwo - afterOne, 'growth during the second phase').to.be.below(2 * 1024 * 1024);
        expect(guard.errors).to.deep.equal([]);
      } finally {
        guard.dispose();
        for (const s of sockets) s.destroy();
        hub.close();
        await loopback.close();
      }
    });
  }

  it("policy disconnect: a client that never reads again is cut off (response destroyed, socket closed)", async () => {
    const guard = processGuard();
    const { hub, clients, loopback } = await scenario('disconnect', true);
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 10; i++) sockets.push(await neverReading(loopback.port));
      await until(() => hub.size === 10, { what: 'every client subscribed' });
      const text = 'z'.repeat(SIZE);
      for (let n = 0; n < PER_PHASE; n++) {
        hub.publish({ n, text });
        await turn();
      }
      expect(hub.stats().disconnectedForSlowness).to.equal(10);
      expect(hub.size).to.equal(0);
      await until(() => clients.every((c) => c.settled !== undefined), { what: 'the disconnected streams to end' });
      for (const c of clients) {
        expect(c.settled).to.equal('rejected');
        expect((c.error as Error).name).to.equal('SlowConsumerError');
        expect(c.res.destroyed && !c.res.writableFinished, 'the response is destroyed, not ended').to.equal(true);
      }
      await until(async () => (await socketCount(loopback.server)) === 0, { what: 'the slow sockets to close' });
      expect(guard.errors).to.deep.equal([]);
    } finally {
      guard.dispose();
      for (const s of sockets) s.destroy();
      hub.close();
      await loopback.close();
    }
  });
});
