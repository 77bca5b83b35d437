/**
 * The pull-based enumerators: values, iterables, retrievers, unfolding, async iterables.
 * Each returns how it applies itself; `Enumerator` wraps it.
 */
import { returnQuietly } from '../util/iterators.js';
import { EMPTY, EOF, type Input } from './input.js';
import { applyK, type Iteratee } from './iteratee.js';
import { drive, messageOf, type ApplyFn } from './drive.js';

const END: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A retriever for `Enumerator.fromCallback`: declares no parameter and returns the next value or a
 * Promise of it (`undefined`: the end), or declares one and calls it back Node-style.
 * @deprecated Use an async generator; see migration-guide.md.
 */
export type Retriever<E> =
  | (() => E | undefined | PromiseLike<E | undefined>)
  | ((callback: (error: unknown, value?: E) => void) => void);

/**
 * Feeds the values of a fresh iterator on every application. When the iteratee stops early, fails, or
 * the consumer leaves, the iterator is returned (a generator's `finally` runs); `cleanup` runs after.
 */
function iteratorApply<E>(open: () => Iterator<E> | AsyncIterator<E>, cleanup?: () => void): ApplyFn<E> {
  return async <A>(it: Iteratee<E, A>, signal?: AbortSignal) => {
    const iterator = open();
    let exhausted = false;
    try {
      const r = await drive(it, () => iterator.next(), signal);
      exhausted = r.exhausted;
      return r.it;
    } finally {
      if (!exhausted) returnQuietly(iterator);
      cleanup?.();
    }
  };
}

/** The values of `iterable`, iterated afresh on every application. */
export function iterableApply<E>(iterable: Iterable<E>): ApplyFn<E> {
  return iteratorApply<E>(() => iterable[Symbol.iterator]());
}

/** The values of `source`, iterated afresh on every application; `cleanup` runs after each. */
export function asyncIterableApply<E>(source: AsyncIterable<E>, cleanup?: () => void): ApplyFn<E> {
  return iteratorApply<E>(() => source[Symbol.asyncIterator](), cleanup);
}

/** Feeds what `pull` resolves to while the iteratee continues; leaves it in Cont at the end. */
function pullApply<E>(pull: () => Promise<IteratorResult<E>>): ApplyFn<E> {
  return async <A>(it: Iteratee<E, A>, signal?: AbortSignal) => (await drive(it, pull, signal)).it;
}

/** Play's `generateM`: feeds what `next` resolves to until it resolves `undefined`. */
export function generateApply<E>(next: () => E | undefined | PromiseLike<E | undefined>): ApplyFn<E> {
  return pullApply<E>(async () => {
    const value = (await next()) as E | undefined;
    return value === undefined ? END : { done: false, value };
  });
}

/** Play's `repeatM`: feeds what `next` resolves to, whatever it is, until the iteratee stops. */
export function repeatApply<E>(next: () => E | PromiseLike<E>): ApplyFn<E> {
  return pullApply<E>(async () => ({ done: false, value: (await next()) as E }));
}

/** Unfolds `initial` with `fn` on every application: `[state, element]`, or `undefined` for the end. */
export function unfoldApply<S, E>(initial: S, fn: (state: S) => readonly [S, E] | undefined | PromiseLike<readonly [S, E] | undefined>): ApplyFn<E> {
  return async <A>(it: Iteratee<E, A>, signal?: AbortSignal) => {
    let state = initial;
    const r = await drive(it, async () => {
      const pair = await fn(state);
      if (pair === undefined) return END;
      state = pair[0];
      return { done: false, value: pair[1] };
    }, signal);
    return r.it;
  };
}

/** Calls the retriever for one value, whichever style it uses. */
function retrieve<E>(retriever: Retriever<E>): Promise<E | undefined> {
  if (retriever.length === 0) return Promise.resolve((retriever as () => E | undefined | PromiseLike<E | undefined>)());
  return new Promise<E | undefined>((resolve, reject) => {
    let called = false;
    (retriever as (cb: (error: unknown, value?: E) => void) => void)((error, value) => {
      if (called) return;
      called = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(value);
    });
  });
}

/**
 * Play's `fromCallback1`: feeds retrieved values, then EOF when the retriever gives `undefined`.
 * `onComplete` runs when the enumeration ends without failing (end of input, or the iteratee is
 * Done or in Error); `onError(message, input)` when the iteratee is in Error or a retrieval fails.
 */
export function callbackApply<E>(
  retriever: Retriever<E>,
  onComplete?: () => void,
  onError?: (message: string, input: Input<E>) => void,
): ApplyFn<E> {
  return async <A>(it: Iteratee<E, A>, signal?: AbortSignal) => {
    let r;
    try {
      r = await drive(it, async () => {
        const value = await retrieve(retriever);
        return value === undefined ? END : { done: false, value };
      }, signal);
    } catch (error) {
      onError?.(messageOf(error), EMPTY);
      throw error;
    }
    let result = r.it;
    if (r.exhausted && r.step.kind === 'cont') result = applyK(r.step.k, EOF);
    if (r.step.kind === 'error') onError?.(r.step.message, r.step.input);
    onComplete?.();
    return result;
  };
}
