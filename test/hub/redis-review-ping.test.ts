/**
 * Review: the health check asks whether Redis answers. An error reply to PING (an ACL that does not
 * grant it) is an answer: the hub must stay connected and go on publishing.
 */
import { expect } from 'chai';
import { createRedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';
import { take } from './fixtures/take.js';

describe('createRedisHub (review): PING refused by an ACL', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: an error reply to PING keeps the hub connected`, async () => {
      redis = await suite.own({ appendonly: false });
      const admin = await connect(flavor, redis.url);
      suite.defer(() => admin.close());
      await admin.command(['ACL', 'SETUSER', 'app', 'on', '>pw', '~*', '+@all', '-ping']);
      const c = await connect(flavor, redis.url.replace('redis://', 'redis://app:pw@'));
      suite.defer(() => c.close());
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'c', healthCheckMs: 100 });
      suite.defer(() => hub.close());
      await new Promise((r) => setTimeout(r, 400));
      expect(hub.connected).to.equal(true);
      const s = hub.subscribe();
      expect(await hub.publish(1)).to.equal(1);
      expect(await take(s, 1)).to.deep.equal([1]);
      expect(hub.stats().disconnects).to.equal(0);
    });
  }
});
