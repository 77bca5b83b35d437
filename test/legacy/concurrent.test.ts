import { expect } from 'chai';
import sinon from 'sinon';
import { BufferOverflowError, Concurrent, Enumerator, Input, Iteratee, Streams } from '../../src/index.js';
import { turn } from '../support/timing.js';

/** An iteratee that records each element and waits for `gate` before taking the next one. */
function gated(gate: Promise<void>): { it: Iteratee<number, number[]>; seen: number[] } {
  const seen: number[] = [];
  return { it: Iteratee.fold<number, number[]>(seen, async (acc, v) => { acc.push(v); await gate; return acc; }), seen };
}

describe('legacy Concurrent.broadcast', () => {
  it('three consumers attached at different times get what was pushed after they attached', async () => {
    const [enumerator, channel] = Concurrent.broadcast<number>();
    const first = enumerator.run(Iteratee.getChunks());
    channel.push(1);
    await turn();
    const second = enumerator.run(Iteratee.getChunks());
    channel.push(2);
    await turn();
    const third = enumerator.run(Iteratee.getChunks());
    channel.push(3);
    channel.eofAndEnd();
    expect(await first).to.deep.equal([1, 2, 3]);
    expect(await second).to.deep.equal([2, 3]);
    expect(await third).to.deep.equal([3]);
  });

  it('a consumer that is Done detaches; the others go on', async () => {
    const [enumerator, channel] = Concurrent.broadcast<string>();
    const head = enumerator.run(Iteratee.head());
    const all = enumerator.run(Iteratee.getChunks());
    channel.push('a');
    channel.push('b');
    channel.eofAndEnd();
    expect(await head).to.equal('a');
    expect(await all).to.deep.equal(['a', 'b']);
  });

  it('end() without EOF resolves the applications with iteratees still in Cont; later ones resolve at once', async () => {
    const [enumerator, channel] = Concurrent.broadcast<string>();
    const applied = enumerator.apply(Iteratee.getChunks<string>());
    channel.push('x');
    channel.end();
    channel.end();
    const it = await applied;
    expect((await it.step()).kind).to.equal('cont');
    expect(await it.run()).to.deep.equal(['x']);
    channel.push('ignored');
    expect(await enumerator.run(Iteratee.getChunks())).to.deep.equal([]);
  });

  it('end(error) rejects attached and later applications; a later end() changes that', async () => {
    const [enumerator, channel] = Concurrent.broadcast<string>();
    const attached = enumerator.run(Iteratee.getChunks());
    const boom = new Error('channel failed');
    channel.end(boom);
    expect(await attached.catch((e: unknown) => e)).to.equal(boom);
    expect(await enumerator.run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
    channel.end();
    expect(await enumerator.run(Iteratee.getChunks())).to.deep.equal([]);
  });

  it("overflow 'error' (default policy): only the slow consumer fails, after the inputs it had", async () => {
    const [enumerator, channel] = Concurrent.broadcast<number>({ buffer: { limit: 2 } });
    let open!: () => void;
    const slow = gated(new Promise<void>((resolve) => (open = resolve)));
    const slowRun = enumerator.run(slow.it);
    const fastRun = enumerator.run(Iteratee.getChunks());
    for (let v = 1; v <= 5; v++) {
      channel.push(v);
      await turn();
    }
    open();
    const err = await slowRun.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BufferOverflowError);
    expect((err as BufferOverflowError).code).to.equal('ERR_COMET_BUFFER_OVERFLOW');
    expect((err as BufferOverflowError).limit).to.equal(2);
    expect(slow.seen).to.deep.equal([1, 2, 3]);
    channel.eofAndEnd();
    expect(await fastRun).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it("overflow 'drop-oldest' and 'drop-newest' keep the slow consumer attached", async () => {
    for (const [overflow, expected] of [['drop-oldest', [1, 4, 5]], ['drop-newest', [1, 2, 3]]] as const) {
      const [enumerator, channel] = Concurrent.broadcast<number>({ buffer: { limit: 2, overflow } });
      let open!: () => void;
      const slow = gated(new Promise<void>((resolve) => (open = resolve)));
      const slowRun = enumerator.run(slow.it);
      await turn();
      for (let v = 1; v <= 5; v++) channel.push(v);
      await turn();
      open();
      await turn();
      channel.eofAndEnd();
      expect(await slowRun, overflow).to.deep.equal(expected);
    }
  });

  it('refuses bad buffer options when created', () => {
    expect(() => Concurrent.broadcast({ buffer: { limit: 0 } })).to.throw(RangeError);
    expect(() => Concurrent.broadcast({ buffer: { overflow: 'pause' } })).to.throw(TypeError, 'cannot pause');
    expect(() => Concurrent.unicast(() => {}, undefined, undefined, { buffer: { limit: -1 } })).to.throw(RangeError);
  });
});

describe('legacy Concurrent.unicast', () => {
  it('calls onStart once per application; EOF makes the iteratee Done, so onComplete runs', async () => {
    const onStart = sinon.spy((channel: { push(v: string): void; eofAndEnd(): void }) => {
      channel.push('FOO');
      channel.push('bar');
      channel.eofAndEnd();
    });
    const onComplete = sinon.spy();
    const onError = sinon.spy();
    const enumerator = Concurrent.unicast<string>(onStart, onComplete, onError);
    expect(await enumerator.run(Iteratee.fold('', (a, b: string) => a + b))).to.equal('FOObar');
    expect(await enumerator.run(Iteratee.getChunks())).to.deep.equal(['FOO', 'bar']);
    expect(onStart.callCount).to.equal(2);
    expect(onStart.firstCall.args[0]).to.not.equal(onStart.secondCall.args[0]);
    expect(onComplete.callCount).to.equal(2);
    expect(onError.called).to.equal(false);
  });

  it('an iteratee Done early calls onComplete once; later pushes are ignored', async () => {
    const onComplete = sinon.spy();
    let channel!: { push(v: string): void };
    const enumerator = Concurrent.unicast<string>((c) => { channel = c; c.push('first'); }, onComplete);
    expect(await enumerator.run(Iteratee.head())).to.equal('first');
    channel.push('late');
    expect(onComplete.callCount).to.equal(1);
  });

  it('an iteratee in Error calls onError with its message and input', async () => {
    const onError = sinon.spy();
    const onComplete = sinon.spy();
    const enumerator = Concurrent.unicast<string>((c) => { c.push('foo'); c.push('bar'); }, onComplete, onError);
    const failing = Iteratee.cont<string, string>((input) => Iteratee.error(input.kind === 'el' ? input.value : '?', Input.Empty));
    expect(((await enumerator.run(failing).catch((e: Error) => e)) as Error).message).to.equal('foo');
    expect(onError.calledOnceWithExactly('foo', Input.Empty)).to.equal(true);
    expect(onComplete.called).to.equal(false);
  });

  it('end() resolves without EOF; only the first end counts', async () => {
    const onComplete = sinon.spy();
    const ended = Concurrent.unicast<string>((c) => { c.push('a'); c.end(); c.end(new Error('ignored')); }, onComplete);
    const it = await ended.apply(Iteratee.getChunks<string>());
    expect((await it.step()).kind).to.equal('cont');
    expect(await it.run()).to.deep.equal(['a']);
    expect(onComplete.called).to.equal(false);
  });

  it('end(error) rejects the application with it; so does an onStart that throws', async () => {
    const boom = new Error('producer failed');
    expect(await Concurrent.unicast<string>((c) => c.end(boom)).run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(boom);
    const thrown = new Error('onStart failed');
    expect(await Concurrent.unicast<string>(() => { throw thrown; }).run(Iteratee.getChunks()).catch((e: unknown) => e)).to.equal(thrown);
  });

  it('a slow consumer overflows its buffer: the application rejects and onError is told', async () => {
    const onError = sinon.spy();
    let open!: () => void;
    const slow = gated(new Promise<void>((resolve) => (open = resolve)));
    const enumerator = Concurrent.unicast<number>((c) => { c.push(1); c.push(2); c.push(3); }, undefined, onError, { buffer: { limit: 1 } });
    const result = enumerator.run(slow.it);
    open();
    const err = await result.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BufferOverflowError);
    expect(onError.calledOnceWithExactly((err as Error).message, Input.Empty)).to.equal(true);
    expect(slow.seen).to.deep.equal([1]);
  });

  it('a consumer that leaves (return() on its source) ends the application and calls onComplete', async () => {
    const onComplete = sinon.spy();
    const done = sinon.spy();
    let channel!: { push(v: number): void };
    const source = Streams.enumeratorToSource(Concurrent.unicast<number>((c) => { channel = c; }, onComplete).onDoneEnumerating(done));
    const first = source.next();
    channel.push(7);
    expect(await first).to.deep.equal({ done: false, value: 7 });
    const pending = source.next();
    await source.return!();
    expect(await pending).to.deep.equal({ done: true, value: undefined });
    expect(onComplete.callCount).to.equal(1);
    expect(done.callCount).to.equal(1);
    channel.push(8);
  });

  it('refuses a missing onStart', () => {
    expect(() => Concurrent.unicast(undefined as never)).to.throw(TypeError);
    expect(() => Concurrent.unicast(() => {}, 'x' as never)).to.throw(TypeError);
  });
});

describe('legacy Concurrent with enumeratorToSource', () => {
  it('a broadcast consumer attaches on its first next() and is detached by return()', async () => {
    const [enumerator, channel] = Concurrent.broadcast<number>();
    const detached = sinon.spy();
    const source = Streams.enumeratorToSource(enumerator.onDoneEnumerating(detached));
    channel.push(0);
    const first = source.next();
    channel.push(1);
    expect(await first).to.deep.equal({ done: false, value: 1 });
    await source.return!();
    expect(detached.callCount).to.equal(1);
    const other = enumerator.run(Iteratee.getChunks());
    channel.push(2);
    channel.eofAndEnd();
    expect(await other).to.deep.equal([2]);
  });

  it('Enumerator remains usable as a plain AsyncIterable', async () => {
    const e: Enumerator<number> = Enumerator.of(1);
    expect(typeof e[Symbol.asyncIterator]).to.equal('function');
  });
});
