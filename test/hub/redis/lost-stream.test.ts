/**
 * Redis lost the stream while the hub stayed connected (a DEL, a FLUSHALL): a stream made again
 * starts its stream ids over, so its entries may sit at or below the last stream id a reader read,
 * where no later read returns them. The hub still enters the new epoch within its `healthCheckMs`,
 * its old subscribers end, and the new epoch's messages reach the new ones, in order.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError } from '../../../src/hub/index.js';
import { FLAVORS } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import { record } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { endOf } from '../fixtures/take.js';

describe('createRedisHub: a stream lost while connected', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: new entries below the last stream id read bring the new epoch once a read finds nothing, and reach new subscribers`, async () => {
      const c = await suite.client(flavor);
      const channel = `lost-${flavor}-${process.pid}-${++n}`;
      const hub = await createRedisHub<number>({ client: c.raw, channel, history: 100, healthCheckMs: 100 });
      suite.defer(() => hub.close());
      const before = hub.subscribe();
      expect(await hub.publish(1)).to.equal(1);
      // a foreign entry far ahead in stream ids: the reader skips it and reads on after it
      await c.command(['XADD', channel, '99999999999999-0', 'x', '1']);
      await until(async () => Number(await c.command(['XLEN', channel])) === 2 && hub.stats().malformed === 1, { what: 'the foreign entry to be read' });
      const first = hub.epoch;
      await c.command(['DEL', channel, `{${channel}}:id`]);
      // the stream made again: its entries get stream ids of now, far below the one read last
      expect(await hub.publish(2)).to.equal(1);
      expect(await hub.publish(3)).to.equal(2);
      await until(() => hub.epoch !== first, { what: 'the hub to enter the new epoch' });
      expect(await endOf(before), 'a subscriber of the lost epoch').to.be.instanceOf(HubConnectionError);
      const rec = record(hub.subscribe({ since: 0, epoch: hub.epoch }));
      expect(await hub.publish(4)).to.equal(3);
      await until(() => rec.values.length === 3 || rec.error !== null, { what: `the new epoch's messages (got ${rec.values.length})` });
      expect(rec.error).to.equal(null);
      expect(rec.values).to.deep.equal([2, 3, 4]);
      expect(rec.ids).to.deep.equal([1, 2, 3]);
    });
  }
});
