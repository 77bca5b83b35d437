/**
 * Argument checks shared by the source adapters, and a short description of any value for error messages.
 * @internal
 */
import type { BufferOptions, OverflowPolicy } from './types.js';

/** `Symbol.asyncDispose`, with a registered-symbol stand-in on runtimes that lack it. */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

/** Brands the iterators of this library so that toSource can return them unchanged. */
export const sourceBrand: unique symbol = Symbol('comet-bridge source iterator');

/** True for an iterator made by this library's queue or pull iterator. */
export function isSourceIterator(value: unknown): boolean {
  return isObjectLike(value) && value[sourceBrand] === true;
}

/** Describes a value in a few words: `null`, `a string`, `the number 42`, `an instance of Foo`, `a plain object`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return 'a string';
    case 'number':
    case 'bigint':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'symbol':
      return `the symbol ${String(value.description ?? '')}`;
    case 'function':
      return value.name ? `the function ${value.name}` : 'an anonymous function';
    default: {
      if (Array.isArray(value)) return 'an array';
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      if (proto === null || proto === Object.prototype) return 'a plain object';
      const name = proto.constructor?.name;
      return name ? `an instance of ${name}` : 'an object';
    }
  }
}

/** True for objects and functions. */
export function isObjectLike(value: unknown): value is Record<PropertyKey, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

const POLICIES: readonly OverflowPolicy[] = ['error', 'drop-oldest', 'drop-newest', 'pause'];

/** Validated buffer settings with defaults applied. */
export interface BufferSettings {
  limit: number;
  overflow: OverflowPolicy;
}

/**
 * Applies the defaults (1024, `'error'`) and checks `buffer`.
 * @throws RangeError when `limit` is not a positive integer or `Infinity`
 * @throws TypeError when `overflow` is not a known policy
 */
export function bufferSettings(buffer: BufferOptions | undefined, where: string): BufferSettings {
  if (buffer === undefined) return { limit: 1024, overflow: 'error' };
  if (!isObjectLike(buffer)) {
    throw new TypeError(`${where}: options.buffer must be an object, got ${describe(buffer)}`);
  }
  const limit: unknown = buffer.limit === undefined ? 1024 : buffer.limit;
  if (typeof limit !== 'number' || !(limit === Infinity || (Number.isSafeInteger(limit) && limit > 0))) {
    throw new RangeError(
      `${where}: options.buffer.limit must be a positive integer or Infinity, got ${describe(limit)}`,
    );
  }
  const overflow: unknown = buffer.overflow === undefined ? 'error' : buffer.overflow;
  if (!POLICIES.includes(overflow as OverflowPolicy)) {
    throw new TypeError(
      `${where}: options.buffer.overflow must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, ` +
        `got ${typeof overflow === 'string' ? `'${overflow}'` : describe(overflow)}`,
    );
  }
  return { limit: limit as number, overflow: overflow as OverflowPolicy };
}

/**
 * Checks an optional `signal` option.
 * @throws TypeError when it is given and is not an AbortSignal
 */
export function checkSignal(signal: unknown, where: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (
    !isObjectLike(signal) ||
    typeof signal.aborted !== 'boolean' ||
    typeof signal.addEventListener !== 'function' ||
    typeof signal.removeEventListener !== 'function'
  ) {
    throw new TypeError(`${where}: options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal as unknown as AbortSignal;
}

/**
 * Checks that `options` is undefined or an object.
 * @throws TypeError otherwise
 */
export function checkOptions<O extends object>(options: O | undefined, where: string): Partial<O> {
  if (options === undefined) return {};
  if (!isObjectLike(options)) throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  return options;
}
