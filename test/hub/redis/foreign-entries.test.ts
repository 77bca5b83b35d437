/**
 * A foreign entry shaped like a hub's, in the current epoch, with an id far above the last one
 * given, is skipped and counted, and does not hide the publishes that follow it.
 */
import { expect } from 'chai';
import { createRedisHub, type RedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';
import { until, UNTIL_TIMEOUT_MS, within } from '../../support/timing.js';

/** `take`, or 'timeout' (a skipped message must fail the test, not hang it). */
const takeWithin = <T>(it: AsyncIterator<T>, n: number): Promise<T[] | unknown> => within(take(it, n), UNTIL_TIMEOUT_MS);

describe('createRedisHub: foreign entries with ids above the last', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: an entry with an id above the last given is skipped, and later publishes still arrive`, async () => {
      const c: TestClient = await connect(flavor, suite.url);
      suite.defer(() => c.close());
      const ch = `foreign-${flavor}-${process.pid}-${++n}`;
      const h: RedisHub<number> = await createRedisHub<number>({ client: c.raw, channel: ch, history: 10 });
      suite.defer(() => h.close());
      const s = h.subscribe();
      expect(await h.publish(1)).to.equal(1);
      expect(await take(s, 1)).to.deep.equal([1]);
      await c.command(['XADD', ch, '*', 'id', '1000', 'epoch', h.epoch, 'data', '666']);
      expect(await h.publish(2)).to.equal(2);
      expect(await h.publish(3)).to.equal(3);
      expect(await takeWithin(s, 2)).to.deep.equal([2, 3]);
      expect(h.lastId).to.equal(3);
      await until(() => h.stats().malformed === 1, { what: 'the foreign entry to be counted' });
      // a process started now agrees
      const late = await createRedisHub<number>({ client: c.raw, channel: ch, history: 10 });
      suite.defer(() => late.close());
      expect(late.lastId).to.equal(3);
      expect(await takeWithin(late.subscribe({ since: 1 }), 2)).to.deep.equal([2, 3]);
    });
  }
});
