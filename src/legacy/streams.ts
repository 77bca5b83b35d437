/**
 * `Streams`: where legacy and modern code meet: Enumerator to AsyncIterable and back, to/from
 * Reactive Streams Publishers, and an Iteratee as a Reactive Streams Subscriber.
 */
import { checkPrefetch, fromPublisher } from '../source/publisher.js';
import { toPublisher } from '../source/to-publisher.js';
import type { Publisher, SourceIterator, Subscriber } from '../source/types.js';
import { checkOptions } from '../util/args.js';
import { checkInstance } from './args.js';
import { warnOnce } from '../util/deprecation.js';
import { Enumerator, makeEnumerator } from './enumerator.js';
import { Iteratee } from './iteratee.js';
import { asyncIterableApply } from './producers.js';
import { iterateeSubscriber } from './subscriber.js';

/**
 * Options of `Streams.publisherToEnumerator`.
 * @deprecated Use `fromPublisher(publisher, options)`.
 */
export interface PublisherToEnumeratorOptions {
  /** Most elements requested ahead of the iteratee; a positive integer, default 16. */
  prefetch?: number;
}

function checkEnumerator(value: unknown, where: string): asserts value is Enumerator<unknown> {
  if (!(value instanceof Enumerator)) throw new TypeError(`Streams.${where} takes an Enumerator`);
}

/** `Streams.sourceToEnumerator` without the warning. */
export function sourceToEnumerator<E>(source: AsyncIterable<E>): Enumerator<E> {
  if (source === null || typeof (source as AsyncIterable<E>)?.[Symbol.asyncIterator] !== 'function') {
    throw new TypeError('Streams.sourceToEnumerator takes an AsyncIterable');
  }
  return makeEnumerator<E>(asyncIterableApply(source));
}

/**
 * The bridge between Enumerators and AsyncIterables, and Reactive Streams interop. Each function
 * warns once (`COMETBRIDGE_DEP0007`, shared).
 * @deprecated Once no Enumerator is left, use AsyncIterables with `toSource()`, `toPublisher()` and
 *   `fromPublisher()` directly; see migration-guide.md.
 */
export const Streams: {
  /**
   * The enumerator as a pull-driven async iterator: it starts on the first `next()` and is asked for
   * each element only when the consumer pulls, nothing is buffered. EOF or the end of the
   * enumeration ends it; a failure rejects one `next()`. `return()` stops the enumerator (a
   * channel-fed one is detached at once) and resolves after its `onDoneEnumerating` callbacks ran.
   * @deprecated Use an AsyncIterable from the start (`toSource()` also takes an Enumerator).
   */
  enumeratorToSource<E>(enumerator: Enumerator<E>): SourceIterator<E>;
  /**
   * An AsyncIterable as an Enumerator: each application opens a new iterator and pulls one element
   * per element the iteratee takes; when the iteratee is Done early, the iterator is returned.
   * @deprecated Keep the AsyncIterable.
   */
  sourceToEnumerator<E>(source: AsyncIterable<E>): Enumerator<E>;
  /**
   * The enumerator as a Reactive Streams Publisher (`toPublisher` on its elements): each subscriber
   * gets its own application, pulled as it requests elements; `cancel()` stops it.
   * @deprecated Use `toPublisher(asyncIterable)`.
   */
  enumeratorToPublisher<E>(enumerator: Enumerator<E>): Publisher<E>;
  /**
   * A Reactive Streams Publisher as an Enumerator (`fromPublisher`): each application subscribes
   * once, with bounded demand (`prefetch`); the iteratee being Done cancels the subscription.
   * @deprecated Use `fromPublisher(publisher, options)`.
   */
  publisherToEnumerator<E>(publisher: Publisher<E>, options?: PublisherToEnumeratorOptions): Enumerator<E>;
  /**
   * The iteratee as a Reactive Streams Subscriber, and the iteratee it ends as (Play's
   * `iterateeToSubscriber`). The subscriber requests one element at a time, only while the iteratee
   * is in Cont, and feeds it; `onComplete` feeds `Input.EOF`; `onError(e)` makes the result a failed
   * iteratee (`run()` rejects with `e`). The iteratee being Done or in Error cancels the
   * subscription, and later signals are ignored. The result iteratee settles when the iteratee or
   * the subscription ends: `result.run()` gives the iteratee's result. A second `onSubscribe` is
   * cancelled (rule 2.5); `onNext` beyond the demand cancels and fails the result (rule 1.1).
   * @returns `[subscriber, result]`
   * @throws TypeError when `iteratee` is not an Iteratee
   * @deprecated Use `fromPublisher(publisher)` and a `for await...of` loop.
   */
  iterateeToSubscriber<E, A>(iteratee: Iteratee<E, A>): [Subscriber<E>, Iteratee<E, A>];
} = Object.freeze({
  enumeratorToSource<E>(enumerator: Enumerator<E>): SourceIterator<E> {
    warnOnce('Streams');
    checkEnumerator(enumerator, 'enumeratorToSource');
    return enumerator[Symbol.asyncIterator]();
  },
  sourceToEnumerator<E>(source: AsyncIterable<E>): Enumerator<E> {
    warnOnce('Streams');
    return sourceToEnumerator(source);
  },
  enumeratorToPublisher<E>(enumerator: Enumerator<E>): Publisher<E> {
    warnOnce('Streams');
    checkEnumerator(enumerator, 'enumeratorToPublisher');
    return toPublisher(enumerator);
  },
  publisherToEnumerator<E>(publisher: Publisher<E>, options?: PublisherToEnumeratorOptions): Enumerator<E> {
    warnOnce('Streams');
    if (publisher === null || typeof (publisher as Publisher<E>)?.subscribe !== 'function') {
      throw new TypeError('Streams.publisherToEnumerator takes a Reactive Streams Publisher (an object with subscribe())');
    }
    const where = 'Streams.publisherToEnumerator';
    const prefetch = checkPrefetch(checkOptions(options, where, ['prefetch']).prefetch, where);
    return makeEnumerator<E>(asyncIterableApply({ [Symbol.asyncIterator]: () => fromPublisher(publisher, { prefetch }) }));
  },
  iterateeToSubscriber<E, A>(iteratee: Iteratee<E, A>): [Subscriber<E>, Iteratee<E, A>] {
    warnOnce('Streams');
    checkInstance(iteratee, Iteratee, 'Streams.iterateeToSubscriber');
    return iterateeSubscriber(iteratee);
  },
});
