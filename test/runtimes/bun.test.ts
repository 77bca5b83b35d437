/**
 * hub.fetch on Bun: the protocol suite against `Bun.serve` (fixtures/bun-server.ts, its
 * `idleTimeout` at Bun's default of 10 s), and a quiet stream kept open past that limit by the
 * default heartbeat. Bun comes from the npm registry (package `bun`); without it the suite fails.
 */
import { expect } from 'chai';
import { calls } from '../hub/fixtures/serve.js';
import { until } from '../support/timing.js';
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
