/**
 * Review: createRedisHub on a Redis that hangs (SIGSTOP) must not wait for ever: the issue's
 * "a hung Redis is never a silent stall" holds from the start, and nothing is left behind.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError } from '../../src/hub/index.js';
import { connect, FLAVORS } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub (review): a Redis that hangs at start', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    for (const own of [false, true]) it(`${flavor}${own ? ', its own duplicate' : ''}: the promise rejects with HubConnectionError within publishTimeoutMs`, async () => {
      redis = await suite.own({ appendonly: false });
      const publisher = await connect(flavor, redis.url);
      const subscriber = await connect(flavor, redis.url);
      suite.defer(() => publisher.close(), () => subscriber.close());
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const timersBefore = timers();
      redis.freeze();
      const t0 = performance.now();
      const clients = own ? { client: publisher.raw } : { publisher: publisher.raw, subscriber: subscriber.raw };
      const made = createRedisHub<number>({ ...clients, channel: 'c', publishTimeoutMs: 1000 });
      made.then((hub) => suite.defer(() => hub.close()), () => {});
      const outcome = await Promise.race([made.then(() => 'resolved', (e: unknown) => e), new Promise((r) => setTimeout(() => r('still waiting'), 4000).unref())]);
      expect(outcome).to.be.instanceOf(HubConnectionError);
      expect(performance.now() - t0).to.be.within(900, 3000);
      expect((outcome as Error).message).to.match(/^createRedisHub: /);
      // once Redis answers again, the abandoned start leaves no health check running
      redis.thaw();
      await new Promise((r) => setTimeout(r, 500));
      expect(timers()).to.be.at.most(timersBefore);
    });
  }
});
