/**
 * The clock demo in headless Chromium: the page connects with `connectComet` after its load, shows
 * the state and the ticks, and its hub subscriber is gone as soon as the browser leaves.
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startClockServer, STREAM_PATH, type ClockServer } from '../../examples/clock/server.js';
import { launchBrowser } from './fixtures/browser.js';
import { until } from '../support/timing.js';

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
      if (req.url?.startsWith(STREAM_PATH)) streams.push(res);
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

  /** Opens the demo (its load is not held: the client makes the iframe after it) and records every time the page shows. */
  async function openDemo(p = page!): Promise<Page> {
    await p.goto(clock!.url, { waitUntil: 'load' });
    await p.evaluate(`(function () {
      var el = document.getElementById('clock');
      window.ticks = [];
      new MutationObserver(function () { window.ticks.push(el.dataset.time); }).observe(el, { attributeFilter: ['data-time'] });
    })()`);
    return p;
  }

  /** Waits until the page has shown `n` ticks. A function predicate: the page's CSP forbids eval. */
  async function ticksSeen(p: Page, n: number): Promise<void> {
    await p.waitForFunction((count) => (window as unknown as { ticks: string[] }).ticks.length >= count, n, {
      timeout: 10_000,
    });
  }

  it('shows the state open and ticks arriving in increasing time order while the stream is still open', async () => {
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
    const shown = (await p.evaluate(`[document.getElementById('clock').textContent, document.getElementById('state').textContent,
      document.getElementById('state').dataset.state, document.querySelectorAll('iframe').length, window.clock.lastId]`)) as [
      string, string, string, number, number,
    ];
    expect(shown.slice(1, 4), 'state text, data-state, iframes').to.deep.equal(['open', 'open', 1]);
    expect(shown[0]).to.match(/^\d\d:\d\d:\d\d\.\d$/);
    expect(shown[4], 'the last id the page was given').to.be.within(1, clock!.hub.lastId);
    expect(clock!.hub.size, 'hub subscribers').to.equal(1);
    expect(pageErrors, 'page errors (CSP violations included)').to.deep.equal([]);
  });

  for (const [how, leave] of [
    ['navigates away', (p: Page) => p.goto('about:blank')],
    ['is closed', (p: Page) => p.close()],
  ] as const) {
    it(`unsubscribes from the hub when the page ${how}`, async () => {
      const p = await openDemo();
      await ticksSeen(p, 2);
      expect(clock!.hub.size).to.equal(1);

      const closed = once(streams[0]!, 'close');
      await leave(p);
      await closed;
      const closedAt = performance.now();
      const hub = clock!.hub;
      await until(() => hub.size === 0, { what: `0 subscribers within ${TEARDOWN_BOUND_MS} ms of close`, timeoutMs: TEARDOWN_BOUND_MS, everyMs: 1 });
      expect(performance.now() - closedAt).to.be.at.most(TEARDOWN_BOUND_MS + 10);
    });
  }

  it('serves several pages from one hub, each with its own stream', async () => {
    const p = await openDemo();
    const second = await browser.newContext().then((context) => context.newPage());
    try {
      await openDemo(second);
      await ticksSeen(p, 2);
      await ticksSeen(second, 2);
      expect(streams, 'a stream per page').to.have.length(2);
      expect(clock!.hub.size, 'subscribers').to.equal(2);

      const closed = once(streams[0]!, 'close');
      await p.goto('about:blank');
      await closed;
      await until(() => clock!.hub.size === 1, { what: 'the second page still subscribed' });
      const before = ((await second.evaluate('window.ticks.length')) as number);
      await ticksSeen(second, before + 2);
    } finally {
      await second.context().close();
    }
    await until(() => clock!.hub.size === 0, { what: 'no subscriber left' });
  });

  it('close() ends the stream cleanly: the page says waiting, no subscriber is left, the clock stops', async () => {
    const p = await openDemo();
    await ticksSeen(p, 1);
    await clock!.close();
    expect(streams[0]!.writableEnded, 'ended by the server').to.equal(true);
    await p.waitForFunction(() => document.getElementById('state')!.dataset.state !== 'open', undefined, { timeout: 5000 });
    expect(['waiting', 'connecting']).to.include(await p.evaluate("document.getElementById('state').dataset.state"));
    expect(clock!.hub.size).to.equal(0);
    expect(clock!.emitter.running).to.equal(false);
    expect(clock!.server.listening).to.equal(false);
  });
});
