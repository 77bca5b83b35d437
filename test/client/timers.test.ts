/**
 * connectComet's two timers, on fake timers whose setTimeout and clearTimeout are watched: liveness is
 * armed while a stream runs (for livenessMs, then for what is left of it after a sign of life), backoff
 * while no stream runs and the next is due. Never both, never one for the other's job.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { connectComet, type CometConnection, type ConnectCometOptions } from '../../src/client/index.js';
import { fakeBrowser } from './fake-browser.js';
import { FakeEventSource, lastSource } from './fake-event-source.js';
import type { FakePage } from './fake-page.js';

type Call = (value: unknown, id: number) => void;
const server = (): Call => (globalThis as unknown as { cometMessage: Call }).cometMessage;
const OPEN = { type: 'open', epoch: 'E1', lastId: 0, since: 0, missed: 0, reset: false };

const LIVENESS = 1000;
const BACKOFF = 5000;

describe('connectComet timers (fake page)', () => {
  /** Delays of the timers armed now, by timer id. */
  const armedNow = new Map<unknown, number>();
  let unwatch = (): void => {};
  // declared before the fakes' hooks, so that it runs before theirs: the watch ends before the fake clock does
  afterEach(() => {
    armedNow.clear();
    unwatch();
  });
  const fake = fakeBrowser();
  let page: FakePage;
  let clock: sinon.SinonFakeTimers;
  let conn: CometConnection | undefined;
  let states: string[];

  /** Watches the fake clock's setTimeout and clearTimeout: which timers are armed, and for how long. */
  const watch = (): (() => void) => {
    const g = globalThis as unknown as { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
    const { setTimeout: set, clearTimeout: clear } = g;
    g.setTimeout = ((fn: () => void, ms = 0) => {
      const id = set(() => {
        armedNow.delete(id);
        fn();
      }, ms);
      armedNow.set(id, ms);
      return id;
    }) as typeof setTimeout;
    g.clearTimeout = ((id: ReturnType<typeof setTimeout>) => {
      armedNow.delete(id);
      clear(id);
    }) as typeof clearTimeout;
    return () => Object.assign(g, { setTimeout: set, clearTimeout: clear });
  };
  /** The delays of the armed timers: at most one, the fake clock agreeing. */
  const armed = (): number[] => {
    expect(clock.countTimers(), 'timers on the clock').to.equal(armedNow.size);
    expect(armedNow.size, 'timers armed at once').to.be.at.most(1);
    return [...armedNow.values()];
  };

  beforeEach(() => {
    ({ page, clock } = fake);
    unwatch = watch();
    // the full-jitter delay is Math.random() times the cap: 1 makes it the cap, BACKOFF
    sinon.stub(Math, 'random').returns(1);
    states = [];
  });

  const connect = (options: Partial<ConnectCometOptions> = {}): CometConnection =>
    (conn = fake.keep(connectComet('/comet', {
      callback: 'parent.cometMessage',
      onMessage: () => {},
      onStateChange: (s) => states.push(s),
      livenessMs: LIVENESS,
      reconnect: { minMs: BACKOFF, maxMs: BACKOFF },
      ...options,
    })));

  it('iframe: liveness while the stream runs (re-armed for what is left after a beat), backoff once it ended', () => {
    connect();
    expect(armed(), 'liveness, from the start of the stream').to.deep.equal([LIVENESS]);
    server()(OPEN, 0);
    clock.tick(400);
    server()({ type: 'beat' }, 0);
    expect(armed(), 'a beat moves nothing yet').to.deep.equal([LIVENESS]);
    clock.tick(600);
    expect(armed(), 'liveness, for what is left after the beat').to.deep.equal([400]);
    expect(page.frames).to.have.length(1);
    page.frame().onload!();
    expect(conn!.state).to.equal('waiting');
    expect(armed(), 'backoff only').to.deep.equal([BACKOFF]);
    clock.tick(BACKOFF - 1);
    expect(page.frames).to.have.length(1);
    clock.tick(1);
    expect(page.frames).to.have.length(2);
    expect(armed(), 'liveness of the new stream only').to.deep.equal([LIVENESS]);
  });

  it('no liveness timeout happens during a backoff longer than livenessMs', () => {
    connect();
    server()(OPEN, 0);
    clock.tick(LIVENESS);
    expect(page.frame().removed, 'the silent stream ended').to.equal(true);
    expect(armed(), 'backoff only').to.deep.equal([BACKOFF]);
    for (let waited = 0; waited < BACKOFF - 1; waited += LIVENESS / 4) {
      clock.tick(Math.min(LIVENESS / 4, BACKOFF - 1 - waited));
      expect(armed(), `backoff only, ${waited} ms into it`).to.have.length(1);
    }
    expect(page.frames, 'no attempt before the backoff is over').to.have.length(1);
    clock.tick(1);
    expect(page.frames, 'one attempt').to.have.length(2);
    expect(armed()).to.deep.equal([LIVENESS]);
    expect(states, 'one end, one attempt').to.deep.equal(['open', 'waiting', 'connecting']);
  });

  it('after a rotate the backoff is armed for 0 ms; close() disarms whichever timer is armed', () => {
    connect();
    server()(OPEN, 0);
    server()({ type: 'rotate' }, 0);
    page.frame().onload!();
    expect(armed(), 'backoff, at once').to.deep.equal([0]);
    clock.tick(0);
    expect(page.frames).to.have.length(2);
    server()(OPEN, 0);
    page.frame().onload!();
    expect(armed(), 'backoff again, no longer at once').to.deep.equal([BACKOFF]);
    conn!.close();
    expect(armed(), 'none after close() in a backoff').to.deep.equal([]);
    connect();
    expect(armed()).to.deep.equal([LIVENESS]);
    conn!.close();
    expect(armed(), 'none after close() in a stream').to.deep.equal([]);
  });

  it('EventSource: while the browser reconnects by itself liveness stays armed, and no backoff; its timeout starts the backoff', () => {
    connect({ transport: 'eventsource' });
    lastSource().open();
    lastSource().message('1', 'E1:1');
    lastSource().fail();
    expect(conn!.state).to.equal('waiting');
    expect(armed(), 'liveness only').to.deep.equal([LIVENESS]);
    clock.tick(LIVENESS);
    expect(lastSource().readyState, 'the EventSource closed').to.equal(2);
    expect(armed(), 'backoff only').to.deep.equal([BACKOFF]);
    clock.tick(BACKOFF);
    expect(FakeEventSource.made).to.have.length(2);
    expect(lastSource().url).to.equal('http://127.0.0.1:8080/comet?lastEventId=E1%3A1');
    expect(armed(), 'liveness of the new stream only').to.deep.equal([LIVENESS]);
  });

  it('EventSource that gave up: liveness stays armed while the probe is out; a failure then arms the backoff alone', async () => {
    let answer: (r: Response) => void = () => {};
    fake.fetch.returns(new Promise<Response>((resolve) => (answer = resolve)));
    connect({ transport: 'eventsource' });
    lastSource().open();
    lastSource().fail(true);
    expect(fake.fetch.callCount).to.equal(1);
    expect(armed(), 'liveness only, while the probe is out').to.deep.equal([LIVENESS]);
    answer(new Response('down', { status: 503 }));
    await clock.tickAsync(0);
    expect(armed(), 'backoff only').to.deep.equal([BACKOFF]);
    expect(FakeEventSource.made).to.have.length(1);
    await clock.tickAsync(BACKOFF);
    expect(FakeEventSource.made).to.have.length(2);
    expect(armed()).to.deep.equal([LIVENESS]);
  });
});
