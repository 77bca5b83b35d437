/**
 * Review: one client shared by many hubs (a hub per channel) must not collect listeners per hub:
 * past ten, Node warns of a leak (MaxListenersExceededWarning) for a correct program.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { createRedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from './fixtures/redis-clients.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub (review): many hubs on one client', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });

  for (const flavor of FLAVORS) {
    it(`${flavor}: twenty hubs add a bounded number of listeners, all removed by close()`, async () => {
      const c: TestClient = await connect(flavor, suite.url);
      suite.defer(() => c.close());
      const raw = c.raw as EventEmitter;
      const events = ['error', 'ready', 'end', 'reconnecting', 'close'];
      const count = (): number => events.reduce((sum, e) => sum + raw.listenerCount(e), 0);
      const before = count();
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void (w.name === 'MaxListenersExceededWarning' && warnings.push(w));
      process.on('warning', onWarning);
      suite.defer(() => process.off('warning', onWarning));
      const hubs = await Promise.all(Array.from({ length: 20 }, (_, i) => createRedisHub<number>({ client: c.raw, channel: `review-listeners-${flavor}-${process.pid}-${i}` })));
      suite.defer(() => Promise.all(hubs.map((h) => h.close())));
      await new Promise((r) => setImmediate(r));
      expect(count() - before).to.be.at.most(events.length);
      expect(warnings).to.deep.equal([]);
      await Promise.all(hubs.map((h) => h.close()));
      expect(count()).to.equal(before);
    });
  }
});
