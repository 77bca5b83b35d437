/**
 * Topics over Redis, as exact as in one process: two hubs of one channel (two processes, each on
 * its own connection) publish to several topics at once; each subscriber gets exactly the messages
 * of its topics, in id order, with their ids; a subscriber whose hub restarted resumes from its
 * cursor with exactly what it missed of its topics; a hub started later loads the history of each
 * topic from the stream, and a cursor it cannot account for is a reset or an exact `missed`; a hub
 * with a `secret` rejects an entry whose topic field was changed. Both clients.
 */
import { expect } from 'chai';
import { createRedisHub, type RedisHub } from '../../../src/hub/index.js';
import { sign } from '../../../src/hub/redis/stream.js';
import { FLAVORS, type TestClient } from '../../support/redis-clients.js';
import { until } from '../../support/timing.js';
import { record, type Recording } from '../fixtures/record.js';
import { redisSuite } from '../fixtures/redis-suite.js';
import { take } from '../fixtures/take.js';

/** One message of the tests: its topic and its number. */
interface Message {
  t: string;
  n: number;
}

/** A published message and the id it got. */
interface Sent extends Message {
  id: number;
}

/** The topics of the tests: the default one, plain names, and one of every character a name may hold. */
const TOPICS = ['', 'news', 'sport', 'weather', 'a/b@c.d:e-f_G9'];

/** What a subscriber of `topics` must get of `sent`: those of its topics, in id order. */
const expected = (sent: readonly Sent[], topics: readonly string[]): Sent[] => sent.filter((m) => topics.includes(m.t)).sort((x, y) => x.id - y.id);

describe('createRedisHub: topics', function () {
  this.timeout(30_000);
  const suite = redisSuite({ shared: true });
  let n = 0;

  for (const flavor of FLAVORS) {
    describe(flavor, () => {
      const client = (): Promise<TestClient> => suite.client(flavor);
      async function hub(c: TestClient, channel: string, more: { history?: number; secret?: string } = {}): Promise<RedisHub<Message>> {
        const h = await createRedisHub<Message>({ client: c.raw, channel, history: 1000, ...more });
        suite.defer(() => h.close());
        return h;
      }
      const channel = (): string => `topics-${flavor}-${process.pid}-${++n}`;

      /** Publishes `count` messages numbered from `from`, all at once, from `hubs` in turn, to topics in a scattered order. */
      async function publishMany(hubs: readonly RedisHub<Message>[], from: number, count: number, topics = TOPICS): Promise<Sent[]> {
        const messages = Array.from({ length: count }, (_, i) => ({ t: topics[((from + i) * 7 + ((from + i) >> 3)) % topics.length]!, n: from + i }));
        const ids = await Promise.all(messages.map((m, i) => hubs[i % hubs.length]!.publish(m, { topic: m.t })));
        return messages.map((m, i) => ({ ...m, id: ids[i]! }));
      }

      /** Waits until `rec` holds as many messages as `want`, then checks they are exactly those, with their ids. */
      async function expectExactly(rec: Recording<Message>, want: readonly Sent[], what: string): Promise<void> {
        await until(() => rec.values.length >= want.length || rec.error !== null, { what: () => `${what} to get ${want.length} messages (has ${rec.values.length})` });
        expect(rec.error, `${what} failed`).to.equal(null);
        expect(rec.values.map((m, i) => ({ ...m, id: rec.ids[i] })), what).to.deep.equal(want.map((m) => ({ t: m.t, n: m.n, id: m.id })));
      }

      it('two hubs publishing to several topics at once: each subscriber gets exactly its topics, in id order, with their ids', async () => {
        const ch = channel();
        const a = await hub(await client(), ch);
        const b = await hub(await client(), ch);
        const subs: { topics: string[]; rec: Recording<Message>; what: string }[] = [];
        const on = (h: RedisHub<Message>, name: string, topics: string[] | undefined): void => {
          const rec = record(h.subscribe(topics === undefined ? undefined : { topics }));
          subs.push({ topics: topics ?? [''], rec, what: `${name} on ${JSON.stringify(topics ?? ['<default>'])}` });
        };
        on(a, 'a', ['news']);
        on(a, 'a', ['sport', 'weather']);
        on(a, 'a', undefined);
        on(b, 'b', ['news', 'a/b@c.d:e-f_G9']);
        on(b, 'b', TOPICS);
        on(b, 'b', ['', 'sport']);
        const none = record(b.subscribe({ topics: ['nobody'] }));

        const sent = await publishMany([a, b], 0, 600);
        // ids are the hub's one sequence across topics, whoever published
        expect(sent.map((m) => m.id).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 600 }, (_, i) => i + 1));
        // a last message on each topic, so that what a subscriber gets after its topics' last is nothing
        for (const t of TOPICS) sent.push({ t, n: -1, id: await a.publish({ t, n: -1 }, { topic: t }) });
        for (const { topics, rec, what } of subs) await expectExactly(rec, expected(sent, topics), what);
        expect(none.values, 'the subscriber of a topic nobody published to').to.deep.equal([]);
        // lastId is what a hub has read: hub a has no subscriber of the last topic, so it may read it later
        await until(() => a.lastId === 605 && b.lastId === 605, { what: () => `both hubs to read id 605 (${a.lastId}, ${b.lastId})` });
        expect([a.stats().malformed, b.stats().malformed]).to.deep.equal([0, 0]);
        expect(a.epoch).to.equal(b.epoch);
      });

      it("a subscriber whose hub restarted resumes from its cursor with exactly the messages of its topics it missed", async () => {
        const ch = channel();
        const ca = await client();
        let a = await hub(ca, ch);
        const p = await hub(await client(), ch);
        const topics = ['news', 'a/b@c.d:e-f_G9'];
        const sub = a.subscribe({ topics });
        const first = await publishMany([p, a], 0, 200);
        const mine = expected(first, topics);
        // the client reads part of what was sent to it, then its process stops
        const read = mine.length >> 1;
        const got = await take(sub, read);
        expect(got).to.deep.equal(mine.slice(0, read).map(({ t, n }) => ({ t, n })));
        const cursor = { since: sub.lastId, epoch: sub.epoch };
        expect(cursor.since).to.equal(mine[read - 1]!.id);
        await a.close();
        ca.close();
        // meanwhile another process goes on publishing
        const second = await publishMany([p], 200, 200);
        // the process comes back (a new connection, a new hub) and the client with its cursor
        a = await hub(await client(), ch);
        expect(a.epoch).to.equal(cursor.epoch);
        const resumed = a.subscribe({ topics, ...cursor });
        expect([resumed.missed, resumed.reset]).to.deep.equal([0, false]);
        const rec = record(resumed);
        const third = await publishMany([p, a], 400, 100);
        await expectExactly(rec, [...mine.slice(read), ...expected([...second, ...third], topics)], 'the resumed subscriber');
      });

      it('a hub started later loads each topic\'s history from the stream: a cursor replays exactly what came after it on its topics', async () => {
        const ch = channel();
        const p = await hub(await client(), ch);
        const sent = await publishMany([p], 0, 300);
        const late = await hub(await client(), ch, { history: 1000 });
        expect(late.lastId).to.equal(300);
        for (const topics of [['news'], ['sport', 'weather'], [''], TOPICS]) {
          for (const since of [0, 1, 150, 299, 300]) {
            const mine = expected(sent, topics).filter((m) => m.id > since);
            const sub = late.subscribe({ topics, since, epoch: late.epoch });
            expect([sub.missed, sub.reset], `missed and reset of ${JSON.stringify(topics)} since ${since}`).to.deep.equal([0, false]);
            const rec = record(sub);
            await expectExactly(rec, mine, `${JSON.stringify(topics)} since ${since}`);
            await sub.return(undefined);
          }
        }
      });

      it('a hub started later with a shorter history: a cursor before what it loaded is a reset or an exact missed, never a silent loss', async () => {
        const ch = channel();
        const p = await hub(await client(), ch);
        // no message of the default topic: 'x', 'y', 'z' in turn
        const sent = await publishMany([p], 0, 60, ['x', 'y', 'z']);
        const late = await hub(await client(), ch, { history: 10 });
        expect(late.lastId).to.equal(60);
        const cases = [['x'], ['x', 'y'], ['']].map((topics) => ({ topics, sub: late.subscribe({ topics, since: 5, epoch: late.epoch }) }));
        const recs = cases.map(({ sub }) => record(sub));
        // one more message on each topic: what a subscriber got before it is its replay
        const marks = await Promise.all(['x', 'y', ''].map(async (t) => ({ t, n: -1, id: await p.publish({ t, n: -1 }, { topic: t }) })));
        const outcomes: unknown[] = [];
        const exact: unknown[] = [];
        for (const [i, { topics, sub }] of cases.entries()) {
          const rec = recs[i]!;
          await until(() => rec.values.at(-1)?.n === -1 || rec.error !== null, { what: `the last message of ${JSON.stringify(topics)}` });
          expect(rec.error).to.equal(null);
          const got = rec.values.map((m, k) => ({ ...m, id: rec.ids[k]! }));
          expect(got.at(-1), 'the message after the replay').to.deep.equal(expected(marks, topics).at(-1));
          const replayed = got.filter((m) => m.n !== -1);
          // a reset tells the client it cannot be accounted for; otherwise the replay is the newest of
          // what came after the cursor, and missed counts the rest
          const after = expected(sent, topics).filter((m) => m.id > 5).map(({ t, n, id }) => ({ t, n, id }));
          outcomes.push({ topics, ...(sub.reset ? { reset: true } : { missed: sub.missed, replayed }) });
          exact.push({ topics, ...(sub.reset ? { reset: true } : { missed: after.length - replayed.length, replayed: after.slice(after.length - replayed.length) }) });
        }
        expect(outcomes, 'each cursor since 5: a reset, or missed and the replay accounting for every message after it').to.deep.equal(exact);
      });

      it('a hub with a secret rejects an entry whose topic field was changed after signing, and takes one signed for its topic', async () => {
        const secret = 'topics-secret';
        const c = await client();
        const ch = channel();
        const s = await hub(c, ch, { secret });
        const [onA, onB, onDefault] = [record(s.subscribe({ topics: ['a'] })), record(s.subscribe({ topics: ['b'] })), record(s.subscribe())];
        expect(await s.publish({ t: 'a', n: 1 }, { topic: 'a' })).to.equal(1);
        const epoch = s.epoch;
        const idKey = `{${ch}}:id`;
        /** An entry with the next id the counter gave (the counter moved, as a hub's publish moves it), written as given. */
        const write = async (id: number, value: Message, topicField: string, signedFor: string): Promise<void> => {
          const data = JSON.stringify(value);
          await c.command(['HSET', idKey, 'id', String(id)]);
          await c.command(['XADD', ch, '*', 'id', String(id), 'epoch', epoch, 'data', data,
            ...(topicField === '' ? [] : ['topic', topicField]), 'sig', sign(secret, ch, epoch, id, data, signedFor)]);
        };
        // signed for 'a', its topic field made 'b'
        await write(2, { t: 'b', n: 2 }, 'b', 'a');
        await until(() => s.stats().malformed === 1, { what: 'the changed topic to be counted' });
        // signed for 'a', its topic field removed (the default topic)
        await write(3, { t: '', n: 3 }, '', 'a');
        await until(() => s.stats().malformed === 2, { what: 'the removed topic to be counted' });
        // signed for the default topic, a topic field added
        await write(4, { t: 'a', n: 4 }, 'a', '');
        await until(() => s.stats().malformed === 3, { what: 'the added topic to be counted' });
        // signed for 'b' with the secret, as a hub signs it: taken
        await write(5, { t: 'b', n: 5 }, 'b', 'b');
        expect(await s.publish({ t: 'a', n: 6 }, { topic: 'a' })).to.equal(6);
        await expectExactly(onA, [{ t: 'a', n: 1, id: 1 }, { t: 'a', n: 6, id: 6 }], 'the subscriber of a');
        await expectExactly(onB, [{ t: 'b', n: 5, id: 5 }], 'the subscriber of b');
        expect(onDefault.values, 'the subscriber of the default topic').to.deep.equal([]);
        expect(s.stats().malformed).to.equal(3);
        expect(s.epoch).to.equal(epoch);
        // a hub started now agrees
        const late = await hub(await client(), ch, { secret });
        const replay = record(late.subscribe({ topics: ['a', 'b', ''], since: 0, epoch }));
        await expectExactly(replay, [{ t: 'a', n: 1, id: 1 }, { t: 'b', n: 5, id: 5 }, { t: 'a', n: 6, id: 6 }], 'a hub started later');
      });
    });
  }
});
