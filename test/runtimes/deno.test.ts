/**
 * hub.fetch on Deno: the protocol suite against `Deno.serve` (fixtures/deno-server.ts), the
 * library loaded from its TypeScript sources (`--unstable-sloppy-imports` resolves their `./x.js`
 * imports to `./x.ts`), with no permission but the network on 127.0.0.1. Deno comes from the npm
 * registry (package `deno`); without it the suite fails.
 */
import { runtimeSuite } from './fixtures/suite.js';

runtimeSuite({
  title: 'Deno',
  runtime: 'deno',
  args: ['run', '--allow-net=127.0.0.1', '--unstable-sloppy-imports', '--no-prompt', '--no-config', 'test/runtimes/fixtures/deno-server.ts'],
});
