import { expect } from 'chai';
import sinon from 'sinon';
import { Concurrent, Enumerator, Iteratee, Streams, toSource, type Subscription } from '../../src/index.js';
import { turn } from '../support/timing.js';

describe('legacy Streams.enumeratorToSource', () => {
  it('is pull-driven: the enumerator is asked for an element only when the consumer pulls', async () => {
    let n = 0;
    const retriever = sinon.fake(async () => ++n);
    const source = Streams.enumeratorToSource(Enumerator.generateM(retriever));
    await turn();
    expect(retriever.callCount).to.equal(0);
    expect(await source.next()).to.deep.equal({ done: false, value: 1 });
    await turn();
    expect(retriever.callCount).to.equal(1);
    expect(await source.next()).to.deep.equal({ done: false, value: 2 });
    await turn();
    expect(retriever.callCount).to.equal(2);
    expect(source.stats.buffered).to.equal(0);
    await source.return!();
  });

  it('return() stops the enumerator and resolves after its onDoneEnumerating ran', async () => {
    const retriever = sinon.fake(async () => 'v');
    const doneEnumerating = sinon.spy();
    const source = Streams.enumeratorToSource(Enumerator.repeatM(retriever).onDoneEnumerating(doneEnumerating));
    expect((await source.next()).value).to.equal('v');
    expect(await source.return!()).to.deep.equal({ done: true, value: undefined });
    expect(doneEnumerating.callCount).to.equal(1);
    await turn();
    expect(retriever.callCount).to.equal(1);
    expect(await source.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('breaking out of for await stops the enumerator', async () => {
    const doneEnumerating = sinon.spy();
    const seen: number[] = [];
    for await (const v of Enumerator.unfoldM(0, async (s) => [s + 1, s] as const).onDoneEnumerating(doneEnumerating)) {
      seen.push(v);
      if (v === 2) break;
    }
    expect(seen).to.deep.equal([0, 1, 2]);
    expect(doneEnumerating.callCount).to.equal(1);
  });

  it('a failing enumerator rejects one next() with its error, then is done', async () => {
    const boom = new Error('enumerator failed');
    const source = Streams.enumeratorToSource(Enumerator.of(1).andThen(Enumerator.generateM<number>(() => Promise.reject(boom))));
    expect(await source.next()).to.deep.equal({ done: false, value: 1 });
    expect(await source.next().catch((e: unknown) => e)).to.equal(boom);
    expect(await source.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('EOF ends the iterator even if the enumerator goes on', async () => {
    let n = 0;
    const e = Enumerator.fromCallback(async () => (n < 2 ? ++n : undefined));
    const out: number[] = [];
    for await (const v of Streams.enumeratorToSource(e)) out.push(v);
    expect(out).to.deep.equal([1, 2]);
  });

  it('settles concurrent next() calls in call order, then done; a failure reaches the first waiting call only', async () => {
    const source = Streams.enumeratorToSource(Enumerator.of(1, 2, 3));
    expect(await Promise.all([source.next(), source.next(), source.next(), source.next()])).to.deep.equal([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: true, value: undefined },
    ]);
    const boom = new Error('channel failed');
    const [enumerator, channel] = Concurrent.broadcast<number>();
    const failing = Streams.enumeratorToSource(enumerator);
    const pending = [failing.next(), failing.next()].map((p) => p.catch((e: unknown) => e));
    await turn();
    channel.end(boom);
    expect(await Promise.all(pending)).to.deep.equal([boom, { done: true, value: undefined }]);
    expect(await failing.next()).to.deep.equal({ done: true, value: undefined });
  });

  it('refuses what is not an Enumerator', () => {
    expect(() => Streams.enumeratorToSource([1] as never)).to.throw(TypeError, 'Enumerator');
  });

  it('toSource() recognises an Enumerator by its Symbol.asyncIterator', async () => {
    const out: string[] = [];
    for await (const v of toSource(Enumerator.of('a', 'b'))) out.push(v);
    expect(out).to.deep.equal(['a', 'b']);
  });
});

describe('legacy Streams.sourceToEnumerator', () => {
  it('feeds an AsyncIterable and returns it when the iteratee is Done early', async () => {
    let closed = false;
    async function* numbers(): AsyncGenerator<number> {
      try {
        for (let i = 1; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    expect(await Streams.sourceToEnumerator(numbers()).run(Iteratee.head())).to.equal(1);
    await turn();
    expect(closed).to.equal(true);
    const twice = Streams.sourceToEnumerator<string>({ async *[Symbol.asyncIterator]() { yield 'x'; yield 'y'; } });
    expect(await twice.run(Iteratee.getChunks())).to.deep.equal(['x', 'y']);
    expect(await twice.run(Iteratee.getChunks())).to.deep.equal(['x', 'y']);
    expect(() => Streams.sourceToEnumerator([1, 2] as never)).to.throw(TypeError, 'AsyncIterable');
  });
});

describe('legacy Streams and Reactive Streams', () => {
  it('enumeratorToPublisher delivers only what is requested, and cancel() stops the enumerator', async () => {
    const doneEnumerating = sinon.spy();
    const publisher = Streams.enumeratorToPublisher(Enumerator.repeatM(async () => 'e').onDoneEnumerating(doneEnumerating));
    const received: string[] = [];
    let subscription!: Subscription;
    const completed = sinon.spy();
    publisher.subscribe({
      onSubscribe: (s) => { subscription = s; s.request(2); },
      onNext: (v) => received.push(v),
      onError: () => {},
      onComplete: completed,
    });
    for (let i = 0; i < 10 && received.length < 2; i++) await turn();
    await turn();
    expect(received).to.deep.equal(['e', 'e']);
    subscription.cancel();
    for (let i = 0; i < 10 && !doneEnumerating.called; i++) await turn();
    expect(doneEnumerating.callCount).to.equal(1);
    expect(completed.called).to.equal(false);
  });

  it('publisherToEnumerator round-trips an enumerator through a Publisher', async () => {
    const publisher = Streams.enumeratorToPublisher(Enumerator.of(1, 2, 3));
    expect(await Streams.publisherToEnumerator(publisher, { prefetch: 1 }).run(Iteratee.getChunks())).to.deep.equal([1, 2, 3]);
    expect(() => Streams.publisherToEnumerator({} as never)).to.throw(TypeError, 'Publisher');
    expect(() => Streams.publisherToEnumerator(publisher, { prefetch: 0 })).to.throw(RangeError);
  });
});
