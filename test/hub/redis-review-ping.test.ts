/**
 * Review: the health check asks whether Redis answers. An error reply to PING (an ACL that does not
 * grant it) is an answer: the hub must stay connected and go on publishing.
 */
import { expect } from 'chai';
import { createRedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS } from './fixtures/redis-clients.js';
import { ownRedis, type OwnRedis } from './fixtures/redis-server.js';
import { take } from './fixtures/take.js';

describe('createRedisHub (review): PING refused by an ACL', function () {
  this.timeout(20_000);
  let redis: OwnRedis | undefined;
  const cleanup: (() => unknown)[] = [];

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {});
    await redis?.stop();
    redis = undefined;
  });

  for (const flavor of FLAVORS) {
    it(`${flavor}: an error reply to PING keeps the hub connected`, async () => {
      redis = await ownRedis({ appendonly: false });
      const admin = await connect(flavor, redis.url);
      cleanup.push(() => admin.close());
      await admin.command(['ACL', 'SETUSER', 'app', 'on', '>pw', '~*', '+@all', '-ping']);
      const c = await connect(flavor, redis.url.replace('redis://', 'redis://app:pw@'));
      cleanup.push(() => c.close());
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'c', healthCheckMs: 100 });
      cleanup.push(() => hub.close());
      await new Promise((r) => setTimeout(r, 400));
      expect(hub.connected).to.equal(true);
      const s = hub.subscribe();
      expect(await hub.publish(1)).to.equal(1);
      expect(await take(s, 1)).to.deep.equal([1]);
      expect(hub.stats().disconnects).to.equal(0);
    });
  }
});
