/**
 * `Enumeratee<From, To>`: an adapter between an enumerator of `From` and an iteratee of `To`
 * (Play's `Enumeratee`): map, mapM, filter, collect, take, drop, grouped, and composition.
 */
import { checkNumber } from '../util/args.js';
import { checkFunction, checkInstance } from './args.js';
import { warnOnce } from '../util/deprecation.js';
import { EMPTY, EOF, el, type Input } from './input.js';
import { applyK, cont, done, errorIteratee, flatten, Iteratee, mapIteratee, runIteratee } from './iteratee.js';

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
    return stepwise<From, To>(async (value) => ({ out: [await fn(value)], stop: false }));
  }

  /** Keeps the elements for which `predicate` is true (it may return a Promise). */
  static filter<E>(predicate: (value: E) => boolean | PromiseLike<boolean>): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkFunction(predicate, 'Enumeratee.filter');
    return stepwise<E, E>(async (value) => ({ out: (await predicate(value)) ? [value] : [], stop: false }));
  }

  /** Maps with `fn` and drops the elements it maps to `undefined` (Play's partial function). */
  static collect<From, To>(fn: (value: From) => To | undefined): Enumeratee<From, To> {
    warnOnce('Enumeratee');
    checkFunction(fn, 'Enumeratee.collect');
    return stepwise<From, To>((value) => {
      const mapped = fn(value);
      return { out: mapped === undefined ? [] : [mapped], stop: false };
    });
  }

  /**
   * Passes the first `count` elements, then is Done, which stops the enumerator.
   * @throws TypeError when `count` is not a number; RangeError when it is not a non-negative integer
   */
  static take<E>(count: number): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkCount('take', count);
    return stepwise<E, E>((value, index) => ({ out: [value], stop: index + 1 >= count }), count === 0);
  }

  /**
   * Drops the first `count` elements (and any `Input.Empty` before them) and passes the rest.
   * @throws TypeError when `count` is not a number; RangeError when it is not a non-negative integer
   */
  static drop<E>(count: number): Enumeratee<E, E> {
    warnOnce('Enumeratee');
    checkCount('drop', count);
    const decide = (value: E, index: number): Decision<E> => ({ out: index < count ? [] : [value], stop: false });
    return stepwise<E, E>(Object.assign(decide, { passEmpty: (seen: number) => seen >= count }));
  }

  /**
   * Groups the elements with `folder` (Play's `Enumeratee.grouped`): `folder` is fed the input
   * (elements and `Input.Empty`) until it is Done, its result goes on as one element, and a fresh
   * copy of `folder` starts the next group; input the folder left over (`Done` with an `Input.el`
   * remaining) starts that next group. On EOF the current group is run (fed EOF) and its result goes
   * on as the last element, even when that group received nothing, as in Play. A folder in Error
   * fails the run with its message; a fresh folder that hands back the element it was fed unconsumed
   * would repeat forever, so it fails the run instead.
   * @param folder - the iteratee that folds one group; reused (iteratees are immutable) for each group
   * @throws TypeError when `folder` is not an Iteratee
   * @deprecated Use an async generator function that collects each group and yields it; see migration-guide.md.
   */
  static grouped<From, To>(folder: Iteratee<From, To>): Enumeratee<From, To> {
    warnOnce('Enumeratee');
    checkInstance(folder, Iteratee, 'Enumeratee.grouped');
    return groupedEnumeratee(folder);
  }
}

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0;

/** @throws TypeError when `count` is not a number; RangeError when it is not a non-negative integer */
function checkCount(name: string, count: unknown): void {
  checkNumber(count, `Enumeratee.${name}`, 'count', 'a non-negative integer', isCount);
}

/** What to do with one element: the elements to pass on, and whether to stop after them. */
export interface Decision<To> {
  readonly out: readonly To[];
  readonly stop: boolean;
}

/**
 * The element handler of an enumeratee. `index` counts the elements received before this one. The
 * count is the only state, and it is carried by each step, so an applied enumeratee stays immutable:
 * feeding the same step twice (a folder reused by `grouped`, an iteratee run twice) starts from the
 * same count. `passEmpty(seen)` says whether `Input.Empty` goes on to the inner iteratee after
 * `seen` elements; without it, it always does (as in Play's map, filter, take, …).
 */
export type Decide<From, To> = ((value: From, index: number) => Decision<To> | PromiseLike<Decision<To>>) & {
  readonly passEmpty?: (seen: number) => boolean;
};

/**
 * An enumeratee built from a per-element decision. With `stopAtOnce` the wrapper is Done before
 * any input.
 */
export function stepwise<From, To>(decide: Decide<From, To>, stopAtOnce = false): Enumeratee<From, To> {
  return makeEnumeratee<From, To>(<A>(inner: Iteratee<To, A>) => {
    if (stopAtOnce) return done<From, Iteratee<To, A>>(inner, EMPTY);
    const loop = (it: Iteratee<To, A>, seen: number): Iteratee<From, Iteratee<To, A>> =>
      flatten(
        it.step().then((s) => {
          if (s.kind !== 'cont') return done<From, Iteratee<To, A>>(it, EMPTY);
          return cont((input: Input<From>) => {
            if (input.kind === 'eof') return done<From, Iteratee<To, A>>(it, EOF);
            if (input.kind === 'empty') {
              return decide.passEmpty?.(seen) === false ? loop(it, seen) : flatten(it.feed(EMPTY).then((next) => loop(next, seen)));
            }
            return flatten(
              (async () => {
                const { out, stop } = await decide(input.value, seen);
                const next = await feedAll(it, out);
                return stop ? done<From, Iteratee<To, A>>(next, EMPTY) : loop(next, seen + 1);
              })(),
            );
          });
        }),
      );
    return loop(inner, 0);
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
  return stepwise<From, To>((value) => ({ out: [fn(value)], stop: false }));
}

/** `Enumeratee.grouped` without the warning. */
function groupedEnumeratee<From, To>(folder: Iteratee<From, To>): Enumeratee<From, To> {
  return makeEnumeratee<From, To>(<A>(inner: Iteratee<To, A>) => {
    type Outer = Iteratee<From, Iteratee<To, A>>;
    /** Waits for input while `it` (downstream) continues; `group` is the group being folded. */
    const loop = (it: Iteratee<To, A>, group: Iteratee<From, To>, leftover?: Input<From>): Outer =>
      flatten(
        it.step().then((s) => {
          if (s.kind !== 'cont') return done<From, Iteratee<To, A>>(it, EMPTY);
          if (leftover !== undefined) return feedGroup(it, group, leftover);
          return cont((input: Input<From>) => (input.kind === 'eof' ? lastGroup(it, group) : feedGroup(it, group, input)));
        }),
      );
    const lastGroup = (it: Iteratee<To, A>, group: Iteratee<From, To>): Outer =>
      flatten(
        (async () => {
          const last = await runIteratee(group);
          return done<From, Iteratee<To, A>>(await feedAll(it, [last]), EOF);
        })(),
      );
    const feedGroup = (it: Iteratee<To, A>, group: Iteratee<From, To>, input: Input<From>): Outer =>
      flatten(
        (async (): Promise<Outer> => {
          const fed = await group.feed(input);
          const s = await fed.step();
          if (s.kind === 'cont') return loop(it, fed);
          if (s.kind === 'error') return errorIteratee(s.message, input);
          const left = s.remaining;
          if (left.kind === 'el' && group === folder && input.kind === 'el' && Object.is(left.value, input.value)) {
            return errorIteratee('Enumeratee.grouped: the folder finished a group without consuming any element', input);
          }
          const next = await feedAll(it, [s.value]);
          return loop(next, folder, left.kind === 'el' ? left : undefined);
        })(),
      );
    return loop(inner, folder);
  });
}
