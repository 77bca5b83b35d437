/**
 * `tap`: a pass-through operator that reports what flows through an AsyncIterable.
 */
import { checkFunction, checkOptions, describe, isObjectLike } from '../util/args.js';
import { relay, type RelayStep } from '../util/relay.js';

/** What {@link tap} reports. Every member is optional. */
export interface TapObserver<T> {
  /** Each element, with its zero-based position, before it is passed on. */
  next?(value: T, index: number): void;
  /** Once, when the source ends normally, with the number of elements seen. */
  end?(count: number): void;
  /** Once, when the source fails, with its error (passed on unchanged) and the elements seen before. */
  error?(error: unknown, count: number): void;
  /** Once, when the consumer stops before the end (`return()`, `break`, a client that left). */
  cancel?(count: number): void;
}

/** A pass-through operator: the same elements, the same end, the same error. */
export type TapOperator<T> = (source: AsyncIterable<T>) => AsyncIterableIterator<T>;

const members = ['next', 'end', 'error', 'cancel'] as const;

function checkObserver<T>(observer: unknown): TapObserver<T> {
  if (typeof observer === 'function') return { next: observer as TapObserver<T>['next'] };
  if (!isObjectLike(observer)) {
    throw new TypeError(`tap: expected a function or an observer { next?, end?, error?, cancel? }, got ${describe(observer)}`);
  }
  // A plain object names only the four members (a misspelt `nxt` would silently report nothing);
  // an instance of a class may hold its own state besides its methods.
  const proto = Object.getPrototypeOf(observer) as unknown;
  if (proto === Object.prototype || proto === null) checkOptions(observer, 'tap', members);
  for (const name of members) checkFunction(observer[name], 'tap', `observer.${name}`);
  return observer as TapObserver<T>;
}

/**
 * A pass-through operator that reports each element, the end, and any error, without changing
 * the stream. The source is opened at once; `return()` on the output reaches it at once, even
 * before the first `next()` or while a `next()` is waiting on it, and is reported as `cancel`.
 * The output carries the source's cut-off signal.
 *
 * If `next` or `end` throws, the output rejects with that exception at once (the source's
 * `return()` is started, not awaited, and a failure of it ignored, so the callback's exception is
 * the one passed on); exceptions from `error` and `cancel` are ignored, so they can never hide
 * the source's error or stop its teardown. `throw()` on the output is passed to the source's
 * `throw()` when it has one (its outcome reported like any other), else reported as `cancel` and
 * the source returned.
 *
 * @param observer - a function called with each element and its position, or a {@link TapObserver}
 * @throws TypeError for anything else, or a plain-object observer with a member of another name
 *   (at once, not when the stream runs)
 * @example
 * ```ts
 * const seen: string[] = [];
 * sendComet(res, Comet.string('parent.tick')(tap((t: string) => seen.push(t))(ticks)));
 * ```
 */
export function tap<T>(observer: TapObserver<T> | ((value: T, index: number) => void)): TapOperator<T> {
  const report = checkObserver<T>(observer);
  const step: RelayStep<T, T> = {
    map(value, index) {
      report.next?.(value, index);
      return value;
    },
    end: (count) => report.end?.(count),
    error: (error, count) => report.error?.(error, count),
    cancel: (count) => report.cancel?.(count),
  };
  return (source) => relay(source, 'tap', step);
}
