/**
 * The legacy broadcast clock (written only against the deprecated Enumerator API) in headless
 * Chromium: ticks pushed through `Concurrent.broadcast`, encoded by `LegacyComet.apply` and served
 * by `sendComet` reach the page in order while the response stays open.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startBroadcastClock, type BroadcastClock } from '../../examples/legacy/broadcast-clock.js';
import { launchBrowser, readWindowJson } from './fixtures/browser.js';

const TICK = /^#(\d+) \d\d:\d\d:\d\d\.\d{3}$/;

/** The sequence numbers of the ticks the page received. */
function sequence(ticks: string[]): number[] {
  return ticks.map((t) => {
    const m = TICK.exec(t);
    if (m === null) throw new Error(`not a tick: ${JSON.stringify(t)}`);
    return Number(m[1]);
  });
}

describe('legacy broadcast clock in headless Chromium', function () {
  this.timeout(30_000);
  let browser: Browser;
  let clock: BroadcastClock | undefined;
  let page: Page | undefined;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    await clock?.close();
    clock = undefined;
  });

  it('delivers several ticks in order while the response is open', async () => {
    clock = await startBroadcastClock(0, { intervalMs: 50 });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(clock.url, { waitUntil: 'domcontentloaded' });

    await page.waitForFunction('window.ticks.length >= 5', undefined, { timeout: 10_000 });
    const first = sequence(await readWindowJson<string[]>(page, 'ticks'));
    expect(first.length).to.be.at.least(5);
    for (let i = 1; i < first.length; i++) expect(first[i], `tick ${i} follows tick ${i - 1}`).to.equal(first[i - 1]! + 1);

    // The forever iframe is still loading: its response has not ended.
    const frame = page.frames().find((f) => f.url().endsWith('/comet'));
    expect(frame, 'the comet iframe').to.not.equal(undefined);
    expect(await frame!.evaluate('document.readyState')).to.equal('loading');

    const seen = first.length;
    await page.waitForFunction(`window.ticks.length >= ${seen + 3}`, undefined, { timeout: 10_000 });
    const later = sequence(await readWindowJson<string[]>(page, 'ticks'));
    expect(later.slice(0, seen)).to.deep.equal(first);
    for (let i = 1; i < later.length; i++) expect(later[i]).to.equal(later[i - 1]! + 1);
    expect(await page.textContent('#clock')).to.match(TICK);
    expect(errors).to.deep.equal([]);
  });
});
