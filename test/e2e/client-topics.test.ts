/**
 * connectComet with topics, on both transports, in Chromium, Firefox ESR and WebKitGTK: one connection
 * carrying 10 topics through socket cuts (each message exactly once per topic, in order, one stream
 * request per connection and per cut), against `hub.serve` on Node's `http` and against a Hono app on
 * `@hono/node-server` whose route is `hub.fetch(c.req.raw, options)` (fewer messages there, the same
 * cuts, each mid-stream); and, against `hub.serve`, two connections of one page sharing one stream (one
 * reconnect to widen it, from the exact cursor; each given its own topics).
 */
import { expect } from 'chai';
import { until } from '../support/timing.js';
import { clientFixture, connectTopicsIn, publishTopics, topicRecord } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';

const TOPICS = Array.from({ length: 10 }, (_, i) => `room:${i}`);
const QUICK = { reconnect: { minMs: 20, maxMs: 200 }, livenessMs: 1000 };
/** The servers of the exactly-once test, and how many messages each is given (5 cuts for each). */
const SERVERS = [
  { via: 'node', what: 'hub.serve', messages: 2000 },
  { via: 'hono', what: 'Hono with hub.fetch', messages: 1000 },
] as const;

eachEngine('connectComet topics', (session) => {
  const fx = clientFixture(session);

  for (const { via, what, messages } of SERVERS) {
    for (const transport of ['iframe', 'eventsource'] as const) {
      it(`${transport}, ${what}: one connection, 10 topics, ${messages.toLocaleString('en-US')} messages across them through 5 socket cuts: each exactly once per topic, in order; one stream request per connection and per cut`, async () => {
        const s = await fx.serve({ heartbeatMs: 250, retry: 100, via });
        const t = await fx.open();
        await connectTopicsIn(t, 'c', { transport, topics: TOPICS, ...QUICK });
        await waitIn(t, 'return window.recs.c.opens === 1', 'the first open');
        // one topic in 11 is one the connection did not ask for
        const { ids, destroyed } = await publishTopics(s, [...TOPICS, 'elsewhere'], messages, 5);
        const last = Math.max(...TOPICS.map((topic) => ids[topic]!.at(-1) ?? 0));
        await waitIn(t, `return window.conns.c.lastId >= ${last}`, 'the last message', 30_000);
        const r = await topicRecord(t, 'c');
        expect(destroyed, 'streams cut').to.equal(5);
        for (const topic of TOPICS) expect(r.byTopic[topic] ?? [], topic).to.deep.equal(ids[topic]);
        expect(Object.keys(r.byTopic).sort(), 'topics given').to.deep.equal([...TOPICS].sort());
        expect(r.wrong, 'values not matching their id and topic').to.equal(0);
        expect(s.requests.length, 'stream requests: the first, and one per cut').to.equal(1 + destroyed);
        for (const q of s.requests) expect([q.topics, q.sse], 'each asks for the 10 topics').to.deep.equal([TOPICS, transport === 'eventsource']);
        const cursors = s.requests.slice(1).map((q) => (transport === 'iframe' ? `${q.epoch}:${q.since}` : q.lastEventId));
        expect(cursors.every((c) => c?.startsWith(`${s.epoch}:`)), `every reconnect carries the cursor: ${cursors}`).to.equal(true);
        // every cut stream let go of its subscription: the one left is the live stream's
        await until(() => s.hub.stats().subscribers === 1, { what: 'one subscriber left' });
      });
    }
  }

  for (const transport of ['iframe', 'eventsource'] as const) {
    it(`${transport}: two connectComet calls in one page share one stream; the second widens it with one reconnect from the cursor; each is given its own topics`, async () => {
      const s = await fx.serve({ heartbeatMs: 250, retry: 100 });
      const t = await fx.open();
      await connectTopicsIn(t, 'a', { transport, topics: ['a', 'both'], ...QUICK });
      await waitIn(t, 'return window.recs.a.opens === 1', 'the first open');
      const before = await publishTopics(s, ['a', 'b', 'both', 'other'], 40);
      // the last one before the second connection is of the stream: the cursor is then the hub's last id
      const cursor = s.publish({ n: s.hub.lastId + 1, t: 'both' }, 'both');
      await waitIn(t, `return window.conns.a.lastId === ${cursor}`, 'the message before the second connection');
      await connectTopicsIn(t, 'b', { transport, topics: ['b', 'both'], ...QUICK });
      await until(() => s.requests.length === 2, { what: 'the widening reconnect' });
      await waitIn(t, 'return window.recs.a.opens === 2 && window.recs.b.opens === 1', 'the widened stream’s open, relayed');
      const after = await publishTopics(s, ['a', 'b', 'both', 'other'], 60);
      const last = Math.max(...['a', 'b', 'both'].map((topic) => after.ids[topic]!.at(-1) ?? 0));
      await waitIn(t, `return window.conns.a.lastId >= ${last} || window.conns.b.lastId >= ${last}`, 'the last message');
      await waitIn(t, `return Math.max(window.conns.a.lastId, window.conns.b.lastId) === ${last}`, 'the last message, relayed');
      const [a, b] = [await topicRecord(t, 'a'), await topicRecord(t, 'b')];
      expect(a.byTopic.a ?? [], 'a: a').to.deep.equal([...before.ids.a!, ...after.ids.a!]);
      expect(a.byTopic.both, 'a: both').to.deep.equal([...before.ids.both!, cursor, ...after.ids.both!]);
      expect(b.byTopic.b ?? [], 'b: b, from the cursor on').to.deep.equal(after.ids.b);
      expect(b.byTopic.both ?? [], 'b: both, from the cursor on').to.deep.equal(after.ids.both);
      expect(Object.keys(a.byTopic).concat(Object.keys(b.byTopic)), 'no other topic').to.not.include('other');
      expect([a.wrong, b.wrong]).to.deep.equal([0, 0]);
      expect([a.leader, b.leader]).to.deep.equal([true, false]);
      expect([a.state, b.state]).to.deep.equal(['open', 'open']);
      expect(s.requests.map((q) => q.topics), 'one stream, widened once').to.deep.equal([['a', 'both'], ['a', 'both', 'b']]);
      const resumed = s.requests[1]!;
      expect(transport === 'iframe' ? `${resumed.epoch}:${resumed.since}` : resumed.lastEventId, 'from the exact cursor').to.equal(`${s.epoch}:${cursor}`);
      await until(() => s.open.size === 1, { what: 'one stream open' });
    });
  }
});
