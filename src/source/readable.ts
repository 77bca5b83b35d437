/**
 * fromReadable: a Node Readable as an async iterator that reads on demand, so the stream's own
 * highWaterMark bounds what is read ahead.
 */
import type { Readable } from 'node:stream';
import { checkOptions, checkSignal, describe, isObjectLike } from './args.js';
import { pullSource } from './pull.js';
import type { SourceIterator } from './types.js';

/** Options of {@link fromReadable}. */
export interface FromReadableOptions {
  /** Decode bytes to strings with this encoding (byte streams only), e.g. `'utf8'`. */
  encoding?: BufferEncoding;
  /** Destroy the stream when the consumer stops early (`return()`, `throw()`, abort). Default `true`. */
  destroyOnReturn?: boolean;
  /** Aborting ends the iterator with the signal's reason (an Error, as `QueueOptions.signal` says) and tears the stream down. */
  signal?: AbortSignal;
}

const WHERE = 'fromReadable';
const OPTIONS: readonly (keyof FromReadableOptions)[] = ['encoding', 'destroyOnReturn', 'signal'];

/** True for objects that look like a Node Readable stream. */
export function isReadableLike(value: unknown): value is Readable {
  return (
    isObjectLike(value) &&
    typeof value.read === 'function' &&
    typeof value.on === 'function' &&
    typeof value.removeListener === 'function' &&
    typeof value.destroy === 'function' &&
    'readableLength' in value
  );
}

/**
 * Iterates a Node Readable in paused mode: each `next()` takes one chunk with `read()`, and the stream
 * refills its own buffer only up to its highWaterMark. Byte streams yield Buffers (or strings with
 * `encoding`, multi-byte characters never split); object-mode streams yield their objects.
 * The stream's `'end'`, or a `destroy()` without an error, ends the iterator; an error fails it.
 * `return()`, `throw()` and abort remove the listeners and destroy the stream unless `destroyOnReturn: false`.
 *
 * @param readable - a Node Readable (or anything with read/on/removeListener/destroy/readableLength)
 * @param options - `encoding`, `destroyOnReturn`, `signal`
 * @throws TypeError for something that is not a Readable, a bad option, or an encoding on an object-mode stream
 */
export function fromReadable<T = Buffer | string>(readable: Readable, options?: FromReadableOptions): SourceIterator<T> {
  if (!isReadableLike(readable)) {
    throw new TypeError(`${WHERE}: expected a Node Readable stream, got ${describe(readable)}`);
  }
  const opts = checkOptions(options, WHERE, OPTIONS);
  const signal = checkSignal(opts.signal, WHERE);
  const destroyOnReturn = opts.destroyOnReturn ?? true;
  if (typeof destroyOnReturn !== 'boolean') {
    throw new TypeError(`${WHERE}: options.destroyOnReturn must be a boolean, got ${describe(destroyOnReturn)}`);
  }
  if (opts.encoding !== undefined) {
    if (readable.readableObjectMode) {
      throw new TypeError(`${WHERE}: options.encoding applies to byte streams, not to an object-mode stream`);
    }
    if (typeof opts.encoding !== 'string' || !Buffer.isEncoding(opts.encoding)) {
      throw new TypeError(`${WHERE}: options.encoding must be a Buffer encoding such as 'utf8', got ${describe(opts.encoding)}`);
    }
    readable.setEncoding(opts.encoding);
  }

  return pullSource<T>((ctl) => {
    if (readable.destroyed || readable.readableEnded) {
      const error = readable.errored;
      if (error) {
        // the stream may still be about to emit this error; it reaches the consumer here instead
        if (!(readable as { _readableState?: { errorEmitted?: boolean } })._readableState?.errorEmitted) {
          readable.once('error', ignore);
        }
        ctl.fail(error);
      } else {
        ctl.end();
      }
      return { pull: ignore };
    }
    let waiting = false;
    const read = (): void => {
      const chunk = readable.read() as T | null;
      if (chunk !== null) ctl.value(chunk);
      else waiting = true;
    };
    const onReadable = (): void => {
      if (waiting) {
        waiting = false;
        read();
      }
    };
    const onEnd = (): void => ctl.end();
    const onError = (error: unknown): void => ctl.fail(error);
    const onClose = (): void => {
      const error = readable.errored;
      if (error) ctl.fail(error);
      else ctl.end();
    };
    readable.on('readable', onReadable);
    readable.on('end', onEnd);
    readable.on('error', onError);
    readable.on('close', onClose);
    return {
      pull: read,
      cleanup() {
        readable.removeListener('readable', onReadable);
        readable.removeListener('end', onEnd);
        readable.removeListener('error', onError);
        readable.removeListener('close', onClose);
      },
      cancel() {
        if (destroyOnReturn) readable.destroy();
      },
      buffered: () => readable.readableLength,
    };
  }, signal);
}

function ignore(): void {}
