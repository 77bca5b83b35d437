/**
 * Review: close() while Redis hangs, with a publish, a PING and a blocking read in flight: once
 * close() has resolved, no timer of the hub is left and the publish has settled. (Connections the
 * test owns: ioredis's disconnect of a duplicate keeps a timer of its own, `disconnectTimeout`.)
 */
import { expect } from 'chai';
import { createRedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub (review): close() while Redis hangs', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: leaves no timer and no publish unsettled once it resolves`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      const sub = await connect(flavor, redis.url);
      suite.defer(() => c.close(), () => sub.close());
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const hub = await createRedisHub<number>({ publisher: c.raw, subscriber: sub.raw, channel: 'c', healthCheckMs: 200, publishTimeoutMs: 1000 });
      suite.defer(() => hub.close());
      expect(await hub.publish(1)).to.equal(1);
      redis.freeze();
      let outcome: unknown = 'pending';
      void hub.publish(2).then((id) => (outcome = id), (error: unknown) => (outcome = error));
      await new Promise((r) => setTimeout(r, 50));
      await hub.close();
      expect(outcome).to.not.equal('pending');
      // at most as many as before the hub (timers of other tests may have ended meanwhile)
      expect(timers()).to.be.at.most(before);
    });
  }
});
