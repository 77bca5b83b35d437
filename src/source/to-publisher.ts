/**
 * toPublisher: an AsyncIterable as a Reactive Streams Publisher that follows the specification's
 * rules on demand, cancellation and serial signals.
 */
import { checkNumber, describe, isObjectLike } from './args.js';
import { returnQuietly } from '../util/iterators.js';
import { notAResult, reportLater } from './iterators.js';
import type { Publisher, Subscriber, Subscription } from './types.js';

/** A demand `request(n)` may add: a positive whole number, or `Infinity` for no limit. */
const isDemand = (n: number): boolean => n > 0 && (Number.isInteger(n) || n === Infinity);

/** One Subscriber's subscription: pulls the iterator only as far as the demand requested. */
class DemandSubscription<T> implements Subscription {
  private demand = 0;
  private pulling = false;
  private done = false;
  private inSignal = false;
  private pending: { signal: 'onError' | 'onComplete'; error: unknown } | null = null;

  constructor(
    private iterator: AsyncIterator<T> | null,
    private subscriber: Subscriber<T> | null,
  ) {}

  /** Signals onSubscribe; the first signal, before any other (rule 1.9). */
  start(): void {
    this.call('onSubscribe', this);
  }

  request(n: number): void {
    if (this.done) return; // rule 3.6
    try {
      checkNumber(n, 'toPublisher', 'request(n)', 'a positive integer or Infinity (rule 3.9)', isDemand);
    } catch (error) {
      this.fail(error); // rule 3.9: signalled, not thrown
      return;
    }
    this.demand = Math.min(this.demand + n, Number.MAX_SAFE_INTEGER); // rule 3.17: effectively unbounded
    if (!this.pulling) void this.pull();
  }

  cancel(): void {
    if (this.done) return; // rule 3.7
    this.done = true;
    this.closeSource();
    this.subscriber = null; // rule 3.13
  }

  private async pull(): Promise<void> {
    this.pulling = true;
    try {
      while (!this.done && this.demand > 0) {
        let result: IteratorResult<T>;
        try {
          result = await (this.iterator as AsyncIterator<T>).next();
        } catch (error) {
          return this.terminate('onError', error);
        }
        if (this.done) return; // cancelled while waiting
        const invalid = notAResult(result, 'toPublisher');
        if (invalid !== null) return this.fail(invalid);
        if (result.done) return this.terminate('onComplete', undefined);
        this.demand--;
        this.call('onNext', result.value);
      }
    } finally {
      this.pulling = false;
    }
  }

  /** Ends on our side: stop the source and signal onError (after the signal in progress, if any). */
  private fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.closeSource();
    this.emitTerminal('onError', error);
  }

  /** The source ended or failed by itself: no return() for it. */
  private terminate(signal: 'onError' | 'onComplete', error: unknown): void {
    this.done = true;
    this.iterator = null;
    this.emitTerminal(signal, error);
  }

  /** The last signal; held back while another signal is in progress (rule 1.3). */
  private emitTerminal(signal: 'onError' | 'onComplete', error: unknown): void {
    if (this.inSignal) {
      this.pending = { signal, error };
      return;
    }
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber === null) return;
    try {
      if (signal === 'onError') subscriber.onError(error);
      else subscriber.onComplete();
    } catch (thrown) {
      reportLater(thrown); // a Subscriber that throws from onError/onComplete breaks rule 2.13
    }
  }

  /** onSubscribe or onNext, never re-entered; a Subscriber that throws cancels (rule 2.13). */
  private call(signal: 'onSubscribe' | 'onNext', arg: unknown): void {
    const subscriber = this.subscriber;
    if (subscriber === null) return;
    this.inSignal = true;
    try {
      (subscriber[signal] as (arg: unknown) => void)(arg);
    } catch (thrown) {
      this.inSignal = false;
      this.fail(new Error(`toPublisher: the Subscriber threw from ${signal} (rule 2.13)`, { cause: thrown }));
    } finally {
      this.inSignal = false;
    }
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      this.emitTerminal(pending.signal, pending.error);
    }
  }

  private closeSource(): void {
    const iterator = this.iterator;
    this.iterator = null;
    returnQuietly(iterator);
  }
}

const noopSubscription: Subscription = { request() {}, cancel() {} };

class IterablePublisher<T> implements Publisher<T> {
  private used = false;
  constructor(private readonly iterable: AsyncIterable<T>) {}

  subscribe(subscriber: Subscriber<T>): void {
    if (
      !isObjectLike(subscriber) ||
      typeof subscriber.onSubscribe !== 'function' ||
      typeof subscriber.onNext !== 'function' ||
      typeof subscriber.onError !== 'function' ||
      typeof subscriber.onComplete !== 'function'
    ) {
      throw new TypeError(`toPublisher: subscribe() needs a Subscriber (rule 1.9), got ${describe(subscriber)}`);
    }
    let iterator: AsyncIterator<T>;
    try {
      iterator = this.iterable[Symbol.asyncIterator]();
      if ((iterator as unknown) === this.iterable) {
        if (this.used) throw new Error('toPublisher: this Publisher wraps a one-shot iterator and already has its Subscriber');
        this.used = true;
      }
    } catch (error) {
      // rule 1.9: onSubscribe first, then the error
      subscriber.onSubscribe(noopSubscription);
      subscriber.onError(error);
      return;
    }
    new DemandSubscription(iterator, subscriber).start();
  }
}

/**
 * Wraps an AsyncIterable as a Reactive Streams Publisher. Each `subscribe` opens its own iterator
 * (a one-shot iterator accepts one Subscriber; later ones get `onError`). The Publisher never signals
 * more `onNext` than requested and never reads ahead of demand; `request(n)` with `n <= 0` (or a
 * fraction, or `NaN`) cancels and signals `onError(RangeError)`, with a non-number `onError(TypeError)`; `cancel()` calls the iterator's `return()`; signals are never
 * concurrent nor re-entrant, even when the Subscriber calls `request` from `onNext`. A Subscriber
 * that throws is treated as cancelled and gets `onError` with the thrown error as `cause`.
 *
 * @param iterable - the values to publish
 * @returns a Publisher
 * @throws TypeError when `iterable` is not an AsyncIterable
 */
export function toPublisher<T>(iterable: AsyncIterable<T>): Publisher<T> {
  if (!isObjectLike(iterable) || typeof iterable[Symbol.asyncIterator] !== 'function') {
    throw new TypeError(`toPublisher: expected an AsyncIterable, got ${describe(iterable)}`);
  }
  return new IterablePublisher(iterable);
}
