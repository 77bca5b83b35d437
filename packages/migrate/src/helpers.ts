/**
 * The async-generator functions a rewrite may need in a file, as migration-guide.md writes them
 * (step 4's `collect`, step 5's `filter`, `map` and `take`), plus the few the guide's table names
 * without writing out. Each is added once per file, after the imports, only when used.
 */

/** A helper the rewrites can call. */
export type HelperId = 'map' | 'mapAsync' | 'filter' | 'filterAsync' | 'mapDefined' | 'take' | 'drop' | 'collect';

interface Template {
  /** The TypeScript text, with NAME for the function's name in the file. */
  readonly ts: string;
  /** The same in JavaScript. */
  readonly js: string;
}

const TEMPLATES: Readonly<Record<HelperId, Template>> = {
  map: {
    ts: `async function* NAME<T, U>(source: AsyncIterable<T>, fn: (value: T) => U): AsyncGenerator<U> {
  for await (const value of source) yield fn(value);
}`,
    js: `async function* NAME(source, fn) {
  for await (const value of source) yield fn(value);
}`,
  },
  mapAsync: {
    ts: `async function* NAME<T, U>(source: AsyncIterable<T>, fn: (value: T) => U | PromiseLike<U>): AsyncGenerator<U> {
  for await (const value of source) yield await fn(value);
}`,
    js: `async function* NAME(source, fn) {
  for await (const value of source) yield await fn(value);
}`,
  },
  filter: {
    ts: `async function* NAME<T>(source: AsyncIterable<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  for await (const value of source) if (keep(value)) yield value;
}`,
    js: `async function* NAME(source, keep) {
  for await (const value of source) if (keep(value)) yield value;
}`,
  },
  filterAsync: {
    ts: `async function* NAME<T>(source: AsyncIterable<T>, keep: (value: T) => boolean | PromiseLike<boolean>): AsyncGenerator<T> {
  for await (const value of source) if (await keep(value)) yield value;
}`,
    js: `async function* NAME(source, keep) {
  for await (const value of source) if (await keep(value)) yield value;
}`,
  },
  mapDefined: {
    ts: `async function* NAME<T, U>(source: AsyncIterable<T>, fn: (value: T) => U | undefined): AsyncGenerator<U> {
  for await (const value of source) {
    const mapped = fn(value);
    if (mapped !== undefined) yield mapped;
  }
}`,
    js: `async function* NAME(source, fn) {
  for await (const value of source) {
    const mapped = fn(value);
    if (mapped !== undefined) yield mapped;
  }
}`,
  },
  take: {
    ts: `async function* NAME<T>(source: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  if (count <= 0) return;
  for await (const value of source) {
    yield value;
    if (--count === 0) return;
  }
}`,
    js: `async function* NAME(source, count) {
  if (count <= 0) return;
  for await (const value of source) {
    yield value;
    if (--count === 0) return;
  }
}`,
  },
  drop: {
    ts: `async function* NAME<T>(source: AsyncIterable<T>, count: number): AsyncGenerator<T> {
  for await (const value of source) {
    if (count > 0) count--;
    else yield value;
  }
}`,
    js: `async function* NAME(source, count) {
  for await (const value of source) {
    if (count > 0) count--;
    else yield value;
  }
}`,
  },
  collect: {
    ts: `async function NAME<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
}`,
    js: `async function NAME(source) {
  const out = [];
  for await (const value of source) out.push(value);
  return out;
}`,
  },
};

/** The text of helper `id` named `name`, in TypeScript or JavaScript. */
export function helperText(id: HelperId, name: string, js: boolean): string {
  const template = TEMPLATES[id];
  return (js ? template.js : template.ts).replace('NAME', name);
}
