/**
 * `Enumerator<E>`: a producer that pushes input into an iteratee (Play's `Enumerator[E]`).
 */
import type { Readable } from 'node:stream';
import type { SourceIterator } from '../source/types.js';
import { checkFunction, checkInstance } from './args.js';
import { warnOnce } from '../util/deprecation.js';
import { Iteratee, runIteratee } from './iteratee.js';
import type { Input } from './input.js';
import { Enumeratee, mapEnumeratee } from './enumeratee.js';
import type { ApplyFn } from './drive.js';
import { applyToSource } from './bridge.js';
import { interleaveApply } from './interleave.js';
import {
  asyncIterableApply, callbackApply, generateApply, iterableApply, repeatApply, unfoldApply, type Retriever,
} from './producers.js';

/** Enumerators made by this library's own code: their constructor does not warn. */
let internal = 0;

/** Makes an Enumerator without the warning (the legacy modules' own constructions). */
export function makeEnumerator<E>(apply: ApplyFn<E>): Enumerator<E> {
  internal += 1;
  try {
    return new Enumerator<E>(apply);
  } finally {
    internal -= 1;
  }
}

/** The internal entry point: apply with the consumer's abort signal. */
export const APPLY: unique symbol = Symbol('comet-bridge.legacy.apply');

/**
 * A producer that feeds elements to an iteratee (Play's `Enumerator[E]`). It is also an
 * AsyncIterable (through `Streams.enumeratorToSource`), so `for await`, `toSource()` and the Comet
 * encoders take it as it is. The static constructors warn once (`COMETBRIDGE_DEP0001`).
 * @deprecated Use an AsyncIterable (an array, an async generator, or `toSource()`); see migration-guide.md.
 */
export class Enumerator<E> implements AsyncIterable<E> {
  readonly #apply: ApplyFn<E>;

  /**
   * @param apply - feeds the iteratee and resolves with it afterwards; `signal` aborts when the
   *   consumer has left (a well-behaved enumerator then stops at once). Warns once, like the static
   *   constructors.
   */
  constructor(apply: ApplyFn<E>) {
    if (internal === 0) warnOnce('Enumerator');
    checkFunction(apply, 'new Enumerator');
    // an apply that throws is a failed application, as a failed Future is in Play: it never throws
    this.#apply = <A>(it: Iteratee<E, A>, signal?: AbortSignal): Promise<Iteratee<E, A>> => {
      try {
        return Promise.resolve(apply(it, signal));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }

  /** @internal */
  [APPLY]<A>(it: Iteratee<E, A>, signal?: AbortSignal): Promise<Iteratee<E, A>> {
    return this.#apply(it, signal);
  }

  /**
   * Feeds this enumerator's elements to `iteratee` (Play's `|>>`) and resolves with the iteratee
   * afterwards, without feeding EOF: it may still take more input.
   */
  apply<A>(iteratee: Iteratee<E, A>): Promise<Iteratee<E, A>> {
    checkInstance(iteratee, Iteratee, 'Enumerator.apply');
    return this.#apply(iteratee);
  }

  /** Feeds the elements, then EOF, and resolves with the result (Play's `|>>>`). */
  run<A>(iteratee: Iteratee<E, A>): Promise<A> {
    checkInstance(iteratee, Iteratee, 'Enumerator.run');
    return this.#apply(iteratee).then(runIteratee);
  }

  /** This enumerator's elements transformed by `enumeratee` (Play's `&>`). */
  through<To>(enumeratee: Enumeratee<E, To>): Enumerator<To> {
    checkInstance(enumeratee, Enumeratee, 'Enumerator.through');
    return makeEnumerator<To>(async (inner, signal) => runIteratee(await this.#apply(enumeratee.applyOn(inner), signal)));
  }

  /** This enumerator's elements, then `other`'s (Play's `>>>`). */
  andThen(other: Enumerator<E>): Enumerator<E> {
    checkInstance(other, Enumerator, 'Enumerator.andThen');
    return makeEnumerator<E>(async (it, signal) => {
      const next = await this.#apply(it, signal);
      return signal?.aborted ? next : other[APPLY](next, signal);
    });
  }

  /**
   * The elements of this enumerator and of `others` as each arrives (Play's `interleave`/`>-`). It
   * ends when all of them have; EOF reaches the iteratee once, and only after every one of them sent
   * EOF. The iteratee being Done stops all of them; one of them failing stops the others and fails
   * the application with its error.
   */
  interleave(...others: Enumerator<E>[]): Enumerator<E> {
    const all = [this as Enumerator<E>, ...others].map((e) => {
      checkInstance(e, Enumerator, 'Enumerator.interleave');
      return ((it, signal) => e[APPLY](it, signal)) as ApplyFn<E>;
    });
    return makeEnumerator<E>(interleaveApply(all));
  }

  /** Every element mapped by `fn`. */
  map<U>(fn: (value: E) => U): Enumerator<U> {
    checkFunction(fn, 'Enumerator.map');
    return this.through(mapEnumeratee(fn));
  }

  /**
   * Runs `callback` when an application of this enumerator ends: normally, by failure, or because
   * the iteratee is Done (Play's `onDoneEnumerating`). If `callback` throws, the application
   * rejects with that error.
   */
  onDoneEnumerating(callback: () => void): Enumerator<E> {
    checkFunction(callback, 'Enumerator.onDoneEnumerating');
    return makeEnumerator<E>(async (it, signal) => {
      let result: Iteratee<E, unknown>;
      try {
        result = await this.#apply(it, signal);
      } catch (error) {
        callback();
        throw error;
      }
      callback();
      return result as typeof it;
    });
  }

  /** A pull-driven iterator over the elements (see `Streams.enumeratorToSource`). */
  [Symbol.asyncIterator](): SourceIterator<E> {
    return applyToSource(this.#apply);
  }

  /** The given values, in order. */
  static of<E>(...values: E[]): Enumerator<E> {
    warnOnce('Enumerator');
    return new Enumerator<E>(iterableApply(values));
  }

  /**
   * The values of an iterable, without EOF (Play's `enumerate`). Each application iterates it afresh (a
   * generator only once); an iteratee that stops early, or fails, returns the iterator.
   */
  static enumerate<E>(iterable: Iterable<E>): Enumerator<E> {
    warnOnce('Enumerator');
    if (iterable === null || typeof (iterable as Iterable<E>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError('Enumerator.enumerate takes an Iterable');
    }
    return new Enumerator<E>(iterableApply(iterable));
  }

  /** No elements. */
  static empty<E = never>(): Enumerator<E> {
    warnOnce('Enumerator');
    return new Enumerator<E>(async (it) => it);
  }

  /**
   * Elements from a retriever (Play's `fromCallback1`). A retriever declaring no parameter returns
   * the next value or a Promise of it; one declaring a parameter is called Node-style with
   * `(error, value) => void`. `undefined` is the end: EOF is then fed. `onComplete` runs when the
   * enumeration ends without failing; `onError(message, input)` when the iteratee is in Error or
   * the retriever fails (the application then rejects with the same error).
   */
  static fromCallback<E>(
    retriever: Retriever<E>,
    onComplete?: () => void,
    onError?: (message: string, input: Input<E>) => void,
  ): Enumerator<E> {
    warnOnce('Enumerator');
    checkFunction(retriever, 'Enumerator.fromCallback');
    return new Enumerator<E>(callbackApply(retriever, onComplete, onError));
  }

  /** Elements from `fn` until it resolves `undefined`; EOF is not fed (Play's `generateM`). */
  static generateM<E>(fn: () => E | undefined | PromiseLike<E | undefined>): Enumerator<E> {
    warnOnce('Enumerator');
    checkFunction(fn, 'Enumerator.generateM');
    return new Enumerator<E>(generateApply(fn));
  }

  /**
   * `fn()`'s values (or what its Promises resolve to) for ever, `undefined` included, until the
   * iteratee is Done or in Error (Play's `repeatM`). EOF is never fed.
   */
  static repeatM<E>(fn: () => E | PromiseLike<E>): Enumerator<E> {
    warnOnce('Enumerator');
    checkFunction(fn, 'Enumerator.repeatM');
    return new Enumerator<E>(repeatApply(fn));
  }

  /** Unfolds `state`: `fn` resolves `[nextState, element]`, or `undefined` for the end (Play's `unfoldM`). */
  static unfoldM<S, E>(state: S, fn: (state: S) => readonly [S, E] | undefined | PromiseLike<readonly [S, E] | undefined>): Enumerator<E> {
    warnOnce('Enumerator');
    checkFunction(fn, 'Enumerator.unfoldM');
    return new Enumerator<E>(unfoldApply(state, fn));
  }

  /**
   * The chunks of a Node Readable, read as the iteratee asks for them. The stream is destroyed
   * when the enumeration ends (Play's `fromStream` closes its InputStream). A Readable is read once.
   */
  static fromStream<T = Buffer>(readable: Readable): Enumerator<T> {
    warnOnce('Enumerator');
    if (readable === null || typeof (readable as unknown as AsyncIterable<T>)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError('Enumerator.fromStream takes a Node Readable');
    }
    return new Enumerator<T>(
      asyncIterableApply(readable as unknown as AsyncIterable<T>, () => {
        if (!readable.destroyed) readable.destroy();
      }),
    );
  }
}
