/**
 * fromHighland: a Highland 2.x stream as an async iterator, pulled with the stream's own `pull`
 * so Highland's backpressure holds. Highland is recognised by shape; it is never imported here.
 */
import { checkFunction, checkOptions, checkSignal, describe, isObjectLike } from './args.js';
import { pullSource } from './pull.js';
import type { SourceIterator } from './types.js';

/** The part of a Highland stream that {@link fromHighland} uses. */
export interface HighlandStreamLike<T> {
  readonly __HighlandStream__: true;
  pull(callback: (error: unknown, value: T) => void): void;
  destroy(): void;
}

/** Options of {@link fromHighland}. */
export interface FromHighlandOptions {
  /**
   * What an error inside the stream does: `'throw'` (default) fails the iterator with the first one;
   * `'skip'` reports each through `onError` and goes on with the next value.
   */
  errors?: 'throw' | 'skip';
  /** With `errors: 'skip'`, called with each error skipped. If it throws, the iterator fails with that. */
  onError?: (error: unknown) => void;
  /** Aborting ends the iterator with the signal's reason (an Error, as `QueueOptions.signal` says) and destroys the stream. */
  signal?: AbortSignal;
}

const WHERE = 'fromHighland';
const OPTIONS: readonly (keyof FromHighlandOptions)[] = ['errors', 'onError', 'signal'];

/** True for a Highland stream (it carries the `__HighlandStream__` marker). */
export function isHighlandStream(value: unknown): value is HighlandStreamLike<unknown> {
  return isObjectLike(value) && value.__HighlandStream__ === true && typeof value.pull === 'function';
}

/**
 * Iterates a Highland stream: each `next()` pulls one value with `stream.pull`, so nothing is read
 * ahead of the consumer. Highland's end marker (`nil`) ends the iterator. On every end path the
 * stream is destroyed (which also unlinks it from its sources).
 *
 * @param stream - a Highland 2.x stream
 * @param options - `errors` (`'throw'` | `'skip'`), `onError`, `signal`
 * @throws TypeError for something that is not a Highland stream, or a bad option
 */
export function fromHighland<T = unknown>(stream: HighlandStreamLike<T>, options?: FromHighlandOptions): SourceIterator<T> {
  if (!isHighlandStream(stream) || typeof stream.destroy !== 'function') {
    throw new TypeError(`${WHERE}: expected a Highland stream (an object marked __HighlandStream__), got ${describe(stream)}`);
  }
  const opts = checkOptions(options, WHERE, OPTIONS);
  const signal = checkSignal(opts.signal, WHERE);
  const errors = opts.errors ?? 'throw';
  if (errors !== 'throw' && errors !== 'skip') {
    throw new TypeError(`${WHERE}: options.errors must be 'throw' or 'skip', got ${describe(errors)}`);
  }
  const onError = opts.onError;
  checkFunction(onError, WHERE, 'options.onError');

  return pullSource<T>((ctl) => {
    // a skipped error answered synchronously loops here rather than recursing
    let again = false;
    let inPull = false;
    const onPulled = (error: unknown, value: T): void => {
      if (error) {
        if (errors === 'throw') return ctl.fail(error);
        try {
          onError?.(error);
        } catch (thrown) {
          return ctl.fail(thrown);
        }
        if (inPull) again = true;
        else pullNext();
        return;
      }
      // Highland 2.x keeps its end marker on the global object so that copies of the library agree
      if (value === (globalThis as { nil?: unknown }).nil) ctl.end();
      else ctl.value(value);
    };
    const pull = (): void => {
      do {
        again = false;
        inPull = true;
        try {
          stream.pull(onPulled);
        } finally {
          inPull = false;
        }
      } while (again && !ctl.closed);
    };
    // answered later, outside next(): a throwing pull() fails the iterator instead of Highland's caller
    const pullNext = (): void => {
      try {
        pull();
      } catch (error) {
        ctl.fail(error);
      }
    };
    return {
      pull,
      cleanup: () => stream.destroy(),
    };
  }, signal);
}
