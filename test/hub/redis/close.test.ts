/**
 * What a Redis hub leaves behind:
 * - close() while Redis hangs, with a publish, a PING and a blocking read in flight: once close()
 *   has resolved, no timer of the hub is left and the publish has settled. (Connections the test
 *   owns: ioredis's disconnect of a duplicate keeps a timer of its own, `disconnectTimeout`.)
 * - one client shared by many hubs (a hub per channel) collects no listeners per hub (past ten,
 *   Node would warn of a leak, MaxListenersExceededWarning, for a correct program), and close()
 *   removes every listener a hub added.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { createRedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import type { OwnRedis } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { activeTimers, sleep, turn } from '../../support/timing.js';

describe('createRedisHub: close() while Redis hangs', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: leaves no timer and no publish unsettled once it resolves`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      const sub = await connect(flavor, redis.url);
      suite.defer(() => c.close(), () => sub.close());
      const before = activeTimers();
      const hub = await createRedisHub<number>({ publisher: c.raw, subscriber: sub.raw, channel: 'c', healthCheckMs: 200, publishTimeoutMs: 1000 });
      suite.defer(() => hub.close());
      expect(await hub.publish(1)).to.equal(1);
      redis.freeze();
      let outcome: unknown = 'pending';
      void hub.publish(2).then((id) => (outcome = id), (error: unknown) => (outcome = error));
      await sleep(50);
      await hub.close();
      expect(outcome).to.not.equal('pending');
      // at most as many as before the hub (timers of other tests may have ended meanwhile)
      expect(activeTimers()).to.be.at.most(before);
    });
  }
});

describe('createRedisHub: many hubs on one client', function () {
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
      const hubs = await Promise.all(Array.from({ length: 20 }, (_, i) => createRedisHub<number>({ client: c.raw, channel: `listeners-${flavor}-${process.pid}-${i}` })));
      suite.defer(() => Promise.all(hubs.map((h) => h.close())));
      await turn();
      expect(count() - before).to.be.at.most(events.length);
      expect(warnings).to.deep.equal([]);
      await Promise.all(hubs.map((h) => h.close()));
      expect(count()).to.equal(before);
    });
  }
});
