/**
 * The pump behind `sendComet`: pulls one chunk at a time from the source, writes it, waits for
 * `'drain'` when the response asks to, writes heartbeats while the source is idle, and stops on
 * client close, response error or abort.
 */
import type { ServerResponse } from 'node:http';
import { checkChunk, cometHeaders, heartbeatChunk, releaseIterator, type HeaderValue } from './chunk.js';

const where = 'sendComet';

type Stop = { reason: 'closed' } | { reason: 'aborted' | 'errored'; error: unknown };

/**
 * @internal One stream's pump, driven by callbacks rather than `await`: per chunk it makes no promise or
 * closure of its own (only the `then` on the source's promise), and one heartbeat timer serves
 * the whole stream, re-armed with `refresh()` at each wait for the source.
 */
export class CometPump {
  readonly #res: ServerResponse;
  readonly #iterator: AsyncIterator<unknown>;
  /** `options.signal` and the one the chunks carry, when present. */
  readonly #signals: readonly AbortSignal[];
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  #index = 0;
  /** What the pump waits for: the source, `'drain'`, or nothing (running, or settling). */
  #waiting: 'next' | 'drain' | null = null;
  #stop: Stop | undefined;
  /** Set once the outcome is decided; later events change nothing. */
  #settling = false;

  constructor(
    res: ServerResponse,
    iterator: AsyncIterator<unknown>,
    heartbeatMs: number,
    signals: readonly AbortSignal[],
    resolve: () => void,
    reject: (error: unknown) => void,
  ) {
    this.#res = res;
    this.#iterator = iterator;
    this.#signals = signals;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = heartbeatMs > 0 ? setTimeout(this.#beat, heartbeatMs) : undefined;
  }

  start(headers: Record<string, HeaderValue> | undefined): void {
    const res = this.#res;
    res.on('close', this.#onClose);
    res.on('error', this.#onError);
    for (const signal of this.#signals) signal.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#signals.some((signal) => signal.aborted)) this.#onAbort();
    else if (res.destroyed || res.socket?.destroyed) this.#halt({ reason: 'closed' });
    if (this.#stop) return this.#stopped();
    try {
      if (!res.headersSent) {
        for (const [name, value] of Object.entries(cometHeaders)) res.setHeader(name, value);
        if (headers) {
          for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
        }
        res.flushHeaders();
      }
      res.socket?.setNoDelay?.(true);
    } catch (error) {
      return this.#fail(error, false);
    }
    this.#pull();
  }

  #pull(): void {
    let next: unknown;
    try {
      next = this.#iterator.next();
    } catch (error) {
      return this.#fail(error, true);
    }
    if (this.#stop) {
      // stopped from inside next(): its outcome no longer matters, but must not go unhandled
      Promise.resolve(next).then(undefined, () => {});
      return this.#stopped();
    }
    this.#waiting = 'next';
    this.#timer?.refresh();
    Promise.resolve(next as Promise<IteratorResult<unknown>>).then(this.#onResult, this.#onSourceError);
  }

  readonly #onResult = (result: IteratorResult<unknown>): void => {
    if (this.#waiting !== 'next') return; // stopped meanwhile: the value is dropped
    this.#waiting = null;
    const res = this.#res;
    let ok: boolean;
    try {
      if (result.done) {
        res.end();
        return this.#settle(undefined, false);
      }
      ok = res.write(checkChunk(where, result.value, this.#index++));
      this.#flush();
    } catch (error) {
      return this.#fail(error, false);
    }
    if (this.#stop) return this.#stopped();
    if (ok) return this.#pull();
    this.#waiting = 'drain';
    res.once('drain', this.#onDrain);
  };

  readonly #onSourceError = (error: unknown): void => {
    if (this.#waiting !== 'next') return;
    this.#waiting = null;
    this.#fail(error, true);
  };

  readonly #onDrain = (): void => {
    if (this.#waiting !== 'drain') return;
    this.#waiting = null;
    this.#pull();
  };

  /** The heartbeat: only while waiting for the source, never behind unsent data; re-armed while idle. */
  readonly #beat = (): void => {
    if (this.#waiting !== 'next') return; // the next wait for the source re-arms the timer
    const res = this.#res;
    if (!res.writableNeedDrain) {
      try {
        res.write(heartbeatChunk);
        this.#flush();
      } catch (error) {
        return this.#halt({ reason: 'errored', error });
      }
    }
    this.#timer!.refresh();
  };

  readonly #onClose = (): void => {
    if (!this.#res.writableEnded) this.#halt({ reason: 'closed' });
  };

  readonly #onError = (error: unknown): void => this.#halt({ reason: 'errored', error });

  readonly #onAbort = (): void => this.#halt({ reason: 'aborted', error: this.#signals.find((signal) => signal.aborted)?.reason });

  #flush(): void {
    const flush = (this.#res as { flush?: unknown }).flush;
    if (typeof flush === 'function') flush.call(this.#res);
  }

  /** Stops early: at once while the pump waits, else at its next step. */
  #halt(why: Stop): void {
    if (this.#stop || this.#settling) return;
    this.#stop = why;
    const waiting = this.#waiting;
    if (waiting === null) return;
    this.#waiting = null;
    if (waiting === 'drain') this.#res.removeListener('drain', this.#onDrain);
    this.#stopped();
  }

  #stopped(): void {
    const why = this.#stop!;
    releaseIterator(this.#iterator);
    if (why.reason === 'closed') this.#settle(undefined, false);
    else this.#abortResponse(why.error);
  }

  /** Fails the stream; the source is returned unless the failure came out of it. */
  #fail(error: unknown, fromSource: boolean): void {
    if (!fromSource) releaseIterator(this.#iterator);
    this.#abortResponse(error);
  }

  #abortResponse(error: unknown): void {
    this.#settling = true;
    const res = this.#res;
    if (res.destroyed || res.writableFinished) return this.#settle(error, true);
    // Node corks the socket for the rest of the tick after a write: let the chunks written before
    // the failure leave first, so the client gets everything up to the failure, then the abort.
    setImmediate(() => {
      if (!res.destroyed) res.destroy(error instanceof Error ? error : undefined);
      this.#settle(error, true);
    });
  }

  #settle(error: unknown, failed: boolean): void {
    this.#settling = true;
    clearTimeout(this.#timer);
    this.#res.removeListener('close', this.#onClose);
    this.#res.removeListener('error', this.#onError);
    for (const signal of this.#signals) signal.removeEventListener('abort', this.#onAbort);
    if (failed) this.#reject(error);
    else this.#resolve();
  }
}
