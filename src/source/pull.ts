/**
 * The iterator of sources that are pulled one value at a time (Readable, Highland, any AsyncIterable):
 * the source's own backpressure applies, so nothing is buffered here. The end, error, `return()`,
 * `throw()` and abort behave exactly as in the push queue.
 * @internal
 */
import { asyncDispose } from './args.js';
import { BY_CONSUMER, BY_SOURCE, EndingIterator, OPEN, SourceLink, type By } from './ending.js';
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

class PullIteratorCounters implements QueueStats {
  constructor(private readonly it: PullIterator<unknown>) {}
  get buffered(): number {
    return this.it.buffered();
  }
  readonly dropped = 0;
  get highWaterMark(): number {
    return this.it.peak;
  }
}

/** Forwards a source's answers to the iterator. */
class PullIteratorController<T> extends SourceLink<PullIterator<T>> implements PullController<T> {
  value(value: T): void {
    this.target?.answer(value);
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
  private ctl: PullIteratorController<T> | null = new PullIteratorController<T>(this);
  private statsView: PullIteratorCounters | undefined;
  /** What the source's `cancel()` gave on a consumer's stop, for `return()` to wait on. */
  private cancelled: unknown;

  start(start: (ctl: PullController<T>) => PullHooks, signal: AbortSignal | undefined): void {
    const hooks = start(this.ctl as PullIteratorController<T>);
    if (this.state === OPEN) this.hooks = hooks;
    else if (hooks.cleanup !== undefined) this.runTeardown(hooks.cleanup.bind(hooks)); // answered at creation
    this.watch(signal); // an already-aborted signal tears the source down at once
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
    return this.stop(NO_ERROR).then(() => ({ value: value as T, done: true }));
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    return this.stop(error).then(
      () => Promise.reject(error),
      () => Promise.reject(error),
    );
  }

  [asyncDispose](): Promise<void> {
    return this.stop(NO_ERROR);
  }

  get stats(): QueueStats {
    return (this.statsView ??= new PullIteratorCounters(this as PullIterator<unknown>));
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
    this.end(error, BY_SOURCE);
  }

  /** The consumer stops: settled once the source's own `cancel()` has (an async generator finishes its step). */
  private stop(error: unknown): Promise<void> {
    const failure = this.end(error, BY_CONSUMER);
    const cancelled = this.cancelled;
    this.cancelled = undefined;
    if (failure !== NO_ERROR) return Promise.reject(failure);
    return Promise.resolve(cancelled).then(noop);
  }

  /** Detaches the controller, runs the source's `cleanup`, and on a stop (return, throw, abort) its `cancel`. */
  protected tearDown(by: By): void {
    this.ctl?.cut();
    this.ctl = null;
    const hooks = this.hooks;
    if (hooks === null) return;
    let failure: unknown = NO_ERROR;
    try {
      hooks.cleanup?.();
    } catch (error) {
      failure = error;
    }
    if (by !== BY_SOURCE && hooks.cancel !== undefined) {
      try {
        const outcome = Promise.resolve(hooks.cancel());
        if (by === BY_CONSUMER) this.cancelled = outcome;
        else outcome.catch(noop); // an abort: its reason is what the consumer sees
      } catch (error) {
        if (failure === NO_ERROR) failure = error;
      }
    }
    if (failure !== NO_ERROR) throw failure;
  }

  protected discard(): void {}

  protected holding(): boolean {
    return false;
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
  const it = new PullIterator<T>();
  it.start(start, signal);
  return it;
}
