/**
 * Web-standard transport: Comet chunks as a pull-based `ReadableStream<Uint8Array>` and a `Response`.
 */
import {
  checkChunk,
  checkHeartbeatMs,
  checkIterable,
  cometHeaders,
  heartbeatBytes,
  iteratorOf,
  releaseIterator,
  toBytes,
} from './chunk.js';

/** Options of {@link toWebStream}. */
export interface WebStreamOptions {
  /** Enqueue a newline after this many idle milliseconds, and again while idle (see `sendComet`). */
  heartbeatMs?: number;
}

/** `ResponseInit` plus the stream options of {@link cometResponse}. */
export interface CometResponseInit extends ResponseInit {
  /** Enqueue a newline after this many idle milliseconds, and again while idle (see `sendComet`). */
  heartbeatMs?: number;
}

/**
 * The chunks as a pull-based `ReadableStream<Uint8Array>` (strings become UTF-8).
 *
 * One chunk is taken from the source per `pull()`, and the stream asks for at most one chunk ahead
 * of its reader, so a slow reader slows the source. Heartbeats are enqueued only while the source is
 * idle and the stream's queue is empty, so they cannot pile up behind a stalled reader. Cancelling
 * the stream calls the source's `return()` at once (without waiting for it to settle). A source
 * error errors the stream; a chunk of the wrong type errors it with a `TypeError` after the
 * source's `return()` is called.
 *
 * @param chunks - strings and/or Uint8Arrays
 * @param options - `heartbeatMs`
 * @throws TypeError when `chunks` is not an AsyncIterable; RangeError for a bad `heartbeatMs`
 */
export function toWebStream(
  chunks: AsyncIterable<string | Uint8Array>,
  options: WebStreamOptions = {},
): ReadableStream<Uint8Array> {
  const where = 'toWebStream';
  const heartbeatMs = checkHeartbeatMs(where, options?.heartbeatMs);
  const iterator = iteratorOf(where, chunks);
  let finished = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let index = 0;

  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
    if (finished) return;
    finished = true;
    releaseIterator(iterator);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        if (heartbeatMs > 0) {
          timer = setInterval(() => {
            if (!finished && (controller.desiredSize ?? 0) > 0) controller.enqueue(heartbeatBytes.slice());
          }, heartbeatMs);
        }
        let result: IteratorResult<unknown>;
        try {
          result = await iterator.next();
        } catch (error) {
          clearInterval(timer);
          if (finished) return;
          finished = true;
          controller.error(error);
          return;
        }
        clearInterval(timer);
        if (finished) return;
        if (result.done) {
          finished = true;
          controller.close();
          return;
        }
        let bytes: Uint8Array;
        try {
          bytes = toBytes(checkChunk(where, result.value, index++));
        } catch (error) {
          stop();
          controller.error(error);
          return;
        }
        controller.enqueue(bytes);
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * A web-standard `Response` streaming the chunks (for handlers that return a `Response`: Node's
 * own `Response`, Hono, Next.js route handlers, Deno, Bun, Koa 3's `ctx.body`).
 *
 * The body is {@link toWebStream}`(chunks, { heartbeatMs })`: pull-based, one chunk per pull,
 * and cancelling it (the client left) calls the source's `return()`. Headers are
 * {@link cometHeaders}, then `init.headers` (which may add to or override them); `status` and
 * `statusText` pass through.
 *
 * @param chunks - strings and/or Uint8Arrays, e.g. `Comet.json('parent.update')(prices)`
 * @param init - `ResponseInit` plus `heartbeatMs`
 * @throws TypeError when `chunks` is not an AsyncIterable or `init` not an object; RangeError for a
 *   bad `heartbeatMs`
 * @example
 * ```ts
 * export const GET = () => cometResponse(Comet.string('parent.tick')(ticks), { heartbeatMs: 15_000 });
 * ```
 */
export function cometResponse(chunks: AsyncIterable<string | Uint8Array>, init: CometResponseInit = {}): Response {
  if (init === null || typeof init !== 'object') throw new TypeError('cometResponse: init must be an object');
  const { heartbeatMs, headers: extra, ...rest } = init;
  checkHeartbeatMs('cometResponse', heartbeatMs);
  checkIterable('cometResponse', chunks);
  const headers = new Headers(cometHeaders);
  if (extra !== undefined) new Headers(extra).forEach((value, name) => headers.set(name, value));
  return new Response(toWebStream(chunks, { heartbeatMs }), { ...rest, headers });
}
