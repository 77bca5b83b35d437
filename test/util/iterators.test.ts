import { expect } from 'chai';
import sinon from 'sinon';
import { returnQuietly } from '../../src/util/iterators.js';

/** Two turns of the event loop: enough for Node to report a rejection nobody handled. */
async function turns(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('returnQuietly', () => {
  let unhandled: sinon.SinonSpy;
  beforeEach(() => {
    unhandled = sinon.spy();
    process.on('unhandledRejection', unhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', unhandled);
  });

  it('calls return() once, with no argument, and returns before it settles', async () => {
    let settle!: () => void;
    const returned = sinon.spy(() => new Promise<IteratorResult<number>>((resolve) => (settle = () => resolve({ done: true, value: undefined }))));
    const iterator: AsyncIterator<number> = { next: async () => ({ done: true, value: undefined }), return: returned };
    expect(returnQuietly(iterator)).to.equal(undefined);
    expect(returned.callCount).to.equal(1);
    expect(returned.firstCall.args).to.deep.equal([]);
    expect(returned.firstCall.thisValue).to.equal(iterator);
    settle();
    await turns();
    expect(returned.callCount).to.equal(1);
  });

  it('ignores a return() that rejects: no unhandled rejection', async () => {
    const returned = sinon.spy(() => Promise.reject(new Error('teardown failed')));
    returnQuietly({ next: async () => ({ done: true, value: undefined }), return: returned });
    await turns();
    expect(returned.callCount).to.equal(1);
    expect(unhandled.callCount).to.equal(0);
  });

  it('ignores a return() that throws, and a return getter that throws', () => {
    const throwing = { next: () => ({ done: true, value: undefined }), return: () => { throw new Error('no'); } };
    expect(() => returnQuietly(throwing as Iterator<unknown>)).to.not.throw();
    const getter = Object.defineProperty({ next: () => ({ done: true, value: undefined }) }, 'return', {
      get() {
        throw new Error('no getter');
      },
    });
    expect(() => returnQuietly(getter as Iterator<unknown>)).to.not.throw();
  });

  it('ends a generator, running its finally block', async () => {
    const steps: string[] = [];
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        yield 2;
      } finally {
        steps.push('finally');
      }
    }
    const iterator = source();
    await iterator.next();
    returnQuietly(iterator);
    await turns();
    expect(steps).to.deep.equal(['finally']);
    expect(await iterator.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('ends a sync iterator, and accepts one without return(), null and undefined', () => {
    const returned = sinon.spy(() => ({ done: true as const, value: undefined }));
    returnQuietly({ next: () => ({ done: true, value: undefined }), return: returned });
    expect(returned.callCount).to.equal(1);
    expect(() => returnQuietly({ next: () => ({ done: true, value: undefined }) })).to.not.throw();
    expect(() => returnQuietly(null)).to.not.throw();
    expect(() => returnQuietly(undefined)).to.not.throw();
  });

  it('ignores a thenable whose then() calls the rejection handler', async () => {
    const then = sinon.spy((_resolve: unknown, reject: (e: unknown) => void) => reject(new Error('late')));
    returnQuietly({ next: async () => ({ done: true, value: undefined }), return: () => ({ then }) as unknown as Promise<IteratorResult<unknown>> });
    await turns();
    expect(then.callCount).to.equal(1);
    expect(unhandled.callCount).to.equal(0);
  });
});
