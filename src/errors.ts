/**
 * The typed errors comet-bridge throws. Each carries a stable `code` so callers can
 * branch on it without `instanceof` across module copies.
 */

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
