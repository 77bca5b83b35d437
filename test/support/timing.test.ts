/**
 * The waits every test room shares (test/support/timing.ts): what each resolves after, and how
 * until and within fail.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { activeTimers, sleep, turn, until, UNTIL_TIMEOUT_MS, within } from './timing.js';

describe('test timing helpers', () => {
  it('turn resolves after the callbacks already queued with setImmediate, not before', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued first'));
    await turn();
    order.push('after turn');
    expect(order).to.deep.equal(['queued first', 'after turn']);
  });

  it('sleep resolves after a timer of at least its length', async () => {
    const t0 = performance.now();
    let early = false;
    setTimeout(() => (early = true), 1);
    await sleep(20);
    expect(early).to.equal(true);
    expect(performance.now() - t0).to.be.at.least(18);
  });

  it('until resolves once a condition holds, sync or async, checking again between pauses', async () => {
    let checks = 0;
    await until(() => ++checks === 3, { everyMs: 1 });
    expect(checks).to.equal(3);
    let asyncChecks = 0;
    await until(async () => ++asyncChecks >= 2, { everyMs: 1 });
    expect(asyncChecks).to.equal(2);
  });

  it('until rejects naming what it waited for: the text given, a function of the last state, or the condition itself', async () => {
    const failure = (p: Promise<void>): Promise<string> => p.then(() => 'resolved', (e: Error) => e.message);
    expect(await failure(until(() => false, { what: 'the moon', timeoutMs: 10 }))).to.equal('timed out after 10 ms waiting for the moon');
    let n = 0;
    expect(await failure(until(() => ++n < 0, { what: () => `n below 0 (last: ${n})`, timeoutMs: 10, everyMs: 1 }))).to.match(/^timed out after 10 ms waiting for n below 0 \(last: \d+\)$/);
    // the condition's source, as the test runner compiled it
    expect(await failure(until(() => n === -1, { timeoutMs: 10 }))).to.match(/^timed out after 10 ms waiting for \(\)\s*=>\s*n\s*===\s*-1$/);
    expect(await failure(until(() => { throw new RangeError('broken check'); }))).to.equal('broken check');
  });

  it('until waits 10 s by default, below mocha’s limit of a test', async function () {
    expect(UNTIL_TIMEOUT_MS).to.equal(10_000);
    expect(UNTIL_TIMEOUT_MS).to.be.below(this.timeout());
  });

  it('within gives the value, the rejection, or timeout, and leaves no timer behind', async () => {
    const clock = sinon.useFakeTimers();
    try {
      expect(await within(Promise.resolve(7), 1000)).to.equal(7);
      const oops = new Error('oops');
      expect(await within(Promise.reject(oops), 1000)).to.equal(oops);
      expect(clock.countTimers()).to.equal(0);
      const hanging = within(new Promise(() => {}), 5);
      expect(clock.countTimers()).to.equal(1);
      await clock.tickAsync(5);
      expect(await hanging).to.equal('timeout');
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });

  it('activeTimers counts the timers set and not yet cleared or fired', () => {
    const before = activeTimers();
    const timeout = setTimeout(() => {}, 60_000);
    const interval = setInterval(() => {}, 60_000);
    expect(activeTimers()).to.equal(before + 2);
    clearTimeout(timeout);
    clearInterval(interval);
    expect(activeTimers()).to.equal(before);
  });
});
