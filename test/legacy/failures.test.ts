/**
 * The legacy API when something goes wrong: an enumerator that throws, an iteratee that fails part
 * way, and arguments that are not what the call takes (refused at the call, not later).
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Enumeratee, Enumerator, Iteratee, Streams } from '../../src/index.js';
import { turn } from '../support/timing.js';

/** An enumerator whose apply throws instead of returning a Promise. */
function throwing(error: Error): Enumerator<number> {
  return new Enumerator<number>(() => {
    throw error;
  });
}

describe('legacy API: failures', () => {
  it('an enumerator whose apply throws: apply() and run() reject, they never throw', async () => {
    const boom = new Error('apply threw');
    const e = throwing(boom);
    let applied: Promise<unknown> | undefined;
    expect(() => (applied = e.apply(Iteratee.ignore()))).to.not.throw();
    expect(await applied!.catch((x: unknown) => x)).to.equal(boom);
    expect(await e.run(Iteratee.ignore()).catch((x: unknown) => x)).to.equal(boom);
  });

  it('an enumerator whose apply throws, as a source: next() rejects once, then is done; concurrent calls settle', async () => {
    const boom = new Error('apply threw');
    const source = Streams.enumeratorToSource(throwing(boom));
    let first: Promise<IteratorResult<number>> | undefined;
    expect(() => (first = source.next())).to.not.throw();
    const second = source.next();
    expect(await first!.catch((x: unknown) => x)).to.equal(boom);
    expect(await second).to.deep.equal({ done: true, value: undefined });
    expect(await source.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('interleave: an enumerator whose apply throws fails the run and stops the others', async () => {
    const boom = new Error('apply threw');
    const ticks = sinon.fake(async () => {
      await turn();
      return 1;
    });
    const stopped = sinon.spy();
    const other = Enumerator.repeatM(ticks).onDoneEnumerating(stopped);
    expect(await other.interleave(throwing(boom)).run(Iteratee.ignore()).catch((x: unknown) => x)).to.equal(boom);
    for (let i = 0; i < 5 && !stopped.called; i++) await turn();
    const calls = ticks.callCount;
    await turn();
    await turn();
    expect([stopped.callCount, ticks.callCount]).to.deep.equal([1, calls]);
  });

  it('enumerate: an iteratee that fails part way closes the generator (its finally runs)', async () => {
    const boom = new Error('fold failed');
    let closed = false;
    function* numbers(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const fold = Iteratee.fold(0, (_s: number, v: number) => {
      if (v === 2) throw boom;
      return v;
    });
    expect(await Enumerator.enumerate(numbers()).run(fold).catch((x: unknown) => x)).to.equal(boom);
    expect(closed).to.equal(true);
  });
});

describe('legacy API: arguments are checked at the call', () => {
  const notFn = 'not a function' as never;
  const cases: [string, () => unknown][] = [
    ['Enumerator#andThen', () => Enumerator.of(1).andThen({} as never)],
    ['Enumerator#through', () => Enumerator.of(1).through({} as never)],
    ['Enumerator#map', () => Enumerator.of(1).map(notFn)],
    ['Enumerator#onDoneEnumerating', () => Enumerator.of(1).onDoneEnumerating(notFn)],
    ['Enumerator#apply', () => Enumerator.of(1).apply({} as never)],
    ['Enumerator#run', () => Enumerator.of(1).run({} as never)],
    ['Enumeratee#compose', () => Enumeratee.take(1).compose({} as never)],
    ['Enumeratee#applyOn', () => Enumeratee.take(1).applyOn({} as never)],
    ['Enumeratee.map', () => Enumeratee.map(notFn)],
    ['Enumeratee.mapM', () => Enumeratee.mapM(notFn)],
    ['Enumeratee.filter', () => Enumeratee.filter(notFn)],
    ['Enumeratee.collect', () => Enumeratee.collect(notFn)],
    ['Iteratee.foreach', () => Iteratee.foreach(notFn)],
    ['Iteratee.fold', () => Iteratee.fold(0, notFn)],
    ['Iteratee.cont', () => Iteratee.cont(notFn)],
    ['Iteratee#map', () => Iteratee.ignore().map(notFn)],
  ];
  for (const [name, call] of cases) {
    it(`${name} refuses a bad argument with a TypeError naming the call`, () => {
      expect(call).to.throw(TypeError, name.replace('#', '.'));
    });
  }
});
