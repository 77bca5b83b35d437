/**
 * A busy Redis is not a hung one: the health check's PING waits behind the publishes sent before it
 * on the same connection, and the replies to those publishes, arriving all along, show that Redis
 * answers. No publish is rejected and the hub stays connected while they drain.
 */
import { expect } from 'chai';
import { createRedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub: a busy Redis', function () {
  this.timeout(60_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: with the default health check, a PING queued for seconds behind 100,000 publishes fails nothing`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      suite.defer(() => c.close());
      const hub = await createRedisHub<string>({ client: c.raw, channel: 'busy', history: 10 });
      suite.defer(() => hub.close());
      let downs = 0;
      const watch = setInterval(() => void (hub.connected || downs++), 5);
      suite.defer(() => clearInterval(watch));
      const payload = 'x'.repeat(1000);
      const started = performance.now();
      const results = await Promise.allSettled(Array.from({ length: 100_000 }, () => hub.publish(payload)));
      const took = performance.now() - started;
      const rejected = results.filter((r) => r.status === 'rejected');
      // the drain must have outlasted several health checks, or the test shows nothing
      expect(took, 'publishes took longer than a few health intervals').to.be.above(1500);
      expect(rejected.length, String((rejected[0] as PromiseRejectedResult | undefined)?.reason)).to.equal(0);
      expect([downs, hub.stats().disconnects]).to.deep.equal([0, 0]);
    });
  }
});
