/**
 * The Redis hub on one shared redis-server, with node-redis and with ioredis: ids, replay from the
 * stream, exact `missed`, validation before publishing, entries not written by a hub, signatures,
 * a brief connection loss, and close(). Its options: redis/options.test.ts.
 */
import { expect } from 'chai';
import { CometEncodeError } from '../../../src/errors.js';
import { createRedisHub, cometEncoding, HubClosedError, type RedisHub, type RedisHubOptions } from '../../../src/hub/index.js';
import { clientCount, connect, FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';
import { activeTimers, sleep, until } from '../../support/timing.js';

describe('createRedisHub', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    async function client(): Promise<TestClient> {
      const c = await connect(flavor, suite.url);
      suite.defer(() => c.close());
      return c;
    }
    async function hub<T, O = T>(options: RedisHubOptions<T, O>): Promise<RedisHub<T, O>> {
      const h = await (createRedisHub as (o: RedisHubOptions<T, O>) => Promise<RedisHub<T, O>>)(options);
      suite.defer(() => h.close());
      return h;
    }
    const channel = (): string => `hub-test-${flavor}-${process.pid}-${++n}`;
    const xlen = async (c: TestClient, key: string): Promise<number> => Number(await c.command(['XLEN', key]));

    describe(flavor, () => {
      it('delivers in order with the same Redis-assigned ids and the same epoch in every hub of the channel', async () => {
        const c = await client();
        const ch = channel();
        const a = await hub<number>({ client: c.raw, channel: ch });
        const b = await hub<number>({ client: c.raw, channel: ch });
        const sa = a.subscribe();
        const sb = b.subscribe();
        const ids = await Promise.all([1, 2, 3, 4, 5].map((v) => a.publish(v * 10)));
        expect(ids).to.deep.equal([1, 2, 3, 4, 5]);
        expect(await take(sa, 5)).to.deep.equal([10, 20, 30, 40, 50]);
        expect(await take(sb, 5)).to.deep.equal([10, 20, 30, 40, 50]);
        expect(sa.lastId).to.equal(5);
        expect(b.lastId).to.equal(5);
        expect(a.epoch).to.match(/^[A-Za-z0-9_-]{16}$/).and.equal(b.epoch);
        expect(await c.command(['HGET', `{${ch}}:id`, 'epoch'])).to.equal(a.epoch);
        expect(await xlen(c, ch)).to.equal(5);
        expect(a.stats()).to.deep.include({ sent: 5, published: 5, delivered: 5, malformed: 0, connected: true });
        expect(b.stats()).to.deep.include({ sent: 0, published: 5, delivered: 5 });
      });

      it('replays from since; encodes once per message with cometEncoding', async () => {
        const c = await client();
        const encoding = cometEncoding<string>('cb', { kind: 'string', initialChunk: null, coalesce: false });
        const h = await hub<string, string>({ client: c.raw, channel: channel(), history: 10, ...encoding });
        const live = h.subscribe();
        await Promise.all(['a', 'b', 'c'].map((v) => h.publish(v)));
        await take(live, 3);
        const late = h.subscribe({ since: 1 });
        expect(await take(late, 2)).to.deep.equal([`<script type="text/javascript">cb('b',2);</script>`, `<script type="text/javascript">cb('c',3);</script>`]);
      });

      it('a process started after the messages replays them from Redis, since mapped exactly', async () => {
        const c = await client();
        const ch = channel();
        const first = await createRedisHub<number>({ client: c.raw, channel: ch });
        for (let v = 1; v <= 5; v++) await first.publish(v * 10);
        await first.close();
        const late = await hub<number>({ client: c.raw, channel: ch, history: 3 });
        expect(late.lastId).to.equal(5);
        const fromOne = late.subscribe({ since: 1 });
        expect(fromOne.missed).to.equal(1);
        expect(await take(fromOne, 3)).to.deep.equal([30, 40, 50]);
        const fromFour = late.subscribe({ since: 4 });
        expect(fromFour.missed).to.equal(0);
        expect(await take(fromFour, 1)).to.deep.equal([50]);
        expect(fromFour.lastId).to.equal(5);
        expect(await late.publish(60)).to.equal(6);
        expect(await take(fromFour, 1)).to.deep.equal([60]);
      });

      it("takes over the plain id counter of the pub/sub hub, so ids go on from its value", async () => {
        const c = await client();
        const ch = channel();
        await c.command(['SET', `{${ch}}:id`, '41']);
        const h = await hub<number>({ client: c.raw, channel: ch });
        expect(h.lastId).to.equal(41);
        expect(await h.publish(1)).to.equal(42);
        expect(await c.command(['HGET', `{${ch}}:id`, 'id'])).to.equal('42');
        expect(await c.command(['HGET', `{${ch}}:id`, 'epoch'])).to.equal(h.epoch);
      });

      it('missed is exact from ids although MAXLEN ~ trims approximately', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub<number>({ client: c.raw, channel: ch, history: 10, streamLength: 10 });
        for (let i = 0; i < 250; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => h.publish(i + k + 1)));
        const kept = await xlen(c, ch);
        expect(kept).to.be.within(10, 250);
        const late = await hub<number>({ client: c.raw, channel: ch, history: 10 });
        for (const [since, missed] of [[0, 240], [100, 140], [239, 1], [240, 0], [245, 0]] as const) {
          const s = late.subscribe({ since });
          expect(s.missed, `since ${since}`).to.equal(missed);
          const replay = await take(s, 250 - Math.max(since, 240));
          expect(replay[0], `since ${since}`).to.equal(Math.max(since, 240) + 1);
          await s.return();
        }
      });

      it('an unencodable message rejects with CometEncodeError and nothing reaches Redis', async () => {
        const c = await client();
        const ch = channel();
        const encoding = cometEncoding<unknown>('cb', { kind: 'string', maxMessageBytes: 80 });
        const h = await hub<unknown, string>({ client: c.raw, channel: ch, ...encoding });
        expect(await h.publish('fits')).to.equal(1);
        for (const value of [42, 'x'.repeat(100)]) {
          expect(await h.publish(value).then(() => null, (e: unknown) => e)).to.be.instanceOf(CometEncodeError);
        }
        expect(await xlen(c, ch)).to.equal(1);
        expect(await c.command(['HGET', `{${ch}}:id`, 'id'])).to.equal('1');
        expect(h.stats().sent).to.equal(1);
      });

      it('skips and counts entries not written by a hub, and publishing goes on', async () => {
        const c = await client();
        const ch = channel();
        const h = await hub<number>({ client: c.raw, channel: ch });
        const s = h.subscribe();
        await h.publish(1);
        await c.command(['XADD', ch, '*', 'foo', 'bar']);
        await c.command(['XADD', ch, '*', 'id', 'x', 'epoch', h.epoch, 'data', '2']);
        await c.command(['XADD', ch, '*', 'id', '2', 'epoch', 'elsewhere', 'data', '2']);
        await c.command(['XADD', ch, '*', 'id', '1', 'epoch', h.epoch, 'data', '99']);
        await c.command(['XADD', ch, '*', 'id', '2', 'epoch', h.epoch, 'data', '2', 'extra', '1']);
        expect(await h.publish(2)).to.equal(2);
        expect(await take(s, 2)).to.deep.equal([1, 2]);
        expect(h.stats().malformed).to.equal(5);
        expect(h.epoch).to.equal(await c.command(['HGET', `{${ch}}:id`, 'epoch']));
      });

      it('with secret, unsigned, badly signed and replayed entries are skipped and counted', async () => {
        const c = await client();
        const ch = channel();
        const secret = 'shared by the deployment';
        const a = await hub<number>({ client: c.raw, channel: ch, secret });
        const b = await hub<number>({ client: c.raw, channel: ch, secret: Buffer.from(secret) });
        const plain = await hub<number>({ client: c.raw, channel: ch });
        const s = a.subscribe();
        expect(await Promise.all([a.publish(1), b.publish(2), a.publish(3), b.publish(4)])).to.have.members([1, 2, 3, 4]);
        await plain.publish(666);
        const [[, fields]] = (await c.command(['XRANGE', ch, '-', '+', 'COUNT', '1'])) as [string, string[]][];
        await c.command(['XADD', ch, '*', ...fields!]);
        await c.command(['XADD', ch, '*', 'id', '7', 'epoch', a.epoch, 'data', '7', 'sig', '0'.repeat(64)]);
        expect(await a.publish(5)).to.equal(6);
        const values = await take(s, 5);
        expect(values.slice(0, 4)).to.have.members([1, 2, 3, 4]);
        expect(values[4]).to.equal(5);
        expect(a.stats().malformed).to.equal(3);
        expect(s.lastId).to.equal(6);
      });

      it('publish rejects values that do not serialize, and after close', async () => {
        const c = await client();
        const h = await hub<unknown>({ client: c.raw, channel: channel() });
        expect(await h.publish(undefined).then(() => null, (e: unknown) => e)).to.be.instanceOf(TypeError);
        await h.close();
        expect(await h.publish(1).then(() => null, (e: unknown) => e)).to.be.instanceOf(HubClosedError);
        expect(await h.subscribe().next()).to.deep.equal({ value: undefined, done: true });
      });

      it('a brief loss of the reading connection fails nobody and loses nothing', async () => {
        const c = await client();
        const ch = channel();
        const other = await client();
        const h = await hub<number>({ client: c.raw, channel: ch, history: 10 });
        const writer = await hub<number>({ client: other.raw, channel: ch });
        const s = h.subscribe();
        await writer.publish(1);
        expect(await take(s, 1)).to.deep.equal([1]);
        // every connection but c's: the hub's reader, and the other hub's (which reconnect by themselves)
        await c.command(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
        // the writer's publishes are refused at once until its health check sees Redis again
        const accepted = (v: number) => async (): Promise<boolean> => writer.publish(v).then(() => true, () => false);
        for (let v = 2; v <= 6; v++) await until(accepted(v), { what: `publish ${v} to be accepted` });
        expect(await take(s, 5)).to.deep.equal([2, 3, 4, 5, 6]);
        expect(s.lastId).to.equal(6);
        await until(() => h.connected, { what: 'the hub to be connected' });
        expect(h.stats()).to.deep.include({ malformed: 0, published: 6 });
      });

      it('close() leaves no connection and no timer behind, and only closes what it created', async () => {
        const c = await client();
        const ch = channel();
        const before = await clientCount(c);
        const timersBefore = activeTimers();
        const h = await createRedisHub<number>({ client: c.raw, channel: ch, healthCheckMs: 50 });
        expect(await clientCount(c)).to.equal(before + 1);
        expect(activeTimers()).to.be.above(timersBefore);
        await sleep(120);
        const s = h.subscribe();
        await h.close();
        expect(h.connected).to.equal(false);
        expect(await s.next()).to.deep.equal({ value: undefined, done: true });
        await until(async () => (await clientCount(c)) === before, { what: 'the duplicate connection to close' });
        // ioredis ends a closed connection's own timer (disconnectTimeout) once its socket closed, which
        // may come after the server dropped the connection
        await until(() => activeTimers() === timersBefore, { what: () => `the timers to end: ${activeTimers()} left, ${timersBefore} before` });

        const sub = await client();
        const own = await createRedisHub<number>({ publisher: c.raw, subscriber: sub.raw, channel: ch });
        const t0 = performance.now();
        await own.close();
        // its blocking read is ended at once (CLIENT UNBLOCK), and its connection stays open
        expect(await sub.command(['PING'])).to.equal('PONG');
        expect(performance.now() - t0).to.be.below(500);
        expect(await clientCount(c)).to.equal(before + 1);
      });
    });
  }
});
