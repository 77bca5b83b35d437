/**
 * connectComet's own logic in Node, on a fake page with fake timers: ids, gaps, the reconnect
 * URL, backoff with full jitter, rotation, liveness and close().
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { fakeBrowser } from './fake-browser.js';
import type { FakePage } from './fake-page.js';

type Call = (value: unknown, id: number) => void;
const server = (): Call => (globalThis as unknown as { cometMessage: Call }).cometMessage;
const open = (info: Partial<{ epoch: string; since: number; missed: number; reset: boolean }> = {}): void =>
  server()({ type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false, ...info }, 0);

describe('connectComet (fake page)', () => {
  const fake = fakeBrowser();
  let page: FakePage;
  let clock: sinon.SinonFakeTimers;
  let got: [unknown, number][];

  beforeEach(() => {
    ({ page, clock } = fake);
    got = [];
  });

  const connect = (options: Partial<ConnectCometOptions> = {}, url = '/comet?room=7'): CometConnection =>
    fake.keep(connectComet(url, { callback: 'parent.cometMessage', onMessage: (v, id) => got.push([v, id]), ...options }));

  it('waits for the page’s load before making the iframe', () => {
    page.setReadyState('interactive');
    connect();
    expect(page.frames).to.have.length(0);
    page.setReadyState('complete');
    page.fire('load');
    expect(page.frames).to.have.length(1);
    expect(page.frame().hidden).to.equal(true);
  });

  it('delivers each id once, in order, dropping a replay’s overlap; reports open, missed and reset', () => {
    const opens: unknown[] = [];
    const gaps: unknown[] = [];
    const states: string[] = [];
    const c = connect({ onOpen: (i) => opens.push(i), onGap: (i) => gaps.push(i), onStateChange: (s) => states.push(s) });
    open({ missed: 2 });
    server()('a', 1);
    server()('b', 2);
    server()('a again', 1);
    server()('b again', 2);
    server()('c', 3);
    expect(got).to.deep.equal([['a', 1], ['b', 2], ['c', 3]]);
    expect(c.lastId).to.equal(3);
    expect(gaps).to.deep.equal([{ missed: 2 }]);
    expect(opens).to.have.length(1);
    open({ epoch: 'E2', reset: true });
    server()('new', 1);
    expect(got.at(-1)).to.deep.equal(['new', 1]);
    expect(gaps.at(-1)).to.deep.equal({ reset: true });
    expect(states).to.deep.equal(['open']);
    expect(c.state).to.equal('open');
  });

  it('reconnects with epoch and since = the last id, keeping the URL’s other parameters', () => {
    connect({}, '/comet?room=7&since=99');
    expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7');
    open();
    server()('a', 1);
    server()('b', 2);
    page.frame().onload!();
    clock.tick(2000);
    expect(page.frames).to.have.length(2);
    expect(page.frames[0]!.removed).to.equal(true);
    expect(page.frame().src).to.equal('http://127.0.0.1:8080/comet?room=7&epoch=E1&since=2');
  });

  it('backs off with full jitter, min(maxMs, minMs * 2^attempt) at most; an open starts the count again', async () => {
    // The delay is Math.random() times the cap: 1 shows the cap itself.
    const random = sinon.stub(Math, 'random').returns(1);
    // a load without an open is probed first: a 503 is a failure, and the next attempt comes after the backoff
    fake.fetch.callsFake(async () => new Response(null, { status: 503 }));
    connect({ reconnect: { minMs: 100, maxMs: 1000 }, livenessMs: 60_000 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = page.frames.length;
      const ended = Date.now();
      page.frame().onload!();
      while (page.frames.length === before) await clock.tickAsync(1);
      delays.push(Date.now() - ended);
    }
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(fake.fetch.callCount, 'one probe per load without an open').to.equal(6);
    open();
    random.returns(0.5);
    page.frame().onload!();
    clock.tick(49);
    expect(page.frames).to.have.length(7);
    clock.tick(1);
    expect(page.frames).to.have.length(8);
    expect(fake.fetch.callCount, 'no probe after an open').to.equal(6);
  });

  it('reconnects at once after a rotate', () => {
    connect({ reconnect: { minMs: 5000, maxMs: 10_000 } });
    open();
    server()({ type: 'rotate' }, 0);
    page.frame().onload!();
    clock.tick(0);
    expect(page.frames).to.have.length(2);
  });

  it('treats livenessMs without a chunk or heartbeat as a dead stream', () => {
    sinon.stub(Math, 'random').returns(0);
    connect({ livenessMs: 1000 });
    open();
    clock.tick(900);
    server()({ type: 'beat' }, 0);
    clock.tick(900);
    expect(page.frames).to.have.length(1);
    clock.tick(100);
    expect(page.frame().removed).to.equal(true);
    clock.tick(1);
    expect(page.frames).to.have.length(2);
  });

  it('close() and pagehide leave no timer, iframe, listener or callback', () => {
    const c = connect();
    open();
    expect(clock.countTimers()).to.equal(1);
    c.close();
    expect(clock.countTimers()).to.equal(0);
    expect(page.frame().removed).to.equal(true);
    expect(c.state).to.equal('closed');
    expect([...page.listeners.values()].every((s) => s.size === 0)).to.equal(true);
    expect((globalThis as Record<string, unknown>).cometMessage).to.equal(undefined);
    connect();
    page.fire('pagehide');
    expect(clock.countTimers()).to.equal(0);
    expect(page.frame().removed).to.equal(true);
  });
});
