/**
 * The one way this library ends an iterator it no longer reads.
 * @internal
 */

function ignore(): void {}

/**
 * Calls `iterator.return()`, if it has one, without waiting for it. Whoever called it has stopped
 * reading, so nothing is left to tell of its outcome: a `return()` that throws or rejects is
 * ignored. Not waiting matters too: an async generator suspended in an `await` runs its `finally`
 * blocks only once that await settles, so waiting here could stall the caller.
 */
export function returnQuietly(iterator: AsyncIterator<unknown> | Iterator<unknown> | null | undefined): void {
  try {
    const result: unknown = iterator?.return?.();
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, ignore);
    }
  } catch {
    // see above
  }
}
