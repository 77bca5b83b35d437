/**
 * hub.fetch on Bun: the protocol suite against `Bun.serve` (fixtures/bun-server.ts, its
 * `idleTimeout` at Bun's default of 10 s), a quiet stream kept open past that limit by the default
 * heartbeat, and the Hono example served by `Bun.serve` (examples/frameworks/hono-bun.ts). Bun
 * comes from the npm registry (package `bun`); without it the suite fails.
 */
import { expect } from 'chai';
import { checkNews } from '../examples/fixtures/news-client.js';
import { calls } from '../hub/fixtures/serve.js';
import { until } from '../support/timing.js';
import { runtime, startServer, type RuntimeServer } from './fixtures/runtime.js';
import { runtimeSuite } from './fixtures/suite.js';

runtimeSuite({
  title: 'Bun',
  runtime: 'bun',
  args: ['run', 'test/runtimes/fixtures/bun-server.ts'],
  more: ({ url, reading }) => {
    it("keeps a quiet stream open past Bun.serve's idle limit (10 s): hub.fetch beats every 5 s by default", async function () {
      this.timeout(40_000);
      const body = reading(await fetch(url('/live')));
      try {
        const beats = () => calls(body.text).filter((c) => (c.value as { type?: string }).type === 'beat').length;
        // three beats: 15 s, half as long again as the idle limit
        await until(() => beats() >= 3 || body.ended, { timeoutMs: 30_000, what: () => `three beats (${beats()} so far)` });
        expect(body.ended, 'ended by the idle limit').to.equal(false);
      } finally {
        await body.cancel();
      }
    });
  },
});

describe('examples/frameworks/hono-bun.ts: Hono on Bun with hub.fetch', function () {
  this.timeout(30_000);
  let server: RuntimeServer | undefined;
  before(async function () {
    this.timeout(360_000);
    server = await startServer(runtime('bun'), ['run', 'examples/frameworks/hono-bun.ts'], { PORT: '0', TICK_MS: '20' });
  });
  after(async () => {
    await server?.stop();
  });

  it('serves both kinds of client with topics, cursors, 403 and HEAD', async () => {
    await checkNews(server!.port);
  });
});
