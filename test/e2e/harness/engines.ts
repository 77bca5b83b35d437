/** The three engines, and `eachEngine`: one mocha `describe` per engine, the browser killed in `after` even on failure. */
import type { BrowserSession, Engine } from './harness.js';
import { chromiumEngine } from './chromium.js';
import { firefoxEngine } from './firefox.js';
import { webkitEngine } from './webkit.js';

export const ENGINES: readonly Engine[] = [chromiumEngine, firefoxEngine, webkitEngine];

/**
 * Declares `suite` once per engine (or only those named in `COMET_ENGINES`, e.g. `firefox,webkit`),
 * with the engine's browser launched in `before` and closed in `after`. Prints each engine's time.
 */
export function eachEngine(title: string, suite: (session: () => BrowserSession, engine: Engine) => void): void {
  const only = process.env.COMET_ENGINES?.toLowerCase().split(',');
  for (const engine of ENGINES) {
    if (only && !only.includes(engine.name.toLowerCase())) continue;
    describe(`${title} in ${engine.name}`, function () {
      this.timeout(60_000);
      let session: BrowserSession | undefined;
      let started = 0;
      before(async function () {
        this.timeout(60_000);
        started = Date.now();
        session = await engine.launch();
      });
      after(async function () {
        this.timeout(30_000);
        await session?.close();
        console.log(`      ${engine.name}: ${title} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      });
      suite(() => {
        if (!session) throw new Error(`${engine.name} did not start`);
        return session;
      }, engine);
    });
  }
}
