import { expect } from 'chai';
import { firstValueFrom, from, lastValueFrom, map, take, toArray } from 'rxjs';
import sinon from 'sinon';
import ZenObservable from 'zen-observable';
import { toObservable } from '../../src/source/index.js';
import { turn } from '../support/timing.js';

function numbers(n: number) {
  const state = { closedEarly: false };
  async function* gen() {
    let i = 0;
    try {
      for (; i < n; i++) yield i;
    } finally {
      state.closedEarly = i < n;
    }
  }
  return { iterable: { [Symbol.asyncIterator]: gen }, state };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await turn();
};

describe('toObservable', () => {
  it('is accepted by RxJS from(), operators included', async () => {
    const out = await lastValueFrom(from(toObservable(numbers(4).iterable)).pipe(map((x) => x * 2), toArray()));
    expect(out).to.deep.equal([0, 2, 4, 6]);
  });

  it('closes the source when RxJS unsubscribes (take)', async () => {
    const { iterable, state } = numbers(100);
    expect(await firstValueFrom(from(toObservable(iterable)).pipe(take(2), toArray()))).to.deep.equal([0, 1]);
    await settle();
    expect(state.closedEarly).to.equal(true);
  });

  it('is accepted by zen-observable', async () => {
    const seen: number[] = [];
    await new Promise<void>((resolve) =>
      ZenObservable.from(toObservable(numbers(3).iterable) as never).subscribe({ next: (v: number) => seen.push(v), complete: resolve }),
    );
    expect(seen).to.deep.equal([0, 1, 2]);
  });

  it('takes next, error and complete callbacks, and signals the error once', async () => {
    const boom = new Error('boom');
    async function* failing() {
      yield 'a';
      throw boom;
    }
    const next = sinon.spy();
    const error = sinon.spy();
    const complete = sinon.spy();
    toObservable({ [Symbol.asyncIterator]: failing }).subscribe(next, error, complete);
    await settle();
    expect([next.args, error.args, complete.callCount]).to.deep.equal([[['a']], [[boom]], 0]);
  });

  it('unsubscribe() stops the values and calls return() on the iterator', async () => {
    const state = { closedEarly: true };
    async function* slow() {
      for (let i = 0; i < 100; i++) {
        yield i;
        await turn();
      }
      state.closedEarly = false;
    }
    const iterable = { [Symbol.asyncIterator]: slow };
    const next = sinon.spy();
    const subscription = toObservable(iterable).subscribe({ next });
    await turn();
    subscription.unsubscribe();
    const count = next.callCount;
    await settle();
    expect(next.callCount).to.equal(count);
    expect(count).to.be.within(1, 2);
    expect(subscription.closed).to.equal(true);
    expect(state.closedEarly).to.equal(true);
  });

  it('hands the subscription to observer.start, and an unsubscribe there opens nothing', async () => {
    const opened = sinon.spy();
    const iterable = { [Symbol.asyncIterator]: () => (opened(), numbers(1).iterable[Symbol.asyncIterator]()) };
    toObservable(iterable).subscribe({ start: (s) => s.unsubscribe(), next: () => expect.fail('no values') });
    await settle();
    expect(opened.callCount).to.equal(0);
  });

  it('stops the source and signals error when the observer’s next throws', async () => {
    const { iterable, state } = numbers(10);
    const thrown = new Error('observer bug');
    const error = sinon.spy();
    toObservable(iterable).subscribe({
      next: () => {
        throw thrown;
      },
      error,
    });
    await settle();
    expect(error.args).to.deep.equal([[thrown]]);
    expect(state.closedEarly).to.equal(true);
  });

  for (const [what, result] of [
    ['null', null],
    ['a number', 42],
  ] as const) {
    it(`signals a TypeError once, and returns the iterator, when next() gives ${what} instead of a result`, async () => {
      const returned = sinon.spy(async () => ({ value: undefined, done: true }));
      const nexts = sinon.spy(async () => result as never);
      const broken = { [Symbol.asyncIterator]: () => ({ next: nexts, return: returned }) };
      const unhandled = sinon.spy();
      process.on('unhandledRejection', unhandled);
      try {
        const error = sinon.spy();
        toObservable(broken).subscribe({ error });
        await settle();
        expect(error.callCount).to.equal(1);
        expect(error.firstCall.args[0]).to.be.instanceOf(TypeError).with.property('message').that.matches(/not an iterator result/);
        expect([nexts.callCount, returned.callCount, unhandled.callCount]).to.deep.equal([1, 1, 0]);
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });
  }

  it('carries Symbol.observable when a polyfill defines it, and always @@observable', () => {
    const sym = Symbol('observable');
    Object.defineProperty(Symbol, 'observable', { value: sym, configurable: true });
    try {
      const observable = toObservable(numbers(1).iterable);
      expect((observable as unknown as Record<symbol, () => unknown>)[sym]()).to.equal(observable);
      expect(observable['@@observable']()).to.equal(observable);
    } finally {
      delete (Symbol as { observable?: symbol }).observable;
    }
  });

  it('refuses what is not an AsyncIterable, and a bad observer, with TypeErrors', () => {
    expect(() => toObservable('abc' as never)).to.throw(TypeError, /AsyncIterable, got a string/);
    expect(() => toObservable(numbers(1).iterable).subscribe(5 as never)).to.throw(TypeError, /observer/);
  });

  it('is still an AsyncIterable', async () => {
    const out: number[] = [];
    for await (const v of toObservable(numbers(3).iterable)) out.push(v);
    expect(out).to.deep.equal([0, 1, 2]);
  });
});
