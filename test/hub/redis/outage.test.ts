/**
 * publish() on a Redis hub whose server is gone or hung rejects with HubConnectionError within a
 * bounded time, with node-redis and with ioredis: never a hang, never the client's own TimeoutError.
 * A publish sent just before Redis hung does not wait out `publishTimeoutMs` once the health check
 * has marked the server as not answering: within 3 s publishes reject, none piling up.
 * Each test runs a redis-server of its own, since it kills or freezes it.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { redisScript, type OwnRedis, type RedisServer } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { sleep, until } from '../../support/timing.js';

/** How `promise` settles, and after how many milliseconds. */
async function timed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  const error = await promise.then(() => null, (e: unknown) => e);
  return { error, ms: performance.now() - t0 };
}

describe('createRedisHub: publish while Redis is down', function () {
  this.timeout(20_000);
  let server: RedisServer;
  let client: TestClient | undefined;
  let hub: RedisHub<number> | undefined;

  beforeEach(async () => {
    server = await (await redisScript()).startRedis();
  });
  afterEach(async () => {
    if (server.child.signalCode === null && server.child.exitCode === null) server.child.kill('SIGCONT');
    await hub?.close().catch(() => {});
    client?.close();
    await server.stop('SIGKILL');
    hub = client = undefined;
  });

  for (const flavor of FLAVORS) {
    it(`${flavor}: a killed server rejects publish with HubConnectionError (with cause) at once`, async () => {
      client = await connect(flavor, server.url);
      hub = await createRedisHub<number>({ client: client.raw, channel: 'outage' });
      expect(await hub.publish(1)).to.equal(1);
      await server.stop('SIGKILL');
      await until(() => !hub!.connected, { what: 'the hub to see the connection drop' });
      // the client reports its failed reconnection attempts: the cause is one of them
      await sleep(300);
      const { error, ms } = await timed(hub.publish(2));
      expect(error).to.be.instanceOf(HubConnectionError);
      expect((error as Error).message).to.match(/^publish on "outage": /);
      expect((error as Error).cause).to.be.instanceOf(Error);
      expect(ms).to.be.below(1000);
    });

    it(`${flavor}: a hung server rejects publish with HubConnectionError after publishTimeoutMs`, async () => {
      client = await connect(flavor, server.url);
      hub = await createRedisHub<number>({ client: client.raw, channel: 'hung', publishTimeoutMs: 400 });
      expect(await hub.publish(1)).to.equal(1);
      server.child.kill('SIGSTOP');
      const { error, ms } = await timed(hub.publish(2));
      expect(error).to.be.instanceOf(HubConnectionError);
      expect((error as Error).message).to.equal('publish on "hung": no answer from Redis within 400 ms');
      expect(ms).to.be.within(350, 3000);
      server.child.kill('SIGCONT');
    });
  }
});

describe('createRedisHub: publishes in flight when Redis hangs', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    it(`${flavor}: reject with HubConnectionError once the health check sees the freeze, well before publishTimeoutMs`, async () => {
      redis = await suite.own({ appendonly: false });
      const c = await connect(flavor, redis.url);
      suite.defer(() => c.close());
      // the defaults: PING every 1 s, publishTimeoutMs 5 s
      const hub = await createRedisHub<number>({ client: c.raw, channel: 'c' });
      suite.defer(() => hub.close());
      expect(await hub.publish(1)).to.equal(1);
      redis.freeze();
      const t0 = performance.now();
      const settled = Array.from({ length: 100 }, (_, i) => hub.publish(i + 2).then(() => 'resolved', (e: unknown) => e));
      const outcomes = await Promise.all(settled);
      const ms = performance.now() - t0;
      for (const outcome of outcomes) expect(outcome).to.be.instanceOf(HubConnectionError);
      expect((outcomes[0] as Error).cause).to.be.instanceOf(Error);
      expect(ms).to.be.below(3000);
      expect(hub.connected).to.equal(false);
      redis.thaw();
      await until(() => hub.connected, { what: 'the hub to resume' });
    });
  }
});
