/**
 * connectComet with topics, on a fake page with fake timers: the topics in the URL, each message given
 * with its topic to the connections of that topic only, an EventSource listener per topic, and the
 * connections of one page sharing one stream (the widening reconnect from the exact cursor, the
 * messages relayed to the connection that follows, the takeover when the leader closes).
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { fakeBrowser } from './fake-browser.js';
import { FakeEventSource, lastSource } from './fake-event-source.js';
import { cometMessage as server, FakeBroadcastChannel, installFakeShare, OPEN, type FakeLocks, type FakePage } from './fake-page.js';

describe('connectComet topics (fake page)', () => {
  const fake = fakeBrowser();
  let page: FakePage;
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    ({ page, clock } = fake);
  });

  /** Connects to `url` (the iframe transport unless told), recording each message as `[value, id, topic]` into `got`. */
  const connect = (got: unknown[][], options: Partial<ConnectCometOptions> = {}, url = '/comet?room=7'): CometConnection =>
    fake.keep(connectComet(url, { callback: 'parent.cometMessage', share: false, onMessage: (v, id, topic) => got.push([v, id, topic]), ...options }));

  it('asks for its topics with repeated topic parameters, the URL’s own dropped; the cursor follows them on a reconnect', () => {
    connect([], { topics: ['user:42', 'news'] }, '/comet?room=7&topic=other');
    expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&topic=user%3A42&topic=news');
    server()(OPEN, 0);
    server()('a', 3, 'news');
    page.frame().onload!();
    clock.tick(0);
    clock.runToLast();
    expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&topic=user%3A42&topic=news&epoch=E1&since=3');
  });

  it('no topics: the default topic, no topic parameter, each message given with the topic ""', () => {
    const got: unknown[][] = [];
    connect(got);
    expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7');
    server()(OPEN, 0);
    server()('a', 1);
    server()('b', 2, 'news');
    expect(got).to.deep.equal([['a', 1, '']]);
  });

  it('iframe: onMessage(value, id, topic) for the connection’s topics only; the cursor takes every id in order', () => {
    const got: unknown[][] = [];
    const c = connect(got, { topics: ['news', 'user:42'] });
    server()(OPEN, 0);
    server()('n1', 1, 'news');
    server()('u2', 2, 'user:42');
    server()('x3', 3, 'other');
    server()('d4', 4);
    server()('n1 again', 1, 'news');
    server()('n5', 5, 'news');
    expect(got).to.deep.equal([['n1', 1, 'news'], ['u2', 2, 'user:42'], ['n5', 5, 'news']]);
    expect(c.lastId).to.equal(5);
  });

  it('EventSource: listens for $open, $rotate, $beat, $reset and an event per topic (not for open, message or the old control names)', () => {
    const got: unknown[][] = [];
    connect(got, { transport: 'eventsource', topics: ['news', 'user:42'] });
    const es = lastSource();
    expect(es.url).to.equal('http://127.0.0.1:8080/comet?room=7&topic=news&topic=user%3A42');
    expect(es.types.sort()).to.deep.equal(['$beat', '$open', '$reset', '$rotate', 'news', 'user:42']);
    es.open();
    es.message('"n1"', 'E1:1', 'news');
    es.message('"u2"', 'E1:2', 'user:42');
    es.message('"d3"', 'E1:3');
    expect(got).to.deep.equal([['n1', 1, 'news'], ['u2', 2, 'user:42']]);
    connect(got, { transport: 'eventsource' }, '/plain');
    expect(lastSource().types.sort()).to.deep.equal(['$beat', '$open', '$reset', '$rotate', 'message']);
    lastSource().open();
    lastSource().message('"d1"', 'E1:1');
    expect(got.at(-1)).to.deep.equal(['d1', 1, '']);
  });

  it('EventSource: an event named open (a server of the old names, or the browser’s own) is no open control', () => {
    const opens: unknown[] = [];
    const c = connect([], { transport: 'eventsource', onOpen: (info) => opens.push(info) });
    lastSource().event('open', { type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false });
    expect(opens).to.deep.equal([]);
    expect(c.state).to.equal('connecting');
    lastSource().open();
    expect(opens).to.have.length(1);
    expect(c.state).to.equal('open');
  });

  describe('connections of one page sharing a stream (Web Locks and BroadcastChannel)', () => {
    let locks: FakeLocks;
    beforeEach(() => {
      locks = installFakeShare();
    });
    /** Lets the locks and the channel's messages (microtasks) run. */
    const settle = (): Promise<number> => clock.tickAsync(0);
    const shared = (got: unknown[][], options: Partial<ConnectCometOptions> = {}): CometConnection => connect(got, { share: undefined, ...options });

    it('share is the default: one stream; a second connection that brings a topic widens it with one reconnect from the exact cursor', async () => {
      const a: unknown[][] = [];
      const b: unknown[][] = [];
      const ca = shared(a, { topics: ['a'] });
      await settle();
      expect(ca.leader).to.equal(true);
      expect(page.frames).to.have.length(1);
      expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&topic=a');
      server()({ ...OPEN, since: 10, lastId: 10 }, 0);
      server()('a11', 11, 'a');
      server()('a12', 12, 'a');
      const cb = shared(b, { topics: ['b'] });
      await settle();
      expect(cb.leader).to.equal(false);
      expect(page.frames, 'one reconnect').to.have.length(2);
      expect(page.frames[0]!.removed).to.equal(true);
      expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&topic=a&topic=b&epoch=E1&since=12');
      expect(FakeBroadcastChannel.open.size).to.equal(2);
      server()({ ...OPEN, since: 12, lastId: 14 }, 0);
      server()('b13', 13, 'b');
      server()('a14', 14, 'a');
      await settle();
      expect(a).to.deep.equal([['a11', 11, 'a'], ['a12', 12, 'a'], ['a14', 14, 'a']]);
      expect(b).to.deep.equal([['b13', 13, 'b']]);
      expect([ca.state, cb.state]).to.deep.equal(['open', 'open']);
      expect([ca.lastId, cb.lastId]).to.deep.equal([14, 13]);
    });

    it('a connection whose topics the stream carries already makes no reconnect; one of the default topic has a stream of its own', async () => {
      const got: unknown[][] = [];
      shared(got, { topics: ['a', 'b'] });
      await settle();
      server()(OPEN, 0);
      const c = shared(got, { topics: ['b'] });
      await settle();
      expect(c.leader).to.equal(false);
      expect(page.frames).to.have.length(1);
      const d = shared(got);
      await settle();
      expect(d.leader, 'no topics: another key').to.equal(true);
      expect(page.frames).to.have.length(2);
      expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7');
    });

    it('a connection that joins while the stream connects widens it at its open, not before', async () => {
      shared([], { topics: ['a'] });
      await settle();
      shared([], { topics: ['b'] });
      await settle();
      expect(page.frames).to.have.length(1);
      server()({ ...OPEN, since: 5, lastId: 5 }, 0);
      expect(page.frames).to.have.length(2);
      expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&topic=a&topic=b&epoch=E1&since=5');
    });

    it('the leader’s close: the next connection takes the lock and resumes from its own cursor; the server’s stop closes both', async () => {
      const b: unknown[][] = [];
      const errors: unknown[] = [];
      const ca = shared([], { topics: ['a'] });
      await settle();
      const cb = shared(b, { topics: ['b'], onError: (e) => errors.push(e) });
      await settle();
      server()(OPEN, 0);
      server()('b1', 1, 'b');
      server()('a2', 2, 'a');
      await settle();
      ca.close();
      expect(ca.state).to.equal('closed');
      await settle();
      expect(cb.leader).to.equal(true);
      expect(page.frames[1]!.removed).to.equal(true);
      expect(page.frame().src, 'its topics, from the last id relayed').to.equal('http://127.0.0.1:8080/comet?room=7&topic=b&epoch=E1&since=2');
      expect(b).to.deep.equal([['b1', 1, 'b']]);
      server()(OPEN, 0);
      server()({ type: 'stop', status: 403, reason: 'no' }, 0);
      expect(cb.state).to.equal('closed');
      expect(errors).to.deep.equal([{ status: 403, reason: 'no' }]);
      expect(locks.held(`comet-bridge false json parent.cometMessage false http://127.0.0.1:8080/comet?room=7`)).to.equal(true);
      await settle();
      expect(locks.held(`comet-bridge false json parent.cometMessage false http://127.0.0.1:8080/comet?room=7`), 'released').to.equal(false);
      expect(clock.countTimers()).to.equal(0);
    });

    it('the leader’s stop reaches the connection that follows: it closes too, with the refusal', async () => {
      const errors: unknown[][] = [[], []];
      const ca = shared([], { onError: (e) => errors[0]!.push(e) });
      await settle();
      const cb = shared([], { onError: (e) => errors[1]!.push(e) });
      await settle();
      server()(OPEN, 0);
      await settle();
      expect(cb.state).to.equal('open');
      server()({ type: 'stop', status: 401 }, 0);
      await settle();
      expect([ca.state, cb.state]).to.deep.equal(['closed', 'closed']);
      expect(errors).to.deep.equal([[{ status: 401 }], [{ status: 401 }]]);
      expect(page.frames).to.have.length(1);
    });

    it('share: false holds a stream of its own, without the lock', async () => {
      shared([], { topics: ['a'] });
      const c = connect([], { topics: ['a'] });
      await settle();
      expect(c.leader).to.equal(true);
      expect(page.frames).to.have.length(2);
      expect(FakeEventSource.made).to.have.length(0);
    });
  });
});
