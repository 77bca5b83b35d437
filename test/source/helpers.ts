/**
 * Small helpers shared by the source tests: waiting a turn of the event loop, reading an iterator to
 * its end, and turning a promise's outcome into a value.
 */

/** What a finished iterator answers. */
export const DONE = { value: undefined, done: true };

/** Resolves after the current turn of the event loop (timers excepted). */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads an iterator to its end: the values, and the error if it failed. */
export async function rest<T>(it: AsyncIterator<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  for (;;) {
    try {
      const r = await it.next();
      if (r.done) return { values };
      values.push(r.value);
    } catch (error) {
      return { values, error };
    }
  }
}

/** The outcome of a promise as a value, so that a rejection can be compared with deep equality. */
export async function settled<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (reason) {
    return { ok: false, reason };
  }
}
