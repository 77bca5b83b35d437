// Mocha's spec reporter, plus the run's counts written as JSON to $COMET_TEST_RESULTS when that is set.
//
// Mocha runs with `exit: false`, so a socket, timer or server a test leaves open keeps the process
// alive after the last test: a leak. Rather than wait for it forever, the run is given
// $COMET_TEST_DRAIN_MS (30 s) to end once the tests are done; past that, what still holds it open
// is printed, the leak counts as one more failure, and the process exits with 1.
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

const drainMs = Number(process.env.COMET_TEST_DRAIN_MS ?? 30_000);

class SpecWithCounts extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.COMET_TEST_RESULTS;
    const write = (extraFailures) => {
      if (!file) return;
      const { passes, failures, pending, tests, duration } = this.stats;
      writeFileSync(file, JSON.stringify({ passes, failures: failures + extraFailures, pending, tests, duration }) + '\n');
    };
    runner.once(EVENT_RUN_END, () => {
      write(0);
      setTimeout(() => {
        const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
        console.error(`\nThe tests ended ${drainMs} ms ago and the process is still held open by: ${open.join(', ') || 'nothing named'}; counted as a failure.`);
        write(1);
        // Mocha sets the exit code to the failures it counted in an 'exit' listener of its own:
        // this one, added later, runs after it.
        process.on('exit', () => (process.exitCode = 1));
        process.exit(1);
      }, drainMs).unref();
    });
  }
}

module.exports = SpecWithCounts;
