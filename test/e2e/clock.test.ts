/**
 * The clock demo in headless Chromium: ticks stream into the page while the response is open, and
 * the clock's listener is gone as soon as the browser leaves.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { TICK } from '../../examples/clock/clock.js';
import { startClockServer, STREAM_PATH, type ClockServer } from '../../examples/clock/server.js';
import { launchBrowser, waitFor } from './browser.js';

/** Teardown must not wait for the clock's next tick: the bound is half the 100 ms interval. */
const TEARDOWN_BOUND_MS = 50;

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('clock demo in headless Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let clock: ClockServer | undefined;
  let page: Page | undefined;
  let streams: ServerResponse[];
  let pageErrors: string[];

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    clock = await startClockServer();
    streams = [];
    clock.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url === STREAM_PATH) streams.push(res);
    });
    pageErrors = [];
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    await clock?.close();
    clock = undefined;
  });

  /** Opens the demo and records every tick the page's callback receives from now on. */
  async function openDemo(): Promise<Page> {
    const p = page!;
    // The forever iframe holds back the load event: wait for the DOM only.
    await p.goto(clock!.url, { waitUntil: 'domcontentloaded' });
    await p.evaluate(`(function () {
      var show = window.clockChanged;
      window.ticks = [];
      window.clockChanged = function (time) { window.ticks.push(time); show(time); };
    })()`);
    return p;
  }

  /** Waits until the page has recorded `n` ticks. A function predicate: the page's CSP forbids eval. */
  async function ticksSeen(p: Page, n: number): Promise<void> {
    await p.waitForFunction((count) => (window as unknown as { ticks: string[] }).ticks.length >= count, n, {
      timeout: 10_000,
    });
  }

  it('shows ticks arriving in increasing time order while the stream is still open', async () => {
    const p = await openDemo();
    await ticksSeen(p, 5);

    expect(streams, 'stream responses').to.have.length(1);
    const res = streams[0]!;
    expect(res.writableEnded, 'stream ended').to.equal(false);
    expect(res.destroyed, 'stream destroyed').to.equal(false);

    const ticks = (await p.evaluate('window.ticks.slice()')) as string[];
    expect(ticks.length).to.be.at.least(5);
    for (const tick of ticks) expect(tick).to.match(ISO_TIME);
    for (let i = 1; i < ticks.length; i++) {
      expect(Date.parse(ticks[i]!), `tick ${i} after tick ${i - 1}`).to.be.greaterThan(Date.parse(ticks[i - 1]!));
    }
    const shown = (await p.evaluate(`[document.getElementById('clock').textContent,
      document.getElementById('clock').getAttribute('data-time')]`)) as [string, string];
    expect(shown[0]).to.match(/^\d\d:\d\d:\d\d\.\d$/);
    expect(Date.parse(shown[1])).to.be.at.least(Date.parse(ticks[ticks.length - 1]!));
    expect(clock!.emitter.listenerCount(TICK)).to.equal(1);
    expect(pageErrors, 'page errors (CSP violations included)').to.deep.equal([]);
  });

  for (const [how, leave] of [
    ['navigates away', (p: Page) => p.goto('about:blank')],
    ['is closed', (p: Page) => p.close()],
  ] as const) {
    it(`removes the tick listener and stops the clock when the page ${how}`, async () => {
      const p = await openDemo();
      await ticksSeen(p, 2);
      const emitter = clock!.emitter;
      expect(emitter.listenerCount(TICK)).to.equal(1);
      expect(emitter.running).to.equal(true);

      const closed = once(streams[0]!, 'close');
      await leave(p);
      await closed;
      const closedAt = performance.now();
      await waitFor(() => emitter.listenerCount(TICK) === 0, `0 tick listeners within ${TEARDOWN_BOUND_MS} ms of close`, TEARDOWN_BOUND_MS, 1);
      expect(performance.now() - closedAt).to.be.at.most(TEARDOWN_BOUND_MS + 10);
      expect(emitter.running, 'clock timer').to.equal(false);
    });
  }

  it('serves several pages from one clock and stops it once all have left', async () => {
    const p = await openDemo();
    const second = await browser.newContext().then((context) => context.newPage());
    try {
      await second.goto(clock!.url, { waitUntil: 'domcontentloaded' });
      await ticksSeen(p, 2);
      await waitFor(() => streams.length === 2, 'a stream per page', 10_000);
      expect(clock!.emitter.listenerCount(TICK), 'one listener shared by the pages').to.equal(1);

      const closed = once(streams[0]!, 'close');
      await p.goto('about:blank');
      await closed;
      expect(clock!.emitter.listenerCount(TICK), 'the second page still listens').to.equal(1);
      expect(clock!.emitter.running).to.equal(true);
    } finally {
      await second.context().close();
    }
    await waitFor(() => clock!.emitter.listenerCount(TICK) === 0, 'no listener left', 1000);
    expect(clock!.emitter.running).to.equal(false);
  });

  it('close() ends open streams, leaves no listener and no timer', async () => {
    const p = await openDemo();
    await ticksSeen(p, 1);
    await clock!.close();
    expect(clock!.emitter.listenerCount(TICK)).to.equal(0);
    expect(clock!.emitter.running).to.equal(false);
    expect(clock!.server.listening).to.equal(false);
    expect(streams[0]!.destroyed).to.equal(true);
  });
});
