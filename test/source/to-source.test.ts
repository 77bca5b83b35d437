import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import _ from 'highland';
import { of } from 'rxjs';
import sinon from 'sinon';
import ZenObservable from 'zen-observable';
import { fromEventEmitter, toSource } from '../../src/source/index.js';
import { cutoffKey, cutoffOf } from '../../src/util/cutoff.js';
import { rest } from './fixtures/helpers.js';
import { ScriptPublisher } from './fixtures/harnesses.js';
import { turn } from '../support/timing.js';

async function* gen() {
  yield 1;
  yield 2;
}

describe('toSource', () => {
  const accepted: [string, () => unknown, unknown[]][] = [
    ['an async generator', () => gen(), [1, 2]],
    ['an array, awaiting promise elements', () => [1, Promise.resolve(2), 3], [1, 2, 3]],
    ['a Set', () => new Set(['a', 'b']), ['a', 'b']],
    ['a Node Readable', () => Readable.from(['x', 'y']), ['x', 'y']],
    ['a Highland stream', () => _([1, 2, 3]).map((x: number) => x + 1), [2, 3, 4]],
    ['an RxJS Observable', () => of(7, 8), [7, 8]],
    ['a zen-observable Observable', () => new ZenObservable<number>((o) => (o.next(9), o.complete())), [9]],
    [
      'a Reactive Streams Publisher',
      () => {
        const p = new ScriptPublisher();
        p.script.push({ value: 'p' }, { end: true });
        return p;
      },
      ['p'],
    ],
    ['a Promise (one value)', () => Promise.resolve('only'), ['only']],
    ['a thenable', () => ({ then: (resolve: (v: string) => void) => resolve('then') }), ['then']],
  ];
  for (const [name, make, values] of accepted) {
    it(`accepts ${name}`, async () => {
      expect(await rest(toSource(make() as never))).to.deep.equal({ values });
    });
  }

  it('fails with the rejection of a Promise', async () => {
    const boom = new Error('rejected');
    expect(await rest(toSource(Promise.reject(boom)))).to.deep.equal({ values: [], error: boom });
  });

  it('takes charge of a rejection at once, so it is never unhandled', async () => {
    const unhandled = sinon.spy();
    process.on('unhandledRejection', unhandled);
    try {
      const it = toSource(Promise.reject(new Error('later')));
      for (let i = 0; i < 3; i++) await turn();
      expect(unhandled.callCount).to.equal(0);
      expect((await rest(it)).error).to.be.instanceOf(Error);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('returns its own iterators unchanged', () => {
    const it = fromEventEmitter(new EventEmitter(), 'data');
    expect(toSource(it)).to.equal(it);
  });

  it('checks Symbol.asyncIterator before subscribe', async () => {
    const subscribe = sinon.spy();
    const both = { subscribe, [Symbol.asyncIterator]: () => gen() };
    expect(await rest(toSource(both))).to.deep.equal({ values: [1, 2] });
    expect(subscribe.callCount).to.equal(0);
  });

  it('ends, rather than fails, when a Readable is destroyed without an error', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    const it = toSource(readable);
    readable.push('a');
    expect((await it.next()).value).to.equal('a');
    readable.destroy();
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('calls return() on a sync iterator when the consumer stops early', async () => {
    const finished = sinon.spy();
    function* letters() {
      try {
        yield 'a';
        yield 'b';
      } finally {
        finished();
      }
    }
    for await (const v of toSource(letters())) {
      expect(v).to.equal('a');
      break;
    }
    expect(finished.callCount).to.equal(1);
  });

  it('rejects, never throws, when the wrapped next() throws synchronously; then is done', async () => {
    const boom = new Error('next threw');
    const it = toSource<number>({ [Symbol.asyncIterator]: () => ({ next: () => { throw boom; } }) });
    let pending: Promise<IteratorResult<number>> | undefined;
    expect(() => (pending = it.next())).to.not.throw();
    expect(await pending!.catch((e: unknown) => e)).to.equal(boom);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('return() during a pending next() settles it at once; return() itself waits for the source’s return()', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const finished = sinon.spy();
    async function* waiting() {
      try {
        await stuck;
        yield 1;
      } finally {
        finished();
      }
    }
    const it = toSource(waiting());
    const pending = it.next();
    let returned = false;
    const stopping = it.return().then(() => (returned = true));
    expect(await pending).to.deep.equal({ value: undefined, done: true });
    await turn();
    expect([returned, finished.callCount]).to.deep.equal([false, 0]);
    release();
    await stopping;
    expect(finished.callCount).to.equal(1);
  });

  it('refuses strings, with a TypeError saying why', () => {
    expect(() => toSource('abc' as never)).to.throw(TypeError, /a string is not a source .*character/);
    expect(() => toSource(new String('abc') as never)).to.throw(TypeError, /a string is not a source/);
  });

  for (const [value, described] of [
    [42, 'the number 42'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{}, 'a plain object'],
    [() => 1, 'an anonymous function'],
    [new Date(0), 'an instance of Date'],
  ] as [unknown, string][]) {
    it(`refuses ${described} with a TypeError naming it and listing what is accepted`, () => {
      expect(() => toSource(value as never)).to.throw(
        TypeError,
        new RegExp(`cannot make a source from ${described}; accepted: an AsyncIterable .* a Promise`),
      );
    });
  }

  it('points an EventEmitter to fromEventEmitter', () => {
    expect(() => toSource(new EventEmitter() as never)).to.throw(TypeError, /an instance of EventEmitter .*fromEventEmitter\(emitter, event\)/);
  });
});

describe('toSource: the cut-off signal and an early return()', () => {
  const cutoff = new AbortController().signal;
  const carrying = <T extends object>(x: T): T => Object.assign(x, { [cutoffKey]: cutoff });

  it('keeps the cut-off signal of what it wraps', () => {
    async function* ticks() {
      yield 1;
    }
    for (const source of [ticks(), [1, 2], Readable.from(['x']), Promise.resolve(1)]) {
      const it = toSource(carrying(source) as never);
      expect(it).to.not.equal(source);
      expect(cutoffOf(it)).to.equal(cutoff);
    }
    expect(cutoffOf(toSource([1]))).to.equal(undefined);
  });

  it('keeps the cut-off signal of an iterator it returns unchanged', () => {
    const own = carrying(fromEventEmitter(new EventEmitter(), 'tick'));
    expect(toSource(own)).to.equal(own);
    expect(cutoffOf(toSource(own))).to.equal(cutoff);
  });

  it('return() before the first next() calls the return() of a sync iterator at once', async () => {
    const stop = sinon.spy(() => ({ value: undefined, done: true as const }));
    const iterable = { [Symbol.iterator]: () => ({ next: () => ({ value: 1, done: false }), return: stop }) };
    const returning = toSource(iterable).return();
    expect(stop.callCount).to.equal(1);
    expect(await returning).to.deep.equal({ value: undefined, done: true });
  });

  it('return() before the first next() leaves a Promise source done, its value never read', async () => {
    const it = toSource(Promise.resolve('never read'));
    await it.return();
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });
});

describe('the pull iterator: one rule for a teardown that throws', () => {
  const broken = new Error('return failed');
  const throwingReturn = () => ({
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<number>>(() => {}),
      return: () => {
        throw broken;
      },
    }),
  });

  it('return() rejects with it, after settling a pending next() with done', async () => {
    const it = toSource<number>(throwingReturn());
    const pending = it.next();
    expect(await it.return().catch((e: unknown) => e)).to.equal(broken);
    expect(await pending).to.deep.equal({ value: undefined, done: true });
  });

  it("throw(error) rejects with its own error: the teardown's does not replace it", async () => {
    const it = toSource<number>(throwingReturn());
    const mine = new Error('mine');
    expect(await it.throw(mine).catch((e: unknown) => e)).to.equal(mine);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
  });
});
