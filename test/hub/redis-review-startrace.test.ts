/**
 * Review: publishes landing while a process loads its history and sends its first XREAD are
 * delivered exactly once by it: history and live reads join with no gap and no duplicate.
 */
import { expect } from 'chai';
import { createRedisHub, type RedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS, until, type TestClient } from './fixtures/redis-clients.js';
import { redisForTests, type RedisServer } from './fixtures/redis-server.js';

describe('createRedisHub (review): a process starting while messages are published', function () {
  this.timeout(30_000);
  let server: RedisServer | null = null;
  let url = '';
  let n = 0;
  const cleanup: (() => unknown)[] = [];

  before(async () => {
    ({ url, server } = await redisForTests());
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {});
  });
  after(async () => {
    await server?.stop();
  });

  for (const flavor of FLAVORS) {
    it(`${flavor}: every message exactly once, in order, across ten starts`, async () => {
      const c: TestClient = await connect(flavor, url);
      cleanup.push(() => c.close());
      const ch = `review-startrace-${flavor}-${process.pid}-${++n}`;
      const writer: RedisHub<number> = await createRedisHub<number>({ client: c.raw, channel: ch });
      cleanup.push(() => writer.close());
      let publishing = true;
      let last = 0;
      const pump = (async () => {
        while (publishing) last = await writer.publish(last + 1);
      })();
      const runs: number[][] = [];
      for (let k = 0; k < 10; k++) {
        const late = await createRedisHub<number>({ client: c.raw, channel: ch, history: 100_000 });
        cleanup.push(() => late.close());
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
