/**
 * The health check asks whether Redis answers, and nothing more:
 * - a busy Redis is not a hung one: the health check's PING waits behind the publishes sent before
 *   it on the same connection, and the replies to those publishes, arriving all along, show that
 *   Redis answers. No publish is rejected and the hub stays connected while they drain;
 * - an error reply to PING (an ACL that does not grant it) is an answer: the hub stays connected
 *   and goes on publishing.
 * (A Redis that does not answer: redis/freeze.test.ts and redis/outage.test.ts.)
 */
import { expect } from 'chai';
import { createRedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import type { OwnRedis } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';

describe('createRedisHub health check: a busy Redis', function () {
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

describe('createRedisHub health check: PING refused by an ACL', function () {
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
      // PINGs the ACL refused, as the server counts them
      const refused = async (): Promise<number> => Number(/cmdstat_ping:.*rejected_calls=(\d+)/.exec(String(await admin.command(['INFO', 'commandstats'])))?.[1] ?? 0);
      await until(async () => (await refused()) >= 3, { what: 'three health checks refused' });
      expect(hub.connected).to.equal(true);
      const s = hub.subscribe();
      expect(await hub.publish(1)).to.equal(1);
      expect(await take(s, 1)).to.deep.equal([1]);
      expect(hub.stats().disconnects).to.equal(0);
    });
  }
});
