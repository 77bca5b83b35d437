/**
 * Topics in one hub: `publish(value, { topic })` reaches the subscribers of that topic alone, in id
 * order; `history` bounds each topic on its own and `historyTotal` all of them, the topic published
 * to least recently giving first; a topic exists while it has subscribers or history, and costs
 * nothing otherwise (`stats().topics`, `stats().history`).
 */
import { expect } from 'chai';
import { createHub } from '../../../src/index.js';
import { collect } from '../../support/collect.js';
import { held } from '../fixtures/take.js';

/** Publishes each `[value, topic]` (no topic: the default one). */
function publishAll(hub: { publish(value: string, options?: { topic: string }): number }, messages: readonly (readonly [string, string?])[]): void {
  for (const [value, topic] of messages) hub.publish(value, topic === undefined ? undefined : { topic });
}

describe('hub topics: routing', () => {
  it('gives a subscriber the messages of its topics only, in id order, several topics in one subscription', async () => {
    const hub = createHub<string>();
    const ab = hub.subscribe({ topics: ['a', 'b'] });
    const b = hub.subscribe({ topics: ['b'] });
    const twice = hub.subscribe({ topics: ['a', 'a'] });
    publishAll(hub, [['a1', 'a'], ['d1'], ['b1', 'b'], ['c1', 'c'], ['a2', 'a'], ['b2', 'b'], ['d2', '']]);
    hub.close();
    expect(await collect(ab)).to.deep.equal(['a1', 'b1', 'a2', 'b2']);
    expect(ab.lastId).to.equal(6);
    expect(await collect(b)).to.deep.equal(['b1', 'b2']);
    // a topic named twice counts once
    expect(await collect(twice)).to.deep.equal(['a1', 'a2']);
  });

  it('a subscriber without topics (or with the default topic \'\') gets the default topic\'s messages alone', async () => {
    const hub = createHub<string>();
    const plain = hub.subscribe();
    const named = hub.subscribe({ topics: [''] });
    const mixed = hub.subscribe({ topics: ['', 'news'] });
    publishAll(hub, [['d1'], ['n1', 'news'], ['d2', ''], ['u1', 'user:1']]);
    hub.close();
    expect(await collect(plain)).to.deep.equal(['d1', 'd2']);
    expect(await collect(named)).to.deep.equal(['d1', 'd2']);
    expect(await collect(mixed)).to.deep.equal(['d1', 'n1', 'd2']);
  });

  it('offers a message to the subscribers of its topic only: stats().offered grows by their number', () => {
    const hub = createHub<string>();
    hub.subscribe({ topics: ['a', 'b'] });
    hub.subscribe({ topics: ['b'] });
    hub.subscribe();
    const offeredAfter = (value: string, topic?: string): number => {
      hub.publish(value, topic === undefined ? undefined : { topic });
      return hub.stats().offered;
    };
    expect(offeredAfter('a1', 'a')).to.equal(1);
    expect(offeredAfter('d1')).to.equal(2);
    expect(offeredAfter('b1', 'b')).to.equal(4);
    expect(offeredAfter('c1', 'c')).to.equal(4);
    expect(hub.stats().published).to.equal(4);
    hub.close();
  });

  it('publishing to a topic nobody listens to, on a hub without history, creates nothing and offers nothing', () => {
    const hub = createHub<number>();
    expect(hub.stats()).to.include({ topics: 0, history: 0 });
    for (let i = 1; i <= 1000; i++) expect(hub.publish(i, { topic: `t${i}` })).to.equal(i);
    expect(hub.stats()).to.include({ topics: 0, history: 0, published: 1000, offered: 0, subscribers: 0 });
    expect(hub.lastId).to.equal(1000);
  });

  it('stats().topics counts the topics with subscribers or history (the default one too), stats().history the messages kept', async () => {
    const hub = createHub<string>({ history: 2 });
    const plain = hub.subscribe();
    expect(hub.stats()).to.include({ topics: 1, history: 0 });
    await plain.return();
    expect(hub.stats()).to.include({ topics: 0, history: 0 });
    publishAll(hub, [['a1', 'a']]);
    expect(hub.stats()).to.include({ topics: 1, history: 1 });
    publishAll(hub, [['a2', 'a'], ['a3', 'a']]);
    expect(hub.stats()).to.include({ topics: 1, history: 2 });
    publishAll(hub, [['b1', 'b'], ['d1']]);
    expect(hub.stats()).to.include({ topics: 3, history: 4 });
    const user = hub.subscribe({ topics: ['user:1', 'a'] });
    expect(hub.stats()).to.include({ topics: 4, history: 4, subscribers: 1 });
    await user.return();
    expect(hub.stats()).to.include({ topics: 3, history: 4, subscribers: 0 });
    hub.close();
    expect(hub.stats()).to.include({ topics: 0, history: 0 });
  });
});

describe('hub topics: history per topic', () => {
  for (const options of [{ history: 3 }, { history: 3, historyTotal: 10 }]) {
    it(`bounds each topic's history on its own: a busy topic never pushes a quiet topic's messages out (${JSON.stringify(options)})`, async () => {
      const hub = createHub<string>(options);
      publishAll(hub, [['q1', 'quiet'], ['q2', 'quiet']]);
      for (let i = 1; i <= 100; i++) hub.publish(`b${i}`, { topic: 'busy' });
      expect(hub.stats()).to.include({ topics: 2, history: 5 });
      const quiet = hub.subscribe({ topics: ['quiet'], since: 0, epoch: hub.epoch });
      const busy = hub.subscribe({ topics: ['busy'], since: 0, epoch: hub.epoch });
      // after q1 (id 1): q2, then the 3 busy messages kept; 97 busy ones are gone
      const both = hub.subscribe({ topics: ['busy', 'quiet'], since: 1, epoch: hub.epoch });
      expect([quiet.missed, busy.missed, both.missed]).to.deep.equal([0, 97, 97]);
      expect([quiet.reset, busy.reset, both.reset]).to.deep.equal([false, false, false]);
      expect(await held(quiet)).to.deep.equal(['q1', 'q2']);
      expect(await held(busy)).to.deep.equal(['b98', 'b99', 'b100']);
      expect(await held(both)).to.deep.equal(['q2', 'b98', 'b99', 'b100']);
    });
  }

  it('historyTotal bounds all topics together: the topic published to least recently gives its oldest message first', async () => {
    const hub = createHub<string>({ history: 10, historyTotal: 4 });
    const replay = (topic: string) => {
      const sub = hub.subscribe({ topics: [topic], since: 0, epoch: hub.epoch });
      return held(sub).then((values) => ({ values, missed: sub.missed }));
    };
    publishAll(hub, [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['b2', 'b']]);
    expect(hub.stats()).to.include({ topics: 2, history: 4 });
    // a was published to last: b gives
    publishAll(hub, [['a3', 'a']]);
    expect(hub.stats()).to.include({ topics: 2, history: 4 });
    expect(await replay('b')).to.deep.equal({ values: ['b2'], missed: 1 });
    expect(await replay('a')).to.deep.equal({ values: ['a1', 'a2', 'a3'], missed: 0 });
    // b gives its last one and, with neither history nor subscribers, is forgotten
    publishAll(hub, [['c1', 'c']]);
    expect(hub.stats()).to.include({ topics: 2, history: 4 });
    expect(await replay('a')).to.deep.equal({ values: ['a1', 'a2', 'a3'], missed: 0 });
    // now a is the least recent
    publishAll(hub, [['c2', 'c'], ['c3', 'c']]);
    expect(hub.stats()).to.include({ topics: 2, history: 4 });
    expect(await replay('a')).to.deep.equal({ values: ['a3'], missed: 2 });
    expect(await replay('c')).to.deep.equal({ values: ['c1', 'c2', 'c3'], missed: 0 });
  });

  it('historyTotal 0 keeps nothing and leaves no topic behind', () => {
    const hub = createHub<string>({ history: 10, historyTotal: 0 });
    publishAll(hub, [['a1', 'a'], ['b1', 'b'], ['d1']]);
    expect(hub.stats()).to.include({ topics: 0, history: 0, published: 3 });
  });
});

describe('hub topics: names', () => {
  const bad: unknown[] = ['open', 'error', 'message', 'a b', 'ü', 'x'.repeat(201), 'a,b', 'a?b', 'a#b', '$open', 'a\n', 42, null, {}, ['a']];

  it('publish throws TypeError naming publish for a malformed or reserved topic, and publishes nothing', () => {
    const hub = createHub<string>({ history: 5 });
    for (const topic of bad) {
      expect(() => hub.publish('v', { topic: topic as string }), String(topic)).to.throw(TypeError, /^publish: options\.topic must match \[A-Za-z0-9_.:\/@-\]\{1,200\} and not be open, error or message, got /);
    }
    expect(() => hub.publish('v', { tpoic: 'a' } as never)).to.throw(TypeError, /^publish: unknown option 'tpoic'/);
    expect(hub.lastId).to.equal(0);
    expect(hub.stats()).to.include({ published: 0, topics: 0, history: 0 });
  });

  it('subscribe throws TypeError naming subscribe for a malformed topic, and subscribes nothing', () => {
    const hub = createHub<string>();
    for (const topic of bad) {
      expect(() => hub.subscribe({ topics: ['ok', topic as string] }), String(topic)).to.throw(TypeError, /^subscribe: topics\[1\] must match \[A-Za-z0-9_.:\/@-\]\{1,200\} and not be open, error or message, got /);
    }
    for (const topics of ['a', { 0: 'a', length: 1 }, null]) {
      expect(() => hub.subscribe({ topics: topics as never }), String(topics)).to.throw(TypeError, /^subscribe: topics must be an array of topic names, got /);
    }
    expect(hub.size).to.equal(0);
    expect(hub.stats().topics).to.equal(0);
  });

  it('takes every name of [A-Za-z0-9_.:/@-]{1,200}, case-sensitively (Open is not open)', async () => {
    const hub = createHub<string>();
    const names = ['aZ09_.:/@-', 'x'.repeat(200), 'Open', 'ERROR', 'messages', 'user:42', 'room/a@b.c', '-', '.'];
    const sub = hub.subscribe({ topics: names });
    for (const topic of names) hub.publish(topic, { topic });
    expect(await held(sub)).to.deep.equal(names);
  });

  it('subscribe throws RangeError for no topic or more than 1000, and takes 1000', async () => {
    const hub = createHub<string>();
    expect(() => hub.subscribe({ topics: [] })).to.throw(RangeError, /^subscribe: topics must name at least one topic/);
    const many = Array.from({ length: 1001 }, (_, i) => `t${i}`);
    expect(() => hub.subscribe({ topics: many })).to.throw(RangeError, /^subscribe: topics must name at most 1000 topics, got 1001$/);
    expect(hub.size).to.equal(0);
    const thousand = hub.subscribe({ topics: many.slice(0, 1000) });
    expect(hub.stats()).to.include({ topics: 1000, subscribers: 1 });
    hub.publish('last', { topic: 't999' });
    hub.publish('none', { topic: 't1000' });
    expect(await held(thousand)).to.deep.equal(['last']);
    expect(hub.stats()).to.include({ topics: 0, subscribers: 0 });
  });
});

describe('hub topics: idle topics are forgotten', () => {
  it('10,000 distinct topics subscribed to, published to and left leave no topic behind', async () => {
    const hub = createHub<number>();
    for (let i = 0; i < 10_000; i += 2) {
      const one = hub.subscribe({ topics: [`user:${i}`] });
      const two = hub.subscribe({ topics: [`user:${i + 1}`, `user:${i}`, 'news'] });
      hub.publish(i, { topic: `user:${i}` });
      hub.publish(i + 1, { topic: `user:${i + 1}` });
      expect(await held(one)).to.deep.equal([i]);
      expect(await held(two)).to.deep.equal([i, i + 1]);
    }
    expect(hub.stats()).to.include({ topics: 0, history: 0, subscribers: 0 });
    expect(hub.size).to.equal(0);
  });

  it('a topic whose history is evicted by historyTotal is forgotten once it has no subscriber', () => {
    const hub = createHub<number>({ history: 1, historyTotal: 10 });
    for (let i = 0; i < 10_000; i++) hub.publish(i, { topic: `t${i}` });
    expect(hub.stats()).to.include({ topics: 10, history: 10 });
  });
});
