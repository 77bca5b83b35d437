/**
 * Enumerator to AsyncIterable, pull-driven: the enumerator is asked for an element only when the
 * consumer calls `next()`, and nothing is buffered (each element is handed straight to the waiting
 * `next()`).
 */
import { asyncDispose } from '../source/args.js';
import type { QueueStats, SourceIterator } from '../source/types.js';
import { EMPTY, EOF, type Input } from './input.js';
import { cont, done, flatten, type Iteratee } from './iteratee.js';
import type { ApplyFn } from './drive.js';
import { DONE } from '../util/relay.js';


interface Waiter<E> {
  resolve(result: IteratorResult<E>): void;
  reject(error: unknown): void;
}

/**
 * Runs `apply` with an iteratee that hands each element to a pending `next()`.
 *
 * - The enumerator starts on the first `next()`.
 * - After an element, the iteratee waits until the consumer asks again before it continues.
 * - `EOF`, or the enumerator finishing, ends the iterator; its failure rejects the next `next()`
 *   once, then the iterator is done.
 * - `return()` (and `throw()`, `Symbol.asyncDispose`) aborts the enumeration: a waiting enumerator
 *   is told it is Done, a channel-fed one is detached, and `return()` resolves once the enumerator
 *   has stopped, after its `onDoneEnumerating` callbacks.
 */
export function applyToSource<E>(apply: ApplyFn<E>): SourceIterator<E> {
  const waiters: Waiter<E>[] = [];
  let demand: (() => void)[] = [];
  let started = false;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let settled: Promise<void> = Promise.resolve();
  const controller = new AbortController();

  const wakeUp = (): void => {
    const wake = demand;
    demand = [];
    for (const resume of wake) resume();
  };

  /** Resolves when a consumer is waiting, or when the iterator is finished. */
  const demanded = (): Promise<void> => new Promise<void>((resolve) => demand.push(resolve));

  const finish = (): void => {
    finished = true;
    controller.abort();
    wakeUp();
    for (const w of waiters.splice(0)) w.resolve(DONE);
  };

  const k = (input: Input<E>): Iteratee<E, void> => {
    if (finished) return done(undefined, input.kind === 'el' ? EMPTY : input);
    if (input.kind === 'empty') return cont(k);
    if (input.kind === 'eof') {
      finish();
      return done(undefined, EOF);
    }
    const waiter = waiters.shift();
    if (waiter === undefined) return flatten(demanded().then(() => k(input)));
    waiter.resolve({ done: false, value: input.value });
    if (waiters.length > 0) return cont(k);
    return flatten(demanded().then(() => (finished ? done<E, void>(undefined, EMPTY) : cont(k))));
  };

  const start = (): void => {
    started = true;
    settled = apply(cont(k), controller.signal).then(
      () => finish(),
      (error: unknown) => {
        if (finished) return;
        const first = waiters.shift();
        if (first) first.reject(error);
        else failure = { error };
        finish();
      },
    );
  };

  // Nothing is ever buffered or dropped: each element goes straight to a waiting next().
  const stats: QueueStats = Object.freeze({ buffered: 0, dropped: 0, highWaterMark: 0 });

  const stop = async (value?: unknown): Promise<IteratorResult<E>> => {
    failure = undefined;
    if (!finished) finish();
    await settled;
    return { done: true, value: value as undefined };
  };

  const iterator: SourceIterator<E> = {
    stats,
    next(): Promise<IteratorResult<E>> {
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(DONE);
      const result = new Promise<IteratorResult<E>>((resolve, reject) => waiters.push({ resolve, reject }));
      if (!started) start();
      else wakeUp();
      return result;
    },
    return: stop,
    async throw(error?: unknown): Promise<IteratorResult<E>> {
      await stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async [asyncDispose]() {
      await stop();
    },
  };
  return iterator;
}
