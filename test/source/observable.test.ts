import { expect } from 'chai';
import { concat, finalize, interval, of, range, tap, throwError } from 'rxjs';
import sinon from 'sinon';
import ZenObservable from 'zen-observable';
import { BufferOverflowError } from '../../src/errors.js';
import { fromObservable } from '../../src/source/index.js';
import { rest } from './fixtures/helpers.js';

describe('fromObservable', () => {
  it('keeps what a synchronous RxJS observable emits while subscribing', async () => {
    expect(await rest(fromObservable(of(1, 2, 3)))).to.deep.equal({ values: [1, 2, 3] });
  });

  it('fails after the values when the observable errors', async () => {
    const boom = new Error('boom');
    expect(await rest(fromObservable(concat(of(1, 2), throwError(() => boom))))).to.deep.equal({ values: [1, 2], error: boom });
  });

  it('unsubscribes an RxJS interval on break, running its finalizers once', async () => {
    const finalized = sinon.spy();
    const it = fromObservable<number>(interval(1).pipe(finalize(finalized)));
    const seen: number[] = [];
    for await (const v of it) {
      seen.push(v);
      if (seen.length === 3) break;
    }
    expect(seen).to.deep.equal([0, 1, 2]);
    expect(finalized.callCount).to.equal(1);
  });

  it('stops a synchronous RxJS source as soon as the buffer overflows', async () => {
    let produced = 0;
    const it = fromObservable(range(0, 1e7).pipe(tap(() => produced++)), { buffer: { limit: 10 } });
    expect(produced).to.equal(11);
    const { values, error } = await rest(it);
    expect(values).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(error).to.be.instanceOf(BufferOverflowError);
  });

  it("drops with 'drop-newest' and counts what was dropped", async () => {
    const it = fromObservable(range(0, 100), { buffer: { limit: 5, overflow: 'drop-newest' } });
    expect(it.stats.dropped).to.equal(95);
    expect(await rest(it)).to.deep.equal({ values: [0, 1, 2, 3, 4] });
  });

  it('works with zen-observable', async () => {
    const zen = new ZenObservable<number>((observer) => {
      observer.next(1);
      observer.next(2);
      observer.complete();
    });
    expect(await rest(fromObservable(zen))).to.deep.equal({ values: [1, 2] });
  });

  it("uses the '@@observable' interop method", async () => {
    const inner = of('x', 'y');
    const interop = { '@@observable': () => inner };
    expect(await rest(fromObservable(interop))).to.deep.equal({ values: ['x', 'y'] });
  });

  it('uses Symbol.observable when a polyfill defines it', async () => {
    const sym = Symbol('observable');
    Object.defineProperty(Symbol, 'observable', { value: sym, configurable: true });
    try {
      const interop = { [sym]: () => of(5) };
      expect(await rest(fromObservable(interop as never))).to.deep.equal({ values: [5] });
    } finally {
      delete (Symbol as { observable?: symbol }).observable;
    }
  });

  it('calls the teardown function a minimal observable returns', async () => {
    const teardown = sinon.spy();
    const minimal = { subscribe: () => teardown };
    const it = fromObservable(minimal);
    expect(teardown.callCount).to.equal(0);
    await it.return();
    expect(teardown.callCount).to.equal(1);
  });

  it('refuses what is not an Observable, and overflow pause, with TypeErrors', () => {
    expect(() => fromObservable({} as never)).to.throw(TypeError, /Observable.*got a plain object/);
    expect(() => fromObservable(42 as never)).to.throw(TypeError, /got the number 42/);
    expect(() => fromObservable(of(1), { buffer: { overflow: 'pause' } })).to.throw(TypeError, /cannot be paused/);
  });
});
