/** The Chromium driver of the browser harness: Debian `chromium` through playwright-core. */
import type { Page } from 'playwright-core';
import { launchBrowser } from '../browser.js';
import { asJson, bounded, openIn, type BrowserSession, type Engine, type Tab } from './harness.js';

function tabOf(page: Page): Tab {
  return {
    run: async (body) => JSON.parse((await page.evaluate(asJson(body))) as string),
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load', timeout: 15_000 })),
    close: () => page.close({ runBeforeUnload: false }),
  };
}

/** Chromium, one browser context per session. */
export const chromiumEngine: Engine = {
  name: 'Chromium',
  async launch(): Promise<BrowserSession> {
    const browser = await launchBrowser();
    const context = await browser.newContext();
    return {
      async open(url) {
        return openIn(tabOf(await context.newPage()), url);
      },
      close: () => bounded(browser.close(), 15_000, 'closing Chromium'),
    };
  },
};
