import { expect } from 'chai';
import sinon from 'sinon';
import { Enumeratee, Enumerator, Iteratee } from '../../src/index.js';
import { sleep } from '../support/timing.js';

const run = <T>(e: Enumerator<T>): Promise<T[]> => e.run(Iteratee.getChunks<T>());

describe('legacy Enumeratee', () => {
  it('map maps each element', async () => {
    expect(await run(Enumerator.of(1, 2, 3).through(Enumeratee.map((v: number) => `#${v}`)))).to.deep.equal(['#1', '#2', '#3']);
  });

  it('mapM maps with an async function, in order', async () => {
    const slowFirst = Enumeratee.mapM(async (v: number) => {
      await sleep(v === 1 ? 5 : 0);
      return v * 10;
    });
    expect(await run(Enumerator.of(1, 2, 3).through(slowFirst))).to.deep.equal([10, 20, 30]);
  });

  it('filter keeps the elements the predicate accepts', async () => {
    expect(await run(Enumerator.of(1, 2, 3, 4).through(Enumeratee.filter((v: number) => v % 2 === 0)))).to.deep.equal([2, 4]);
    expect(await run(Enumerator.of(1, 2).through(Enumeratee.filter(async (v: number) => v > 1)))).to.deep.equal([2]);
  });

  it('collect maps and drops what maps to undefined', async () => {
    const parse = Enumeratee.collect((s: string) => (/^\d+$/.test(s) ? Number(s) : undefined));
    expect(await run(Enumerator.of('1', 'x', '22').through(parse))).to.deep.equal([1, 22]);
  });

  it('take passes the first n and stops the enumerator; take(0) passes nothing', async () => {
    const fn = sinon.fake(async () => 'v');
    expect(await run(Enumerator.repeatM(fn).through(Enumeratee.take(2)))).to.deep.equal(['v', 'v']);
    expect(fn.callCount).to.equal(2);
    expect(await run(Enumerator.of(1, 2).through(Enumeratee.take(0)))).to.deep.equal([]);
    expect(() => Enumeratee.take(-1)).to.throw(RangeError);
    expect(() => Enumeratee.take(1.5)).to.throw(RangeError, 'Enumeratee.take: count must be a non-negative integer, got 1.5');
    expect(() => Enumeratee.take('2' as unknown as number)).to.throw(TypeError, 'Enumeratee.take: count must be a non-negative integer, got a string');
  });

  it('take keeps no state between applications', async () => {
    const e = Enumerator.of(1, 2, 3).through(Enumeratee.take(2));
    expect(await run(e)).to.deep.equal([1, 2]);
    expect(await run(e)).to.deep.equal([1, 2]);
  });

  it('an applied take or drop is immutable: the same iteratee run twice counts from the start both times', async () => {
    const firstTwo = Enumeratee.take<number>(2).applyOn(Iteratee.getChunks<number>()).map((inner) => inner.run());
    expect(await Enumerator.of(1, 2, 3).run(firstTwo)).to.deep.equal([1, 2]);
    expect(await Enumerator.of(4, 5, 6).run(firstTwo)).to.deep.equal([4, 5]);
    const afterOne = Enumeratee.drop<number>(1).applyOn(Iteratee.getChunks<number>()).map((inner) => inner.run());
    expect(await Enumerator.of(1, 2).run(afterOne)).to.deep.equal([2]);
    expect(await Enumerator.of(3, 4).run(afterOne)).to.deep.equal([4]);
  });

  it('drop skips the first n', async () => {
    expect(await run(Enumerator.of(1, 2, 3).through(Enumeratee.drop(2)))).to.deep.equal([3]);
    expect(() => Enumeratee.drop(Number.NaN)).to.throw(RangeError, 'Enumeratee.drop: count must be a non-negative integer, got NaN');
    expect(() => Enumeratee.drop(null as unknown as number)).to.throw(TypeError, 'Enumeratee.drop: count must be a non-negative integer, got null');
  });

  it('compose chains two enumeratees (Play ><>)', async () => {
    const both = Enumeratee.drop<number>(1).compose(Enumeratee.map((v: number) => v + 100));
    expect(await run(Enumerator.of(1, 2, 3).through(both))).to.deep.equal([102, 103]);
    const capped = Enumeratee.map((v: number) => v * 2).compose(Enumeratee.take<number>(2));
    expect(await run(Enumerator.of(1, 2, 3).through(capped))).to.deep.equal([2, 4]);
  });

  it('applyOn wraps an iteratee: on EOF it is Done with the inner iteratee, still in Cont', async () => {
    const outer = Enumeratee.map((v: number) => v + 1).applyOn(Iteratee.getChunks<number>());
    const inner = await Enumerator.of(1, 2).run(outer);
    expect((await inner.step()).kind).to.equal('cont');
    expect(await inner.run()).to.deep.equal([2, 3]);
  });

  it('an error thrown by the mapping fails the run with it', async () => {
    const boom = new Error('map failed');
    const e = Enumerator.of(1).through(Enumeratee.map(() => { throw boom; }));
    expect(await run(e).catch((x: unknown) => x)).to.equal(boom);
  });
});
