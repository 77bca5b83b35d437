// Mocha's spec reporter, plus the run's counts written as JSON to $COMET_TEST_RESULTS when that is set.
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithCounts extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.COMET_TEST_RESULTS;
    if (!file) return;
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending, tests, duration } = this.stats;
      writeFileSync(file, JSON.stringify({ passes, failures, pending, tests, duration }) + '\n');
    });
  }
}

module.exports = SpecWithCounts;
