/**
 * connectComet's EventSource transport in Node, on a fake page with a fake EventSource and fake timers:
 * the transport option, ids from `E:N`, the kinds, reset, who reconnects (the browser, with
 * Last-Event-ID, or the client, with `?lastEventId=`), the 204 probe, liveness and close(); and the
 * server's `stop` and the open's `since` on the iframe transport.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { installFakeEventSource, lastSource, FakeEventSource } from './fake-event-source.js';
import { fakeBrowser } from './fake-browser.js';
import type { FakePage } from './fake-page.js';

type Call = (value: unknown, id: number) => void;

describe('connectComet transport (fake page)', () => {
  const fake = fakeBrowser();
  let page: FakePage;
  let clock: sinon.SinonFakeTimers;
  let fetch: sinon.SinonStub;
  let got: [unknown, number][];

  beforeEach(() => {
    ({ page, clock, fetch } = fake);
    got = [];
  });

  const connect = (options: Partial<ConnectCometOptions> = {}, url = '/comet?room=7'): CometConnection =>
    fake.keep(connectComet(url, { transport: 'eventsource', onMessage: (v, id) => got.push([v, id]), ...options }));
  /** Ticks until the client has made EventSource number `n` (1-based); returns the ms it took. */
  const untilMade = (n: number, most = 60_000): number => {
    const from = Date.now();
    clock.tick(0);
    while (FakeEventSource.made.length < n && Date.now() - from < most) clock.tick(1);
    expect(FakeEventSource.made, `EventSource #${n}`).to.have.length(n);
    return Date.now() - from;
  };

  it('transport: auto takes EventSource where it exists, else the iframe; eventsource needs no callback, auto does', () => {
    const c = connect({ transport: 'auto', callback: 'parent.cometMessage' });
    expect(c.transport).to.equal('eventsource');
    expect(FakeEventSource.made).to.have.length(1);
    expect(page.frames).to.have.length(0);
    expect((globalThis as Record<string, unknown>).cometMessage, 'no callback defined for EventSource').to.equal(undefined);
    c.close();
    fake.removeEventSource();
    const d = connect({ transport: 'auto', callback: 'parent.cometMessage' });
    expect(d.transport).to.equal('iframe');
    expect(page.frames).to.have.length(1);
    d.close();
    installFakeEventSource();
    const e = connect({ transport: 'eventsource' });
    expect(e.transport).to.equal('eventsource');
    e.close();
    expect(connect({ transport: undefined, callback: 'parent.cometMessage' }).transport, 'the default').to.equal('iframe');
    const ok = { onMessage: () => {} };
    const bad: unknown[] = [
      { ...ok, transport: 'auto' },
      { ...ok, transport: 'iframe' },
      { ...ok },
      { ...ok, transport: 'websocket', callback: 'parent.cometMessage' },
      { ...ok, transport: 'eventsource', kind: 'text' },
      { ...ok, transport: 'eventsource', callback: 'parent.eval' },
    ];
    for (const options of bad) {
      expect(() => connectComet('/comet', options as ConnectCometOptions), JSON.stringify(options)).to.throw(TypeError, /^connectComet: /);
    }
  });

  it('opens on the URL without a cursor, keeping its other parameters; delivers each id of E:N once, in order', () => {
    const opens: unknown[] = [];
    const states: string[] = [];
    const c = connect({ onOpen: (i) => opens.push(i), onStateChange: (s) => states.push(s) }, '/comet?room=7&since=3&lastEventId=x:1');
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?room=7');
    lastSource().open({ epoch: 'a:b-c', lastId: 4, since: 4 });
    expect(opens).to.deep.equal([{ type: 'open', epoch: 'a:b-c', lastId: 4, since: 4, missed: 0, reset: false }]);
    lastSource().message('{"n":5}', 'a:b-c:5');
    lastSource().message('{"n":4}', 'a:b-c:4');
    lastSource().message('"six"', 'a:b-c:6');
    lastSource().message('"six again"', 'a:b-c:6');
    expect(got).to.deep.equal([[{ n: 5 }, 5], ['six', 6]]);
    expect(c.lastId).to.equal(6);
    expect(states).to.deep.equal(['open']);
  });

  it("kind: 'string' delivers the data as it is", () => {
    connect({ kind: 'string' });
    lastSource().open();
    lastSource().message('{"n":1}\nline two', 'E1:1');
    expect(got).to.deep.equal([['{"n":1}\nline two', 1]]);
  });

  it('a reset (the open’s flag, then the reset event) is one onGap({ reset: true }); ids start again; missed is reported', () => {
    const gaps: unknown[] = [];
    connect({ onGap: (g) => gaps.push(g) });
    const es = lastSource();
    es.open({ missed: 3 });
    es.message('1', 'E1:1');
    es.message('2', 'E1:2');
    es.fail();
    es.open({ epoch: 'E2', reset: true });
    es.event('$reset', { type: 'reset', epoch: 'E2' });
    es.message('"new"', 'E2:1');
    expect(gaps).to.deep.equal([{ missed: 3 }, { reset: true }]);
    expect(got).to.deep.equal([[1, 1], [2, 2], ['new', 1]]);
    // a reset event alone (its epoch not the client's) is a reset too
    es.event('$reset', { type: 'reset', epoch: 'E3' });
    es.message('"newer"', 'E3:1');
    expect(gaps.at(-1)).to.deep.equal({ reset: true });
    expect(gaps).to.have.length(3);
    expect(got.at(-1)).to.deep.equal(['newer', 1]);
  });

  it('a cut after a message: the browser reconnects by itself (state waiting, no new EventSource)', () => {
    const c = connect({ livenessMs: 60_000 });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    lastSource().fail();
    expect(c.state).to.equal('waiting');
    clock.tick(30_000);
    expect(FakeEventSource.made).to.have.length(1);
    lastSource().open({ since: 1, lastId: 1 });
    expect(c.state).to.equal('open');
  });

  it('a cut before any id arrived on a stream opened without a cursor: a new EventSource with ?lastEventId=E:since, after the backoff', () => {
    sinon.stub(Math, 'random').returns(1);
    connect({ reconnect: { minMs: 100, maxMs: 1000 }, livenessMs: 60_000 });
    lastSource().open({ epoch: 'E1', lastId: 9, since: 9 });
    lastSource().fail();
    expect(FakeEventSource.made[0]!.readyState, 'the old one closed').to.equal(2);
    expect(untilMade(2)).to.equal(100);
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?room=7&lastEventId=E1%3A9');
    // this one has a cursor: its own reconnect carries it
    lastSource().fail();
    clock.tick(5000);
    expect(FakeEventSource.made).to.have.length(2);
  });

  it('after a rotate, a new EventSource at once with the last id', () => {
    connect({ reconnect: { minMs: 5000, maxMs: 10_000 } });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    lastSource().event('$rotate', { type: 'rotate' });
    lastSource().fail();
    expect(untilMade(2)).to.equal(0);
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?room=7&lastEventId=E1%3A1');
  });

  it('an EventSource that gave up: one HEAD probe with Accept: text/event-stream; a 204 closes for good', async () => {
    fetch.resolves(new Response(null, { status: 204 }));
    const states: string[] = [];
    const c = connect({ onStateChange: (s) => states.push(s) });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    lastSource().fail(true);
    await clock.tickAsync(0);
    expect(fetch.callCount).to.equal(1);
    const [href, init] = fetch.firstCall.args as [string, RequestInit];
    expect(href).to.equal('http://127.0.0.1:8080/comet?room=7');
    expect(init).to.deep.include({ method: 'HEAD', cache: 'no-store' });
    expect(init.headers).to.deep.equal({ Accept: 'text/event-stream' });
    expect(c.state).to.equal('closed');
    expect(states).to.deep.equal(['open', 'waiting', 'closed']);
    expect(clock.countTimers()).to.equal(0);
    await clock.tickAsync(60_000);
    expect(FakeEventSource.made).to.have.length(1);
  });

  it('an EventSource that gave up with anything but a 204 (or a failed probe): reconnect after the backoff, with the cursor', async () => {
    sinon.stub(Math, 'random').returns(1);
    fetch.onFirstCall().resolves(new Response('down', { status: 503 }));
    fetch.onSecondCall().rejects(new TypeError('network'));
    const c = connect({ reconnect: { minMs: 100, maxMs: 1000 }, livenessMs: 60_000 });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    lastSource().fail(true);
    await clock.tickAsync(0);
    expect(c.state).to.equal('waiting');
    await clock.tickAsync(99);
    expect(FakeEventSource.made).to.have.length(1);
    await clock.tickAsync(1);
    expect(FakeEventSource.made).to.have.length(2);
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?room=7&lastEventId=E1%3A1');
    lastSource().fail(true);
    await clock.tickAsync(200);
    expect(FakeEventSource.made, 'the second attempt waits up to 2 × minMs').to.have.length(3);
    expect(fetch.callCount).to.equal(2);
  });

  it('livenessMs: beats keep it alive; silence closes it and opens a new one with the cursor', () => {
    sinon.stub(Math, 'random').returns(0);
    connect({ livenessMs: 1000 });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    clock.tick(900);
    lastSource().event('$beat', { type: 'beat' });
    clock.tick(900);
    expect(FakeEventSource.made).to.have.length(1);
    clock.tick(100);
    expect(FakeEventSource.made[0]!.readyState).to.equal(2);
    untilMade(2);
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?room=7&lastEventId=E1%3A1');
  });

  it('close() closes the EventSource and leaves no timer or listener', () => {
    const c = connect();
    lastSource().open();
    c.close();
    expect(lastSource().readyState).to.equal(2);
    expect(clock.countTimers()).to.equal(0);
    expect([...page.listeners.values()].every((s) => s.size === 0)).to.equal(true);
    expect(c.state).to.equal('closed');
  });

  describe('on the iframe transport', () => {
    const server = (): Call => (globalThis as unknown as { cometMessage: Call }).cometMessage;
    const iframe = (): CometConnection => connect({ transport: 'iframe', callback: 'parent.cometMessage', livenessMs: 60_000 });

    it('the server’s stop control closes for good', () => {
      const c = iframe();
      server()({ type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false }, 0);
      server()({ type: 'stop' }, 0);
      expect(c.state).to.equal('closed');
      expect(page.frame().removed).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
      expect((globalThis as Record<string, unknown>).cometMessage).to.equal(undefined);
    });

    it('a reconnect before any message resumes from the open’s since, not from 0', () => {
      sinon.stub(Math, 'random').returns(0);
      iframe();
      server()({ type: 'open', epoch: 'E1', lastId: 40, since: 40, missed: 0, reset: false }, 0);
      page.frame().onload!();
      clock.tick(1);
      expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&epoch=E1&since=40');
    });
  });
});
