/** The Firefox driver of the browser harness: Debian `firefox-esr` through puppeteer-core over WebDriver BiDi. */
import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { asJson, bounded, openIn, type BrowserSession, type Engine, type Tab } from './harness.js';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Kills the process group `pid` leads (puppeteer starts the browser detached), if it is still there. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tabOf(page: Page): Tab {
  return {
    run: async (body) => JSON.parse((await page.evaluate(asJson(body))) as string),
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load', timeout: 15_000 })),
    close: () => page.close(),
  };
}

/** Firefox ESR, headless. */
export const firefoxEngine: Engine = {
  name: 'Firefox',
  async launch(): Promise<BrowserSession> {
    if (!existsSync(FIREFOX_PATH)) {
      throw new Error(`Firefox not found at ${FIREFOX_PATH}: install it with \`apt-get install firefox-esr\` (or set FIREFOX_PATH)`);
    }
    const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, headless: true, timeout: 30_000 });
    const child = browser.process();
    return {
      async open(url) {
        return openIn(tabOf(await browser.newPage()), url);
      },
      async close() {
        try {
          await bounded(browser.close(), 15_000, 'closing Firefox');
        } finally {
          killGroup(child?.pid);
        }
      },
    };
  },
};
