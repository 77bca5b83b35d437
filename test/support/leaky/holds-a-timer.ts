// A suite that passes and leaves a timer running: run only by reporter.test.ts.
import { expect } from 'chai';

describe('a suite that leaks', () => {
  it('passes and leaves an interval behind', () => {
    setInterval(() => {}, 1000);
    expect(1).to.equal(1);
  });
});
