/**
 * `sendComet`: writes an AsyncIterable of Comet chunks to a Node `http.ServerResponse`
 * (and so to Express's `res`, Fastify's `reply.raw`, or any subclass).
 */
import type { ServerResponse } from 'node:http';
import {
  checkChunk,
  checkHeartbeatMs,
  checkSignal,
  cometHeaders,
  heartbeatChunk,
  iteratorOf,
  releaseIterator,
  type HeaderValue,
} from './chunk.js';

/** Options of {@link sendComet}. */
export interface SendCometOptions {
  /**
   * While the source has nothing to send for this many milliseconds, write a newline (inert in
   * HTML), and again every `heartbeatMs` while it stays idle, so proxies with idle timeouts keep the
   * stream open. Only ever written between whole chunks. `0` or absent: no heartbeat.
   */
  heartbeatMs?: number;
  /**
   * Aborting stops the stream from the server side: the source's `return()` is called, the
   * response is destroyed (the client sees an incomplete response) and the promise rejects with
   * `signal.reason`.
   */
  signal?: AbortSignal;
  /** Extra headers, applied after {@link cometHeaders} (so they may override them). */
  headers?: Record<string, HeaderValue>;
}

const where = 'sendComet';
const STOPPED: unique symbol = Symbol('stopped');
type Outcome<T> = T | typeof STOPPED;

/** Marks an error that came out of the source itself, so the source is not returned again. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Streams `chunks` to `res` as a Comet response.
 *
 * - **Headers**: sets {@link cometHeaders} then `options.headers` (unless headers were already
 *   sent), flushes them at once and turns off Nagle's algorithm on the socket, so the browser
 *   starts the page and every chunk leaves without delay.
 * - **Backpressure**: one chunk is pulled from the source per write; when `res.write()` returns
 *   `false` nothing more is pulled until `'drain'`. A slow client therefore slows the source instead
 *   of growing memory: at most one chunk beyond the socket's own buffers is ever held.
 * - **Compression**: the default `Cache-Control` carries `no-transform`, which the `compression`
 *   middleware honours by leaving the response uncompressed, so every chunk reaches the client as
 *   written. If `options.headers` overrides `Cache-Control` so the response is compressed,
 *   `sendComet` calls `res.flush()` (added by `compression`) after every write, so each chunk still
 *   leaves the gzip stream at once rather than waiting for a full compression block.
 * - **Client gone**: when the response closes before it was ended (the client disconnected), the
 *   source's `return()` is called at once and the promise resolves. It does not wait for
 *   `return()` to settle: an async generator suspended inside an `await` runs its `finally` blocks
 *   only when that await settles, which the language does not let anyone hurry.
 * - **Source fails**: the response is destroyed with the error (no terminating chunk, so the
 *   client and any proxy see a failed stream, not a complete one) and the promise rejects with that
 *   same error. The chunks written before the failure are let out first (one event-loop turn). A chunk that is neither a string nor a Uint8Array is treated the same way, with a
 *   `TypeError`, after the source's `return()` is called.
 * - **Normal end**: the response is ended and the promise resolves (the last bytes may still be in
 *   the socket's buffer).
 *
 * @param res - the response; nothing else may write to it while the stream runs
 * @param chunks - strings (written as UTF-8) and/or Uint8Arrays, e.g. `Comet.string(cb)(source)`
 * @param options - `heartbeatMs`, `signal`, extra `headers`
 * @returns a promise settled as described above
 * @throws TypeError (synchronously) when `res` is not a response, `chunks` not an AsyncIterable,
 *   `signal` not an AbortSignal or `headers` not an object; RangeError for a bad `heartbeatMs`
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   sendComet(res, Comet.string('parent.cometMessage')(clock), { heartbeatMs: 15_000 }).catch(logError);
 * });
 * ```
 */
export function sendComet(
  res: ServerResponse,
  chunks: AsyncIterable<string | Uint8Array>,
  options: SendCometOptions = {},
): Promise<void> {
  const r = res as Partial<ServerResponse> | null | undefined;
  if (typeof r?.write !== 'function' || typeof r.end !== 'function' || typeof r.setHeader !== 'function' || typeof r.on !== 'function') {
    throw new TypeError(`${where}: res must be an http.ServerResponse`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  const heartbeatMs = checkHeartbeatMs(where, options.heartbeatMs);
  const signal = checkSignal(where, options.signal);
  const headers = options.headers;
  if (headers !== undefined && (headers === null || typeof headers !== 'object')) {
    throw new TypeError(`${where}: headers must be an object of header names to values`);
  }
  const iterator = iteratorOf(where, chunks);
  return run(res, iterator, heartbeatMs, signal, headers);
}

async function run(
  res: ServerResponse,
  iterator: AsyncIterator<unknown>,
  heartbeatMs: number,
  signal: AbortSignal | undefined,
  headers: Record<string, HeaderValue> | undefined,
): Promise<void> {
  // Why the stream stopped early, if it did. `onStop` wakes whatever the loop is waiting on; a
  // per-wait callback (rather than racing a shared promise) keeps a long stream from piling
  // reactions onto one never-settling promise.
  let stopped: { reason: 'closed' } | { reason: 'aborted' | 'errored'; error: unknown } | undefined;
  let onStop: (() => void) | undefined;
  const stop = (why: NonNullable<typeof stopped>): void => {
    if (stopped) return;
    stopped = why;
    const wake = onStop;
    onStop = undefined;
    wake?.();
  };
  const onClose = (): void => {
    if (!res.writableEnded) stop({ reason: 'closed' });
  };
  const onError = (error: unknown): void => stop({ reason: 'errored', error });
  const onAbort = (): void => stop({ reason: 'aborted', error: signal?.reason });

  function until<T>(promise: Promise<T>): Promise<Outcome<T>> {
    return new Promise<Outcome<T>>((resolve, reject) => {
      onStop = () => resolve(STOPPED);
      promise.then(
        (value) => {
          onStop = undefined;
          resolve(value);
        },
        (error: unknown) => {
          onStop = undefined;
          reject(error);
        },
      );
    });
  }

  const flush = (): void => {
    const f = (res as { flush?: unknown }).flush;
    if (typeof f === 'function') f.call(res);
  };

  if (res.writableEnded) {
    releaseIterator(iterator);
    throw new Error(`${where}: the response has already been ended`);
  }
  res.on('close', onClose);
  res.on('error', onError);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setInterval> | undefined;
  try {
    if (signal?.aborted) onAbort();
    else if (res.destroyed || res.socket?.destroyed) stop({ reason: 'closed' });

    if (!stopped) {
      if (!res.headersSent) {
        for (const [name, value] of Object.entries(cometHeaders)) res.setHeader(name, value);
        if (headers) {
          for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
        }
        res.flushHeaders();
      }
      res.socket?.setNoDelay?.(true);
    }

    for (let index = 0; !stopped; index++) {
      let next: Promise<IteratorResult<unknown>>;
      try {
        next = Promise.resolve(iterator.next());
      } catch (error) {
        throw new SourceFailure(error);
      }
      if (heartbeatMs > 0) {
        timer = setInterval(() => {
          if (stopped || res.writableNeedDrain) return;
          res.write(heartbeatChunk);
          flush();
        }, heartbeatMs);
      }
      let result: Outcome<IteratorResult<unknown>>;
      try {
        result = await until(next);
      } catch (error) {
        throw new SourceFailure(error);
      } finally {
        clearInterval(timer);
      }
      if (result === STOPPED) break;
      if (result.done) {
        res.end();
        return;
      }
      const chunk = checkChunk(where, result.value, index);
      const ok = res.write(chunk);
      flush();
      if (!ok && !stopped) {
        let onDrain!: () => void;
        const drained = new Promise<void>((resolve) => {
          onDrain = resolve;
          res.once('drain', onDrain);
        });
        const outcome = await until(drained);
        if (outcome === STOPPED) res.removeListener('drain', onDrain);
      }
    }
    // Stopped early: the client left, the signal aborted, or the response failed.
    releaseIterator(iterator);
    if (stopped && stopped.reason !== 'closed') throw stopped.error;
  } catch (caught) {
    const fromSource = caught instanceof SourceFailure;
    const error = fromSource ? caught.error : caught;
    if (!fromSource && !(stopped && stopped.reason !== 'closed')) releaseIterator(iterator);
    if (!res.destroyed && !res.writableFinished) {
      // Node corks the socket for the rest of the tick after a write: let the chunks written before
      // the failure leave first, so the client gets everything up to the failure, then the abort.
      await new Promise((resolve) => setImmediate(resolve));
      if (!res.destroyed) res.destroy(error instanceof Error ? error : undefined);
    }
    throw error;
  } finally {
    clearInterval(timer);
    res.removeListener('close', onClose);
    res.removeListener('error', onError);
    signal?.removeEventListener('abort', onAbort);
  }
}
