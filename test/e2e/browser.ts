/**
 * Headless Chromium for the end-to-end tests.
 *
 * The tests drive the system Chromium (Debian package `chromium`, installed by `.ci/run`), not a
 * browser downloaded by Playwright. When it is missing the tests fail with a message saying how to
 * install it: a browser test that silently skips would prove nothing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the Debian `chromium` package puts its launcher. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, deterministic headless run inside containers and CI. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches headless Chromium from {@link CHROMIUM_PATH}.
 * @throws Error naming the missing executable and the package that provides it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need it. ` +
        'Install it with `apt-get install chromium` (or set CHROMIUM_PATH to a Chromium executable).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/**
 * Reads `window[name]` from the page as plain JSON data, exactly: the page serialises it with every
 * non-ASCII UTF-16 unit escaped, so lone surrogates and every other code unit cross the wire intact.
 */
export async function readWindowJson<T>(page: Page, name: string): Promise<T> {
  const text = await page.evaluate(
    `JSON.stringify(window[${JSON.stringify(name)}]).replace(/[\\u007f-\\uffff]/g, ` +
      `function (c) { return '\\\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4); })`,
  );
  if (typeof text !== 'string') throw new TypeError(`window.${name} is not JSON-serialisable (got ${typeof text})`);
  return JSON.parse(text) as T;
}

/**
 * Polls `predicate` every `intervalMs` until it returns true; rejects with `what` after `timeoutMs`.
 */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 2000, intervalMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
