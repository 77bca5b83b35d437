import { expect } from 'chai';
import { fromPublisher, toPublisher, type Subscriber, type Subscription } from '../../src/source/index.js';
import { turn } from '../support/timing.js';

/** A Subscriber that records every signal, checks they never overlap, and hands out its Subscription. */
function recorder<T>(onNext?: (value: T, s: Subscription) => void) {
  const log: string[] = [];
  let depth = 0;
  let maxDepth = 0;
  let subscription!: Subscription;
  const enter = (entry: string, body?: () => void): void => {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    log.push(entry);
    try {
      body?.();
    } finally {
      depth--;
    }
  };
  const subscriber: Subscriber<T> = {
    onSubscribe: (s) => enter('subscribe', () => void (subscription = s)),
    onNext: (v) => enter(`next ${String(v)}`, () => onNext?.(v, subscription)),
    onError: (e) => enter(`error ${e instanceof Error ? e.name : String(e)}`),
    onComplete: () => enter('complete'),
  };
  return { subscriber, log, get subscription() { return subscription; }, get maxDepth() { return maxDepth; } };
}

/** An async generator over 0..n-1 that records whether it was closed early. */
function numbers(n: number) {
  const state = { returned: false, pulled: 0 };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++;
        yield i;
      }
    } finally {
      state.returned = state.pulled < n;
    }
  }
  return { iterable: { [Symbol.asyncIterator]: gen }, state };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await turn();
};

describe('toPublisher', () => {
  it('signals onSubscribe first and never more onNext than requested, reading no further ahead', async () => {
    const { iterable, state } = numbers(10);
    const r = recorder<number>();
    toPublisher(iterable).subscribe(r.subscriber);
    expect(r.log).to.deep.equal(['subscribe']);
    r.subscription.request(3);
    await settle();
    expect(r.log).to.deep.equal(['subscribe', 'next 0', 'next 1', 'next 2']);
    expect(state.pulled).to.equal(3);
    r.subscription.request(2);
    await settle();
    expect(r.log.slice(4)).to.deep.equal(['next 3', 'next 4']);
  });

  it('completes once after the last value', async () => {
    const r = recorder<number>();
    toPublisher(numbers(2).iterable).subscribe(r.subscriber);
    r.subscription.request(Infinity);
    await settle();
    expect(r.log).to.deep.equal(['subscribe', 'next 0', 'next 1', 'complete']);
  });

  for (const n of [0, -1, Number.NaN, 1.5]) {
    it(`request(${n}) signals onError(RangeError) and closes the source (rule 3.9)`, async () => {
      const { iterable, state } = numbers(5);
      const r = recorder<number>();
      toPublisher(iterable).subscribe(r.subscriber);
      r.subscription.request(1);
      await settle();
      r.subscription.request(n);
      r.subscription.request(5);
      await settle();
      expect(r.log).to.deep.equal(['subscribe', 'next 0', 'error RangeError']);
      expect(state.returned).to.equal(true);
    });
  }

  it("request('1') (not a number) signals onError(TypeError) naming toPublisher, and closes the source (rule 3.9)", async () => {
    const { iterable, state } = numbers(5);
    const errors: unknown[] = [];
    let subscription: Subscription | undefined;
    const values: number[] = [];
    toPublisher(iterable).subscribe({
      onSubscribe: (s) => (subscription = s),
      onNext: (value) => values.push(value),
      onError: (error) => errors.push(error),
      onComplete: () => {},
    });
    subscription!.request(1);
    await settle();
    subscription!.request('1' as unknown as number);
    await settle();
    expect(values).to.deep.equal([0]);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(TypeError).with.property('message', 'toPublisher: request(n) must be a positive integer or Infinity (rule 3.9), got a string');
    expect(state.returned).to.equal(true);
  });

  it('cancel() calls return() on the source and stops every signal (rules 3.5, 3.7)', async () => {
    const { iterable, state } = numbers(5);
    const r = recorder<number>();
    toPublisher(iterable).subscribe(r.subscriber);
    r.subscription.request(2);
    r.subscription.cancel(); // while the first value is being read
    r.subscription.cancel();
    r.subscription.request(1);
    await settle();
    expect(r.log).to.deep.equal(['subscribe']);
    expect(state.returned).to.equal(true);
  });

  it('keeps signals serial when the Subscriber requests from inside onNext (rules 1.3, 3.3)', async () => {
    const r = recorder<number>((_v, s) => s.request(1));
    toPublisher(numbers(1000).iterable).subscribe(r.subscriber);
    r.subscription.request(1);
    for (let i = 0; i < 50 && r.log.at(-1) !== 'complete'; i++) await turn();
    expect(r.log).to.have.length(1002);
    expect(r.log.at(-1)).to.equal('complete');
    expect(r.maxDepth).to.equal(1);
  });

  it('holds back onError from an invalid request made inside onNext until onNext returns', async () => {
    const r = recorder<number>((_v, s) => s.request(0));
    toPublisher(numbers(3).iterable).subscribe(r.subscriber);
    r.subscription.request(3);
    await settle();
    expect(r.log).to.deep.equal(['subscribe', 'next 0', 'error RangeError']);
    expect(r.maxDepth).to.equal(1);
  });

  it('signals onError after the values when the source fails', async () => {
    const boom = new TypeError('source failed');
    async function* failing() {
      yield 'a';
      throw boom;
    }
    const r = recorder<string>();
    toPublisher({ [Symbol.asyncIterator]: failing }).subscribe(r.subscriber);
    r.subscription.request(10);
    await settle();
    expect(r.log).to.deep.equal(['subscribe', 'next a', 'error TypeError']);
  });

  it('treats a Subscriber that throws from onNext as cancelled, and tells it once (rule 2.13)', async () => {
    const { iterable, state } = numbers(5);
    let error: unknown;
    const thrown = new Error('subscriber bug');
    toPublisher(iterable).subscribe({
      onSubscribe: (s) => s.request(5),
      onNext: () => {
        throw thrown;
      },
      onError: (e) => (error = e),
      onComplete: () => expect.fail('no completion after a throw'),
    });
    await settle();
    expect(error).to.be.instanceOf(Error).with.property('cause', thrown);
    expect(state.returned).to.equal(true);
  });

  it('gives each Subscriber its own iterator of a re-iterable source', async () => {
    const publisher = toPublisher(numbers(2).iterable);
    const a = recorder<number>();
    const b = recorder<number>();
    publisher.subscribe(a.subscriber);
    publisher.subscribe(b.subscriber);
    a.subscription.request(5);
    b.subscription.request(5);
    await settle();
    expect(a.log).to.deep.equal(b.log);
    expect(a.log).to.deep.equal(['subscribe', 'next 0', 'next 1', 'complete']);
  });

  it('accepts one Subscriber for a one-shot iterator and signals onError to the next ones', () => {
    const publisher = toPublisher(numbers(2).iterable[Symbol.asyncIterator]());
    publisher.subscribe(recorder<number>().subscriber);
    const second = recorder<number>();
    publisher.subscribe(second.subscriber);
    expect(second.log).to.deep.equal(['subscribe', 'error Error']);
  });

  it('refuses a missing Subscriber (rule 1.9) and a non-AsyncIterable with TypeErrors', () => {
    const publisher = toPublisher(numbers(1).iterable);
    expect(() => publisher.subscribe(null as never)).to.throw(TypeError, /rule 1\.9/);
    expect(() => publisher.subscribe({ onNext() {} } as never)).to.throw(TypeError, /Subscriber/);
    expect(() => toPublisher([1, 2] as never)).to.throw(TypeError, /AsyncIterable, got an array/);
  });

  it('round-trips through fromPublisher', async () => {
    const values: number[] = [];
    for await (const v of fromPublisher(toPublisher(numbers(40).iterable), { prefetch: 4 })) values.push(v);
    expect(values).to.deep.equal(Array.from({ length: 40 }, (_x, i) => i));
  });
});
