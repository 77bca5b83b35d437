/**
 * Hubs made on one client share its connections: one for publishing and one for reading (a duplicate
 * the first hub makes and the last one closes), whatever the number of hubs, with one blocking
 * XREAD for all of their streams and one health check (one PING per interval). Every hub still gets
 * its own messages exactly once, in order, while other hubs are added, closed, or lose their stream,
 * and on a loaded machine. Hubs given one `subscriber` share it the same way, and never close it.
 */
import { expect } from 'chai';
import { createRedisHub, HubConnectionError, type RedisHub } from '../../../src/hub/index.js';
import { startCpuHogs } from '../../support/cpu-hogs.js';
import { clientsNamed, connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import { record, type Recording } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';

/** How many PINGs the server has run. */
async function pings(admin: TestClient): Promise<number> {
  return Number(/cmdstat_ping:calls=(\d+)/.exec(String(await admin.command(['INFO', 'commandstats'])))?.[1] ?? 0);
}

/** How many CLIENT UNBLOCK the server has run. */
async function unblocks(admin: TestClient): Promise<number> {
  return Number(/cmdstat_client\|unblock:calls=(\d+)/.exec(String(await admin.command(['INFO', 'commandstats'])))?.[1] ?? 0);
}

/** Whether a connection named `name` is blocked in an XREAD now. */
async function blockedIn(admin: TestClient, name: string): Promise<boolean> {
  return String(await admin.command(['CLIENT', 'LIST'])).split('\n')
    .some((line) => line.includes(` name=${name} `) && / cmd=xread /.test(line) && / flags=\S*b/.test(line));
}

/** Waits until `rec` holds exactly as many values as `expected`, then checks they are `expected`, in order. */
async function got(rec: Recording<number>, expected: readonly number[], what: string, timeoutMs?: number): Promise<void> {
  await until(() => rec.values.length >= expected.length || rec.error !== null, {
    what: () => `${what}: ${rec.values.length} of ${expected.length}`, ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  expect(rec.error, what).to.equal(null);
  expect(rec.values, what).to.deep.equal(expected);
}

describe('createRedisHub: hubs on one client share its connections', function () {
  this.timeout(60_000);
  const suite = redisSuite();

  for (const flavor of FLAVORS) {
    describe(flavor, () => {
      /** A server of the test's own, an admin client, a client named for CLIENT LIST, and 200 hubs on it. */
      async function twoHundred(healthCheckMs: number) {
        const redis = await suite.own({ appendonly: false });
        const admin = await connect(flavor, redis.url);
        suite.defer(() => admin.close());
        const name = `shared-${flavor}`;
        const c = await connect(flavor, redis.url, { name });
        suite.defer(() => c.close());
        const connections = async (): Promise<number> => (await clientsNamed(admin, [name]))[name]!;
        expect(await connections()).to.equal(1);
        const open = (i: number): Promise<RedisHub<number>> => createRedisHub<number>({ client: c.raw, channel: `ch-${i}`, healthCheckMs });
        const hubs = await Promise.all(Array.from({ length: 200 }, (_, i) => open(i)));
        suite.defer(() => Promise.all(hubs.map((h) => h.close())));
        const expected = new Map<RedisHub<number>, number[]>(hubs.map((h) => [h, []]));
        const recs = new Map(hubs.map((h) => [h, record(h.subscribe())]));
        const publish = async (h: RedisHub<number>, value: number): Promise<void> => {
          await h.publish(value);
          expected.get(h)!.push(value);
        };
        /** Checks every open hub's subscriber got exactly what was published to it, in order. */
        const check = async (): Promise<void> => {
          for (const [h, values] of expected) if (!h.closed) await got(recs.get(h)!, values, `the subscriber of hub ${hubs.indexOf(h)}`);
          expect(hubs.reduce((sum, h) => sum + h.stats().malformed, 0)).to.equal(0);
        };
        return { admin, name, connections, open, hubs, expected, recs, publish, check };
      }

      it('200 hubs: two connections and one PING per interval; each hub gets its messages once, in order; the last close ends the reading connection', async () => {
        const { admin, connections, open, hubs, publish, check } = await twoHundred(100);
        expect(await connections(), 'the publishing connection and one reading connection').to.equal(2);

        // one PING per interval, not one per hub: PINGs are at least healthCheckMs apart
        const p0 = await pings(admin);
        const t0 = performance.now();
        await until(async () => (await pings(admin)) >= p0 + 3, { what: 'three health checks' });
        const sent = (await pings(admin)) - p0;
        expect(sent, 'PINGs over the time measured').to.be.at.most(Math.floor((performance.now() - t0) / 100) + 2);

        await Promise.all(hubs.map((h, i) => publish(h, i)));
        await Promise.all(hubs.map((h, i) => publish(h, i + 1000)));
        await check();
        expect(await connections()).to.equal(2);

        await Promise.all(hubs.map((h) => h.close()));
        await until(async () => (await connections()) === 1, { what: 'the reading connection to close' });
        // a hub made afterwards makes a reading connection again
        const again = await open(0);
        suite.defer(() => again.close());
        expect(await connections()).to.equal(2);
        const rec = record(again.subscribe());
        await again.publish(7);
        await got(rec, [7], 'a hub made after the last one closed');
      });

      it('200 hubs: a hub added or closed while the read blocks ends that read (CLIENT UNBLOCK); publishes meanwhile arrive once, in order', async () => {
        // a BLOCK of 10 s: a hub added without ending the read would wait past publishTimeoutMs to start
        const { admin, name, connections, open, hubs, expected, recs, publish, check } = await twoHundred(10_000);
        await Promise.all(hubs.map((h, i) => publish(h, i)));
        await check();

        // a hub added while the read blocks, with a publish on another hub at the same time
        await until(() => blockedIn(admin, name), { what: 'a blocking read' });
        let u0 = await unblocks(admin);
        const [added] = await Promise.all([open(200), publish(hubs[0]!, 1000)]);
        expect(await unblocks(admin), 'the read ended to read the new stream too').to.be.above(u0);
        hubs.push(added);
        expected.set(added, []);
        recs.set(added, record(added.subscribe()));
        await publish(added, 2000);
        await check();

        // a hub closed while the read blocks, with a publish on another hub at the same time
        await until(() => blockedIn(admin, name), { what: 'a blocking read' });
        const gone = hubs[1]!;
        u0 = await unblocks(admin);
        await Promise.all([gone.close(), publish(hubs[2]!, 3000)]);
        await until(async () => (await unblocks(admin)) > u0, { what: 'the read to be ended to leave the closed hub\'s stream out' });
        await until(() => recs.get(gone)!.ended, { what: 'the closed hub\'s subscriber to end' });
        expect(recs.get(gone)!.error).to.equal(null);
        await Promise.all(hubs.map((h, i) => h.closed ? undefined : publish(h, i + 5000)));
        await check();
        expect(await connections()).to.equal(2);

        await Promise.all(hubs.map((h) => h.close()));
        await until(async () => (await connections()) === 1, { what: 'the reading connection to close' });
      });

      it('a hub closed while others read: the others miss nothing; a stream lost under one hub changes only its epoch', async () => {
        const c = await suite.client(flavor, (await suite.own({ appendonly: false })).url);
        const channels = Array.from({ length: 5 }, (_, i) => `lane-${i}`);
        const hubs = await Promise.all(channels.map((channel) => createRedisHub<number>({ client: c.raw, channel, history: 10 })));
        suite.defer(() => Promise.all(hubs.map((h) => h.close())));
        const recs = hubs.map((h) => record(h.subscribe()));
        // every hub publishes 1..300 one after another; hub 1 is closed half-way, the others go on
        await Promise.all(hubs.map(async (h, i) => {
          for (let v = 1; v <= 300; v++) {
            if (i === 1 && v === 150) return h.close();
            await h.publish(v);
          }
          return undefined;
        }));
        const all = Array.from({ length: 300 }, (_, i) => i + 1);
        for (const i of [0, 2, 3, 4]) await got(recs[i]!, all, `lane ${i}`);
        // the closed hub's own subscriber ended at once, with what its hub had read by then
        expect(recs[1]!.values).to.deep.equal(all.slice(0, recs[1]!.values.length));
        expect(recs[1]!.values.length).to.be.at.most(149);
        expect([recs[1]!.ended, recs[1]!.error]).to.deep.equal([true, null]);

        // Redis loses lane 2's stream and its hash: only lane 2 enters a new epoch
        const epochs = hubs.map((h) => h.epoch);
        await c.command(['DEL', 'lane-2', '{lane-2}:id']);
        expect(await hubs[2]!.publish(1)).to.equal(1);
        await until(() => hubs[2]!.epoch !== epochs[2], { what: 'lane 2 to enter a new epoch' });
        await until(() => recs[2]!.ended, { what: 'the subscriber of lane 2 to end' });
        expect(recs[2]!.error).to.be.instanceOf(HubConnectionError);
        for (const i of [0, 3, 4]) {
          expect(hubs[i]!.epoch, `lane ${i}`).to.equal(epochs[i]);
          await hubs[i]!.publish(301);
          await got(recs[i]!, [...all, 301], `lane ${i} after lane 2 lost its stream`);
        }
        const fresh = record(hubs[2]!.subscribe({ since: 0, epoch: hubs[2]!.epoch }));
        await hubs[2]!.publish(2);
        await got(fresh, [1, 2], 'lane 2 in its new epoch');
      });

      it('hubs given one subscriber read over it alone and never close it', async () => {
        const redis = await suite.own({ appendonly: false });
        const admin = await connect(flavor, redis.url);
        suite.defer(() => admin.close());
        const pub = await connect(flavor, redis.url, { name: 'pub' });
        const sub = await connect(flavor, redis.url, { name: 'sub' });
        suite.defer(() => pub.close(), () => sub.close());
        const hubs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          createRedisHub<number>({ publisher: pub.raw, subscriber: sub.raw, channel: `given-${i}` })));
        suite.defer(() => Promise.all(hubs.map((h) => h.close())));
        const recs = hubs.map((h) => record(h.subscribe()));
        await Promise.all(hubs.map(async (h, i) => {
          await h.publish(i);
          await h.publish(i + 100);
        }));
        for (const [i, rec] of recs.entries()) await got(rec, [i, i + 100], `hub ${i}`);
        expect(await clientsNamed(admin, ['pub', 'sub'])).to.deep.equal({ pub: 1, sub: 1 });
        await until(() => blockedIn(admin, 'sub'), { what: 'a blocking read' });
        await Promise.all(hubs.map((h) => h.close()));
        // the last close ends the blocking read (CLIENT UNBLOCK) and leaves the connection open
        await until(async () => !(await blockedIn(admin, 'sub')), { what: 'the blocking read to end' });
        expect(await sub.command(['PING'])).to.equal('PONG');
        expect(await clientsNamed(admin, ['pub', 'sub'])).to.deep.equal({ pub: 1, sub: 1 });
      });

      it('beside two CPU hogs: 50 hubs publishing at once, hubs added and closed meanwhile, each gets its messages once, in order', async () => {
        const hogs = await startCpuHogs(2);
        suite.defer(() => hogs.stop());
        const redis = await suite.own({ appendonly: false });
        const c = await suite.client(flavor, redis.url);
        const open = (i: number): Promise<RedisHub<number>> => createRedisHub<number>({ client: c.raw, channel: `busy-${i}` });
        const hubs = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i)));
        const idle = await Promise.all(Array.from({ length: 5 }, (_, i) => open(100 + i)));
        suite.defer(() => Promise.all([...hubs, ...idle].map((h) => h.close())));
        const recs = new Map(hubs.map((h) => [h, record(h.subscribe())]));
        const burst = (h: RedisHub<number>): Promise<number[]> => Promise.all(Array.from({ length: 100 }, (_, v) => h.publish(v)));
        const runs = hubs.map(burst);
        // meanwhile: the idle hubs close, and five more come and publish
        const more = await Promise.all([...idle.map((h) => h.close()), ...Array.from({ length: 5 }, (_, i) => open(200 + i))]);
        const added = more.filter((h): h is RedisHub<number> => h !== undefined);
        expect(added).to.have.length(5);
        hubs.push(...added);
        for (const h of added) recs.set(h, record(h.subscribe()));
        runs.push(...added.map(burst));
        const ids = await Promise.all(runs);
        // a hub's publishes run in call order on one connection: ids 1 to 100 in that order
        for (const list of ids) expect(list).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
        const values = Array.from({ length: 100 }, (_, v) => v);
        for (const [i, h] of hubs.entries()) await got(recs.get(h)!, values, `hub ${i}`, 60_000);
      });
    });
  }
});
