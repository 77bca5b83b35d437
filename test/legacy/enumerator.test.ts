import { expect } from 'chai';
import sinon from 'sinon';
import { Readable } from 'node:stream';
import { Enumeratee, Enumerator, Input, Iteratee } from '../../src/index.js';
import { turn } from '../support/timing.js';

describe('legacy Enumerator constructors', () => {
  it('of feeds its values in order and no EOF (apply leaves the iteratee in Cont)', async () => {
    expect(await Enumerator.of('a', 'b', 'c').run(Iteratee.getChunks())).to.deep.equal(['a', 'b', 'c']);
    const after = await Enumerator.of(1, 2).apply(Iteratee.getChunks<number>());
    expect((await after.step()).kind).to.equal('cont');
  });

  it('enumerate iterates afresh per application, and returns a generator the iteratee stopped early', async () => {
    const e = Enumerator.enumerate(new Set([1, 2, 3]));
    expect(await e.run(Iteratee.getChunks())).to.deep.equal([1, 2, 3]);
    expect(await e.run(Iteratee.getChunks())).to.deep.equal([1, 2, 3]);
    let produced = 0;
    let closed = false;
    function* naturals(): Generator<number> {
      try {
        for (;;) yield ++produced;
      } finally {
        closed = true;
      }
    }
    expect(await Enumerator.enumerate(naturals()).run(Iteratee.head())).to.equal(1);
    expect(produced).to.equal(1);
    expect(closed).to.equal(true);
    expect(() => Enumerator.enumerate(42 as never)).to.throw(TypeError, 'Iterable');
  });

  it('enumerate fails the run with the error the iterable throws', async () => {
    const boom = new Error('iterable broke');
    function* bad(): Generator<number> {
      yield 1;
      throw boom;
    }
    expect(await Enumerator.enumerate(bad()).run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
  });

  it('empty feeds nothing', async () => {
    expect(await Enumerator.empty<number>().run(Iteratee.getChunks())).to.deep.equal([]);
  });

  it('fromCallback (Promise style) feeds values, then EOF, then calls onComplete once', async () => {
    const values = [1, 2];
    const onComplete = sinon.spy();
    const onError = sinon.spy();
    const seen: string[] = [];
    const k = (input: Input<number>): Iteratee<number, string[]> => {
      seen.push(input.kind === 'el' ? String(input.value) : input.kind);
      return input.kind === 'eof' ? Iteratee.done(seen) : Iteratee.cont(k);
    };
    const e = Enumerator.fromCallback(async () => values.shift(), onComplete, onError);
    const after = await e.apply(Iteratee.cont(k));
    expect(seen).to.deep.equal(['1', '2', 'eof']);
    expect((await after.step()).kind).to.equal('done');
    expect(onComplete.calledOnce).to.equal(true);
    expect(onError.called).to.equal(false);
  });

  it('fromCallback (Node style) takes (error, value) callbacks and ignores a second call', async () => {
    let n = 0;
    const e = Enumerator.fromCallback<number>((cb) => {
      n += 1;
      cb(null, n <= 3 ? n : undefined);
      cb(null, 99);
    });
    expect(await e.run(Iteratee.getChunks())).to.deep.equal([1, 2, 3]);
  });

  it('fromCallback: a failing retriever fails run with the same error and calls onError, not onComplete', async () => {
    const boom = new Error('retrieval failed');
    const onComplete = sinon.spy();
    const onError = sinon.spy();
    const promiseStyle = Enumerator.fromCallback(() => Promise.reject(boom), onComplete, onError);
    expect(await promiseStyle.run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
    expect(onError.calledOnceWithExactly('retrieval failed', Input.Empty)).to.equal(true);
    expect(onComplete.called).to.equal(false);
    const nodeStyle = Enumerator.fromCallback<number>((cb) => cb(boom));
    expect(await nodeStyle.run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
  });

  it('fromCallback: an iteratee Done early stops the retriever and calls onComplete once', async () => {
    const retriever = sinon.fake(async () => 'x');
    const onComplete = sinon.spy();
    expect(await Enumerator.fromCallback(retriever, onComplete).run(Iteratee.head())).to.equal('x');
    await turn();
    expect(retriever.callCount).to.equal(1);
    expect(onComplete.callCount).to.equal(1);
  });

  it('fromCallback: an iteratee in Error calls onError with its message and input', async () => {
    const onError = sinon.spy();
    const onComplete = sinon.spy();
    const failing = Iteratee.cont<string, string>((input) => Iteratee.error('no thanks', input));
    const err = await Enumerator.fromCallback(async () => 'x', onComplete, onError).run(failing).catch((e: Error) => e);
    expect((err as Error).message).to.equal('no thanks');
    expect(onError.calledOnce).to.equal(true);
    expect(onError.firstCall.args[0]).to.equal('no thanks');
    expect(onError.firstCall.args[1]).to.deep.include({ kind: 'el', value: 'x' });
    expect(onComplete.calledOnce).to.equal(true);
  });

  it('generateM feeds until undefined and leaves the iteratee in Cont; a rejection fails the run', async () => {
    let n = 0;
    const e = Enumerator.generateM(async () => (n < 3 ? ++n : undefined));
    const after = await e.apply(Iteratee.getChunks<number>());
    expect((await after.step()).kind).to.equal('cont');
    expect(await after.run()).to.deep.equal([1, 2, 3]);
    const boom = new Error('gen failed');
    expect(await Enumerator.generateM(() => Promise.reject(boom)).run(Iteratee.ignore()).catch((e: unknown) => e)).to.equal(boom);
  });

  it('repeatM repeats until the iteratee is Done, calling fn only as often as needed', async () => {
    const fn = sinon.fake(async () => 'r');
    expect(await Enumerator.repeatM(fn).through(Enumeratee.take(3)).run(Iteratee.getChunks())).to.deep.equal(['r', 'r', 'r']);
    expect(fn.callCount).to.equal(3);
  });

  it('unfoldM unfolds from the initial state on every application', async () => {
    const countdown = Enumerator.unfoldM(3, async (s) => (s > 0 ? ([s - 1, s] as const) : undefined));
    expect(await countdown.run(Iteratee.getChunks())).to.deep.equal([3, 2, 1]);
    expect(await countdown.run(Iteratee.getChunks())).to.deep.equal([3, 2, 1]);
  });

  it('fromStream reads a Readable; stopping early destroys it; a stream error fails the run', async () => {
    expect(await Enumerator.fromStream<string>(Readable.from(['a', 'b', 'c'])).run(Iteratee.getChunks())).to.deep.equal(['a', 'b', 'c']);
    const endless = new Readable({ objectMode: true, read() { this.push('tick'); } });
    expect(await Enumerator.fromStream<string>(endless).run(Iteratee.head())).to.equal('tick');
    await turn();
    expect(endless.destroyed).to.equal(true);
    const boom = new Error('stream broke');
    const failing = new Readable({ read() { this.destroy(boom); } });
    expect(await Enumerator.fromStream(failing).run(Iteratee.ignore()).catch((e: unknown) => e)).to.equal(boom);
    expect(() => Enumerator.fromStream({} as never)).to.throw(TypeError, 'Readable');
  });

  it('constructors refuse a missing function with a TypeError', () => {
    expect(() => Enumerator.fromCallback(undefined as never)).to.throw(TypeError);
    expect(() => Enumerator.generateM(undefined as never)).to.throw(TypeError);
    expect(() => Enumerator.repeatM(undefined as never)).to.throw(TypeError);
    expect(() => Enumerator.unfoldM(0, undefined as never)).to.throw(TypeError);
    expect(() => new Enumerator(undefined as never)).to.throw(TypeError);
  });
});

describe('legacy Enumerator methods', () => {
  it('apply resolves with the iteratee, which can go on with more input', async () => {
    const it = await Enumerator.of(1, 2).apply(Iteratee.getChunks<number>());
    expect(await Enumerator.of(3).run(it)).to.deep.equal([1, 2, 3]);
  });

  it('run rejects with the message of an iteratee in Error', async () => {
    const it = Iteratee.cont<number, number>((input) => Iteratee.error(`bad ${input.kind}`, input));
    expect(((await Enumerator.of(1).run(it).catch((e: Error) => e)) as Error).message).to.equal('bad el');
  });

  it('through applies an enumeratee', async () => {
    expect(await Enumerator.of(1, 2, 3).through(Enumeratee.map((v: number) => v * 2)).run(Iteratee.getChunks())).to.deep.equal([2, 4, 6]);
  });

  it('andThen feeds the second after the first, and not at all when the iteratee is already Done', async () => {
    expect(await Enumerator.of(1).andThen(Enumerator.of(2, 3)).run(Iteratee.getChunks())).to.deep.equal([1, 2, 3]);
    const second = sinon.fake(async () => 9);
    expect(await Enumerator.of(1).andThen(Enumerator.generateM(second)).run(Iteratee.head())).to.equal(1);
    expect(second.called).to.equal(false);
  });

  it('interleave feeds every element of every enumerator, each in its own order', async () => {
    const out = await Enumerator.of(1, 2, 3).interleave(Enumerator.of(10, 20), Enumerator.empty()).run(Iteratee.getChunks<number>());
    expect([...out].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 10, 20]);
    expect(out.filter((v) => v < 10)).to.deep.equal([1, 2, 3]);
    expect(out.filter((v) => v >= 10)).to.deep.equal([10, 20]);
  });

  it('interleave stops every enumerator when the iteratee is Done, and fails with the first error', async () => {
    const a = sinon.fake(async () => 'a');
    const b = sinon.fake(async () => 'b');
    const got = await Enumerator.repeatM(a).interleave(Enumerator.repeatM(b)).through(Enumeratee.take(4)).run(Iteratee.getChunks());
    expect(got).to.have.length(4);
    await turn();
    expect(a.callCount + b.callCount).to.be.at.most(6);
    const boom = new Error('one side failed');
    const failing = Enumerator.of(1).interleave(Enumerator.generateM<number>(() => Promise.reject(boom)));
    expect(await failing.run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
  });

  it('map maps every element', async () => {
    expect(await Enumerator.of('a', 'b').map((s) => s.toUpperCase()).run(Iteratee.getChunks())).to.deep.equal(['A', 'B']);
  });

  it('onDoneEnumerating runs once on a normal end, on failure, and when the iteratee is Done early', async () => {
    const normal = sinon.spy();
    await Enumerator.of(1, 2).onDoneEnumerating(normal).run(Iteratee.ignore());
    expect(normal.callCount).to.equal(1);
    const failed = sinon.spy();
    const boom = new Error('x');
    const err = await Enumerator.generateM(() => Promise.reject(boom)).onDoneEnumerating(failed).run(Iteratee.ignore()).catch((e: unknown) => e);
    expect(err).to.equal(boom);
    expect(failed.callCount).to.equal(1);
    const early = sinon.spy();
    await Enumerator.repeatM(async () => 1).onDoneEnumerating(early).run(Iteratee.head());
    expect(early.callCount).to.equal(1);
  });

  it('onDoneEnumerating: a callback that throws fails the application with its error', async () => {
    const boom = new Error('cleanup failed');
    const e = Enumerator.of(1).onDoneEnumerating(() => { throw boom; });
    expect(await e.run(Iteratee.ignore()).catch((x: unknown) => x)).to.equal(boom);
  });

  it('is an AsyncIterable', async () => {
    const out: number[] = [];
    for await (const v of Enumerator.of(1, 2, 3)) out.push(v);
    expect(out).to.deep.equal([1, 2, 3]);
  });
});
