/**
 * An Iteratee as a Reactive Streams Subscriber (Play's `IterateeStreams.iterateeToSubscriber`):
 * elements are requested one at a time, each only once the iteratee is in Cont again.
 */
import { describe, isObjectLike } from '../util/args.js';
import type { Subscriber, Subscription } from '../source/types.js';
import { EOF, el } from './input.js';
import { applyK, flatten, type Iteratee, type Step } from './iteratee.js';

const WHERE = 'Streams.iterateeToSubscriber';

/**
 * The subscriber and the iteratee it settles to.
 *
 * - Demand: `request(1)` once subscribed and the iteratee is in Cont; the next `request(1)` only
 *   after the element was fed and the iteratee is in Cont again. Nothing else is ever requested.
 * - `onNext` feeds `Input.el`, `onComplete` feeds `Input.EOF`; `onError(e)` makes the result a
 *   failed iteratee (its `run()` rejects with `e`).
 * - The iteratee Done or in Error (or failing) cancels the subscription once; signals after that
 *   are ignored (rule 2.8). Before any subscription, `onSubscribe` is then answered with `cancel()`.
 * - A second `onSubscribe` is answered with `cancel()` (rule 2.5); `onSubscribe` without a
 *   Subscription throws a TypeError (rule 2.13); `onNext` beyond the demand requested cancels the
 *   subscription and fails the result with an Error (rule 1.1).
 * - The subscriber never calls the Subscription from `onComplete`/`onError` (rule 2.3), and never
 *   again after `cancel()`.
 */
export function iterateeSubscriber<E, A>(iteratee: Iteratee<E, A>): [Subscriber<E>, Iteratee<E, A>] {
  let subscription: Subscription | null = null;
  let finished = false;
  let completed = false; // onComplete came while the step was still unknown
  let k: Extract<Step<E, A>, { kind: 'cont' }>['k'] | null = null; // the Cont step, when known
  let requested = false; // one element asked for and not yet received
  let settle!: (it: Iteratee<E, A>) => void;
  const result = flatten(new Promise<Iteratee<E, A>>((resolve) => (settle = resolve)));

  const cancel = (): void => {
    const s = subscription;
    subscription = null;
    if (s === null) return;
    try {
      s.cancel();
    } catch {
      // a Subscription that throws from cancel() breaks rule 3.15; the subscriber is finished anyway
    }
  };

  const finish = (it: Iteratee<E, A>, cancelling: boolean): void => {
    if (finished) return;
    finished = true;
    k = null;
    if (cancelling) cancel();
    subscription = null;
    settle(it);
  };

  const askForNext = (): void => {
    if (finished || subscription === null || k === null || requested) return;
    requested = true;
    try {
      subscription.request(1);
    } catch (error) {
      finish(flatten<E, A>(Promise.reject(error)), true);
    }
  };

  /** Follows `it` to its next step: Cont asks for the next element, anything else finishes. */
  const follow = (it: Iteratee<E, A>): void => {
    it.step().then(
      (s) => {
        if (finished) return;
        if (s.kind !== 'cont') return finish(it, true);
        if (completed) return finish(applyK(s.k, EOF), false);
        k = s.k;
        askForNext();
      },
      () => finish(it, true),
    );
  };

  const subscriber: Subscriber<E> = {
    onSubscribe(s) {
      if (!isObjectLike(s) || typeof s.request !== 'function' || typeof s.cancel !== 'function') {
        throw new TypeError(`${WHERE}: onSubscribe needs a Subscription, got ${describe(s)}`);
      }
      if (finished || completed || subscription !== null) {
        s.cancel();
        return;
      }
      subscription = s;
      askForNext();
    },
    onNext(value) {
      if (finished || completed) return;
      if (!requested || k === null) {
        const error = new Error(`${WHERE}: the publisher signalled onNext beyond the demand requested (rule 1.1)`);
        finish(flatten<E, A>(Promise.reject(error)), true);
        return;
      }
      requested = false;
      const next = applyK(k, el(value));
      k = null;
      follow(next);
    },
    onError(error) {
      if (finished || completed) return;
      subscription = null; // terminated by the publisher: nothing to cancel
      finish(flatten<E, A>(Promise.reject(error)), false);
    },
    onComplete() {
      if (finished || completed) return;
      subscription = null;
      if (k !== null) finish(applyK(k, EOF), false);
      else completed = true; // fed EOF once the current step is known
    },
  };
  follow(iteratee);
  return [subscriber, result];
}
