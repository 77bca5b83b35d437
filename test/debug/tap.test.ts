import { expect } from 'chai';
import sinon from 'sinon';
import { tap } from '../../src/debug/index.js';
import { collect, fromArray } from '../support/collect.js';

/** A source whose next() waits until the test settles it; return() is a spy that resolves at once. */
function pendingSource() {
  let settle: ((result: IteratorResult<string>) => void) | undefined;
  const source: AsyncIterableIterator<string> = {
    next: () => new Promise((resolve) => (settle = resolve)),
    return: sinon.spy(async () => {
      settle?.({ done: true, value: undefined });
      return { done: true as const, value: undefined };
    }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return source;
}

/** A generator of 1 and 2, with a spy called by its `finally`. */
function oneTwo() {
  const finished = sinon.spy();
  async function* source() {
    try {
      yield 1;
      yield 2;
    } finally {
      finished();
    }
  }
  return { source, finished };
}

describe('tap', () => {
  it('passes every element through and reports each with its position', async () => {
    const seen = sinon.spy();
    const out = await collect(tap<string>(seen)(fromArray(['a', 'b', 'c'])));
    expect(out).to.deep.equal(['a', 'b', 'c']);
    expect(seen.args).to.deep.equal([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('reports the end once, with the count', async () => {
    const observer = { next: sinon.spy(), end: sinon.spy(), error: sinon.spy(), cancel: sinon.spy() };
    const output = tap<number>(observer)(fromArray([1, 2]));
    expect(await collect(output)).to.deep.equal([1, 2]);
    expect(await output.next()).to.deep.equal({ done: true, value: undefined });
    expect(observer.end.args).to.deep.equal([[2]]);
    expect(observer.error.callCount).to.equal(0);
    expect(observer.cancel.callCount).to.equal(0);
  });

  it('reports an error once and passes the same error on', async () => {
    const boom = new Error('boom');
    async function* failing() {
      yield 1;
      throw boom;
    }
    const observer = { error: sinon.spy(), end: sinon.spy() };
    const caught = await collect(tap<number>(observer)(failing())).catch((error: unknown) => error);
    expect(caught).to.equal(boom);
    expect(observer.error.args).to.deep.equal([[boom, 1]]);
    expect(observer.end.callCount).to.equal(0);
  });

  it('return() reaches the source at once, even while a next() waits, and is reported as cancel', async () => {
    const source = pendingSource();
    const cancel = sinon.spy();
    const output = tap<string>({ cancel })(source);
    const pending = output.next();
    expect(await output.return!()).to.deep.equal({ done: true, value: undefined });
    expect((source.return as sinon.SinonSpy).callCount).to.equal(1);
    expect(cancel.args).to.deep.equal([[0]]);
    expect(await pending).to.deep.equal({ done: true, value: undefined });
  });

  it('break in for await returns the source', async () => {
    const { source, finished } = oneTwo();
    for await (const value of tap<number>(() => {})(source())) {
      expect(value).to.equal(1);
      break;
    }
    expect(finished.callCount).to.equal(1);
  });

  it('a throwing next callback fails the output and returns the source', async () => {
    const { source, finished } = oneTwo();
    const oops = new Error('observer broke');
    const caught = await collect(
      tap<number>(() => {
        throw oops;
      })(source()),
    ).catch((error: unknown) => error);
    expect(caught).to.equal(oops);
    expect(finished.callCount).to.equal(1);
  });

  it("a throwing callback's error is what the consumer sees, even when the source's return() fails", async () => {
    const oops = new Error('observer broke');
    const source: AsyncIterableIterator<number> = {
      next: async () => ({ done: false, value: 1 }),
      return: sinon.spy(() => Promise.reject(new Error('return failed'))),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const output = tap<number>(() => {
      throw oops;
    })(source);
    expect(await output.next().then(() => null, (e: unknown) => e)).to.equal(oops);
    expect((source.return as sinon.SinonSpy).callCount).to.equal(1);
    expect(await output.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('throw() is passed to the source and its outcome reported', async () => {
    const recovered = new Error('recovered');
    async function* source() {
      try {
        yield 1;
      } catch {
        yield 99;
      }
    }
    const observer = { next: sinon.spy(), end: sinon.spy() };
    const output = tap<number>(observer)(source());
    expect(await output.next()).to.deep.equal({ done: false, value: 1 });
    expect(await output.throw!(recovered)).to.deep.equal({ done: false, value: 99 });
    expect(await output.next()).to.deep.equal({ done: true, value: undefined });
    expect(observer.next.args).to.deep.equal([
      [1, 0],
      [99, 1],
    ]);
    expect(observer.end.args).to.deep.equal([[2]]);
  });

  it('rejects a bad observer or source with a TypeError', () => {
    expect(() => tap(42 as unknown as () => void)).to.throw(TypeError, 'tap: expected a function or an observer');
    expect(() => tap({ next: 'x' } as unknown as { next(): void })).to.throw(TypeError, 'tap: observer.next must be a function');
    expect(() => tap(() => {})([] as unknown as AsyncIterable<unknown>)).to.throw(TypeError, 'tap: the source must be an AsyncIterable');
  });
});
