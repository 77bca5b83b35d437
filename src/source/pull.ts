/**
 * The iterator of sources that are pulled one value at a time (Readable, Highland, any AsyncIterable):
 * the source's own backpressure applies, so nothing is buffered here. The end, error, `return()`,
 * `throw()` and abort behave exactly as in the push queue.
 * @internal
 */
import { asyncDispose } from './args.js';
import { DONE, ENDING, EndingIterator, OPEN } from './ending.js';
import type { QueueStats, SourceIterator } from './types.js';
import { NO_ERROR } from './waiters.js';

/** How a pulled source answers; each `pull()` is answered once, synchronously or later. */
export interface PullController<T> {
  value(value: T): void;
  end(): void;
  fail(error: unknown): void;
  readonly closed: boolean;
}

/** What a pulled source provides. */
export interface PullHooks {
  /** Asks for one value; never called again before the previous call is answered. */
  pull(): void;
  /** Called once on every end path, before `cancel`. */
  cleanup?(): void;
  /** The consumer stopped early (`return()`, `throw()`, abort): cancel or destroy the source. */
  cancel?(): unknown;
  /** Values (or bytes) waiting in the source's own buffer, for `stats.buffered`. */
  buffered?(): number;
}

class Stats implements QueueStats {
  constructor(private readonly it: PullIterator<unknown>) {}
  get buffered(): number {
    return this.it.buffered();
  }
  readonly dropped = 0;
  get highWaterMark(): number {
    return this.it.peak;
  }
}

/** Forwards a source's answers; detached when the iterator closes so a late callback retains nothing. */
class Controller<T> implements PullController<T> {
  constructor(public it: PullIterator<T> | null) {}
  value(value: T): void {
    this.it?.answer(value);
  }
  end(): void {
    this.it?.close(NO_ERROR);
  }
  fail(error: unknown): void {
    this.it?.close(error);
  }
  get closed(): boolean {
    return this.it === null || this.it.state !== OPEN;
  }
}

class PullIterator<T> extends EndingIterator<T> implements SourceIterator<T> {
  peak = 0;
  private hooks: PullHooks | null = null;
  private pulling = false;
  private driving = false;
  /** Set while next() tries for a synchronous answer, which then needs no waiting promise. */
  private direct = false;
  private hasDirect = false;
  private directValue: T | undefined = undefined;
  private ctl: Controller<T> | null = new Controller<T>(this);
  private statsView: Stats | undefined;

  start(start: (ctl: PullController<T>) => PullHooks): void {
    const hooks = start(this.ctl as Controller<T>);
    if (this.state === OPEN) this.hooks = hooks;
    else hooks.cleanup?.(); // answered at creation (an ended or destroyed source)
    const signal = this.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort(); // the source is torn down at once
      else if (this.state === OPEN) signal.addEventListener('abort', this.onAbort);
    }
  }

  buffered(): number {
    const n = this.hooks?.buffered?.() ?? 0;
    if (n > this.peak) this.peak = n;
    return n;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.state !== OPEN) return this.finish();
    if (this.pulling || this.waiters.waiting) {
      const promise = new Promise<IteratorResult<T>>(this.waiters.add);
      this.drive();
      return promise;
    }
    this.direct = true;
    this.pulling = true;
    try {
      (this.hooks as PullHooks).pull();
    } catch (error) {
      this.pulling = false;
      this.close(error);
    } finally {
      this.direct = false;
    }
    if (this.hasDirect) {
      const value = this.directValue as T;
      this.hasDirect = false;
      this.directValue = undefined;
      return Promise.resolve({ value, done: false });
    }
    if (this.state !== OPEN) return this.finish();
    return new Promise<IteratorResult<T>>(this.waiters.add); // answered later, to this waiter
  }

  answer(value: T): void {
    if (this.state !== OPEN || !this.pulling) return;
    this.pulling = false;
    if (this.hooks !== null && this.hooks.buffered !== undefined) this.buffered();
    if (this.direct) {
      this.hasDirect = true;
      this.directValue = value;
      return;
    }
    this.waiters.deliver(value);
    this.drive();
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    return this.stop().then(() => ({ value: value as T, done: true }));
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    return this.stop().then(() => Promise.reject(error));
  }

  [asyncDispose](): Promise<void> {
    return this.stop();
  }

  get stats(): QueueStats {
    return (this.statsView ??= new Stats(this as PullIterator<unknown>));
  }

  /** Pulls while consumers wait; a synchronous answer loops here instead of recursing. */
  private drive(): void {
    if (this.driving) return;
    this.driving = true;
    try {
      while (this.state === OPEN && !this.pulling && this.waiters.waiting) {
        this.pulling = true;
        (this.hooks as PullHooks).pull();
      }
    } catch (error) {
      this.close(error);
    } finally {
      this.driving = false;
    }
  }

  close(error: unknown): void {
    if (this.state !== OPEN) return;
    this.state = ENDING;
    this.detach();
    this.error = error;
    try {
      this.cleanup();
    } catch (thrown) {
      if (this.error === NO_ERROR) this.error = thrown;
    }
    this.flush();
  }

  private stop(): Promise<void> {
    if (this.state === DONE) return Promise.resolve();
    const wasOpen = this.state === OPEN;
    this.state = DONE;
    this.detach();
    let failure: unknown = NO_ERROR;
    let outcome: unknown;
    try {
      this.cleanup();
    } catch (error) {
      failure = error;
    }
    if (wasOpen) {
      try {
        outcome = this.hooks?.cancel?.();
      } catch (error) {
        if (failure === NO_ERROR) failure = error;
      }
    }
    this.waiters.settleAll(NO_ERROR);
    this.release();
    if (failure !== NO_ERROR) return Promise.reject(failure);
    return Promise.resolve(outcome).then(noop);
  }

  protected abort(): void {
    if (this.state === DONE) return;
    const reason = this.signal?.reason;
    const wasOpen = this.state === OPEN;
    this.state = ENDING;
    this.detach();
    try {
      this.cleanup();
    } catch {
      // the abort reason is what the consumer sees
    }
    if (wasOpen) {
      try {
        Promise.resolve(this.hooks?.cancel?.()).catch(noop);
      } catch {
        // likewise
      }
    }
    this.error = reason;
    this.flush();
  }

  private detach(): void {
    if (this.ctl !== null) {
      this.ctl.it = null;
      this.ctl = null;
    }
  }

  private cleanup(): void {
    const hooks = this.hooks;
    if (hooks !== null && hooks.cleanup !== undefined) {
      const cleanup = hooks.cleanup;
      hooks.cleanup = undefined;
      cleanup.call(hooks);
    }
  }

  protected override release(): void {
    super.release();
    this.hooks = null;
  }
}

function noop(): void {}

/**
 * Creates the iterator of a pulled source. `start` runs synchronously and returns the hooks.
 * @internal
 */
export function pullSource<T>(
  start: (ctl: PullController<T>) => PullHooks,
  signal: AbortSignal | undefined,
): SourceIterator<T> {
  const it = new PullIterator<T>(signal);
  it.start(start);
  return it;
}
