// A suite that passes and leaves timers running: run only by reporter.test.ts.
import { expect } from 'chai';

describe('a suite that leaks', () => {
  it('passes and leaves an interval behind', () => {
    setInterval(() => {}, 1000);
    expect(1).to.equal(1);
  });

  it('passes and leaves a timeout that refreshes itself each time it runs', () => {
    const timer: NodeJS.Timeout = setTimeout(function beatAgain() {
      timer.refresh();
    }, 20);
    expect(1).to.equal(1);
  });
});
