/**
 * Web-standard transport: Comet chunks as a pull-based `ReadableStream<Uint8Array>` and a `Response`.
 */
import {
  carriedSignal,
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
 * source's `return()` is called. When `chunks` carries an AbortSignal as `signal` (a hub
 * subscription does), its abort errors the stream at once with the reason, even with chunks still
 * unread (a hub cutting off a client that stopped reading).
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
  /** True while a pull waits for the source: the only time a heartbeat may be enqueued. */
  let idle = false;
  let index = 0;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  // One timer for the whole stream, re-armed at each wait for the source and after each heartbeat.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const beat = (): void => {
    if (!idle || finished) return; // the next wait for the source re-arms it
    if ((controller.desiredSize ?? 0) > 0) controller.enqueue(heartbeatBytes.slice());
    timer!.refresh();
  };

  const cutoff = carriedSignal(chunks);
  // The source was cut off (a hub dropping a slow subscriber): fail now, whatever is still unread.
  const onCutoff = (): void => {
    if (finished) return;
    finish();
    releaseIterator(iterator);
    controller.error(cutoff!.reason);
  };

  const finish = (): void => {
    finished = true;
    idle = false;
    clearTimeout(timer);
    timer = undefined;
    cutoff?.removeEventListener('abort', onCutoff);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull() {
        if (finished) return;
        idle = true;
        if (heartbeatMs > 0) {
          if (timer === undefined) timer = setTimeout(beat, heartbeatMs);
          else timer.refresh();
        }
        let result: IteratorResult<unknown>;
        try {
          result = await iterator.next();
        } catch (error) {
          if (finished) return;
          finish();
          controller.error(error);
          return;
        }
        idle = false;
        if (finished) return;
        if (result.done) {
          finish();
          controller.close();
          return;
        }
        let bytes: Uint8Array;
        try {
          bytes = toBytes(checkChunk(where, result.value, index++));
        } catch (error) {
          finish();
          releaseIterator(iterator);
          controller.error(error);
          return;
        }
        controller.enqueue(bytes);
      },
      cancel() {
        if (finished) return;
        finish();
        releaseIterator(iterator);
      },
    },
    { highWaterMark: 1 },
  );
  if (cutoff?.aborted) onCutoff();
  else cutoff?.addEventListener('abort', onCutoff, { once: true });
  return stream;
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
