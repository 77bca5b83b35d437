/**
 * Web-standard transport: Comet chunks as a pull-based `ReadableStream<Uint8Array>` and a `Response`,
 * a web stream controller as the chunk reader's output.
 */
import { onAbort } from '../util/abort.js';
import { describe } from '../util/args.js';
import { checkHeaders, checkOrRelease, iteratorOf, toBytes, type CometChunk, type StreamFormat } from './chunk.js';
import { STREAM_OPTIONS, streamSettings, type StreamOptions, type StreamSettings } from './options.js';
import { ChunkReader, type ChunkOutput, type ReadEnd } from './reader.js';

/** Options of {@link toWebStream}: the stream options. */
export interface WebStreamOptions extends StreamOptions {}

/** `ResponseInit` plus the stream options of {@link cometResponse}. */
export interface CometResponseInit extends ResponseInit, StreamOptions {}

/**
 * @internal What a server-side caller adds to a web stream: a signal telling that the client left
 * (a web `Request`'s `signal`), and who is told how the stream ended.
 */
export interface WebStreamHooks {
  /** Aborted when the client has gone: the stream ends as when its body is cancelled. */
  readonly gone?: AbortSignal | undefined;
  /** Called once, when the read is over (with the error when it failed). */
  readonly onEnd?: ((how: ReadEnd, error: Error | undefined) => void) | undefined;
}

/** A web stream controller fed by a {@link ChunkReader}. */
class ControllerOutput implements ChunkOutput {
  readonly reader: ChunkReader;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Set by `pull()`: the stream asked for a chunk (possibly from inside `enqueue`). */
  #wanted = false;
  readonly #hooks: WebStreamHooks | undefined;
  #unwatch: (() => void) | undefined;

  constructor(where: string, iterator: AsyncIterator<unknown>, settings: StreamSettings, carrier: unknown, hooks: WebStreamHooks | undefined) {
    this.reader = new ChunkReader(where, iterator, this, settings, carrier);
    this.#hooks = hooks;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    this.reader.start();
    const gone = this.#hooks?.gone;
    if (gone !== undefined && !this.reader.done) this.#unwatch = onAbort(gone, () => this.#gone());
  }

  /** The client left without the body being cancelled: a read still waiting ends too. */
  #gone(): void {
    this.reader.gone();
    try {
      this.#controller.close();
    } catch {
      // cancelled or closed already
    }
  }

  pull(): void {
    this.#wanted = true;
    this.reader.resume();
  }

  write(chunk: CometChunk): boolean {
    this.#wanted = false;
    this.#controller.enqueue(toBytes(chunk));
    return this.#wanted;
  }

  /** Only while nothing is queued, so a reader that stopped reading never collects heartbeats. */
  beat(chunk: CometChunk): void {
    if ((this.#controller.desiredSize ?? 0) >= 0) this.#controller.enqueue(toBytes(chunk).slice());
  }

  close(how: ReadEnd, error: Error | undefined): void {
    this.#unwatch?.();
    if (how === 'failed') this.#controller.error(error);
    else if (how !== 'client-gone') this.#controller.close();
    this.#hooks?.onEnd?.(how, error);
  }
}

/**
 * The chunks as a pull-based `ReadableStream<Uint8Array>` (strings become UTF-8).
 *
 * A chunk is taken from the source only when the stream's reader asks for one (the stream's
 * high-water mark is 0), so a slow reader slows the source, and nothing is pulled before the first
 * read. Heartbeats are enqueued only while the source is idle and nothing is queued, so they cannot
 * pile up behind a stalled reader. Cancelling the stream (before or after the first read) calls the
 * source's `return()` at once, without waiting for it to settle. A source error errors the stream;
 * a chunk of the wrong type errors it with a `TypeError` after the source's `return()` is called.
 * `signal`, `maxBytes`, `maxAgeMs` and `beforeEnd` act as for `sendComet`: a clean end closes the
 * stream, a failure errors it. A hub subscription's cut-off errors the stream at once with the
 * reason, even with chunks still unread.
 *
 * @param chunks - strings and/or Uint8Arrays
 * @param options - {@link StreamOptions}
 * @throws TypeError when `chunks` is not an AsyncIterable, or (after calling its `return()`) for an
 *   unknown option or a value of the wrong type; RangeError for a number out of range
 */
export function toWebStream(chunks: AsyncIterable<string | Uint8Array>, options?: WebStreamOptions): ReadableStream<Uint8Array> {
  return webStream('toWebStream', chunks, () => streamSettings('toWebStream', options));
}

/** The stream of `chunks`, with `settings()` checking the options (the source is returned if it throws). */
function webStream(where: string, chunks: AsyncIterable<string | Uint8Array>, settings: () => StreamSettings, hooks?: WebStreamHooks): ReadableStream<Uint8Array> {
  const iterator = iteratorOf(where, chunks);
  const checked = checkOrRelease(iterator, settings);
  const output = new ControllerOutput(where, iterator, checked, chunks, hooks);
  return new ReadableStream<Uint8Array>(
    {
      start: (controller) => output.start(controller),
      pull: () => output.pull(),
      cancel: () => output.reader.gone(),
    },
    { highWaterMark: 0 },
  );
}

/** The names `ResponseInit` adds to the stream options. */
const INIT = [...STREAM_OPTIONS, 'headers', 'status', 'statusText'];

/** `init.headers` in any `HeadersInit` form, checked as `sendComet` checks its headers. */
function extraHeaders(where: string, extra: HeadersInit): Headers {
  const pairs: unknown[][] = [];
  if (extra instanceof Headers) extra.forEach((value, name) => pairs.push([name, value]));
  else if (Array.isArray(extra)) pairs.push(...(extra as unknown[][]));
  else pairs.push(...Object.entries(extra as Record<string, unknown>));
  const headers = new Headers();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${where}: init.headers must hold [name, value] pairs, got ${describe(pair)}`);
    const [name, value] = pair as [string, string];
    checkHeaders(where, { [name]: value }, 'init.headers');
    headers.append(name, value);
  }
  return headers;
}

/**
 * A web-standard `Response` streaming the chunks (for handlers that return a `Response`: Node's
 * own `Response`, Hono, Next.js route handlers, Deno, Bun, Koa 3's `ctx.body`).
 *
 * The body is {@link toWebStream}`(chunks, options)` with the stream options taken from `init`:
 * pull-based, one chunk per read, and cancelling it (the client left) calls the source's
 * `return()`. Headers are {@link cometHeaders}, then `init.headers` (which may add to or override
 * them); `status` and `statusText` pass through.
 *
 * @param chunks - strings and/or Uint8Arrays, e.g. `Comet.json('parent.update')(prices)`
 * @param init - `status`, `statusText`, `headers` and {@link StreamOptions}
 * @throws TypeError when `chunks` is not an AsyncIterable, or (after calling its `return()`) for an
 *   unknown option, a value of the wrong type, or a header value with CR, LF or another control
 *   character; RangeError for a number out of range
 * @example
 * ```ts
 * export const GET = () => cometResponse(Comet.string('parent.tick')(ticks), { heartbeatMs: 15_000 });
 * ```
 */
export function cometResponse(chunks: AsyncIterable<string | Uint8Array>, init?: CometResponseInit): Response {
  return webResponse('cometResponse', chunks, init);
}

/**
 * @internal The `Response` of {@link cometResponse} for any kind of stream: the headers of its
 * format (the transport's own, `format`, else `init.format`), then `init.headers`; `hooks` for a
 * server's own use.
 */
export function webResponse(where: string, chunks: AsyncIterable<string | Uint8Array>, init: CometResponseInit | undefined, format?: StreamFormat, hooks?: WebStreamHooks): Response {
  const headers = new Headers();
  const response: ResponseInit = { headers };
  const body = webStream(where, chunks, () => {
    if (init !== undefined && (init === null || typeof init !== 'object')) throw new TypeError(`${where}: init must be an object, got ${describe(init)}`);
    const { headers: extra, status, statusText, ...options } = init ?? {};
    const settings = streamSettings(where, init === undefined ? undefined : options, INIT, undefined, format);
    for (const name in settings.framing.headers) headers.set(name, settings.framing.headers[name]!);
    if (extra !== undefined) extraHeaders(where, extra).forEach((value, name) => headers.set(name, value));
    if (status !== undefined) response.status = status;
    if (statusText !== undefined) response.statusText = statusText;
    return settings;
  }, hooks);
  return new Response(body, response);
}
