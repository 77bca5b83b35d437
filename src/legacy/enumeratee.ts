/**
 * `Enumeratee<From, To>`: an adapter between an enumerator of `From` and an iteratee of `To`
 * (Play's `Enumeratee`): map, mapM, filter, collect, take, drop, and composition.
 */
import { checkFunction, checkInstance } from './args.js';
import { warnOnce } from './deprecation.js';
import { EMPTY, EOF, el, type Input } from './input.js';
import { applyK, cont, done, flatten, Iteratee, mapIteratee, runIteratee } from './iteratee.js';

/** Enumeratees made by this library's own code: their constructor does not warn. */
let internal = 0;

/** Makes an Enumeratee without the warning (the legacy modules' own constructions). */
export function makeEnumeratee<From, To>(applyOn: ApplyOn<From, To>): Enumeratee<From, To> {
  internal += 1;
  try {
    return new Enumeratee<From, To>(applyOn);
  } finally {
    internal -= 1;
  }
}

/** How an enumeratee wraps an iteratee of `To` into an iteratee of `From`. */
export type ApplyOn<From, To> = <A>(inner: Iteratee<To, A>) => Iteratee<From, Iteratee<To, A>>;

/**
 * Transforms a stream between an enumerator and an iteratee (Play's `Enumeratee[From, To]`).
 * Use it with `enumerator.through(enumeratee)` (Play's `&>`). The static constructors warn once
 * (`COMETBRIDGE_DEP0003`).
 * @deprecated Use an async generator function `(source) => AsyncIterable`; see migration-guide.md.
 */
export class Enumeratee<From, To> {
  readonly #applyOn: ApplyOn<From, To>;

  /**
   * @param applyOn - wraps an iteratee of `To`; the wrapper is Done with the inner iteratee when it
   *   stops (on EOF it is Done without passing EOF on, so the inner iteratee can go on). Warns
   *   once, like the static constructors.
   */
  constructor(applyOn: ApplyOn<From, To>) {
    if (internal === 0) warnOnce('Enumeratee');
    checkFunction(applyOn, 'new Enumeratee');
    this.#applyOn = applyOn;
  }

  /** Wraps `inner`: the result is an iteratee of `From` whose result is `inner` after feeding. */
  applyOn<A>(inner: Iteratee<To, A>): Iteratee<From, Iteratee<To, A>> {
    checkInstance(inner, Iteratee, 'Enumeratee.applyOn');
    return this.#applyOn(inner);
  }

  /** This enumeratee, then `other` (Play's `><>`). */
  compose<To2>(other: Enumeratee<To, To2>): Enumeratee<From, To2> {
    checkInstance(other, Enumeratee, 'Enumeratee.compose');
    return makeEnumeratee<From, To2>((inner) => mapIteratee(this.applyOn(other.applyOn(inner)), (mid) => runIteratee(mid)));
  }

  /** Maps every element with `fn`. */
  static map<From, To>(fn: (value: From) => To): Enumeratee<From, To> {
    warnOnce('Enumeratee');
    checkFunction(fn, 'Enumeratee.map');
    return mapEnumeratee(fn);
  }

  /** Maps every element with an async `fn`, one at a time, in order. */
  static mapM<From, To>(fn: (value: From) => To | PromiseLike<To>): Enumeratee<From, To> {
    warnOnce('Enumeratee');
    checkFunction(fn, 'Enumeratee.mapM');
    return stepwise<From, To>(() => async (value) => ({ out: [await fn(value)], stop: false }));
  }

  /** Keeps the elements for which `predicate` is true (it may return a Promise). */
  static filter<E>(predicate: (value: E) => boolean | PromiseLike<boolean>): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkFunction(predicate, 'Enumeratee.filter');
    return stepwise<E, E>(() => async (value) => ({ out: (await predicate(value)) ? [value] : [], stop: false }));
  }

  /** Maps with `fn` and drops the elements it maps to `undefined` (Play's partial function). */
  static collect<From, To>(fn: (value: From) => To | undefined): Enumeratee<From, To> {
    warnOnce('Enumeratee');
    checkFunction(fn, 'Enumeratee.collect');
    return stepwise<From, To>(() => (value) => {
      const mapped = fn(value);
      return { out: mapped === undefined ? [] : [mapped], stop: false };
    });
  }

  /** Passes the first `count` elements, then is Done, which stops the enumerator. */
  static take<E>(count: number): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkCount('take', count);
    return stepwise<E, E>(() => {
      let seen = 0;
      return (value) => ({ out: [value], stop: ++seen >= count });
    }, count === 0);
  }

  /** Drops the first `count` elements (and any `Input.Empty` before them) and passes the rest. */
  static drop<E>(count: number): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkCount('drop', count);
    return stepwise<E, E>(() => {
      let seen = 0;
      const decide = (value: E): Decision<E> => ({ out: seen++ < count ? [] : [value], stop: false });
      return Object.assign(decide, { passEmpty: () => seen >= count });
    });
  }
}

function checkCount(name: string, count: number): void {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Enumeratee.${name} needs a non-negative integer, got ${String(count)}`);
  }
}

/** What to do with one element: the elements to pass on, and whether to stop after them. */
export interface Decision<To> {
  readonly out: readonly To[];
  readonly stop: boolean;
}

/**
 * A per-application element handler. `passEmpty` says whether `Input.Empty` goes on to the inner
 * iteratee now; without it, it always does (as in Play's map, filter, take, …).
 */
export type Decide<From, To> = ((value: From) => Decision<To> | PromiseLike<Decision<To>>) & {
  readonly passEmpty?: () => boolean;
};

/**
 * An enumeratee built from a per-element decision. `create` runs once per application, so state
 * (counters) is never shared between runs. With `stopAtOnce` the wrapper is Done before any input.
 */
export function stepwise<From, To>(create: () => Decide<From, To>, stopAtOnce = false): Enumeratee<From, To> {
  return makeEnumeratee<From, To>(<A>(inner: Iteratee<To, A>) => {
    if (stopAtOnce) return done<From, Iteratee<To, A>>(inner, EMPTY);
    const decide = create();
    const loop = (it: Iteratee<To, A>): Iteratee<From, Iteratee<To, A>> =>
      flatten(
        it.step().then((s) => {
          if (s.kind !== 'cont') return done<From, Iteratee<To, A>>(it, EMPTY);
          return cont((input: Input<From>) => {
            if (input.kind === 'eof') return done<From, Iteratee<To, A>>(it, EOF);
            if (input.kind === 'empty') return decide.passEmpty?.() === false ? loop(it) : flatten(it.feed(EMPTY).then(loop));
            return flatten(
              (async () => {
                const { out, stop } = await decide(input.value);
                const next = await feedAll(it, out);
                return stop ? done<From, Iteratee<To, A>>(next, EMPTY) : loop(next);
              })(),
            );
          });
        }),
      );
    return loop(inner);
  });
}

/** Feeds `values` to `it` while it is in Cont. */
export async function feedAll<E, A>(it: Iteratee<E, A>, values: readonly E[]): Promise<Iteratee<E, A>> {
  let cur = it;
  for (const value of values) {
    const s = await cur.step();
    if (s.kind !== 'cont') break;
    cur = applyK(s.k, el(value));
  }
  return cur;
}

/** `Enumeratee.map` without the warning. */
export function mapEnumeratee<From, To>(fn: (value: From) => To): Enumeratee<From, To> {
  return stepwise<From, To>(() => (value) => ({ out: [fn(value)], stop: false }));
}
