/**
 * Helpers for the adapters that drive someone else's iterator (toPublisher, toObservable).
 * @internal
 */
import { describe, isObjectLike } from './args.js';

/** Rethrows outside the current call stack: an error that no callback is left to receive. */
export function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** A TypeError naming `where` when `result` (what an iterator's `next()` gave) is not an iterator result, else null. */
export function notAResult(result: unknown, where: string): TypeError | null {
  return isObjectLike(result) ? null : new TypeError(`${where}: the iterator's next() gave ${describe(result)}, not an iterator result`);
}
