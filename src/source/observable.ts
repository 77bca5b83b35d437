/**
 * fromObservable: any Observable (RxJS, zen-observable, or anything with `subscribe` or
 * `Symbol.observable`) as an async iterator, through the push queue.
 */
import { checkOptions, describe, isObjectLike } from './args.js';
import { queueIn, type PushController } from './queue.js';
import type { QueueOptions, SourceIterator } from './types.js';

/** An observer as passed to `subscribe`. */
export interface ObserverLike<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/** What `subscribe` returns: a subscription with `unsubscribe()`, or a teardown function. */
export type UnsubscribableLike = { unsubscribe(): void } | (() => void) | void;

/** Anything with `subscribe(observer)`. */
export interface SubscribableLike<T> {
  subscribe(observer: ObserverLike<T>): UnsubscribableLike;
}

/**
 * An Observable given directly, or through its interop method (`Symbol.observable` when a polyfill
 * defines it, else `'@@observable'`).
 */
export type ObservableLike<T> = SubscribableLike<T> | { '@@observable'(): SubscribableLike<T> };

const WHERE = 'fromObservable';
const OPTIONS: readonly (keyof QueueOptions)[] = ['buffer', 'signal'];

/** The interop method of an Observable: `Symbol.observable` when defined, else `'@@observable'`. */
export function interopMethod(value: unknown): (() => unknown) | undefined {
  if (!isObjectLike(value)) return undefined;
  const sym = (Symbol as { observable?: symbol }).observable;
  if (typeof sym === 'symbol' && typeof value[sym] === 'function') return value[sym] as () => unknown;
  return typeof value['@@observable'] === 'function' ? (value['@@observable'] as () => unknown) : undefined;
}

/** True for an object with `Symbol.observable` (or `'@@observable'`). */
export function isInteropObservable(value: unknown): boolean {
  return interopMethod(value) !== undefined;
}

function unsubscribe(subscription: UnsubscribableLike | null): void {
  if (typeof subscription === 'function') subscription();
  else if (isObjectLike(subscription) && typeof subscription.unsubscribe === 'function') subscription.unsubscribe();
}

type Finalizer = (() => void) | { unsubscribe(): void };

/**
 * The observer handed to `subscribe`. Besides next/error/complete (and `start`, through which
 * zen-observable and the TC39 proposal hand over the subscription early), it has the shape of an
 * RxJS Subscriber (`closed`, `add`, `remove`, `unsubscribe`), so RxJS 7 calls it directly instead of
 * wrapping it, and its synchronous sources stop as soon as the queue closes.
 */
class QueueObserver<T> {
  private subscription: UnsubscribableLike | null = null;
  private finalizers: Finalizer[] | null = [];
  /** True while subscribe() runs; afterwards the queue's teardown unsubscribes as soon as it closes. */
  private subscribing = true;

  constructor(private readonly ctl: PushController<T>) {}

  get closed(): boolean {
    return this.finalizers === null || this.ctl.closed;
  }

  start(subscription: UnsubscribableLike): void {
    this.subscription = subscription;
  }

  next(value: T): void {
    this.ctl.push(value);
    // closed by this value (an overflow error): stop a source still emitting inside subscribe()
    if (this.subscribing && this.ctl.closed) this.unsubscribe();
  }

  error(error: unknown): void {
    this.ctl.fail(error);
  }

  complete(): void {
    this.ctl.end();
  }

  add(finalizer: Finalizer | null | undefined): void {
    if (!finalizer || finalizer === (this as unknown)) return;
    if (this.finalizers === null) runFinalizer(finalizer);
    else this.finalizers.push(finalizer);
  }

  remove(finalizer: Finalizer): void {
    const list = this.finalizers;
    const i = list === null ? -1 : list.indexOf(finalizer);
    if (i >= 0) (list as Finalizer[]).splice(i, 1);
  }

  /** Ends the subscription: whatever subscribe() returned or start() gave, then every finalizer added. */
  unsubscribe(): void {
    const list = this.finalizers;
    if (list === null) return;
    this.finalizers = null;
    const subscription = this.subscription;
    this.subscription = null;
    let failure: { error: unknown } | null = null;
    for (const f of [subscription as Finalizer | null, ...list]) {
      try {
        if (f !== null && f !== (this as unknown)) runFinalizer(f);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  }

  /** Keeps what subscribe() returned, unless it is this observer (RxJS returns its Subscriber). */
  subscribed(returned: UnsubscribableLike): void {
    this.subscribing = false;
    if (this.subscription !== null || returned === undefined || returned === (this as unknown)) return;
    if (this.finalizers === null) unsubscribe(returned);
    else this.subscription = returned;
  }
}

function runFinalizer(f: Finalizer): void {
  if (typeof f === 'function') f();
  else unsubscribe(f);
}

/**
 * Subscribes at once and yields every value the observable sends. `complete` ends the iterator and
 * `error` fails it, each after the values already buffered. Every end path unsubscribes.
 * Observables cannot be paused, so `buffer.overflow: 'pause'` is refused; choose `'error'` (default),
 * `'drop-oldest'` or `'drop-newest'`.
 *
 * @param observable - anything with `subscribe(observer)`, or with `Symbol.observable`/`'@@observable'`
 * @param options - `buffer`, `signal`
 * @throws TypeError for something that is not an Observable, a bad option (a `buffer.limit` that is
 *   not a number included), or overflow `'pause'`; RangeError for a `buffer.limit` out of range
 */
export function fromObservable<T = unknown>(observable: ObservableLike<T>, options?: QueueOptions): SourceIterator<T> {
  const interop = interopMethod(observable);
  const source = (interop !== undefined ? interop.call(observable) : observable) as SubscribableLike<T>;
  if (!isObjectLike(source) || typeof source.subscribe !== 'function') {
    throw new TypeError(
      `${WHERE}: expected an Observable (an object with subscribe() or Symbol.observable), got ${describe(observable)}`,
    );
  }
  const opts = checkOptions(options, WHERE, OPTIONS);
  if (opts.buffer?.overflow === 'pause') {
    throw new TypeError(`${WHERE}: an Observable cannot be paused; use overflow 'error', 'drop-oldest' or 'drop-newest'`);
  }
  return queueIn<T>(
    WHERE,
    (ctl) => {
      const observer = new QueueObserver<T>(ctl);
      observer.subscribed(source.subscribe(observer));
      return () => observer.unsubscribe();
    },
    { buffer: opts.buffer, signal: opts.signal },
  );
}
