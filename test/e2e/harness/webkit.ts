/**
 * The WebKit driver of the browser harness: WebKitGTK's MiniBrowser driven by Debian's
 * `WebKitWebDriver` under `xvfb-run`, over plain W3C WebDriver HTTP calls.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { killGroup } from './firefox.js';
import { asJson, bounded, openIn, type BrowserSession, type Engine, type Tab } from './harness.js';

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `tab` shows `url`, loaded; scripts that land while the old document unloads are retried. */
async function loaded(tab: Tab, url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const body = `return location.href === ${JSON.stringify(new URL(url).href)} && document.readyState === 'complete'`;
  while ((await tab.run(body).catch(() => false)) !== true) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${url} to load`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A WebDriver session: every command goes through one queue, since the current window is shared state. */
class WebDriver {
  #queue: Promise<unknown> = Promise.resolve();
  #current = '';
  constructor(
    readonly base: string,
    readonly id: string,
  ) {}

  static async call(url: string, method: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(20_000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(url, init);
    const json = (await res.json()) as { value: { error?: string; message?: string } | unknown };
    const value = json.value as { error?: string; message?: string } | null;
    if (!res.ok || (value && typeof value === 'object' && 'error' in value && value.error)) {
      throw new Error(`WebDriver ${method} ${url}: ${value?.error}: ${value?.message}`);
    }
    return json.value;
  }

  /** Runs `command` in window `handle`, after every command queued before it. */
  in<T>(handle: string, command: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#current !== handle) {
        await this.send('POST', '/window', { handle });
        this.#current = handle;
      }
      return command();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  send(method: string, path: string, body?: unknown): Promise<unknown> {
    return WebDriver.call(`${this.base}/session/${this.id}${path}`, method, body);
  }

  tab(handle: string): Tab {
    const tab: Tab = {
      run: async (body) => JSON.parse((await this.in(handle, () => this.send('POST', '/execute/sync', { script: `return ${asJson(body)}`, args: [] }))) as string),
      // The session's page load strategy is 'none': wait here for the new document's load.
      goto: async (url) => {
        await this.in(handle, () => this.send('POST', '/url', { url }));
        await loaded(tab, url);
      },
      close: () => this.in(handle, async () => {
        await this.send('DELETE', '/window');
        this.#current = '';
      }),
    };
    return tab;
  }
}

/** WebKitGTK's MiniBrowser under a virtual X server. */
export const webkitEngine: Engine = {
  name: 'WebKit',
  async launch(): Promise<BrowserSession> {
    for (const path of [WEBKIT_DRIVER, MINIBROWSER, '/usr/bin/xvfb-run']) {
      if (!existsSync(path)) throw new Error(`${path} not found: install webkit2gtk-driver, xvfb and xauth`);
    }
    const port = await freePort();
    const child = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], { detached: true, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    let driver: WebDriver | undefined;
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const ready = await WebDriver.call(`${base}/status`, 'GET').then((v) => (v as { ready?: boolean }).ready === true, () => false);
        if (ready) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('WebKitWebDriver did not start within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const session = (await WebDriver.call(`${base}/session`, 'POST', {
        capabilities: {
          // 'none': a navigation returns at once (then pageReady waits), whatever a streaming iframe does next.
          alwaysMatch: { pageLoadStrategy: 'none', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } },
        },
      })) as { sessionId: string };
      driver = new WebDriver(base, session.sessionId);
    } catch (error) {
      killGroup(child.pid);
      throw error;
    }
    const d = driver;
    const home = (await d.send('GET', '/window')) as string;
    return {
      async open(url) {
        // The session's first window stays open, empty: closing a session's last window ends the session.
        const { handle } = (await d.in(home, () => d.send('POST', '/window/new', { type: 'tab' }))) as { handle: string };
        return openIn(d.tab(handle), url);
      },
      async close() {
        try {
          await bounded(d.send('DELETE', ''), 10_000, 'closing the WebKit session');
        } finally {
          killGroup(child.pid);
        }
      },
    };
  },
};
