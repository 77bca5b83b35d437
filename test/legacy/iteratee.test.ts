import { expect } from 'chai';
import { Enumeratee, Enumerator, Input, Iteratee } from '../../src/index.js';
import { turn } from '../support/timing.js';

/** An iteratee that records every input it is fed and is Done on EOF. */
function recorder(): { it: Iteratee<number, string[]>; seen: string[] } {
  const seen: string[] = [];
  const k = (input: Input<number>): Iteratee<number, string[]> => {
    seen.push(input.kind === 'el' ? `el:${input.value}` : input.kind);
    return input.kind === 'eof' ? Iteratee.done(seen) : Iteratee.cont(k);
  };
  return { it: Iteratee.cont(k), seen };
}

describe('legacy Input', () => {
  it('el carries its value; Empty and EOF are the other two kinds', () => {
    expect(Input.el(5)).to.include({ kind: 'el', value: 5 });
    expect(Input.Empty.kind).to.equal('empty');
    expect(Input.EOF.kind).to.equal('eof');
    expect(Input.EOF).to.equal(Input.EOF);
  });
});

describe('legacy Iteratee', () => {
  it('foreach calls fn per element in order, awaiting a returned Promise before the next', async () => {
    const log: string[] = [];
    await Enumerator.of(1, 2, 3).run(
      Iteratee.foreach<number>(async (v) => {
        log.push(`start ${v}`);
        await turn();
        log.push(`end ${v}`);
      }),
    );
    expect(log).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('fold accepts a value or a Promise from fn', async () => {
    expect(await Enumerator.of(1, 2, 3).run(Iteratee.fold(10, (s, v: number) => s + v))).to.equal(16);
    expect(await Enumerator.of('a', 'b').run(Iteratee.fold('', async (s, v: string) => s + v))).to.equal('ab');
  });

  it('fold fails the run with the error fn throws', async () => {
    const boom = new Error('boom');
    const err = await Enumerator.of(1, 2).run(Iteratee.fold(0, () => { throw boom; })).catch((e: unknown) => e);
    expect(err).to.equal(boom);
  });

  it('consume concatenates strings, and bytes into a Buffer; an empty stream gives ""', async () => {
    expect(await Enumerator.of('ab', 'c').run(Iteratee.consume())).to.equal('abc');
    const bytes = await Enumerator.of<Uint8Array>(Buffer.from('hi '), new Uint8Array([0x21])).run(Iteratee.consume<Uint8Array>());
    expect(Buffer.isBuffer(bytes)).to.equal(true);
    expect(Buffer.from(bytes).toString()).to.equal('hi !');
    expect(await Enumerator.empty<string>().run(Iteratee.consume<string>())).to.equal('');
  });

  it('consume concatenates array chunks into one array, as Play does for sequences', async () => {
    // Play: Enumerator(List(1, 2), List(3)) |>>> Iteratee.consume[List[Int]]() gives List(1, 2, 3)
    const joined = await Enumerator.of([1, 2], [3]).run(Iteratee.consume<number[]>());
    expect(joined).to.deep.equal([1, 2, 3]);
    expect(await Enumerator.of([[1]], [], [[2, 3]]).run(Iteratee.consume<number[][]>())).to.deep.equal([[1], [2, 3]]);
    const once = Iteratee.consume<string[]>();
    expect(await Enumerator.of(['a']).run(once)).to.deep.equal(['a']);
    expect(await Enumerator.of(['b'], ['c']).run(once), 'a second run starts afresh').to.deep.equal(['b', 'c']);
  });

  it('consume fails the run with a TypeError naming both kinds when chunks cannot be concatenated', async () => {
    const mixed = await Enumerator.of<string | number[]>('ab', [1]).run(Iteratee.consume<string | number[]>()).catch((e: unknown) => e);
    expect(mixed).to.be.instanceOf(TypeError);
    expect((mixed as Error).message).to.equal('Iteratee.consume: cannot concatenate a string chunk with an array chunk');
    const bytes = await Enumerator.of<Uint8Array | number[]>([1], Buffer.from('x')).run(Iteratee.consume<Uint8Array | number[]>()).catch((e: unknown) => e);
    expect((bytes as Error).message).to.equal('Iteratee.consume: cannot concatenate an array chunk with a byte array chunk');
    const other = await Enumerator.of<never>(1 as never).run(Iteratee.consume<never>()).catch((e: unknown) => e);
    expect(other).to.be.instanceOf(TypeError);
    expect((other as Error).message).to.equal('Iteratee.consume: a chunk must be a string, a byte array or an array, got the number 1');
  });

  it('consume checks each chunk as it arrives: the enumerator stops at the first one of another kind', async () => {
    let pulled = 0;
    const chunks = Enumerator.generateM<string | number[]>(() => (++pulled <= 5 ? (pulled === 2 ? [2] : 'x') : undefined));
    const err = await chunks.run(Iteratee.consume<string | number[]>()).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TypeError);
    expect(pulled).to.equal(2);
  });

  it('consume takes arrays from enumeratee compositions: map(i => i + 1) then map(i => [i]) over 1..4', async () => {
    const wrap = Enumeratee.map((i: number) => i + 1).compose(Enumeratee.map((i: number) => [i]));
    expect(await Enumerator.enumerate([1, 2, 3, 4]).through(wrap).run(Iteratee.consume<number[]>())).to.deep.equal([2, 3, 4, 5]);
    const chunked = Enumeratee.grouped(Iteratee.getChunks<number>().map((all) => all)).compose(Enumeratee.take<number[]>(1));
    expect(await Enumerator.of(7, 8).through(chunked).run(Iteratee.consume<number[]>())).to.deep.equal([7, 8]);
  });

  it('getChunks collects in order, and the same iteratee can be run twice independently', async () => {
    const chunks = Iteratee.getChunks<number>();
    expect(await Enumerator.of(1, 2).run(chunks)).to.deep.equal([1, 2]);
    expect(await Enumerator.of(3).run(chunks)).to.deep.equal([3]);
  });

  it('head gives the first element, or undefined for an empty stream', async () => {
    expect(await Enumerator.of('x', 'y').run(Iteratee.head())).to.equal('x');
    expect(await Enumerator.empty<string>().run(Iteratee.head())).to.equal(undefined);
  });

  it('ignore consumes everything and gives undefined', async () => {
    expect(await Enumerator.of(1, 2, 3).run(Iteratee.ignore())).to.equal(undefined);
  });

  it('done, cont, error and flatten build iteratees in each step', async () => {
    expect(await Iteratee.done<number, string>('r').step()).to.deep.include({ kind: 'done', value: 'r' });
    expect((await Iteratee.cont<number, number>(() => Iteratee.done(1)).step()).kind).to.equal('cont');
    expect(await Iteratee.error<number, number>('bad').step()).to.deep.include({ kind: 'error', message: 'bad' });
    expect(await Iteratee.flatten(Promise.resolve(Iteratee.done<number, number>(7))).run()).to.equal(7);
  });

  it('run feeds EOF to a Cont iteratee; Error and diverging iteratees reject', async () => {
    const { it, seen } = recorder();
    expect(await it.run()).to.deep.equal(['eof']);
    expect(seen).to.deep.equal(['eof']);
    const err = await Iteratee.error('it broke').run().catch((e: Error) => e);
    expect((err as Error).message).to.equal('it broke');
    const diverging = Iteratee.cont<number, number>(function k(): Iteratee<number, number> { return Iteratee.cont(k); });
    expect(((await diverging.run().catch((e: Error) => e)) as Error).message).to.equal('diverging iteratee after Input.EOF');
  });

  it('feed moves a Cont iteratee on and leaves a Done one as it is', async () => {
    const { it, seen } = recorder();
    const after = await (await it.feed(Input.el(4))).feed(Input.Empty);
    expect(seen).to.deep.equal(['el:4', 'empty']);
    expect((await after.step()).kind).to.equal('cont');
    const finished = Iteratee.done<number, number>(1);
    expect(await finished.feed(Input.el(2))).to.equal(finished);
  });

  it('map transforms the result, sync or async', async () => {
    expect(await Enumerator.of(1, 2).run(Iteratee.getChunks<number>().map((a) => a.length))).to.equal(2);
    expect(await Enumerator.of(1).run(Iteratee.head<number>().map(async (v) => `v=${v}`))).to.equal('v=1');
  });

  it('a continuation that throws fails the run with its error', async () => {
    const boom = new TypeError('k failed');
    const it = Iteratee.cont<number, number>(() => { throw boom; });
    expect(await Enumerator.of(1).run(it).catch((e: unknown) => e)).to.equal(boom);
  });
});
