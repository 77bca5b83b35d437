/**
 * The typed errors comet-bridge throws. Each carries a stable `code`, and `instanceof` holds across
 * copies of the library: an error thrown by the CommonJS build is an instance of the ES module
 * build's class, and the other way round (each type is branded with a registered symbol).
 */
import { isObjectLike } from './util/args.js';

/**
 * Makes `value instanceof type` true for every error of that type made by any copy of comet-bridge
 * in this process: instances carry `Symbol.for('comet-bridge.error.NAME')` on their prototype, and
 * `type[Symbol.hasInstance]` accepts it. Subclasses written by users keep the ordinary check.
 * Not exported from the package.
 * @internal
 */
export function shareIdentity(type: abstract new (...args: never[]) => Error, name: string): void {
  const brand = Symbol.for(`comet-bridge.error.${name}`);
  Object.defineProperty(type.prototype, brand, { value: true });
  Object.defineProperty(type, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
      return this === type && isObjectLike(value) && value[brand] === true;
    },
  });
}

/** A message the Comet encoder cannot encode (undefined, function, symbol, BigInt, cycle, too large). */
export class CometEncodeError extends Error {
  override readonly name = 'CometEncodeError';
  readonly code = 'ERR_COMET_ENCODE';
  /** Zero-based position of the offending message in its stream (`-1` when encoded on its own). */
  readonly index: number;

  /**
   * @param message - what went wrong
   * @param index - zero-based position of the message in its stream
   * @param options - `cause`: the underlying error, if any
   */
  constructor(message: string, index: number, options?: { cause?: unknown }) {
    super(message, options);
    this.index = index;
  }
}
shareIdentity(CometEncodeError, 'CometEncodeError');

/** A push queue received a value while `buffer.limit` values were waiting, under overflow policy `'error'`. */
export class BufferOverflowError extends Error {
  override readonly name: string = 'BufferOverflowError';
  readonly code: string = 'ERR_COMET_BUFFER_OVERFLOW';
  /** The buffer limit that was exceeded. */
  readonly limit: number;

  /**
   * @param limit - the buffer limit that was exceeded
   * @param message - optional override of the default message
   */
  constructor(limit: number, message = `push buffer overflow: more than ${limit} values waiting for the consumer`) {
    super(message);
    this.limit = limit;
  }
}
shareIdentity(BufferOverflowError, 'BufferOverflowError');

/**
 * A Server-Sent Events frame that cannot be written: a message `SSE.json` cannot encode or
 * `SSE.string` is not given a string (`field` `'data'`), or an `id` or `event` value holding CR, LF
 * or NUL (which would end the field early and let the rest forge other fields or events), or not a
 * string (`field` `'id'` or `'event'`).
 */
export class SSEEncodeError extends Error {
  override readonly name = 'SSEEncodeError';
  readonly code = 'ERR_COMET_SSE_ENCODE';
  /** Zero-based position of the offending message in its stream (`-1` for an option or a message encoded on its own). */
  readonly index: number;
  /** Which field could not be written. */
  readonly field: 'data' | 'id' | 'event';

  /**
   * @param message - what went wrong
   * @param index - zero-based position of the message in its stream, `-1` when none
   * @param field - which field could not be written
   * @param options - `cause`: the underlying error, if any
   */
  constructor(message: string, index: number, field: 'data' | 'id' | 'event', options?: { cause?: unknown }) {
    super(message, options);
    this.index = index;
    this.field = field;
  }
}
shareIdentity(SSEEncodeError, 'SSEEncodeError');
