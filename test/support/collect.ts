/** Small helpers for tests over AsyncIterables. */

/** Reads every value of an AsyncIterable into an array. */
export async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
}

/** An async generator over the given values. */
export async function* fromArray<T>(values: Iterable<T>): AsyncGenerator<T> {
  for (const value of values) yield value;
}
