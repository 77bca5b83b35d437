/**
 * One small interface over three browser engines, so every browser test runs in Chromium, Firefox
 * and WebKit alike: open a page in a tab, evaluate a script in it, wait for a condition, open more
 * tabs of the same browser (one profile: tabs share Web Locks and BroadcastChannel), close.
 */

/** A tab showing one page. */
export interface Tab {
  /**
   * Runs `body` as the body of a function in the page's top document and returns its result as JSON
   * data (`undefined` comes back as `null`).
   */
  run<T = unknown>(body: string): Promise<T>;
  /** Loads `url` in this tab (the old page gets its `pagehide`). */
  goto(url: string): Promise<void>;
  /** Closes the tab. */
  close(): Promise<void>;
}

/** A running browser. */
export interface BrowserSession {
  /** Opens a new tab on `url` and waits for its `load` and `window.ready`. */
  open(url: string): Promise<Tab>;
  /** Closes the browser and kills every process it started, even when it does not answer. */
  close(): Promise<void>;
}

/** How to start one engine. */
export interface Engine {
  readonly name: string;
  launch(): Promise<BrowserSession>;
}

/** The script a driver evaluates for {@link Tab.run}: the body's result as a JSON string. */
export const asJson = (body: string): string => `JSON.stringify((function () {\n${body}\n})() ?? null)`;

/**
 * Polls `body` in `tab` until it returns true; rejects naming `what` (and the last value) after `timeoutMs`.
 */
export async function waitIn(tab: Tab, body: string, what: string, timeoutMs = 10_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await tab.run(body);
    if (value === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until a freshly opened page has loaded and its module has run. A script that lands while the
 * old document unloads fails in some drivers: those failures are retried too.
 */
export async function pageReady(tab: Tab, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await tab.run("return document.readyState === 'complete' && window.ready === true").catch((error: Error) => error);
    if (ready === true) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the page to load (last: ${String(ready)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `predicate` (run in Node) holds; rejects naming `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Loads `url` in a new `tab` and waits for the page (see {@link pageReady}). */
export async function openIn(tab: Tab, url: string): Promise<Tab> {
  await tab.goto(url);
  await pageReady(tab);
  return tab;
}

/** Rejects with `what` when `promise` takes longer than `ms`. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
