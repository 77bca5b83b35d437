/**
 * A cursor ahead of a process whose stream reads lag (its XREAD replies held 300 ms), through
 * subscribe({ since, epoch }) and through hub.serve: the process waits until it has caught up, and
 * replays nothing, neither from the start nor twice.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cometEncoding, createRedisHub, type RedisCometHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';
import { sleep, until } from '../../support/timing.js';

/** `raw` with the replies to its XREADs held back by `ms`. */
function lagging(client: TestClient, ms: number): object {
  const raw = client.raw as Record<string | symbol, unknown>;
  const hold = <R>(args: string[], reply: Promise<R>): Promise<R> => (args[0] === 'XREAD' ? reply.then(async (r) => (await sleep(ms), r)) : reply);
  return new Proxy(raw, {
    get(target, key) {
      if (key === 'call') return (...args: string[]) => hold(args, (target.call as (...a: string[]) => Promise<unknown>).apply(target, args));
      if (key === 'sendCommand') return (args: string[]) => hold(args, (target.sendCommand as (a: string[]) => Promise<unknown>).call(target, args));
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('createRedisHub: a cursor ahead of a lagging process', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: waits for the process to catch up, then gives only what came after since`, async () => {
      const clients = await Promise.all([connect(flavor, suite.url), connect(flavor, suite.url), connect(flavor, suite.url)]);
      suite.defer(...clients.map((c) => () => c.close()));
      const [ca, cb, cs] = clients as [TestClient, TestClient, TestClient];
      const ch = `lagging-${flavor}-${process.pid}-${++n}`;
      // one chunk per message (the entries of one stream reply reach a subscriber together, and would be joined)
      const options = { channel: ch, history: 100, ...cometEncoding<number>('cb', { initialChunk: null, coalesce: false }) };
      const a: RedisCometHub<number> = await createRedisHub<number>({ client: ca.raw, ...options });
      const b: RedisCometHub<number> = await createRedisHub<number>({ publisher: cb.raw, subscriber: lagging(cs, 300), ...options });
      suite.defer(() => a.close(), () => b.close());
      const web = http.createServer((req, res) => void b.serve(req, res, { heartbeatMs: 0 }));
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      suite.defer(() => new Promise((resolve) => (web.closeAllConnections?.(), web.close(resolve))));
      const port = (web.address() as AddressInfo).port;

      for (let v = 1; v <= 3; v++) await a.publish(v);
      expect(b.lastId).to.be.below(3);
      const sub = b.subscribe({ since: 3, epoch: a.epoch });
      expect([sub.reset, sub.missed]).to.deep.equal([false, 0]);
      let body = '';
      const req = http.get({ host: '127.0.0.1', port, path: `/?epoch=${a.epoch}&since=3` }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
      });
      req.on('error', () => {});
      suite.defer(() => req.destroy());
      await sleep(50);
      await a.publish(4);
      await a.publish(5);
      expect(await take(sub, 2)).to.deep.equal([`<script type="text/javascript">cb(4,4);</script>`, `<script type="text/javascript">cb(5,5);</script>`]);
      await until(() => /cb\(5,5\)/.test(body), { what: 'the served client to get message 5' });
      expect([...body.matchAll(/cb\((\d+),(\d+)\)/g)].map((m) => Number(m[2]))).to.deep.equal([4, 5]);
    });
  }
});
