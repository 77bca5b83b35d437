/**
 * The one pass-through iterator behind every operator (`Comet.string/json/flow`, `tap`, `log`):
 * it forwards `next`, reaches the source at once on `return`, forwards `throw`, and carries the
 * source's cut-off signal forward.
 * @internal
 */
import { describe } from './args.js';
import { carryCutoff } from './cutoff.js';
import { returnQuietly } from './iterators.js';

/** What a {@link RelayStep.map} returns for a value to drop (the next one is pulled instead). */
export const SKIP: unique symbol = Symbol('comet-bridge.skip');

/** What one operator does with the values and endings it relays. */
export interface RelayStep<T, U> {
  /** Emitted by the first `next()`, before the source is pulled (`undefined`: none). */
  readonly first?: U | undefined;
  /**
   * Turns a source value into the output value, or {@link SKIP}. A throw fails the output with that
   * exception; the source's `return()` is started, not awaited, and its failure ignored, so a
   * source whose teardown hangs or fails cannot hold back or replace the error.
   * @param index - the value's position among the source's values
   */
  map(value: T, index: number): U | typeof SKIP;
  /** Once, when the source ends, with the number of values it gave. A throw fails the output. */
  end?(count: number): void;
  /** Once, when the source fails, before its error is passed on. Exceptions are ignored. */
  error?(error: unknown, count: number): void;
  /** Once, when the consumer stops first (`return()`, or `throw()` on a source without one). Exceptions are ignored. */
  cancel?(count: number): void;
}

/** The one frozen "done" result every iterator of this library answers with. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function quietly(call: () => void): void {
  try {
    call();
  } catch {
    // a reporting hook must not change the stream's outcome
  }
}

/**
 * Relays `source` through `step`. The source's iterator is opened now, so a `return()` before the
 * first `next()` reaches it. Calls to `next()` are answered in order, one source pull at a time;
 * `return()` goes to the source at once, even while a `next()` waits on it (that `next()` then
 * resolves done); `throw()` goes to the source's `throw()` when it has one (its outcome relayed
 * like any other), else the source is returned and the error rethrown.
 * @param where - the operator's name, for the TypeError
 * @throws TypeError `where: the source must be an AsyncIterable, got …`
 */
export function relay<T, U>(source: AsyncIterable<T>, where: string, step: RelayStep<T, U>): AsyncIterableIterator<U> {
  const open = (source as AsyncIterable<T> | null | undefined)?.[Symbol.asyncIterator];
  if (typeof open !== 'function') throw new TypeError(`${where}: the source must be an AsyncIterable, got ${describe(source)}`);
  const iterator: AsyncIterator<T> = open.call(source);
  let first = step.first;
  let count = 0;
  let finished = false;
  // Calls to next() not settled yet; while there are any, a new one waits for the last.
  let inflight = 0;
  let last: Promise<IteratorResult<U>> | undefined;

  /** One answer: the first value, or source values until one is not skipped. Serves next() and throw(). */
  async function advance(thrown: boolean, error?: unknown): Promise<IteratorResult<U>> {
    const queued = !thrown;
    try {
      if (queued && first !== undefined && !finished) {
        const value = first;
        first = undefined;
        return { done: false, value };
      }
      for (;;) {
        if (finished) return DONE;
        let result: IteratorResult<T>;
        try {
          result = await (thrown ? iterator.throw!(error) : iterator.next());
        } catch (failure) {
          if (!finished) {
            finished = true;
            quietly(() => step.error?.(failure, count));
          }
          throw failure;
        }
        if (finished) return DONE;
        if (result.done) {
          finished = true;
          step.end?.(count);
          return DONE;
        }
        let value: U | typeof SKIP;
        try {
          value = step.map(result.value, count++);
        } catch (failure) {
          finished = true;
          returnQuietly(iterator);
          throw failure;
        }
        if (value !== SKIP) return { done: false, value };
        thrown = false;
      }
    } finally {
      if (queued) inflight--;
    }
  }

  const pull = (): Promise<IteratorResult<U>> => advance(false);

  async function cancel(): Promise<void> {
    finished = true;
    quietly(() => step.cancel?.(count));
    await iterator.return?.();
  }

  const output: AsyncIterableIterator<U> = {
    next(): Promise<IteratorResult<U>> {
      last = inflight++ > 0 && last ? last.then(pull, pull) : pull();
      return last;
    },
    async return(value?: unknown): Promise<IteratorResult<U>> {
      if (!finished) await cancel();
      return { done: true, value: value as undefined };
    },
    async throw(error?: unknown): Promise<IteratorResult<U>> {
      if (finished) throw error;
      if (typeof iterator.throw === 'function') return advance(true, error);
      await cancel();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  // The signal may sit on the iterable (a subscription) or only on the iterator it opens.
  return carryCutoff(carryCutoff(output, iterator), source);
}
