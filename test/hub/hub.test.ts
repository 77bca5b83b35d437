import { expect } from 'chai';
import { createHub, HubClosedError, SlowConsumerError } from '../../src/hub/index.js';
import { BufferOverflowError } from '../../src/errors.js';
import { take } from './fixtures/take.js';
import { collect } from '../support/collect.js';

describe('createHub', () => {
  it('assigns increasing ids and delivers every message to every subscriber in order', async () => {
    const hub = createHub<number>();
    const a = hub.subscribe();
    const b = hub.subscribe();
    expect(hub.size).to.equal(2);
    const ids = [10, 20, 30].map((v) => hub.publish(v));
    expect(ids).to.deep.equal([1, 2, 3]);
    expect(hub.lastId).to.equal(3);
    expect(await take(a, 3)).to.deep.equal([10, 20, 30]);
    expect(await take(b, 3)).to.deep.equal([10, 20, 30]);
    expect(a.lastId).to.equal(3);
    hub.close();
  });

  it('a subscriber receives only what is published after it joined', async () => {
    const hub = createHub<string>();
    hub.publish('before');
    const s = hub.subscribe();
    hub.publish('after');
    hub.close();
    expect(await collect(s)).to.deep.equal(['after']);
  });

  it('resolves a waiting next() at once when a message is published', async () => {
    const hub = createHub<string>();
    const s = hub.subscribe();
    const pending = s.next();
    hub.publish('x');
    expect(await pending).to.deep.equal({ value: 'x', done: false });
    hub.close();
  });

  it("'drop-oldest' keeps the newest `limit` messages and counts the dropped ones", async () => {
    const hub = createHub<number>({ policy: 'drop-oldest', limit: 3 });
    const slow = hub.subscribe();
    const fast = hub.subscribe({ limit: 100 });
    for (let i = 1; i <= 10; i++) hub.publish(i);
    expect(slow.stats.buffered).to.equal(3);
    expect(slow.stats.dropped).to.equal(7);
    expect(slow.stats.highWaterMark).to.equal(3);
    expect(hub.stats()).to.deep.equal({
      subscribers: 2, published: 10, offered: 20, delivered: 0,
      dropped: { 'drop-oldest': 7, 'drop-newest': 0 }, cutOff: 0, discarded: 0, waiting: 13, disconnectedForSlowness: 0,
      encoded: { comet: 0, sse: 0 }, topics: 1, history: 0,
      connections: { iframe: 0, eventsource: 0, subscribe: 2 }, opened: { iframe: 0, eventsource: 0, subscribe: 2 }, replayed: 0, missed: 0, resets: 0, lostToSlowness: 0,
    });
    hub.close();
    expect(await collect(slow)).to.deep.equal([8, 9, 10]);
    expect(await collect(fast)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(hub.stats().delivered).to.equal(13);
    expect(hub.stats().dropped).to.deep.equal({ 'drop-oldest': 7, 'drop-newest': 0 });
  });

  it("'drop-newest' keeps the oldest `limit` messages and counts the dropped ones", async () => {
    const hub = createHub<number>({ policy: 'drop-newest', limit: 4 });
    const slow = hub.subscribe();
    for (let i = 1; i <= 9; i++) hub.publish(i);
    expect(slow.stats.dropped).to.equal(5);
    expect(hub.stats().dropped).to.deep.equal({ 'drop-oldest': 0, 'drop-newest': 5 });
    hub.close();
    expect(await collect(slow)).to.deep.equal([1, 2, 3, 4]);
  });

  it("'disconnect' ends only the slow subscriber, with SlowConsumerError after its buffered messages", async () => {
    const hub = createHub<number>({ policy: 'disconnect', limit: 2 });
    const slow = hub.subscribe();
    const fast = hub.subscribe({ limit: 10 });
    hub.publish(1);
    hub.publish(2);
    expect(hub.size).to.equal(2);
    hub.publish(3);
    expect(hub.size).to.equal(1);
    hub.publish(4);
    expect(hub.stats().disconnectedForSlowness).to.equal(1);
    expect(await take(slow, 2)).to.deep.equal([1, 2]);
    const error = await slow.next().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(SlowConsumerError);
    expect(error).to.be.instanceOf(BufferOverflowError);
    expect((error as SlowConsumerError).code).to.equal('ERR_COMET_SLOW_CONSUMER');
    expect((error as SlowConsumerError).limit).to.equal(2);
    expect(await slow.next()).to.deep.equal({ value: undefined, done: true });
    expect(await take(fast, 4)).to.deep.equal([1, 2, 3, 4]);
    hub.close();
  });

  it('per-subscriber policy and limit override the hub defaults', () => {
    const hub = createHub<number>({ policy: 'disconnect', limit: 1 });
    const s = hub.subscribe({ policy: 'drop-newest', limit: 2 });
    expect(s.policy).to.equal('drop-newest');
    expect(s.limit).to.equal(2);
    for (let i = 0; i < 5; i++) hub.publish(i);
    expect(hub.size).to.equal(1);
    expect(s.stats.dropped).to.equal(3);
    hub.close();
  });

  it('defaults: policy disconnect, limit 1024', () => {
    const hub = createHub<number>();
    const s = hub.subscribe();
    expect(s.policy).to.equal('disconnect');
    expect(s.limit).to.equal(1024);
    for (let i = 0; i < 1024; i++) hub.publish(i);
    expect(hub.size).to.equal(1);
    hub.publish(1024);
    expect(hub.size).to.equal(0);
    expect(hub.stats().disconnectedForSlowness).to.equal(1);
  });

  it('close() ends every subscriber after its buffered messages, and later subscribers at once', async () => {
    const hub = createHub<string>();
    const a = hub.subscribe();
    const b = hub.subscribe();
    hub.publish('last');
    hub.close();
    hub.close();
    expect(hub.closed).to.equal(true);
    expect(hub.size).to.equal(0);
    expect(await collect(a)).to.deep.equal(['last']);
    expect(await collect(b)).to.deep.equal(['last']);
    expect(await hub.subscribe().next()).to.deep.equal({ value: undefined, done: true });
    expect(() => hub.publish('more')).to.throw(HubClosedError).with.property('code', 'ERR_COMET_HUB_CLOSED');
  });

  it('settles pending next() calls with done on close()', async () => {
    const hub = createHub<number>();
    const s = hub.subscribe();
    const pending = s.next();
    hub.close();
    expect(await pending).to.deep.equal({ value: undefined, done: true });
  });

  it('stats() counts subscribers, published and delivered exactly', async () => {
    const hub = createHub<number>();
    const a = hub.subscribe();
    const b = hub.subscribe();
    hub.publish(1);
    hub.publish(2);
    await take(a, 2);
    await take(b, 1);
    expect(hub.stats()).to.deep.equal({
      subscribers: 2, published: 2, offered: 4, delivered: 3,
      dropped: { 'drop-oldest': 0, 'drop-newest': 0 }, cutOff: 0, discarded: 0, waiting: 1, disconnectedForSlowness: 0,
      encoded: { comet: 0, sse: 0 }, topics: 1, history: 0,
      connections: { iframe: 0, eventsource: 0, subscribe: 2 }, opened: { iframe: 0, eventsource: 0, subscribe: 2 }, replayed: 0, missed: 0, resets: 0, lostToSlowness: 0,
    });
    hub.close();
  });

  it('publish with no subscriber still assigns an id and counts as published', () => {
    const hub = createHub<number>();
    expect(hub.publish(5)).to.equal(1);
    expect(hub.stats().published).to.equal(1);
    expect(hub.stats().delivered).to.equal(0);
  });
});

describe('createHub: encode and initial', () => {
  it('encodes each message once, whatever the number of subscribers, and passes the id', async () => {
    const calls: [string, number][] = [];
    const hub = createHub<string, string>({
      encode: (v, id) => {
        calls.push([v, id]);
        return `${id}:${v.toUpperCase()}`;
      },
      initial: 'hello',
    });
    const subs = Array.from({ length: 50 }, () => hub.subscribe());
    hub.publish('a');
    hub.publish('b');
    hub.close();
    expect(calls).to.deep.equal([['a', 1], ['b', 2]]);
    for (const s of subs) expect(await collect(s)).to.deep.equal(['hello', '1:A', '2:B']);
    const [first] = subs;
    expect(first!.lastId).to.equal(2);
    expect(hub.stats().delivered).to.equal(100);
  });

  it('a throwing encode rejects the publish and consumes no id', async () => {
    const hub = createHub<number, string>({
      encode: (v) => {
        if (v < 0) throw new RangeError('negative');
        return String(v);
      },
    });
    const s = hub.subscribe();
    expect(() => hub.publish(-1)).to.throw(RangeError, 'negative');
    expect(hub.publish(7)).to.equal(1);
    hub.close();
    expect(await collect(s)).to.deep.equal(['7']);
    expect(hub.stats().published).to.equal(1);
  });
});

describe('createHub: coalesce', () => {
  it('joins the messages waiting for a subscriber; lastId and delivered count messages', async () => {
    const hub = createHub<number[], number[]>({ encode: (v) => v, coalesce: (parts) => parts.flat() });
    const s = hub.subscribe();
    hub.publish([1]);
    hub.publish([2, 3]);
    hub.publish([4]);
    expect(await s.next()).to.deep.equal({ value: [1, 2, 3, 4], done: false });
    expect(s.lastId).to.equal(3);
    expect(hub.stats().delivered).to.equal(3);
    hub.publish([5]);
    expect(await s.next()).to.deep.equal({ value: [5], done: false });
    hub.close();
    expect(await s.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('a throwing coalesce fails that subscriber with its error and unsubscribes it, counting nothing', async () => {
    const oops = new Error('coalesce broke');
    const coalesce = (): string => {
      throw oops;
    };
    const hub = createHub<string, string>({ encode: (v) => v, initial: 'I', history: 4, coalesce });
    const live = hub.subscribe();
    expect(await live.next()).to.deep.equal({ value: 'I', done: false });
    hub.publish('a');
    hub.publish('b');
    expect(await live.next().then(() => null, (e: unknown) => e)).to.equal(oops);
    expect(live.lastId).to.equal(0);
    expect(await live.next()).to.deep.equal({ value: undefined, done: true });

    // the initial item and the replay are joined at once: still a rejected promise, not a throw
    const replay = hub.subscribe({ since: 0 });
    const first = replay.next();
    expect(first).to.be.instanceOf(Promise);
    expect(await first.then(() => null, (e: unknown) => e)).to.equal(oops);
    expect(await replay.next()).to.deep.equal({ value: undefined, done: true });
    expect(hub.size).to.equal(0);
    expect(hub.stats().delivered).to.equal(0);
  });

  it('a slow-consumer error still comes after the joined messages', async () => {
    const hub = createHub<string, string>({ encode: (v) => v, coalesce: (p) => p.join(''), limit: 2 });
    const s = hub.subscribe();
    for (const v of ['a', 'b', 'c']) hub.publish(v);
    expect(await s.next()).to.deep.equal({ value: 'ab', done: false });
    expect(await s.next().then(() => null, (e: unknown) => e)).to.be.instanceOf(SlowConsumerError);
  });
});

describe('createHub: bad input', () => {
  it('rejects bad options at creation', () => {
    expect(() => createHub({ limit: 0 })).to.throw(RangeError, /limit/);
    expect(() => createHub({ limit: 1.5 })).to.throw(RangeError, /limit/);
    expect(() => createHub({ history: -1 })).to.throw(RangeError, /history/);
    expect(() => createHub({ policy: 'pause' as never })).to.throw(TypeError, /policy/);
    expect(() => createHub({ encode: 'x' as never })).to.throw(TypeError, /encode/);
    expect(() => createHub({ coalesce: 'x' as never })).to.throw(TypeError, /coalesce/);
    expect(() => createHub(null as never)).to.throw(TypeError);
  });

  it('rejects bad subscribe options before subscribing', () => {
    const hub = createHub<number>();
    expect(() => hub.subscribe({ limit: -2 })).to.throw(RangeError, /limit/);
    expect(() => hub.subscribe({ policy: 'error' as never })).to.throw(TypeError, /policy/);
    expect(() => hub.subscribe({ since: -1 })).to.throw(RangeError, /since/);
    expect(() => hub.subscribe({ since: 1.5 })).to.throw(RangeError, /since/);
    expect(() => hub.subscribe({ signal: {} as never })).to.throw(TypeError, /signal/);
    expect(hub.size).to.equal(0);
  });

  it('accepts an explicit Infinity limit', () => {
    const hub = createHub<number>({ limit: Infinity });
    const s = hub.subscribe();
    for (let i = 0; i < 5000; i++) hub.publish(i);
    expect(s.stats.buffered).to.equal(5000);
    hub.close();
  });
});
