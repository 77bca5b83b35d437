/**
 * Node stream transport: Comet chunks as a byte `Readable` (for Koa's `ctx.body`, `pipeline`, …).
 */
import { Readable } from 'node:stream';
import {
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
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(iterator: AsyncIterator<unknown>, heartbeatMs: number) {
    super();
    this.#iterator = iterator;
    this.#heartbeatMs = heartbeatMs;
  }

  override _read(): void {
    if (this.#pulling || this.#finished) return;
    this.#pulling = true;
    void this.#pull();
  }

  async #pull(): Promise<void> {
    if (this.#heartbeatMs > 0) {
      this.#timer = setInterval(() => {
        // Only while nothing is waiting to be read, so a stalled reader never collects heartbeats.
        if (!this.#finished && this.readableLength === 0) this.push(heartbeatBytes.slice());
      }, this.#heartbeatMs);
    }
    let result: IteratorResult<unknown>;
    try {
      result = await this.#iterator.next();
    } catch (error) {
      this.#stopTimer();
      if (this.#finished) return;
      this.#finished = true;
      this.destroy(error instanceof Error ? error : new Error(String(error), { cause: error }));
      return;
    }
    this.#stopTimer();
    this.#pulling = false;
    if (this.#finished) return;
    if (result.done) {
      this.#finished = true;
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
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopTimer();
    if (!this.#finished) {
      this.#finished = true;
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
 * `return()` at once, without waiting for it to settle. A source error destroys the stream with
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
  return new CometReadable(iteratorOf('toNodeReadable', chunks), heartbeatMs);
}
