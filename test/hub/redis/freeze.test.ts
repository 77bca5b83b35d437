/**
 * A hung Redis (SIGSTOP) under a hub with the default health settings (PING every 1 s, subscribers
 * fail after 5 s): publishes reject at once within 3 s of the freeze, subscribers fail only once
 * the outage passed maxOutageMs, and the hub resumes after SIGCONT; a 2 s freeze (seen by a check
 * every 500 ms) fails nobody and loses nothing.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type HubSubscription, type RedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS } from '../../support/redis-clients.js';
import type { OwnRedis } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';
import { sleep, until } from '../../support/timing.js';

interface Reading {
  values: number[];
  error: unknown;
  ended: boolean;
}

function read(sub: HubSubscription<number>): Reading {
  const reading: Reading = { values: [], error: null, ended: false };
  void (async () => {
    try {
      for await (const v of sub) reading.values.push(v);
    } catch (error) {
      reading.error = error;
    }
    reading.ended = true;
  })();
  return reading;
}

describe('createRedisHub: a frozen Redis', function () {
  this.timeout(40_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  async function setup(flavor: (typeof FLAVORS)[number], healthCheckMs?: number): Promise<RedisHub<number>> {
    redis = await suite.own({ appendonly: false });
    const c = await connect(flavor, redis.url);
    suite.defer(() => c.close());
    const hub = await createRedisHub<number>({ client: c.raw, channel: 'frozen', history: 10, ...(healthCheckMs ? { healthCheckMs } : {}) });
    suite.defer(() => hub.close());
    return hub;
  }

  for (const flavor of FLAVORS) {
    it(`${flavor}: frozen 8 s: publishes reject within 3 s, subscribers fail after maxOutageMs, then the hub resumes`, async () => {
      const hub = await setup(flavor);
      const reading = read(hub.subscribe());
      expect(await hub.publish(1)).to.equal(1);
      await until(() => reading.values.length === 1, { what: 'the first message' });
      const t0 = performance.now();
      redis!.freeze();
      await until(() => !hub.connected, { what: 'the health check to see the freeze', timeoutMs: 3000 });
      const seen = performance.now() - t0;
      const p0 = performance.now();
      const error = await hub.publish(2).then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(HubConnectionError);
      expect((error as Error).cause).to.be.instanceOf(Error);
      expect(performance.now() - p0).to.be.below(100);
      expect(seen).to.be.below(3000);
      // still within maxOutageMs: the subscriber is waiting, not failed
      expect(reading.ended).to.equal(false);
      await until(() => reading.ended, { what: 'the subscriber to fail', timeoutMs: 7500 });
      const failedAt = performance.now() - t0;
      expect(reading.error).to.be.instanceOf(HubConnectionError);
      // the outage is counted from the first PING left unanswered, sent at most 1 s after the freeze
      // (or just before it, when the server stopped before answering it)
      expect(failedAt).to.be.within(4900, 6500);
      await sleep(Math.max(0, 8000 - (performance.now() - t0)));
      redis!.thaw();
      await until(() => hub.connected, { what: 'the hub to resume' });
      const again = hub.subscribe();
      expect(await hub.publish(3)).to.equal(2);
      expect(await take(again, 1)).to.deep.equal([3]);
      expect(hub.stats().disconnects).to.equal(1);
    });

    it(`${flavor}: frozen 2 s: no subscriber fails and nothing is lost`, async () => {
      // checked every 500 ms, so that the freeze is surely seen (within 1 s) and outlasted
      const hub = await setup(flavor, 500);
      const reading = read(hub.subscribe());
      for (let v = 1; v <= 3; v++) await hub.publish(v);
      redis!.freeze();
      await sleep(2000);
      expect(hub.connected).to.equal(false);
      redis!.thaw();
      await until(() => hub.connected, { what: 'the hub to resume' });
      for (let v = 4; v <= 6; v++) await hub.publish(v);
      await until(() => reading.values.length >= 6, { what: 'six messages' });
      expect(reading.values).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(reading.ended).to.equal(false);
      expect(hub.stats()).to.deep.include({ disconnects: 1, malformed: 0 });
    });
  }
});
