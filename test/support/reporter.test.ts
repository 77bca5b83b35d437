/**
 * The test reporter (test/support/reporter.cjs): a run whose tests leave something open is not
 * waited for forever; it fails, says what held it, and counts the leak.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('test reporter', () => {
  it('fails a run whose tests passed but left a timer running, once the drain time is over, counts it and says where the timer was set', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'comet-reporter-'));
    const results = join(dir, 'results.json');
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, ['node_modules/mocha/bin/mocha.js', 'test/support/leaky/holds-a-timer.ts'], {
          env: { ...process.env, COMET_TEST_RESULTS: results, COMET_TEST_DRAIN_MS: '500' },
          timeout: 50_000,
        }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }));
      });
      expect(code, stderr).to.equal(1);
      expect(stderr).to.match(/still held open by: .*Timeout/);
      expect(stderr, 'where the interval was set').to.match(/a timer of 1000 ms.*, set at\n\s+at .*holds-a-timer\.ts:\d+/);
      expect(stderr, 'where the refreshed timeout was set').to.match(/a timer of 20 ms.*, set at\n\s+at .*holds-a-timer\.ts:\d+/);
      expect(JSON.parse(readFileSync(results, 'utf8'))).to.include({ passes: 2, failures: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
