/**
 * `tap`: a pass-through operator that reports what flows through an AsyncIterable.
 */

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

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const members = ['next', 'end', 'error', 'cancel'] as const;

function checkObserver<T>(observer: unknown): TapObserver<T> {
  if (typeof observer === 'function') return { next: observer as TapObserver<T>['next'] };
  if (observer === null || typeof observer !== 'object') {
    throw new TypeError('tap: expected a function or an observer { next?, end?, error?, cancel? }');
  }
  for (const name of members) {
    const member = (observer as Record<string, unknown>)[name];
    if (member !== undefined && typeof member !== 'function') throw new TypeError(`tap: observer.${name} must be a function`);
  }
  return observer as TapObserver<T>;
}

/**
 * A pass-through operator that reports each element, the end, and any error, without changing
 * the stream. `return()` on the output reaches the source at once, even while a `next()` is
 * waiting on it, and is reported as `cancel`.
 *
 * If `next` or `end` throws, the output rejects with that exception (and the source is returned
 * first, so it is torn down; should that `return()` fail too, the callback's exception is still
 * the one passed on); exceptions from `error` and `cancel` are ignored, so they can never
 * hide the source's error or stop its teardown. `throw()` on the output is passed to the source's
 * `throw()` when it has one (its outcome reported like any other), else reported as `cancel` and
 * the source returned.
 *
 * @param observer - a function called with each element and its position, or a {@link TapObserver}
 * @throws TypeError for anything else (at once, not when the stream runs)
 * @example
 * ```ts
 * const seen: string[] = [];
 * sendComet(res, Comet.string('parent.tick')(tap((t: string) => seen.push(t))(ticks)));
 * ```
 */
export function tap<T>(observer: TapObserver<T> | ((value: T, index: number) => void)): TapOperator<T> {
  const report = checkObserver<T>(observer);
  return (source) => {
    const make = (source as AsyncIterable<T> | null | undefined)?.[Symbol.asyncIterator];
    if (typeof make !== 'function') throw new TypeError('tap: the source must be an AsyncIterable');
    const iterator = make.call(source);
    let count = 0;
    let finished = false;

    const quietly = (call: () => void): void => {
      try {
        call();
      } catch {
        // a reporting callback must not change the stream's outcome
      }
    };

    const output: AsyncIterableIterator<T> = {
      async next(): Promise<IteratorResult<T>> {
        if (finished) return DONE;
        let result: IteratorResult<T>;
        try {
          result = await iterator.next();
        } catch (error) {
          if (!finished) {
            finished = true;
            quietly(() => report.error?.(error, count));
          }
          throw error;
        }
        if (finished) return DONE;
        try {
          if (result.done) {
            finished = true;
            report.end?.(count);
            return DONE;
          }
          const index = count++;
          report.next?.(result.value, index);
        } catch (error) {
          if (!finished) {
            finished = true;
            // the callback's error is the one to report; a failing return() must not replace it
            await Promise.resolve()
              .then(() => iterator.return?.())
              .catch(() => {});
          }
          throw error;
        }
        return result;
      },
      async return(value?: unknown): Promise<IteratorResult<T>> {
        if (!finished) {
          finished = true;
          quietly(() => report.cancel?.(count));
          await iterator.return?.();
        }
        return { done: true, value: value as undefined };
      },
      async throw(error?: unknown): Promise<IteratorResult<T>> {
        if (finished) throw error;
        if (typeof iterator.throw !== 'function') {
          finished = true;
          quietly(() => report.cancel?.(count));
          await iterator.return?.();
          throw error;
        }
        let result: IteratorResult<T>;
        try {
          result = await iterator.throw(error);
        } catch (thrown) {
          finished = true;
          quietly(() => report.error?.(thrown, count));
          throw thrown;
        }
        if (result.done) {
          finished = true;
          quietly(() => report.end?.(count));
          return DONE;
        }
        const index = count++;
        quietly(() => report.next?.(result.value, index));
        return result;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return output;
  };
}
