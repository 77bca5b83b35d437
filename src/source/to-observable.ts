/**
 * toObservable: an AsyncIterable as an Observable that RxJS (`from`), zen-observable and any
 * `Symbol.observable`-aware library accept.
 */
import { describe, isObjectLike } from './args.js';
import { returnQuietly } from '../util/iterators.js';
import { notAResult, reportLater } from './iterators.js';

/** A partial observer, as accepted by {@link IterableObservable.subscribe}. */
export interface PartialObserver<T> {
  start?(subscription: ObservableSubscription): void;
  next?(value: T): void;
  error?(error: unknown): void;
  complete?(): void;
}

/** What {@link IterableObservable.subscribe} returns. */
export interface ObservableSubscription {
  unsubscribe(): void;
  readonly closed: boolean;
}

/** One subscription: pulls the iterator one value at a time while the observer listens. */
class PullingSubscription<T> implements ObservableSubscription {
  closed = false;
  private iterator: AsyncIterator<T> | null = null;

  constructor(private observer: PartialObserver<T> | null) {}

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.observer = null;
    const iterator = this.iterator;
    this.iterator = null;
    returnQuietly(iterator);
  }

  async run(iterable: AsyncIterable<T>): Promise<void> {
    try {
      this.iterator = iterable[Symbol.asyncIterator]();
    } catch (error) {
      this.end('error', error);
      return;
    }
    while (!this.closed) {
      let result: IteratorResult<T>;
      try {
        result = await (this.iterator as AsyncIterator<T>).next();
      } catch (error) {
        return this.end('error', error);
      }
      if (this.closed) return;
      const invalid = notAResult(result, 'toObservable');
      if (invalid !== null) return this.stop(invalid);
      if (result.done) return this.end('complete', undefined);
      const observer = this.observer as PartialObserver<T>;
      if (typeof observer.next === 'function') {
        try {
          observer.next(result.value);
        } catch (error) {
          // a throwing observer stops the stream and hears about it once
          this.stop(error);
          return;
        }
      }
    }
  }

  /** Ends with `error` and closes the iterator, which has not ended by itself. */
  private stop(error: unknown): void {
    const iterator = this.iterator;
    this.end('error', error);
    returnQuietly(iterator);
  }

  private end(kind: 'error' | 'complete', error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.iterator = null;
    const observer = this.observer as PartialObserver<T>;
    this.observer = null;
    const callback = observer[kind];
    if (typeof callback !== 'function') {
      if (kind === 'error') reportLater(error);
      return;
    }
    try {
      callback.call(observer, error);
    } catch (thrown) {
      reportLater(thrown);
    }
  }
}

/**
 * The Observable made by {@link toObservable}; exported as a type only, since only toObservable
 * adds `Symbol.observable`.
 */
export class IterableObservable<T> {
  /** @param iterable - the values to emit */
  constructor(private readonly iterable: AsyncIterable<T>) {}

  /**
   * Starts iterating: each value goes to `next`, then `complete` or `error`. `unsubscribe()` calls the
   * iterator's `return()`. Accepts an observer object or `next`, `error`, `complete` callbacks.
   */
  subscribe(
    observerOrNext?: PartialObserver<T> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): ObservableSubscription {
    let observer: PartialObserver<T>;
    if (typeof observerOrNext === 'function' || observerOrNext == null) {
      observer = {
        next: observerOrNext ?? undefined,
        error: error ?? undefined,
        complete: complete ?? undefined,
      };
    } else if (isObjectLike(observerOrNext)) {
      observer = observerOrNext;
    } else {
      throw new TypeError(`subscribe: expected an observer or a next callback, got ${describe(observerOrNext)}`);
    }
    const subscription = new PullingSubscription<T>(observer);
    if (typeof observer.start === 'function') observer.start(subscription);
    if (!subscription.closed) void subscription.run(this.iterable);
    return subscription;
  }

  /** The Observable interop method (`'@@observable'`): this object. */
  ['@@observable'](): this {
    return this;
  }

  /** It stays an AsyncIterable too (which is also how RxJS's typings accept it in `from()`). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterable[Symbol.asyncIterator]();
  }
}

/**
 * Wraps an AsyncIterable as an Observable with `Symbol.observable` (when defined) and `'@@observable'`,
 * so `from(toObservable(x))` works in RxJS. Each subscription opens its own iterator and pulls one
 * value at a time; `unsubscribe()` calls the iterator's `return()`. An error with no `error` callback
 * is rethrown asynchronously, as RxJS does. An observer whose `next` throws is unsubscribed (the
 * iterator is returned) and gets that error through `error`; an iterator whose `next()` gives
 * something other than an iterator result fails the same way, with a TypeError.
 *
 * @param iterable - the values to emit
 * @throws TypeError when `iterable` is not an AsyncIterable
 */
export function toObservable<T>(iterable: AsyncIterable<T>): IterableObservable<T> {
  if (!isObjectLike(iterable) || typeof iterable[Symbol.asyncIterator] !== 'function') {
    throw new TypeError(`toObservable: expected an AsyncIterable, got ${describe(iterable)}`);
  }
  const observable = new IterableObservable(iterable);
  const sym = (Symbol as { observable?: symbol }).observable;
  if (typeof sym === 'symbol') {
    Object.defineProperty(observable, sym, { value: () => observable, configurable: true, writable: true });
  }
  return observable;
}
