/**
 * Sources for the tests of operators at their edges (the Comet and SSE operators).
 */
import sinon from 'sinon';

/** A source that yields `values`, then waits for ever; its return() never settles. */
export function hangingReturn(values: unknown[]): { source: AsyncIterableIterator<unknown>; returned: sinon.SinonSpy } {
  let at = 0;
  const returned = sinon.spy(() => new Promise<IteratorResult<unknown>>(() => {}));
  const source: AsyncIterableIterator<unknown> = {
    next: () => (at < values.length ? Promise.resolve({ done: false, value: values[at++] }) : new Promise(() => {})),
    return: returned,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { source, returned };
}
