/**
 * Node stream transport: Comet chunks as a byte `Readable` (for Koa's `ctx.body`, `pipeline`, …).
 */
import { Readable } from 'node:stream';
import {
  asError,
  carriedSignal,
  checkChunk,
  checkHeartbeatMs,
  heartbeatBytes,
  iteratorOf,
  releaseIterator,
  toBytes,
} from './chunk.js';

/** Options of {@link toNodeReadable}. */
export interface NodeReadableOptions {
  /** Push a newline after this many idle milliseconds, and again while idle (see `sendComet`). */
  heartbeatMs?: number;
}

class CometReadable extends Readable {
  readonly #iterator: AsyncIterator<unknown>;
  readonly #heartbeatMs: number;
  #pulling = false;
  #finished = false;
  #index = 0;
  // One timer for the whole stream, re-armed at each wait for the source and after each heartbeat.
  #timer: ReturnType<typeof setTimeout> | undefined;

  readonly #cutoff: AbortSignal | undefined;

  constructor(iterator: AsyncIterator<unknown>, heartbeatMs: number, cutoff: AbortSignal | undefined) {
    super();
    this.#iterator = iterator;
    this.#heartbeatMs = heartbeatMs;
    this.#cutoff = cutoff;
    if (cutoff?.aborted) this.#onCutoff();
    else cutoff?.addEventListener('abort', this.#onCutoff, { once: true });
  }

  /** The source was cut off (a hub dropping a slow subscriber): fail now, whatever is still unread. */
  readonly #onCutoff = (): void => {
    if (!this.#finished) this.destroy(asError(this.#cutoff!.reason));
  };

  override _read(): void {
    if (this.#pulling || this.#finished) return;
    this.#pulling = true;
    if (this.#heartbeatMs > 0) {
      if (this.#timer === undefined) this.#timer = setTimeout(this.#beat, this.#heartbeatMs);
      else this.#timer.refresh();
    }
    let next: unknown;
    try {
      next = this.#iterator.next();
    } catch (error) {
      return this.#onError(error);
    }
    Promise.resolve(next as Promise<IteratorResult<unknown>>).then(this.#onResult, this.#onError);
  }

  /** Only while waiting for the source and nothing waits to be read, so a stalled reader never collects heartbeats. */
  readonly #beat = (): void => {
    if (!this.#pulling || this.#finished) return; // the next wait for the source re-arms it
    if (this.readableLength === 0) this.push(heartbeatBytes.slice());
    this.#timer!.refresh();
  };

  readonly #onResult = (result: IteratorResult<unknown>): void => {
    this.#pulling = false;
    if (this.#finished) return;
    if (result.done) {
      this.#finish();
      this.push(null);
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = toBytes(checkChunk('toNodeReadable', result.value, this.#index++));
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    this.push(bytes);
  };

  readonly #onError = (error: unknown): void => {
    this.#pulling = false;
    if (this.#finished) return;
    this.#finish();
    this.destroy(asError(error));
  };

  #finish(): void {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cutoff?.removeEventListener('abort', this.#onCutoff);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#finished) {
      this.#finish();
      releaseIterator(this.#iterator);
    }
    callback(error);
  }
}

/**
 * The chunks as a Node byte `Readable` (strings become UTF-8), pulled from the source in `_read`:
 * one chunk per read, never more than the stream's `highWaterMark` ahead of its reader.
 *
 * Destroying the stream (as Koa and `pipeline` do when the client leaves) calls the source's
 * `return()` at once, without waiting for it to settle. When `chunks` carries an AbortSignal as
 * `signal` (a hub subscription does), its abort destroys the stream at once with the reason, even
 * with chunks still unread (a hub cutting off a client that stopped reading). A source error destroys the stream with
 * that error; a chunk of the wrong type destroys it with a `TypeError` after the source's
 * `return()` is called.
 *
 * With Koa, set the headers yourself, since Koa would otherwise label a stream
 * `application/octet-stream`:
 * ```ts
 * ctx.set(cometHeaders);
 * ctx.req.socket.setNoDelay(true);
 * ctx.body = toNodeReadable(Comet.string('parent.tick')(ticks), { heartbeatMs: 15_000 });
 * ```
 *
 * @param chunks - strings and/or Uint8Arrays
 * @param options - `heartbeatMs`
 * @throws TypeError when `chunks` is not an AsyncIterable; RangeError for a bad `heartbeatMs`
 */
export function toNodeReadable(chunks: AsyncIterable<string | Uint8Array>, options: NodeReadableOptions = {}): Readable {
  const heartbeatMs = checkHeartbeatMs('toNodeReadable', options?.heartbeatMs);
  return new CometReadable(iteratorOf('toNodeReadable', chunks), heartbeatMs, carriedSignal(chunks));
}
