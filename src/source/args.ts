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

export { checkFunction, checkNumber, checkOptions, checkSignal, describe, isObjectLike } from '../util/args.js';
import { checkLimit, checkOptions, describe, isObjectLike } from '../util/args.js';

const POLICIES: readonly OverflowPolicy[] = ['error', 'drop-oldest', 'drop-newest', 'pause'];
const BUFFER_OPTIONS: readonly (keyof BufferOptions)[] = ['limit', 'overflow'];

/** Validated buffer settings with defaults applied. */
export interface BufferSettings {
  limit: number;
  overflow: OverflowPolicy;
}

/**
 * Applies the defaults (1024, `'error'`) and checks `buffer`.
 * @throws TypeError when `limit` is not a number, or `overflow` not a known policy
 * @throws RangeError when `limit` is a number but not a positive integer or `Infinity`
 */
export function bufferSettings(buffer: BufferOptions | undefined, where: string): BufferSettings {
  if (buffer === undefined) return { limit: 1024, overflow: 'error' };
  if (!isObjectLike(buffer)) {
    throw new TypeError(`${where}: options.buffer must be an object, got ${describe(buffer)}`);
  }
  checkOptions(buffer, `${where}: options.buffer`, BUFFER_OPTIONS);
  const limit = checkLimit(buffer.limit === undefined ? 1024 : buffer.limit, where, 'options.buffer.limit');
  const overflow: unknown = buffer.overflow === undefined ? 'error' : buffer.overflow;
  if (!POLICIES.includes(overflow as OverflowPolicy)) {
    throw new TypeError(
      `${where}: options.buffer.overflow must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, ` +
        `got ${typeof overflow === 'string' ? `'${overflow}'` : describe(overflow)}`,
    );
  }
  return { limit, overflow: overflow as OverflowPolicy };
}

