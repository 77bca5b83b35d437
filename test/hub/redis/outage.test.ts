/**
 * publish() on a Redis hub whose server is gone or hung rejects with HubConnectionError within a
 * bounded time, with node-redis and with ioredis: never a hang, never the client's own TimeoutError.
 * Each test runs a redis-server of its own, since it kills or freezes it.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../src/hub/index.js';
import { connect, FLAVORS, until, type TestClient } from './fixtures/redis-clients.js';
import { redisScript, type RedisServer } from './fixtures/redis-server.js';

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
      await until(() => !hub!.connected, 'the hub to see the connection drop');
      // the client reports its failed reconnection attempts: the cause is one of them
      await new Promise((r) => setTimeout(r, 300));
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
