/**
 * Review: a publish sent just before Redis hung must not wait out `publishTimeoutMs` once the health
 * check has marked the server as not answering: "within 3 s publishes reject", none piling up.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError } from '../../src/hub/index.js';
import { connect, FLAVORS, until } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub (review): publishes in flight when Redis hangs', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: reject with HubConnectionError once the health check sees the freeze, well before publishTimeoutMs`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      suite.defer(() => c.close());
      // the defaults: PING every 1 s, publishTimeoutMs 5 s
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'c' });
      suite.defer(() => hub.close());
      expect(await hub.publish(1)).to.equal(1);
      redis.freeze();
      const t0 = performance.now();
      const settled = Array.from({ length: 100 }, (_, i) => hub.publish(i + 2).then(() => 'resolved', (e: unknown) => e));
      const outcomes = await Promise.all(settled);
      const ms = performance.now() - t0;
      for (const outcome of outcomes) expect(outcome).to.be.instanceOf(HubConnectionError);
      expect((outcomes[0] as Error).cause).to.be.instanceOf(Error);
      expect(ms).to.be.below(3000);
      expect(hub.connected).to.equal(false);
      redis.thaw();
      await until(() => hub.connected, 'the hub to resume');
    });
  }
});
