/**
 * connectComet when the server will not stream, on a fake page with fake timers: a 400, 401, 403 or 404
 * learned by a HEAD probe (an iframe load without an open, an EventSource that gave up) or told by the
 * stop control ends the connection with onError({ status }); 3 responses without an open control are
 * said in words; a page whose streams to one origin go past what browsers allow is warned.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { fakeBrowser } from './fake-browser.js';
import { FakeEventSource, lastSource } from './fake-event-source.js';
import { cometMessage as server, OPEN, type FakePage } from './fake-page.js';

describe('connectComet refusals (fake page)', () => {
  const fake = fakeBrowser();
  let page: FakePage;
  let clock: sinon.SinonFakeTimers;
  let errors: unknown[];
  let states: string[];

  beforeEach(() => {
    ({ page, clock } = fake);
    errors = [];
    states = [];
    sinon.stub(Math, 'random').returns(1);
  });

  const connect = (options: Partial<ConnectCometOptions> = {}, url = '/comet?room=7'): CometConnection =>
    fake.keep(
      connectComet(url, {
        callback: 'parent.cometMessage',
        onMessage: () => {},
        onError: (e) => errors.push(e),
        onStateChange: (s) => states.push(s),
        reconnect: { minMs: 100, maxMs: 100 },
        livenessMs: 5000,
        ...options,
      }),
    );
  /** Answers every HEAD probe with `status`. */
  const answer = (status: number): void => void fake.fetch.callsFake(async () => new Response(null, { status }));

  for (const status of [400, 401, 403, 404]) {
    it(`iframe: a load without an open, then a HEAD answered ${status}: closed for good, onError({ status: ${status} })`, async () => {
      answer(status);
      const c = connect({ topics: ['news'] });
      page.frame().onload!();
      expect(c.state, 'while the probe is out').to.equal('waiting');
      await clock.tickAsync(0);
      expect(fake.fetch.callCount).to.equal(1);
      const [href, init] = fake.fetch.firstCall.args as [string, RequestInit];
      expect(href, 'the URL of the attempt, topics included').to.equal('http://127.0.0.1:8080/comet?room=7&topic=news');
      expect(init).to.deep.equal({ method: 'HEAD', headers: {}, cache: 'no-store' });
      expect(c.state).to.equal('closed');
      expect(errors).to.deep.equal([{ status }]);
      expect(states).to.deep.equal(['waiting', 'closed']);
      expect(clock.countTimers()).to.equal(0);
      expect((globalThis as Record<string, unknown>).cometMessage).to.equal(undefined);
      await clock.tickAsync(60_000);
      expect(page.frames).to.have.length(1);
    });

    it(`EventSource that gave up, then a HEAD answered ${status}: closed for good, onError({ status: ${status} })`, async () => {
      answer(status);
      const c = connect({ transport: 'eventsource' });
      lastSource().fail(true);
      await clock.tickAsync(0);
      expect(c.state).to.equal('closed');
      expect(errors).to.deep.equal([{ status }]);
      await clock.tickAsync(60_000);
      expect(FakeEventSource.made).to.have.length(1);
      expect(fake.fetch.callCount).to.equal(1);
    });
  }

  it('the stop control with a status (a refusal in the body of a 403): closed for good, onError with its status and reason, no probe', async () => {
    const c = connect();
    server()({ type: 'stop', status: 403, reason: 'not yours' }, 0);
    expect(c.state).to.equal('closed');
    expect(errors).to.deep.equal([{ status: 403, reason: 'not yours' }]);
    expect(page.frame().removed).to.equal(true);
    await clock.tickAsync(60_000);
    expect(fake.fetch.callCount).to.equal(0);
    expect(page.frames).to.have.length(1);
  });

  it('a stop without a status, or a HEAD answered 204: closed for good, and no onError', async () => {
    const c = connect();
    server()(OPEN, 0);
    server()({ type: 'stop' }, 0);
    expect(c.state).to.equal('closed');
    answer(204);
    const d = connect({}, '/other');
    page.frame().onload!();
    await clock.tickAsync(0);
    expect(d.state).to.equal('closed');
    expect(errors).to.deep.equal([]);
  });

  it('any other answer, or none, is a failure: the next attempt after the backoff', async () => {
    fake.fetch.onFirstCall().resolves(new Response(null, { status: 500 }));
    fake.fetch.onSecondCall().rejects(new TypeError('network'));
    const c = connect();
    page.frame().onload!();
    await clock.tickAsync(0);
    expect(c.state).to.equal('waiting');
    await clock.tickAsync(100);
    expect(page.frames).to.have.length(2);
    page.frame().onload!();
    await clock.tickAsync(100);
    expect(page.frames).to.have.length(3);
    expect(errors).to.deep.equal([]);
  });

  it('3 responses in a row without an open control: onError says so in words, once; the connection keeps trying; an open starts the count again', async () => {
    answer(200);
    const c = connect();
    // a callback that differs from the server's: the iframe streams, its scripts call nothing, livenessMs passes
    for (let attempt = 1; attempt <= 4; attempt++) {
      await clock.tickAsync(5000);
      expect(fake.fetch.callCount, `probes after attempt ${attempt}`).to.equal(attempt);
      expect(errors, `errors after attempt ${attempt}`).to.have.length(attempt < 3 ? 0 : 1);
      await clock.tickAsync(100);
      expect(page.frames).to.have.length(attempt + 1);
    }
    expect(errors).to.deep.equal([{ message: "no open control in 3 responses: does the callback match the server's?" }]);
    expect(c.state).to.equal('connecting');
    server()(OPEN, 0);
    for (let attempt = 1; attempt <= 2; attempt++) {
      page.frame().onload!();
      await clock.tickAsync(0);
      await clock.tickAsync(100);
    }
    expect(errors, 'two more after an open').to.have.length(1);
  });

  it('failed probes (no response) are not counted', async () => {
    fake.fetch.callsFake(async () => {
      throw new TypeError('network');
    });
    connect();
    for (let attempt = 1; attempt <= 4; attempt++) {
      page.frame().onload!();
      await clock.tickAsync(0);
      await clock.tickAsync(100);
    }
    expect(page.frames).to.have.length(5);
    expect(errors).to.deep.equal([]);
  });

  it('liveness bounds a probe that gets no answer: the next attempt comes all the same', async () => {
    fake.fetch.returns(new Promise(() => {}));
    connect();
    page.frame().onload!();
    await clock.tickAsync(4999);
    expect(page.frames).to.have.length(1);
    await clock.tickAsync(1 + 100);
    expect(page.frames).to.have.length(2);
    expect(fake.fetch.callCount).to.equal(1);
  });

  it('streams closed are not counted', () => {
    const warn = sinon.stub(console, 'warn');
    for (let i = 1; i <= 20; i++) connect({ transport: 'eventsource', share: false }, `/c${i}`).close();
    expect(warn.callCount).to.equal(0);
  });
  it('a 7th stream to one origin: one console.warn naming the limit; none for an 8th, nor for streams to another origin', () => {
    const warn = sinon.stub(console, 'warn');
    for (let i = 1; i <= 6; i++) connect({ transport: 'eventsource', share: false }, `/s${i}`);
    connect({ transport: 'eventsource', share: false }, 'http://127.0.0.2:8080/elsewhere');
    expect(warn.callCount, 'six to one origin, one to another').to.equal(0);
    connect({ transport: 'eventsource', share: false }, '/s7');
    expect(warn.callCount).to.equal(1);
    expect(warn.firstCall.args[0]).to.equal('connectComet: 7 streams to http://127.0.0.1:8080, past the 6 browsers allow on HTTP/1.1');
    connect({ transport: 'eventsource', share: false }, '/s8');
    expect(warn.callCount).to.equal(1);
  });

});
