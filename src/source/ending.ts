/**
 * What the push queue and the pull iterator share: the three states, the consumers waiting in `next()`,
 * the signal they watch, and the one funnel every end goes through.
 * @internal
 */
import { onAbort, toError } from '../util/abort.js';
import { sourceBrand } from './args.js';
import { endResult, NO_ERROR, WaitList } from './waiters.js';

/** The source may still send. */
export const OPEN = 0;
/** The source is torn down; what it sent before (then the end or its error) is still to be delivered. */
export const ENDING = 1;
/** The end has been delivered, or the consumer stopped. Nothing is held any more. */
export const ENDED = 2;

/** The source ended or failed (or overflowed): the values already buffered are delivered first. */
export const BY_SOURCE = 0;
/** The signal aborted: the buffered values are discarded; the next `next()` gets the reason. */
export const BY_ABORT = 1;
/** `return()` or `throw()`: the buffered values are discarded, pending `next()` calls are done. */
export const BY_CONSUMER = 2;
/** Who ends the iterator, which decides what happens to what was not yet delivered. */
export type By = typeof BY_SOURCE | typeof BY_ABORT | typeof BY_CONSUMER;

function noop(): void {}

/** What a source's controller reaches: the iterator's state and its source-side end. */
interface SourceSide {
  readonly state: number;
  close(error: unknown): void;
}

/**
 * The source's handle on its iterator: ends or fails it. Cut when the source is torn down, so a
 * late callback from a leaked listener reaches, and retains, nothing.
 */
export class SourceLink<I extends SourceSide> {
  constructor(protected target: I | null) {}
  end(): void {
    this.target?.close(NO_ERROR);
  }
  fail(error: unknown): void {
    this.target?.close(error);
  }
  get closed(): boolean {
    return this.target === null || this.target.state !== OPEN;
  }
  cut(): void {
    this.target = null;
  }
}

export abstract class EndingIterator<T> {
  /** Only ever advances: OPEN -> ENDING -> ENDED (a consumer's stop may go straight to ENDED). */
  state = OPEN;
  protected readonly waiters = new WaitList<T>();
  /** The end to deliver: NO_ERROR for done, else the error. */
  protected error: unknown = NO_ERROR;
  private unwatch: () => void = noop;

  /** Cuts the source loose and undoes what it set up; called once, by {@link end}. */
  protected abstract tearDown(by: By): void;
  /** Drops the values not yet delivered. */
  protected abstract discard(): void;
  /** True while values wait to be delivered before the end. */
  protected abstract holding(): boolean;

  [Symbol.asyncIterator](): this {
    return this;
  }

  get [sourceBrand](): true {
    return true;
  }

  /**
   * Ends the iterator when `signal` aborts (at once if it already has). The consumer gets the
   * reason as an Error by the one rule of src/util/abort.ts: an Error as it is, anything else
   * wrapped in an Error named `AbortError` (as a hub subscription and the transports do).
   */
  protected watch(signal: AbortSignal | undefined): void {
    if (signal !== undefined) this.unwatch = onAbort(signal, () => this.end(toError(signal.reason), BY_ABORT));
  }

  /**
   * The one way to end: source end (`error` NO_ERROR), source error, overflow, a hook that throws,
   * abort, `return()` and `throw()` all come here. The first call from OPEN tears the source down,
   * exactly once. A stop (abort or consumer) discards what was not yet delivered, end included.
   * One rule for a teardown that throws: its error becomes the end's error only when the end has
   * none of its own (a normal end, `return()`); a source error, an overflow error, an abort reason
   * or `throw()`'s argument is never replaced.
   * @returns for a consumer's stop, the end's error (NO_ERROR for none), for its call to reject with
   */
  protected end(error: unknown, by: By): unknown {
    if (this.state === ENDED || (by === BY_SOURCE && this.state !== OPEN)) return NO_ERROR;
    if (by !== BY_SOURCE) this.discard();
    this.error = error;
    if (this.state === OPEN) {
      this.state = ENDING;
      this.runTeardown(() => this.tearDown(by));
    }
    if (by === BY_CONSUMER) {
      if (this.state === ENDED) return NO_ERROR; // the teardown itself called return()
      const failure = this.error;
      this.state = ENDED;
      this.waiters.settleAll(NO_ERROR);
      this.release();
      return failure;
    }
    if (this.state === ENDING && !this.holding()) this.flush();
    return NO_ERROR;
  }

  /** Runs a teardown under the rule of {@link end}: its error fills in only for an end that has none. */
  protected runTeardown(teardown: () => void): void {
    try {
      teardown();
    } catch (thrown) {
      if (this.state === ENDING && this.error === NO_ERROR) this.error = thrown;
    }
  }

  /** Nothing left to deliver but the end: settle the waiting consumers with it, or keep it for the next call. */
  protected flush(): void {
    if (!this.waiters.waiting) return;
    this.state = ENDED;
    this.waiters.settleAll(this.error);
    this.release();
  }

  /** A `next()` after the source is gone and everything before the end was delivered. */
  protected finish(): Promise<IteratorResult<T>> {
    const error = this.error;
    if (this.state !== ENDED) {
      this.state = ENDED;
      this.release();
    }
    return endResult<T>(error);
  }

  /** Drops what is no longer needed once the end is delivered (subclasses drop their own too). */
  protected release(): void {
    this.error = NO_ERROR;
    this.unwatch();
    this.unwatch = noop;
  }
}
