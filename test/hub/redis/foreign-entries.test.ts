/**
 * Entries that no hub wrote, added to the stream by anyone who can write its key: the next id, a
 * far id, a repeated id, a garbled entry, a garbled topic field, another epoch. Each is skipped,
 * never delivered, counted exactly once in `stats().malformed` by every hub that reads it, and
 * never moves the epoch; the real publishes around it keep their ids and reach every subscriber,
 * and no subscriber fails. Unsigned hubs and hubs with a `secret`, both clients.
 */
import { expect } from 'chai';
import { createRedisHub, type RedisHub, type RedisHubOptions } from '../../../src/hub/index.js';
import { FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { record, type Recording } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';
import { until, UNTIL_TIMEOUT_MS, within } from '../../support/timing.js';

/** `take`, or 'timeout' (a skipped message must fail the test, not hang it). */
const takeWithin = <T>(it: AsyncIterator<T>, n: number): Promise<T[] | unknown> => within(take(it, n), UNTIL_TIMEOUT_MS);

const SECRET = 'foreign-entries-secret';
/** A signature field of the right shape that no secret made. */
const BOGUS_SIG = ['sig', 'ab'.repeat(32)];

/** Options of a hub of text without `encode`, the client left out. */
type Plain = Omit<RedisHubOptions<string>, 'client' | 'encode' | 'wire'>;

describe('createRedisHub: foreign entries with ids above the last', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    it(`${flavor}: an entry with an id above the last given is skipped, and later publishes still arrive`, async () => {
      const c: TestClient = await suite.client(flavor);
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

describe('createRedisHub: forged entries, unsigned and signed', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    for (const signed of [false, true]) {
      const label = `${flavor}, ${signed ? 'with secret' : 'unsigned'}`;

      /** Two hubs of one channel on two connections (two processes), each with subscribers; text as is. */
      async function setup(): Promise<{
        c: TestClient; ch: string; a: RedisHub<string>; b: RedisHub<string>; options: Plain;
        all: Recording<string>[]; onT: Recording<string>;
      }> {
        const c = await suite.client(flavor);
        const c2 = await suite.client(flavor);
        const ch = `forged-${flavor}-${signed ? 'signed' : 'unsigned'}-${process.pid}-${++n}`;
        const options: Plain = {
          channel: ch, history: 100, serialize: (v) => v, deserialize: (s) => s, ...(signed ? { secret: SECRET } : {}),
        };
        const a = await createRedisHub<string>({ ...options, client: c.raw });
        suite.defer(() => a.close());
        const b = await createRedisHub<string>({ ...options, client: c2.raw });
        suite.defer(() => b.close());
        const all = [record(a.subscribe()), record(b.subscribe())];
        const onT = record(b.subscribe({ topics: ['t'] }));
        return { c, ch, a, b, options, all, onT };
      }

      /** Adds an entry of `fields` (and, on a signed hub, a signature of the right shape that no secret made). */
      const forge = (c: TestClient, ch: string, fields: string[]): Promise<unknown> => c.command(['XADD', ch, '*', ...fields, ...(signed ? BOGUS_SIG : [])]);

      it(`${label}: the next id, a far id, a repeated id, a garbled entry, a garbled topic, another epoch: each skipped and counted once, the epoch kept`, async () => {
        const { c, ch, a, b, all, onT } = await setup();
        const epoch = a.epoch;
        expect(b.epoch).to.equal(epoch);
        const published: string[] = [];
        let malformed = 0;

        /**
         * Publishes `value` on `a` (topic `topic`; with `retry`, again under its key while the hub
         * refuses): it takes the next id, and every subscriber gets exactly what was published.
         */
        async function real(value: string, topic?: string, retry = false): Promise<void> {
          let id = 0;
          const options = { ...(topic === undefined ? {} : { topic }), key: `key-${value}` };
          if (retry) await until(() => a.publish(value, options).then((got) => ((id = got), true), () => false), { what: `publish ${value}` });
          else id = await a.publish(value, options);
          expect(id, `the id of ${value}`).to.equal(published.length + 1);
          published.push(topic === undefined ? value : `${topic}:${value}`);
          const own = published.filter((v) => !v.includes(':'));
          const ids = published.flatMap((v, i) => (v.includes(':') ? [] : [i + 1]));
          for (const [i, rec] of all.entries()) {
            await until(() => rec.values.length >= own.length || rec.error !== null, { what: () => `subscriber ${i} to get ${value} (has ${rec.values.join(',')})` });
            expect(rec.values, `subscriber ${i}`).to.deep.equal(own);
            expect(rec.ids, `ids of subscriber ${i}`).to.deep.equal(ids);
            expect(rec.error, `subscriber ${i} failed`).to.equal(null);
          }
          const ofT = published.flatMap((v, i) => (v.startsWith('t:') ? [[v.slice(2), i + 1] as const] : []));
          await until(() => onT.values.length >= ofT.length || onT.error !== null, { what: `the subscriber of topic t to get ${value}` });
          expect(onT.values, 'the subscriber of topic t').to.deep.equal(ofT.map(([v]) => v));
          expect(onT.ids, 'ids of the subscriber of topic t').to.deep.equal(ofT.map(([, id]) => id));
          expect(onT.error).to.equal(null);
          // the readers have passed every entry before this one: the count is final
          expect(a.stats().malformed, 'malformed in the publishing hub').to.equal(malformed);
          expect(b.stats().malformed, 'malformed in the other hub').to.equal(malformed);
          expect([a.epoch, b.epoch], 'the epochs').to.deep.equal([epoch, epoch]);
        }

        /** Adds a forged entry, waits until both hubs skipped it, then publishes the next real message. */
        async function forged(what: string, fields: string[], next: string, topic?: string): Promise<void> {
          await forge(c, ch, fields);
          malformed++;
          await until(() => a.stats().malformed >= malformed && b.stats().malformed >= malformed, {
            what: () => `${what} to be counted (malformed: ${a.stats().malformed}, ${b.stats().malformed})`,
          });
          await real(next, topic);
        }

        await real('one');
        await real('two');
        // the counter is at 2: the next id, in the current epoch
        await forged('the next id', ['id', '3', 'epoch', epoch, 'data', 'forged'], 'three');
        await forged('a far id', ['id', '1000', 'epoch', epoch, 'data', 'far'], 'four');
        await forged('a repeated id', ['id', '2', 'epoch', epoch, 'data', 'again'], 'five');
        await forged('a garbled id', ['id', '6x', 'epoch', epoch, 'data', 'garbled'], 'six');
        await forged('fields out of order', ['epoch', epoch, 'id', '7', 'data', 'swapped'], 'seven');
        await forged('a missing data field', ['id', '8', 'epoch', epoch], 'eight');
        await forged('an extra field', ['id', '9', 'epoch', epoch, 'data', 'extra', 'more', 'x'], 'nine');
        await forged('a named topic that is no topic name', ['id', '10', 'epoch', epoch, 'data', 'bad', 'topic', 'not a topic'], 'ten', 't');
        await forged('an empty named topic', ['id', '11', 'epoch', epoch, 'data', 'empty', 'topic', ''], 'eleven', 't');
        await forged('a reserved topic name', ['id', '12', 'epoch', epoch, 'data', 'reserved', 'topic', 'message'], 'twelve', 't');
        await forged('a topic field before the data', ['id', '13', 'epoch', epoch, 'topic', 't', 'data', 'early'], 'thirteen', 't');
        await forged('another epoch', ['id', '14', 'epoch', 'AnotherEpoch0000', 'data', 'elsewhere'], 'fourteen');
        if (signed) {
          // a copy of a real, validly signed entry: its id is not above the last
          const [[, fields]] = (await c.command(['XRANGE', ch, '-', '+', 'COUNT', '1'])) as [string, string[]][];
          expect(fields.slice(0, 6)).to.deep.equal(['id', '1', 'epoch', epoch, 'data', 'one']);
          await c.command(['XADD', ch, '*', ...fields]);
          malformed++;
          await until(() => a.stats().malformed >= malformed && b.stats().malformed >= malformed, { what: 'the copied entry to be counted' });
          await real('fifteen');
        }

        // reading again after a lost connection counts nothing a second time
        const readers = String(await c.command(['CLIENT', 'LIST'])).split('\n').filter((line) => / cmd=xread /.test(line));
        expect(readers, 'the two hubs reading').to.have.length(2);
        const killed = readers.map((line) => /\bid=(\d+)/.exec(line)![1]!);
        for (const id of killed) await c.command(['CLIENT', 'KILL', 'ID', id]);
        await real('after', undefined, true);
        await until(async () => {
          const now = String(await c.command(['CLIENT', 'LIST'])).split('\n').filter((line) => / cmd=xread /.test(line));
          return now.length === 2 && now.every((line) => !killed.includes(/\bid=(\d+)/.exec(line)![1]!));
        }, { what: 'both hubs to read on new connections' });
        expect(a.stats().malformed, 'malformed in the publishing hub, after reading again').to.equal(malformed);
        expect(b.stats().malformed, 'malformed in the other hub, after reading again').to.equal(malformed);
        expect([a.epoch, b.epoch]).to.deep.equal([epoch, epoch]);
        expect(String(await c.command(['HGET', `{${ch}}:id`, 'epoch']))).to.equal(epoch);
      });

      // read in one batch with the real one, after the counter reached it: told apart by the stream id recorded for 3
      it(`${label}: a forged next id added just before a real publish (pipelined on one connection) is never delivered`, async () => {
        const { c, ch, a, b, all, onT } = await setup();
        const epoch = a.epoch;
        expect(await a.publish('one')).to.equal(1);
        expect(await a.publish('two')).to.equal(2);
        for (const rec of all) await until(() => rec.values.length === 2);
        // the forged entry and the real publish leave in this order on the publishing connection
        const [, three] = await Promise.all([forge(c, ch, ['id', '3', 'epoch', epoch, 'data', 'forged']), a.publish('three')]);
        expect(three).to.equal(3);
        expect(await a.publish('four')).to.equal(4);
        for (const [i, rec] of all.entries()) {
          await until(() => rec.values.length >= 4 || rec.error !== null, { what: () => `subscriber ${i} to get four messages (has ${rec.values.join(',')})` });
          expect(rec.values, `subscriber ${i}`).to.deep.equal(['one', 'two', 'three', 'four']);
          expect(rec.ids, `ids of subscriber ${i}`).to.deep.equal([1, 2, 3, 4]);
          expect(rec.error, `subscriber ${i} failed`).to.equal(null);
        }
        expect(onT.values).to.deep.equal([]);
        expect([a.stats().malformed, b.stats().malformed], 'malformed').to.deep.equal([1, 1]);
        expect([a.epoch, b.epoch]).to.deep.equal([epoch, epoch]);
      });

      it(`${label}: a hub started after forged entries replays none of them and counts each once`, async () => {
        const { c, ch, a, b, options } = await setup();
        const epoch = a.epoch;
        const forgeries = [
          ['id', '3', 'epoch', epoch, 'data', 'forged'],
          ['id', '1000', 'epoch', epoch, 'data', 'far'],
          ['id', '2', 'epoch', epoch, 'data', 'again'],
          ['id', '5x', 'epoch', epoch, 'data', 'garbled'],
          ['id', '6', 'epoch', epoch, 'data', 'bad', 'topic', 'not a topic'],
          ['id', '7', 'epoch', 'AnotherEpoch0000', 'data', 'elsewhere'],
        ];
        expect(await a.publish('one')).to.equal(1);
        expect(await a.publish('two')).to.equal(2);
        // each forged entry is skipped by the running hubs before the next real publish
        for (const [i, fields] of forgeries.entries()) {
          await forge(c, ch, fields);
          await until(() => a.stats().malformed === i + 1 && b.stats().malformed === i + 1, { what: `forged entry ${i} to be counted` });
          expect(await a.publish(`real-${i + 3}`)).to.equal(i + 3);
        }
        const reals = ['one', 'two', ...forgeries.map((_, i) => `real-${i + 3}`)];
        const late = await createRedisHub<string>({ ...options, client: c.raw });
        suite.defer(() => late.close());
        expect(late.epoch).to.equal(epoch);
        expect(late.lastId).to.equal(reals.length);
        const replay = late.subscribe({ since: 0, epoch });
        expect(replay.missed).to.equal(0);
        const replayed = await takeWithin(replay, reals.length);
        expect({ replayed, malformed: late.stats().malformed }, 'what the late hub replays, and the forged entries it counts')
          .to.deep.equal({ replayed: reals, malformed: forgeries.length });
      });
    }
  }
});

describe('createRedisHub: entries of a publisher that records no stream ids', function () {
  this.timeout(20_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  /** What a publisher of the earlier format did in one step: the entry, then the counter, and no record. */
  const OLD_PUBLISH = `redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'epoch', ARGV[2], 'data', ARGV[3])
redis.call('HSET', KEYS[2], 'id', ARGV[1])`;

  for (const flavor of FLAVORS) {
    it(`${flavor}: an id without a record is the hub's when the counter gave it, live and in the history; one above the counter is still skipped`, async () => {
      const c = await suite.client(flavor);
      const ch = `unrecorded-${flavor}-${process.pid}-${++n}`;
      const options: Plain = { channel: ch, history: 10, serialize: (v) => v, deserialize: (s) => s };
      const h = await createRedisHub<string>({ ...options, client: c.raw });
      suite.defer(() => h.close());
      const rec = record(h.subscribe());
      expect(await h.publish('one')).to.equal(1);
      const records = `{${ch}}:id:sids`;
      const [[first]] = (await c.command(['XRANGE', ch, '-', '+'])) as [string, string[]][];
      expect(await c.command(['LRANGE', records, '0', '-1']), 'the record of id 1').to.deep.equal([first]);
      await c.command(['DEL', records]);
      await c.command(['EVAL', OLD_PUBLISH, '2', ch, `{${ch}}:id`, '2', h.epoch, 'old']);
      // above the counter, without a record: no hub's
      await c.command(['XADD', ch, '*', 'id', '3', 'epoch', h.epoch, 'data', 'forged']);
      await until(() => h.stats().malformed === 1, { what: 'the entry above the counter to be counted' });
      expect(await h.publish('three')).to.equal(3);
      await until(() => rec.values.length >= 3 || rec.error !== null, { what: () => `three messages (has ${rec.values.join(',')})` });
      expect(rec.values).to.deep.equal(['one', 'old', 'three']);
      const [last] = (await c.command(['XREVRANGE', ch, '+', '-', 'COUNT', '1'])) as [string, string[]][];
      expect(await c.command(['LRANGE', records, '0', '-1']), 'the records begun again with 3').to.deep.equal([last![0]]);
      expect(rec.ids).to.deep.equal([1, 2, 3]);
      expect(rec.error).to.equal(null);
      expect(h.stats().malformed).to.equal(1);
      // a hub started now replays the entry without a record from its history
      const late = await createRedisHub<string>({ ...options, client: c.raw });
      suite.defer(() => late.close());
      expect(late.lastId).to.equal(3);
      expect(await takeWithin(late.subscribe({ since: 0, epoch: h.epoch }), 3)).to.deep.equal(['one', 'old', 'three']);
      expect(late.stats().malformed).to.equal(1);
    });
  }
});
