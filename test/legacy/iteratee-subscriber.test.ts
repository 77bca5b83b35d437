import { expect } from 'chai';
import sinon from 'sinon';
import { Enumerator, Iteratee, Streams, toPublisher, toSource, type Subscriber, type Subscription } from '../../src/index.js';
import { resetDeprecationWarnings } from '../../src/util/deprecation.js';
import { turn } from '../support/timing.js';

/** A Subscription that records every call made on it, in order. */
function recordingSubscription(): Subscription & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    request: (n: number) => void calls.push(`request(${n})`),
    cancel: () => void calls.push('cancel'),
  };
}

describe('legacy Streams.iterateeToSubscriber', () => {
  it('consumes a Publisher: the result iteratee runs to what the iteratee computed', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.fold<number, number>(0, (sum, v) => sum + v));
    toPublisher(toSource([1, 2, 3, 4])).subscribe(subscriber);
    expect(await result.run()).to.equal(10);
    const [chunks, collected] = Streams.iterateeToSubscriber(Iteratee.getChunks<string>());
    Streams.enumeratorToPublisher(Enumerator.of('a', 'b')).subscribe(chunks);
    expect(await collected.run()).to.deep.equal(['a', 'b']);
  });

  it('requests one element at a time, the next only once the iteratee has taken the last one', async () => {
    let release!: () => void;
    const [subscriber, result] = Streams.iterateeToSubscriber(
      Iteratee.foreach<number>((v) => (v === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined)),
    );
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    expect(s.calls).to.deep.equal(['request(1)']);
    subscriber.onNext(1);
    await turn();
    expect(s.calls).to.deep.equal(['request(1)']);
    release();
    await turn();
    expect(s.calls).to.deep.equal(['request(1)', 'request(1)']);
    subscriber.onNext(2);
    await turn();
    expect(s.calls).to.deep.equal(['request(1)', 'request(1)', 'request(1)']);
    subscriber.onComplete();
    expect(await result.run()).to.equal(undefined);
    expect(s.calls).to.deep.equal(['request(1)', 'request(1)', 'request(1)']);
  });

  it('an iteratee Done early cancels the subscription once and ignores later signals', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.head<string>());
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    subscriber.onNext('first');
    await turn();
    expect(s.calls).to.deep.equal(['request(1)', 'cancel']);
    subscriber.onNext('late');
    subscriber.onError(new Error('late'));
    subscriber.onComplete();
    await turn();
    expect(s.calls).to.deep.equal(['request(1)', 'cancel']);
    expect(await result.run()).to.equal('first');
  });

  it('cancel() reaches a real Publisher: an infinite enumerator stops after what the iteratee took', async () => {
    const doneEnumerating = sinon.spy();
    let n = 0;
    const publisher = Streams.enumeratorToPublisher(Enumerator.repeatM(async () => ++n).onDoneEnumerating(doneEnumerating));
    const firstTwo = Iteratee.cont<number, number[]>((a) =>
      a.kind === 'el' ? Iteratee.cont((b) => Iteratee.done(b.kind === 'el' ? [a.value, b.value] : [a.value])) : Iteratee.done([]),
    );
    const [subscriber, result] = Streams.iterateeToSubscriber(firstTwo);
    publisher.subscribe(subscriber);
    expect(await result.run()).to.deep.equal([1, 2]);
    for (let i = 0; i < 20 && !doneEnumerating.called; i++) await turn();
    expect(doneEnumerating.callCount).to.equal(1);
  });

  it('an iteratee already Done answers onSubscribe with cancel() and never requests', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.done<number, string>('ready'));
    await turn();
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    expect(s.calls).to.deep.equal(['cancel']);
    expect(await result.run()).to.equal('ready');
  });

  it('onComplete feeds EOF, also before onSubscribe or before the step is known, and calls nothing on the Subscription', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    subscriber.onNext(7);
    subscriber.onComplete();
    expect(await result.run()).to.deep.equal([7]);
    expect(s.calls).to.deep.equal(['request(1)']);
    const [early, earlyResult] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    early.onComplete();
    expect(await earlyResult.run()).to.deep.equal([]);
    const late = recordingSubscription();
    early.onSubscribe(late);
    expect(late.calls).to.deep.equal(['cancel']);
  });

  it('onError fails the result with the same error, without cancelling', async () => {
    const boom = new Error('publisher failed');
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    subscriber.onNext(1);
    await turn();
    subscriber.onError(boom);
    expect(await result.run().catch((e: unknown) => e)).to.equal(boom);
    expect(await result.step().catch((e: unknown) => e)).to.equal(boom);
    expect(s.calls).to.deep.equal(['request(1)', 'request(1)']);
  });

  it('an iteratee in Error or failing cancels and fails the result', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.cont<number, number>(() => Iteratee.error('refused')));
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    subscriber.onNext(1);
    expect(((await result.run().catch((e: unknown) => e)) as Error).message).to.equal('refused');
    expect(s.calls).to.deep.equal(['request(1)', 'cancel']);
    const boom = new Error('fold failed');
    const [throwing, failed] = Streams.iterateeToSubscriber(Iteratee.fold<number, number>(0, () => { throw boom; }));
    const t = recordingSubscription();
    throwing.onSubscribe(t);
    await turn();
    throwing.onNext(1);
    expect(await failed.run().catch((e: unknown) => e)).to.equal(boom);
    expect(t.calls).to.deep.equal(['request(1)', 'cancel']);
  });

  it('a second onSubscribe is cancelled (rule 2.5); a missing Subscription is a TypeError (rule 2.13)', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    const first = recordingSubscription();
    const second = recordingSubscription();
    subscriber.onSubscribe(first);
    subscriber.onSubscribe(second);
    expect(second.calls).to.deep.equal(['cancel']);
    expect(() => subscriber.onSubscribe(null as never)).to.throw(TypeError, 'Streams.iterateeToSubscriber: onSubscribe needs a Subscription');
    await turn();
    subscriber.onNext(3);
    subscriber.onComplete();
    expect(await result.run()).to.deep.equal([3]);
    expect(first.calls).to.deep.equal(['request(1)']);
  });

  it('onNext beyond the demand cancels and fails the result (rule 1.1)', async () => {
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    const s = recordingSubscription();
    subscriber.onSubscribe(s);
    await turn();
    subscriber.onNext(1);
    subscriber.onNext(2);
    const error = (await result.run().catch((e: unknown) => e)) as Error;
    expect(error.message).to.equal('Streams.iterateeToSubscriber: the publisher signalled onNext beyond the demand requested (rule 1.1)');
    expect(s.calls).to.deep.equal(['request(1)', 'cancel']);
  });

  it('a request() that throws cancels and fails the result with its error', async () => {
    const boom = new Error('request failed');
    const [subscriber, result] = Streams.iterateeToSubscriber(Iteratee.getChunks<number>());
    const cancel = sinon.spy();
    subscriber.onSubscribe({ request: () => { throw boom; }, cancel });
    await turn();
    expect(await result.run().catch((e: unknown) => e)).to.equal(boom);
    expect(cancel.callCount).to.equal(1);
  });

  it('refuses what is not an Iteratee with a TypeError at the call', () => {
    expect(() => Streams.iterateeToSubscriber({} as never)).to.throw(TypeError, 'Streams.iterateeToSubscriber needs an Iteratee, got');
  });

  it('warns once with the Streams code COMETBRIDGE_DEP0007', () => {
    const iteratee = Iteratee.ignore<number>();
    resetDeprecationWarnings();
    const emitWarning = sinon.stub(process, 'emitWarning');
    try {
      const [a]: [Subscriber<number>, Iteratee<number, void>] = Streams.iterateeToSubscriber(iteratee);
      Streams.iterateeToSubscriber(iteratee);
      expect(typeof a.onNext).to.equal('function');
      expect(emitWarning.getCalls().map((c) => (c.args[1] as { code: string }).code)).to.deep.equal(['COMETBRIDGE_DEP0007']);
    } finally {
      emitWarning.restore();
      resetDeprecationWarnings();
    }
  });
});
