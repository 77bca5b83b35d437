/**
 * Node stream transport: Comet chunks as a byte `Readable` (for Koa's `ctx.body`, `pipeline`, …),
 * the Readable itself as the chunk reader's output.
 */
import { Readable } from 'node:stream';
import { checkOrRelease, iteratorOf, toBytes, type CometChunk } from './chunk.js';
import { streamSettings, type StreamOptions, type StreamSettings } from './options.js';
import { ChunkReader, type ChunkOutput, type ReadEnd } from './reader.js';

/** Options of {@link toNodeReadable}: the stream options. */
export interface NodeReadableOptions extends StreamOptions {}

/** A Readable fed by a {@link ChunkReader}. */
class CometReadable extends Readable {
  readonly #output: ReadableOutput;

  constructor(iterator: AsyncIterator<unknown>, settings: StreamSettings, carrier: unknown) {
    super();
    this.#output = new ReadableOutput(this, iterator, settings, carrier);
    // started once #output is set: a signal already aborted destroys this stream from inside start()
    this.#output.reader.start();
  }

  override _read(): void {
    this.#output.wanted = true;
    this.#output.reader.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#output.reader.gone(); // nothing if the read is already over
    callback(error);
  }
}

/** The reader's output: pushes onto the Readable (kept apart so the Readable has no `write`). */
class ReadableOutput implements ChunkOutput {
  readonly reader: ChunkReader;
  readonly #readable: Readable;
  /** Set by `_read()`: the stream asked for more (possibly from inside `push`). */
  wanted = false;

  constructor(readable: Readable, iterator: AsyncIterator<unknown>, settings: StreamSettings, carrier: unknown) {
    this.#readable = readable;
    this.reader = new ChunkReader('toNodeReadable', iterator, this, settings, carrier);
  }

  write(chunk: CometChunk): boolean {
    this.wanted = false;
    return this.#readable.push(toBytes(chunk)) || this.wanted;
  }

  /** Only while nothing waits to be read, so a stalled reader never collects heartbeats. */
  beat(chunk: CometChunk): void {
    if (this.#readable.readableLength === 0) this.#readable.push(toBytes(chunk).slice());
  }

  close(how: ReadEnd, error: Error | undefined): void {
    if (how === 'failed') this.#readable.destroy(error);
    else if (how !== 'client-gone') this.#readable.push(null);
  }
}

/**
 * The chunks as a Node byte `Readable` (strings become UTF-8), pulled from the source in `_read`:
 * never more than the stream's `highWaterMark` ahead of its reader, and nothing before the first
 * read.
 *
 * Destroying the stream (as Koa and `pipeline` do when the client leaves), before or after the
 * first read, calls the source's `return()` at once, without waiting for it to settle. A source
 * error destroys the stream with that error; a chunk of the wrong type destroys it with a
 * `TypeError` after the source's `return()` is called. `signal`, `maxBytes`, `maxAgeMs` and
 * `beforeEnd` act as for `sendComet`: a clean end ends the stream, a failure destroys it. A hub
 * subscription's cut-off destroys the stream at once with the reason, even with chunks unread.
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
 * @param options - {@link StreamOptions}
 * @throws TypeError when `chunks` is not an AsyncIterable, or (after calling its `return()`) for an
 *   unknown option or a value of the wrong type; RangeError for a number out of range
 */
export function toNodeReadable(chunks: AsyncIterable<string | Uint8Array>, options?: NodeReadableOptions): Readable {
  const iterator = iteratorOf('toNodeReadable', chunks);
  const settings = checkOrRelease(iterator, () => streamSettings('toNodeReadable', options));
  return new CometReadable(iterator, settings, chunks);
}
