/**
 * fromPublisher: a Reactive Streams Publisher as an async iterator, with bounded demand.
 */
import { checkNumber, checkOptions, describe, isObjectLike } from './args.js';
import { queueIn } from './queue.js';
import type { Publisher, SourceIterator, Subscriber, Subscription } from './types.js';

/** Options of {@link fromPublisher}. */
export interface FromPublisherOptions {
  /** Most values requested and not yet delivered to the consumer. A positive integer; default 16. */
  prefetch?: number;
  /** Aborting ends the iterator with the signal's reason (an Error, as `QueueOptions.signal` says) and cancels the subscription. */
  signal?: AbortSignal;
}

const WHERE = 'fromPublisher';
const OPTIONS: readonly (keyof FromPublisherOptions)[] = ['prefetch', 'signal'];

/** True for an object with a `subscribe` method (the shape of a Reactive Streams Publisher). */
export function isPublisherLike(value: unknown): value is Publisher<unknown> {
  return isObjectLike(value) && typeof value.subscribe === 'function';
}

const isPrefetch = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;

/**
 * @internal `prefetch` of a publisher adapter: a positive integer, default 16 (never `Infinity`:
 * demand is requested in whole batches).
 * @throws TypeError `where: options.prefetch must be a positive integer, got …` for a non-number;
 *   RangeError (same message) for a number out of range
 */
export function checkPrefetch(value: unknown, where: string): number {
  return value === undefined ? 16 : checkNumber(value, where, 'options.prefetch', 'a positive integer', isPrefetch);
}

/**
 * Subscribes at once and requests `prefetch` values; as the consumer takes values, demand is topped
 * up in batches of half the prefetch, so values requested plus values waiting never exceed `prefetch`.
 * `onComplete` ends the iterator and `onError` fails it, after the values already received.
 * Every early end (`return()`, `throw()`, abort) cancels the subscription. A publisher that sends
 * more than requested breaks the specification (rule 1.1): the iterator fails with an Error and the
 * subscription is cancelled. A second `onSubscribe` is answered with `cancel()` (rule 2.5).
 *
 * @param publisher - a Reactive Streams Publisher
 * @param options - `prefetch` (default 16), `signal`
 * @throws TypeError for something that is not a Publisher, a bad option or a `prefetch` that is not a
 *   number; RangeError for a `prefetch` out of range
 */
export function fromPublisher<T = unknown>(publisher: Publisher<T>, options?: FromPublisherOptions): SourceIterator<T> {
  if (!isPublisherLike(publisher)) {
    throw new TypeError(`${WHERE}: expected a Reactive Streams Publisher (an object with subscribe()), got ${describe(publisher)}`);
  }
  const opts = checkOptions(options, WHERE, OPTIONS);
  const prefetch = checkPrefetch(opts.prefetch, WHERE);
  const batch = Math.ceil(prefetch / 2);

  return queueIn<T>(
    WHERE,
    (ctl) => {
      let subscription: Subscription | null = null;
      let done = false; // torn down, or terminated by the publisher
      let outstanding = 0; // requested, not yet received
      let owed = 0; // delivered to the consumer since the last request
      const request = (n: number): void => {
        outstanding += n;
        try {
          (subscription as Subscription).request(n);
        } catch (error) {
          ctl.fail(error);
        }
      };
      const subscriber: Subscriber<T> = {
        onSubscribe(s) {
          if (!isObjectLike(s) || typeof s.request !== 'function' || typeof s.cancel !== 'function') {
            throw new TypeError(`${WHERE}: onSubscribe needs a Subscription, got ${describe(s)}`);
          }
          if (subscription !== null || done) {
            s.cancel();
            return;
          }
          subscription = s;
          request(prefetch);
        },
        onNext(value) {
          if (done || subscription === null) return;
          if (outstanding === 0) {
            ctl.fail(new Error(`${WHERE}: the publisher signalled onNext beyond the demand requested (rule 1.1)`));
            return;
          }
          outstanding--;
          ctl.push(value);
        },
        onError(error) {
          if (done) return;
          done = true;
          ctl.fail(error);
        },
        onComplete() {
          if (done) return;
          done = true;
          ctl.end();
        },
      };
      publisher.subscribe(subscriber);
      return {
        teardown() {
          const s = subscription;
          const terminated = done;
          done = true;
          subscription = null;
          if (s !== null && !terminated) s.cancel();
        },
        delivered() {
          if (++owed >= batch && subscription !== null && !done) {
            const n = owed;
            owed = 0;
            request(n);
          }
        },
      };
    },
    // demand bounds the buffer at prefetch; the limit only catches a publisher that ignores it
    { buffer: { limit: prefetch, overflow: 'error' }, signal: opts.signal },
  );
}
