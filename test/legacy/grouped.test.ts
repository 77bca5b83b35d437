import { expect } from 'chai';
import sinon from 'sinon';
import { Enumeratee, Enumerator, Input, Iteratee } from '../../src/index.js';
import { resetDeprecationWarnings } from '../../src/util/deprecation.js';

const run = <T>(e: Enumerator<T>): Promise<T[]> => e.run(Iteratee.getChunks<T>());

/** A folder that collects `n` elements (Play's `Enumeratee.take(n) &>> Iteratee.getChunks`). */
const chunksOf = (n: number): Iteratee<number, number[]> =>
  Enumeratee.take<number>(n).applyOn(Iteratee.getChunks<number>()).map((inner) => inner.run());

/** Concatenates strings until the marker 'Concat', which ends the group and is consumed. */
const concatUntilMarker = (acc = ''): Iteratee<string, string> =>
  Iteratee.cont((input) => {
    if (input.kind === 'eof') return Iteratee.done(acc, input);
    if (input.kind === 'empty') return concatUntilMarker(acc);
    return input.value === 'Concat' ? Iteratee.done(acc) : concatUntilMarker(acc + input.value);
  });

/** One line out of string chunks: what follows the newline is handed back as left-over input. */
const line = (acc = ''): Iteratee<string, string> =>
  Iteratee.cont((input) => {
    if (input.kind === 'eof') return Iteratee.done(acc, input);
    if (input.kind === 'empty') return line(acc);
    const at = input.value.indexOf('\n');
    if (at < 0) return line(acc + input.value);
    const rest = input.value.slice(at + 1);
    return Iteratee.done(acc + input.value.slice(0, at), rest === '' ? Input.Empty : Input.el(rest));
  });

describe('legacy Enumeratee.grouped', () => {
  it('groups the elements with the folder, one element per group (Play: grouped by a folder iteratee)', async () => {
    const words = Enumerator.of('He', 'll', 'o', 'Concat', 'Wo', 'r', 'ld', 'Concat', '!');
    expect(await run(words.through(Enumeratee.grouped(concatUntilMarker())))).to.deep.equal(['Hello', 'World', '!']);
  });

  it('runs the last group on EOF and passes its result on, even an empty group, as Play does', async () => {
    expect(await run(Enumerator.of(1, 2, 3, 4, 5).through(Enumeratee.grouped(chunksOf(2))))).to.deep.equal([[1, 2], [3, 4], [5]]);
    expect(await run(Enumerator.of(1, 2, 3, 4).through(Enumeratee.grouped(chunksOf(2))))).to.deep.equal([[1, 2], [3, 4], []]);
    expect(await run(Enumerator.empty<number>().through(Enumeratee.grouped(chunksOf(2))))).to.deep.equal([[]]);
  });

  it('feeds what a group left over to the next group (Play: lines across chunks)', async () => {
    const chunks = Enumerator.of('dasdasdas ', 'dadadasda\nshouldb\neinnext');
    const lines = Enumeratee.grouped(line()).compose(Enumeratee.map((s: string) => `${s}|`));
    expect(await chunks.through(lines).run(Iteratee.consume<string>())).to.equal('dasdasdas dadadasda|shouldb|einnext|');
    expect(await run(Enumerator.of('a\nb\n', 'c\n').through(Enumeratee.grouped(line())))).to.deep.equal(['a', 'b', 'c', '']);
  });

  it('keeps no state between applications', async () => {
    const pairs = Enumerator.of(1, 2, 3).through(Enumeratee.grouped(chunksOf(2)));
    expect(await run(pairs)).to.deep.equal([[1, 2], [3]]);
    expect(await run(pairs)).to.deep.equal([[1, 2], [3]]);
  });

  it('an iteratee Done early stops the enumerator after the group it needed', async () => {
    let n = 0;
    const retriever = sinon.fake(async () => ++n);
    const doneEnumerating = sinon.spy();
    const first = await Enumerator.repeatM(retriever).onDoneEnumerating(doneEnumerating).through(Enumeratee.grouped(chunksOf(3))).run(Iteratee.head());
    expect(first).to.deep.equal([1, 2, 3]);
    expect(retriever.callCount).to.equal(3);
    expect(doneEnumerating.callCount).to.equal(1);
    n = 0;
    const two = Enumeratee.grouped(chunksOf(2)).compose(Enumeratee.take<number[]>(2));
    expect(await run(Enumerator.repeatM(retriever).through(two))).to.deep.equal([[1, 2], [3, 4]]);
    expect(retriever.callCount).to.equal(7);
  });

  it('a folder in Error fails the run with its message', async () => {
    const failing = Iteratee.cont<number, number>((input) => (input.kind === 'el' && input.value === 2 ? Iteratee.error('bad group') : Iteratee.done(0)));
    const error = await run(Enumerator.of(1, 2, 3).through(Enumeratee.grouped(failing))).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal('bad group');
  });

  it('a folder that throws fails the run with the same error', async () => {
    const boom = new Error('folder failed');
    const throwing = Iteratee.fold<number, number>(0, (sum, v) => {
      if (v === 3) throw boom;
      return sum + v;
    });
    expect(await run(Enumerator.of(1, 2, 3).through(Enumeratee.grouped(throwing))).catch((e: unknown) => e)).to.equal(boom);
  });

  it('a folder that hands back its element unconsumed fails the run instead of repeating forever', async () => {
    const stuck = Iteratee.cont<number, string>((input) => Iteratee.done('never', input));
    const error = await run(Enumerator.of(1).through(Enumeratee.grouped(stuck))).catch((e: unknown) => e);
    expect((error as Error).message).to.equal('Enumeratee.grouped: the folder finished a group without consuming any element');
  });

  it('refuses a folder that is not an Iteratee with a TypeError at the call', () => {
    expect(() => Enumeratee.grouped({} as never)).to.throw(TypeError, 'Enumeratee.grouped needs an Iteratee, got');
    expect(() => Enumeratee.grouped(undefined as never)).to.throw(TypeError, 'Enumeratee.grouped needs an Iteratee');
  });

  it('warns once with the Enumeratee code COMETBRIDGE_DEP0003', () => {
    const folder = chunksOf(2);
    resetDeprecationWarnings();
    const emitWarning = sinon.stub(process, 'emitWarning');
    try {
      Enumeratee.grouped(folder);
      Enumeratee.grouped(folder);
      const codes = emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code);
      expect(codes).to.deep.equal(['COMETBRIDGE_DEP0003']);
    } finally {
      emitWarning.restore();
      resetDeprecationWarnings();
    }
  });
});
