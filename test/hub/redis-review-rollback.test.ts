/**
 * Review: Redis restarted from an older snapshot (an RDB file, or an append-only file synced every
 * second, after a crash) keeps the epoch but gives back ids it had given already. Either the epoch
 * changes or ids must not repeat within it; subscribers that were given the lost messages must end.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS, until, type TestClient } from './fixtures/redis-clients.js';
import type { OwnRedis } from './fixtures/redis-server.js';
import { redisSuite } from './fixtures/redis-suite.js';
import { endOf } from './fixtures/take.js';

/** `epoch:id` of every hub entry in the stream, by stream id. */
async function pairs(c: TestClient, key: string): Promise<Map<string, string>> {
  const entries = (await c.command(['XRANGE', key, '-', '+'])) as [string, string[]][];
  return new Map(entries.map(([sid, f]) => [sid, `${f[3]}:${f[1]}`]));
}

async function publishWhenUp(hub: RedisHub<number>, value: number): Promise<number> {
  let id = 0;
  await until(() => hub.publish(value).then((n) => ((id = n), true), () => false), `publish ${value}`, 10_000);
  return id;
}

describe('createRedisHub (review): Redis restarted from an older snapshot', function () {
  this.timeout(40_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: ids never repeat within an epoch, and the subscribers given lost messages end`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      suite.defer(() => c.close());
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'ticks', history: 100, healthCheckMs: 200 });
      suite.defer(() => hub.close());
      for (let v = 1; v <= 5; v++) await hub.publish(v);
      await c.command(['SAVE']);
      for (let v = 6; v <= 10; v++) await hub.publish(v);
      await until(() => hub.lastId === 10, 'the hub to read what it published');
      const seen = await pairs(c, 'ticks');
      const sub = hub.subscribe();
      const ended = endOf(sub);
      // the server comes back with the snapshot taken after message 5
      await redis.restart('SIGKILL');
      for (let v = 11; v <= 15; v++) await publishWhenUp(hub, v);
      // every entry ever in the stream, once each (the snapshot's five are in both lists)
      const all = [...new Map([...seen, ...(await pairs(c, 'ticks'))]).values()];
      expect(all).to.have.length(15);
      expect(new Set(all).size, `entries: ${all.join(' ')}`).to.equal(all.length);
      const error = await Promise.race([ended, new Promise((r) => setTimeout(() => r('still open'), 3000).unref())]);
      expect(error).to.be.instanceOf(HubConnectionError);
    });
  }
});
