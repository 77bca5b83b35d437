/**
 * Behaviour that follows Play's iteratee library where a simpler port would differ: what `repeatM`
 * repeats, which steps may be asynchronous, where `Input.Empty` goes, and when `interleave` sends EOF.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Concurrent, Enumeratee, Enumerator, Input, Iteratee } from '../../src/index.js';
import { turn } from '../support/timing.js';

/** An iteratee that records the kind of every input (and each element) and is Done on EOF. */
function recorder<E>(): { it: Iteratee<E, string[]>; seen: string[] } {
  const seen: string[] = [];
  const k = (input: Input<E>): Iteratee<E, string[]> => {
    seen.push(input.kind === 'el' ? `el:${String(input.value)}` : input.kind);
    return input.kind === 'eof' ? Iteratee.done(seen) : Iteratee.cont(k);
  };
  return { it: Iteratee.cont(k), seen };
}

/** What `recorder` sees when `inputs` are pushed through `enumeratee` on a broadcast channel, then EOF. */
async function through<E>(enumeratee: Enumeratee<E, E>, inputs: (E | Input<E>)[]): Promise<string[]> {
  const [enumerator, channel] = Concurrent.broadcast<E>();
  const { it, seen } = recorder<E>();
  const running = enumerator.through(enumeratee).run(it);
  for (const input of inputs) channel.push(input);
  channel.eofAndEnd();
  await running;
  return seen;
}

describe('legacy API: Play semantics', () => {
  it('repeatM repeats whatever fn gives, undefined included (it never ends by itself)', async () => {
    const fn = sinon.fake(() => undefined);
    expect(await Enumerator.repeatM(fn).through(Enumeratee.take(3)).run(Iteratee.getChunks())).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
    expect(fn.callCount).to.equal(3);
  });

  it('fold and foreach wait for any thenable fn returns, not only native Promises', async () => {
    const later = <T>(value: T): PromiseLike<T> =>
      ({ then: (resolve: (v: T) => void) => void setImmediate(() => resolve(value)) }) as unknown as PromiseLike<T>;
    expect(await Enumerator.of(1, 2, 3).run(Iteratee.fold(0, (sum, v: number) => later(sum + v)))).to.equal(6);
    const log: string[] = [];
    await Enumerator.of('a', 'b').run(
      Iteratee.foreach((v: string) => ({ then: (resolve: () => void) => void setImmediate(() => (log.push(`end ${v}`), resolve())) })),
    );
    expect(log).to.deep.equal(['end a', 'end b']);
  });

  it('map, mapM, filter, collect and take pass Input.Empty on to the inner iteratee', async () => {
    const cases: [string, Enumeratee<number, number>][] = [
      ['map', Enumeratee.map((v: number) => v)],
      ['mapM', Enumeratee.mapM(async (v: number) => v)],
      ['filter', Enumeratee.filter((v: number) => v > 0)],
      ['collect', Enumeratee.collect((v: number) => v)],
      ['take', Enumeratee.take<number>(5)],
    ];
    for (const [name, enumeratee] of cases) {
      expect(await through(enumeratee, [Input.Empty, 1, Input.Empty]), name).to.deep.equal(['empty', 'el:1', 'empty', 'eof']);
    }
  });

  it('drop swallows Input.Empty while it is still dropping, and passes it on afterwards', async () => {
    expect(await through(Enumeratee.drop<number>(1), [Input.Empty, 1, Input.Empty, 2])).to.deep.equal(['empty', 'el:2', 'eof']);
  });

  it('generateM and unfoldM stop asking as soon as the iteratee is Done', async () => {
    const gen = sinon.fake(async () => 'g');
    expect(await Enumerator.generateM(gen).run(Iteratee.head())).to.equal('g');
    const unfold = sinon.fake(async (s: number) => [s + 1, s] as const);
    expect(await Enumerator.unfoldM(7, unfold).run(Iteratee.head())).to.equal(7);
    await turn();
    expect([gen.callCount, unfold.callCount]).to.deep.equal([1, 1]);
  });

  it('fromCallback calls onError for an iteratee already in Error, and for one whose step fails', async () => {
    const onError = sinon.spy();
    const onComplete = sinon.spy();
    const e = Enumerator.fromCallback(async () => 'x', onComplete, onError);
    const failed = await e.run(Iteratee.error<string, string>('foo')).catch((x: Error) => x.message);
    expect(failed).to.equal('foo');
    expect(onError.args).to.deep.equal([['foo', Input.Empty]]);
    const boom = new Error('fold failed');
    expect(await e.run(Iteratee.fold('', () => Promise.reject(boom))).catch((x: unknown) => x)).to.equal(boom);
    expect(onError.secondCall.args).to.deep.equal(['fold failed', Input.Empty]);
    expect([onError.callCount, onComplete.callCount]).to.deep.equal([2, 1]);
  });

  it('interleave feeds EOF once, and only after every enumerator has sent EOF', async () => {
    const withEof = (values: number[]) => Enumerator.fromCallback(async () => values.shift());
    const both = recorder<number>();
    const after = await withEof([1]).interleave(withEof([2])).apply(both.it);
    expect(both.seen.filter((s) => s === 'eof')).to.deep.equal(['eof']);
    expect(both.seen.at(-1)).to.equal('eof');
    expect((await after.step()).kind).to.equal('done');
    const one = recorder<number>();
    const open = await withEof([1]).interleave(Enumerator.of(2)).apply(one.it);
    expect([...one.seen].sort()).to.deep.equal(['el:1', 'el:2']);
    expect((await open.step()).kind).to.equal('cont');
  });
});
