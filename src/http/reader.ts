/**
 * The one chunk reader under every transport: pulls one chunk at a time from the source and hands
 * it to the transport's output, heartbeats only while waiting on the source, watches the cut-off
 * and stop signals, rotates after `maxBytes` / `maxAgeMs`, and ends every way through one funnel.
 * Each transport is an output for it: a Node response, a web stream controller, a Node Readable.
 */
import { isPlainAbort, onAbort, toError } from '../util/abort.js';
import { watchCutoff, type CutoffListener, type CutoffWatch } from '../util/cutoff.js';
import { PARKED, readyPullKey, readyPullOf, USE_NEXT, type ReadyPull, type ReadySink } from '../util/ready.js';
import { returnQuietly } from '../util/iterators.js';
import { byteLength, checkChunk, type CometChunk } from './chunk.js';
import type { CleanEnd, StreamSettings } from './options.js';

/** How a read ended: cleanly (see {@link CleanEnd}), because the client left, or failed. */
export type ReadEnd = CleanEnd | 'client-gone' | 'failed';

/** @internal What a transport gives the reader. */
export interface ChunkOutput {
  /** Writes a chunk; `false` when the output is full: the reader then waits for {@link ChunkReader.resume}. */
  write(chunk: CometChunk): boolean;
  /** Writes a heartbeat unless data is still waiting to go out; called only while the reader waits on the source. */
  beat(chunk: CometChunk): void;
  /**
   * Called once, when the read is over: end the output (a {@link CleanEnd}), nothing more to do
   * (`'client-gone'`), or fail it with `error` (`'failed'`). The source has been dealt with.
   */
  close(how: ReadEnd, error: Error | undefined): void;
}

/**
 * @internal One stream's reader, driven by callbacks rather than `await`: per chunk it makes no
 * promise or closure of its own (only the `then` on the source's promise), and one heartbeat timer
 * serves the whole stream, re-armed with `refresh()` at each wait for the source. Per stream it
 * makes two functions (the `then` callbacks); the timers call static methods with the reader as
 * their argument, and the cut-off reaches it as a {@link CutoffListener} (see src/util/cutoff.ts).
 *
 * A source that offers a read without promises (a hub subscription, see src/util/ready.ts) is read
 * that way: a chunk waiting is taken at once, and otherwise the reader parks on the source until it
 * is told, in one microtask with every other reader a publish woke; no promise is made per chunk.
 *
 * States: `ready` (not pulled yet), `next` (waiting on the source: the only time a heartbeat may go
 * out), `paused` (the output is full: waiting for {@link resume}), `busy` (handing a chunk over),
 * `done`.
 */
export class ChunkReader implements CutoffListener, ReadySink {
  readonly #where: string;
  readonly #iterator: AsyncIterator<unknown>;
  readonly #output: ChunkOutput;
  readonly #settings: StreamSettings;
  /** The stream whose cut-off is watched, until {@link start}. */
  #carrier: unknown;
  #cutoff: CutoffWatch | undefined;
  #state: 'ready' | 'next' | 'paused' | 'busy' | 'done' = 'ready';
  #index = 0;
  #written = 0;
  #beatTimer: ReturnType<typeof setTimeout> | undefined;
  #ageTimer: ReturnType<typeof setTimeout> | undefined;
  /** Disposers of the signal watchers; none is made for a stream without signals. */
  #unwatch: (() => void)[] | undefined;
  readonly #onResult: (result: IteratorResult<unknown>) => void;
  readonly #onSourceError: (error: unknown) => void;
  /** The source's read without promises, if it has one. */
  readonly #direct: ReadyPull | undefined;
  /** True while parked on the source (its read without promises), until told {@link ready}. */
  #parked = false;

  constructor(
    where: string,
    iterator: AsyncIterator<unknown>,
    output: ChunkOutput,
    settings: StreamSettings,
    carrier: unknown,
  ) {
    this.#where = where;
    this.#iterator = iterator;
    this.#output = output;
    this.#settings = settings;
    this.#carrier = carrier;
    this.#onResult = this.#result.bind(this);
    this.#onSourceError = this.#sourceError.bind(this);
    this.#direct = readyPullOf(iterator);
  }

  /** True once the read is over. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /**
   * Watches the signals and the cut-off of the carrier (the stream given to the transport) and
   * starts the `maxAgeMs` clock; pulls nothing. A signal already aborted, or a carrier already cut
   * off, ends the read here, before anything is pulled.
   */
  start(): void {
    for (const signal of this.#settings.signals) {
      (this.#unwatch ??= []).push(onAbort(signal, () => this.#onAbort(signal.reason)));
      if (this.#state === 'done') return;
    }
    const carrier = this.#carrier;
    this.#carrier = undefined;
    const cutoff = watchCutoff(carrier, this);
    if (this.#state === 'done') return cutoff?.unwatchCutoff(this);
    this.#cutoff = cutoff;
    if (this.#settings.maxAgeMs > 0) this.#ageTimer = setTimeout(ChunkReader.#onAge, this.#settings.maxAgeMs, this);
  }

  /** The carrier was cut off (a hub dropped this subscriber): fails with `error`, returning the source. */
  cutOff(error: Error): void {
    this.#finish('failed', error, true);
  }

  /** The output can take more: pulls the first chunk, or the next one after a pause. Otherwise does nothing. */
  resume(): void {
    if (this.#state === 'ready' || this.#state === 'paused') this.#pull();
  }

  /** The client left (the response closed, the stream was cancelled or destroyed): returns the source. */
  gone(): void {
    this.#finish('client-gone', undefined, true);
  }

  /** The output failed: returns the source and fails with `error`. */
  fail(error: unknown): void {
    this.#finish('failed', toError(error), true);
  }

  /** The source, read without promises, has something for this parked reader (or is ending): read on. */
  ready(): void {
    if (!this.#parked) return;
    this.#parked = false;
    if (this.#state === 'next') this.#pull();
  }

  #pull(): void {
    const direct = this.#direct;
    while (direct !== undefined) {
      this.#state = 'busy';
      let value: unknown;
      try {
        value = direct[readyPullKey](this);
      } catch (error) {
        return this.#finish('failed', toError(error), false);
      }
      if (this.done) return;
      if (value === USE_NEXT) break; // ending, failed, or not readable so: next() says how
      if (value === PARKED) {
        this.#state = 'next';
        this.#parked = true;
        return this.#armBeat();
      }
      if (!this.#write(value)) return;
    }
    this.#state = 'busy';
    let next: unknown;
    try {
      next = this.#iterator.next();
    } catch (error) {
      return this.#finish('failed', toError(error), false);
    }
    if (this.done) {
      // ended from inside next(): its outcome no longer matters, but must not go unhandled
      Promise.resolve(next).then(undefined, () => {});
      return;
    }
    this.#state = 'next';
    this.#armBeat();
    Promise.resolve(next as Promise<IteratorResult<unknown>>).then(this.#onResult, this.#onSourceError);
  }

  /** Starts the heartbeat's wait anew: a wait on the source begins. */
  #armBeat(): void {
    const ms = this.#settings.heartbeatMs;
    if (ms > 0) {
      if (this.#beatTimer === undefined) this.#beatTimer = setTimeout(ChunkReader.#onBeat, ms, this);
      else this.#beatTimer.refresh();
    }
  }

  #result(result: IteratorResult<unknown>): void {
    if (this.#state !== 'next') return; // ended meanwhile: the value is dropped
    if (this.#take(result)) this.#pull();
  }

  /** Hands a result of the source over; true when the next one should be pulled now. */
  #take(result: IteratorResult<unknown>): boolean {
    if (!result || typeof result !== 'object') {
      this.#finish('failed', new TypeError(`${this.#where}: the source's next() gave ${String(result)}, not an iterator result`), true);
      return false;
    }
    if (result.done) {
      this.#end('end');
      return false;
    }
    this.#state = 'busy';
    return this.#write(result.value);
  }

  /** Writes a value of the source (state `busy`); true when the next one should be pulled now. */
  #write(value: unknown): boolean {
    let chunk: CometChunk;
    let ok: boolean;
    try {
      chunk = checkChunk(this.#where, value, this.#index++);
      ok = this.#output.write(chunk);
    } catch (error) {
      this.#finish('failed', toError(error), true);
      return false;
    }
    if (this.#state !== 'busy') return false; // ended from inside write()
    if (this.#settings.maxBytes !== Infinity && (this.#written += byteLength(chunk)) >= this.#settings.maxBytes) {
      this.#end('rotated');
      return false;
    }
    if (ok) return true;
    this.#state = 'paused';
    return false;
  }

  #sourceError(error: unknown): void {
    if (this.#state === 'next') this.#finish('failed', toError(error), false);
  }

  /** The heartbeat: only while waiting on the source; the next wait re-arms the timer otherwise. */
  static #onBeat(reader: ChunkReader): void {
    if (reader.#state !== 'next') return;
    try {
      reader.#output.beat(reader.#settings.heartbeat);
    } catch (error) {
      return reader.#finish('failed', toError(error), true);
    }
    if (reader.#state === 'next') reader.#beatTimer!.refresh();
  }

  static #onAge(reader: ChunkReader): void {
    reader.#ageTimer = undefined;
    if (reader.#state !== 'done') reader.#end('rotated');
  }

  #onAbort(reason: unknown): void {
    if (isPlainAbort(reason)) this.#end('shutdown');
    else this.#finish('failed', toError(reason), true);
  }

  /** A clean end: the last chunk from `beforeEnd`, then the output's end; the source is returned unless it finished. */
  #end(how: CleanEnd): void {
    if (this.#state === 'done') return;
    this.#state = 'busy';
    const beforeEnd = this.#settings.beforeEnd;
    if (beforeEnd !== undefined) {
      try {
        const last: unknown = beforeEnd(how);
        if (last !== undefined && this.#state === 'busy') this.#output.write(checkChunk(this.#where, last, 'the chunk beforeEnd returned'));
      } catch (error) {
        return this.#finish('failed', toError(error), how !== 'end');
      }
    }
    this.#finish(how, undefined, how !== 'end');
  }

  /** The one way out: stops the timers and watchers, returns the source if asked, tells the output. */
  #finish(how: ReadEnd, error: Error | undefined, release: boolean): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.#parked = false;
    clearTimeout(this.#beatTimer);
    clearTimeout(this.#ageTimer);
    const unwatch = this.#unwatch;
    this.#unwatch = undefined;
    if (unwatch !== undefined) for (const dispose of unwatch) dispose();
    this.#cutoff?.unwatchCutoff(this);
    this.#cutoff = undefined;
    this.#carrier = undefined;
    if (release) returnQuietly(this.#iterator);
    this.#output.close(how, error);
  }
}
