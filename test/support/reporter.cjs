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

// Where each timer still pending was set, so that a run held open can say which code left it: the
// global setTimeout and setInterval are wrapped to remember the call's stack (weakly, by timer), and
// the timers that may still run are kept in a set: added when set or refreshed, removed when cleared
// or when a one-off timer has run and was not refreshed meanwhile.
const origins = new WeakMap();
const pendingTimers = new Set();
for (const [set, clear, repeats] of [['setTimeout', 'clearTimeout', false], ['setInterval', 'clearInterval', true]]) {
  const original = globalThis[set];
  const originalClear = globalThis[clear];
  const wrapped = function (fn, ...rest) {
    const where = new Error('timer set');
    let timer;
    const run = typeof fn !== 'function' ? fn : function (...args) {
      try {
        return fn.apply(this, args);
      } finally {
        if (!repeats && timer._destroyed !== false) pendingTimers.delete(timer);
      }
    };
    timer = original.call(this, run, ...rest);
    if (typeof timer === 'object' && timer !== null) {
      origins.set(timer, where);
      pendingTimers.add(timer);
    }
    return timer;
  };
  // util.promisify(setTimeout) and friends keep working through the original's custom form
  for (const key of Reflect.ownKeys(original)) if (!(key in wrapped)) wrapped[key] = original[key];
  globalThis[set] = wrapped;
  globalThis[clear] = function (timer) {
    pendingTimers.delete(timer);
    return originalClear.call(this, timer);
  };
}
{
  const probe = setTimeout(() => {}, 0);
  const proto = Object.getPrototypeOf(probe);
  clearTimeout(probe);
  const refresh = proto.refresh;
  proto.refresh = function () {
    if (origins.has(this)) pendingTimers.add(this);
    return refresh.call(this);
  };
}

// COMET_TEST_TIMER_HOOK=1: every Timeout made anywhere (Node's own modules included) is followed
// through async_hooks, at a cost to every test: for finding a timer the wrapping above does not see.
const hooked = new Map();
if (process.env.COMET_TEST_TIMER_HOOK === '1') {
  require('node:async_hooks').createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout') hooked.set(id, { resource, where: new Error('timer made') });
    },
    destroy(id) {
      hooked.delete(id);
    },
  }).enable();
}

/** The stacks of the timers still pending that keep the process alive, our own frames left out. */
function heldBy() {
  const lines = [];
  for (const timer of pendingTimers) {
    if (timer._destroyed === true || (typeof timer.hasRef === 'function' && !timer.hasRef())) continue;
    const where = origins.get(timer);
    const frames = String(where && where.stack).split('\n').slice(1).filter((f) => !f.includes('reporter.cjs')).slice(0, 8);
    const fn = timer._onTimeout && timer._onTimeout.name;
    lines.push(`  a timer of ${timer._idleTimeout} ms${fn ? ` (${fn})` : ''}, set at\n` + frames.join('\n'));
  }
  for (const { resource, where } of hooked.values()) {
    if (resource._destroyed === true || pendingTimers.has(resource) || (typeof resource.hasRef === 'function' && !resource.hasRef())) continue;
    const frames = String(where.stack).split('\n').slice(1).filter((f) => !f.includes('reporter.cjs')).slice(0, 12);
    lines.push(`  a timer of ${resource._idleTimeout} ms (async_hooks), made at\n` + frames.join('\n'));
  }
  return lines.join('\n');
}

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
        const timers = heldBy();
        if (timers !== '') console.error(timers);
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
