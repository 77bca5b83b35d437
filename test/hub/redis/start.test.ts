/**
 * A Redis hub starting:
 * - on a Redis that hangs (SIGSTOP), createRedisHub does not wait for ever: a hung Redis is never
 *   a silent stall, from the start on, and nothing is left behind;
 * - while messages are published, a process loading its history and sending its first XREAD
 *   delivers each exactly once: history and live reads join with no gap and no duplicate.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import type { OwnRedis } from '../../support/redis-server.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { activeTimers, sleep, until, within } from '../../support/timing.js';

describe('createRedisHub: a Redis that hangs at start', function () {
  this.timeout(20_000);
  const suite = redisSuite();
  let redis: OwnRedis | undefined;

  for (const flavor of FLAVORS) {
    for (const own of [false, true]) it(`${flavor}${own ? ', its own duplicate' : ''}: the promise rejects with HubConnectionError within publishTimeoutMs`, async () => {
      redis = await suite.own({ appendonly: false });
      const publisher = await connect(flavor, redis.url);
      const subscriber = await connect(flavor, redis.url);
      suite.defer(() => publisher.close(), () => subscriber.close());
      const timersBefore = activeTimers();
      redis.freeze();
      const t0 = performance.now();
      const clients = own ? { client: publisher.raw } : { publisher: publisher.raw, subscriber: subscriber.raw };
      const made = createRedisHub<number>({ ...clients, channel: 'c', publishTimeoutMs: 1000 });
      made.then((hub) => suite.defer(() => hub.close()), () => {});
      // bounded only to end the test: how soon it rejects is not a wall-clock margin to meet
      const outcome = await within(made.then(() => 'resolved'), 15_000);
      expect(outcome).to.be.instanceOf(HubConnectionError);
      expect(performance.now() - t0).to.be.at.least(900);
      expect((outcome as Error).message).to.match(/^createRedisHub: /);
      // once Redis answers again, the abandoned start leaves no health check running
      redis.thaw();
      await until(() => activeTimers() <= timersBefore, { what: () => `${activeTimers()} timers to be at most the ${timersBefore} before the start` });
    });

    it(`${flavor}: a start given up on while Redis hangs, and Redis then gone for good, leaves no connection trying to reconnect`, async () => {
      redis = await suite.own({ appendonly: false });
      const publisher = await connect(flavor, redis.url);
      suite.defer(() => publisher.close());
      const before = { timers: activeTimers(), sockets: sockets() };
      redis.freeze();
      // the reading connection is being made (its handshake unanswered) when the start is given up on
      const made = createRedisHub<number>({ client: publisher.raw, channel: 'c', publishTimeoutMs: 500 });
      made.then((hub) => suite.defer(() => hub.close()), () => {});
      expect(await within(made.then(() => 'resolved'), 15_000)).to.be.instanceOf(HubConnectionError);
      await publisher.close();
      await redis.stop();
      // a duplicate left behind would retry for ever: a timer or a socket most of the time, so ten
      // clean looks in a row, 50 ms apart, are asked for
      let clean = 0;
      await until(() => {
        clean = activeTimers() <= before.timers && sockets() < before.sockets ? clean + 1 : 0;
        return clean >= 10;
      }, { what: () => `no timer and no socket left: ${activeTimers()} timers (${before.timers} before), ${sockets()} sockets (${before.sockets} before, one of them the publisher's)`, everyMs: 50 });
    });
  }
});

/** Sockets open in this process. */
function sockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP' || r === 'TCPConnectWrap').length;
}

describe('createRedisHub: a process starting while messages are published', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: every message exactly once, in order, across ten starts`, async () => {
      const c: TestClient = await connect(flavor, suite.url);
      suite.defer(() => c.close());
      const ch = `start-race-${flavor}-${process.pid}-${++n}`;
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
      await sleep(200);
      publishing = false;
      await pump;
      for (const got of runs) {
        await until(() => got.length >= last, { what: `all ${last} messages` });
        expect(got).to.deep.equal(Array.from({ length: last }, (_, i) => i + 1));
      }
    });
  }
});
