/**
 * The loop shared by the pull-based enumerators: while the iteratee continues, pull one element
 * and feed it. An abort (the consumer left) stops the loop at once, even while a pull is pending.
 */
import { onAbort } from '../util/abort.js';
import { el, type Input } from './input.js';
import { applyK, type Iteratee, type Step } from './iteratee.js';

/**
 * How an enumerator applies itself to an iteratee; `signal` aborts when the consumer has left.
 * @deprecated Part of the Enumerator API; use an AsyncIterable.
 */
export type ApplyFn<E> = <A>(it: Iteratee<E, A>, signal?: AbortSignal) => Promise<Iteratee<E, A>>;

/** A continuation of an iteratee. */
export type Continuation<E, A> = (input: Input<E>) => Iteratee<E, A> | Promise<Iteratee<E, A>>;

/** Resolved instead of a value when the signal aborts first. */
export const ABORTED: unique symbol = Symbol('aborted');

/** `value`, or {@link ABORTED} as soon as `signal` aborts (a later rejection of `value` is dropped). */
export function raceAbort<T>(value: T | PromiseLike<T>, signal?: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal === undefined) return Promise.resolve(value);
  return new Promise<T | typeof ABORTED>((resolve, reject) => {
    const dispose = onAbort(signal, () => resolve(ABORTED));
    Promise.resolve(value).then(
      (v) => {
        dispose();
        resolve(v);
      },
      (e: unknown) => {
        dispose();
        reject(e);
      },
    );
  });
}

/** Where {@link drive} stopped. */
export interface Driven<E, A> {
  /** The iteratee after the last element fed. */
  readonly it: Iteratee<E, A>;
  /** Its step: not Cont when the iteratee stopped the loop. */
  readonly step: Step<E, A>;
  /** True when `pull` ran out of elements (the iteratee is then in Cont). */
  readonly exhausted: boolean;
  /** True when the signal aborted the loop. */
  readonly aborted: boolean;
}

/**
 * Feeds the elements `pull` gives to `it` while it is in Cont. Only pulls when the iteratee asks
 * for more: a Done or Error iteratee stops the loop before the next pull.
 */
export async function drive<E, A>(
  it: Iteratee<E, A>,
  pull: () => IteratorResult<E> | PromiseLike<IteratorResult<E>>,
  signal?: AbortSignal,
): Promise<Driven<E, A>> {
  let cur = it;
  for (;;) {
    const step = await cur.step();
    if (step.kind !== 'cont') return { it: cur, step, exhausted: false, aborted: false };
    if (signal?.aborted) return { it: cur, step, exhausted: false, aborted: true };
    const r = await raceAbort(pull(), signal);
    if (r === ABORTED) return { it: cur, step, exhausted: false, aborted: true };
    if (r.done) return { it: cur, step, exhausted: true, aborted: false };
    cur = applyK(step.k, el(r.value));
  }
}

/** The message of an error, for callbacks that take one (Play's `onError(message, input)`). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
