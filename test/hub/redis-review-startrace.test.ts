/**
 * Review: publishes landing while a process loads its history and sends its first XREAD are
 * delivered exactly once by it: history and live reads join with no gap and no duplicate.
 */
import { expect } from 'chai';
import { createRedisHub, type RedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS, until, type TestClient } from './fixtures/redis-clients.js';
import { redisSuite } from './fixtures/redis-suite.js';

describe('createRedisHub (review): a process starting while messages are published', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: every message exactly once, in order, across ten starts`, async () => {
      const c: TestClient = await connect(flavor, suite.url);
      suite.defer(() => c.close());
      const ch = `review-startrace-${flavor}-${process.pid}-${++n}`;
      const writer: RedisHub<number> = await createRedisHub<number>({ client: c.raw, channel: ch });
      suite.defer(() => writer.close());
      let publishing = true;
      let last = 0;
      const pump = (async () => {
        while (publishing) last = await writer.publish(last + 1);
      })();
      const runs: number[][] = [];
      for (let k = 0; k < 10; k++) {
        const late = await createRedisHub<number>({ client: c.raw, channel: ch, history: 100_000 });
        suite.defer(() => late.close());
        const got: number[] = [];
        runs.push(got);
        void (async () => {
          for await (const v of late.subscribe({ since: 0 })) got.push(v);
        })();
      }
      await new Promise((r) => setTimeout(r, 200));
      publishing = false;
      await pump;
      for (const got of runs) {
        await until(() => got.length >= last, `all ${last} messages`);
        expect(got).to.deep.equal(Array.from({ length: last }, (_, i) => i + 1));
      }
    });
  }
});
