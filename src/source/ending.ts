/**
 * What the push queue and the pull iterator share: the three states, the consumers waiting in `next()`,
 * and how the end (done or an error, exactly once) reaches them.
 * @internal
 */
import { sourceBrand } from './args.js';
import { endResult, NO_ERROR, WaitList } from './waiters.js';

/** The source may still send. */
export const OPEN = 0;
/** The source is gone; what it sent before (then the end or its error) is still to be delivered. */
export const ENDING = 1;
/** The end has been delivered, or the consumer stopped. */
export const DONE = 2;

export abstract class EndingIterator<T> {
  state = OPEN;
  protected readonly waiters = new WaitList<T>();
  /** The end to deliver: NO_ERROR for done, else the error. */
  protected error: unknown = NO_ERROR;
  protected signal: AbortSignal | undefined;
  protected readonly onAbort = (): void => this.abort();

  constructor(signal: AbortSignal | undefined) {
    this.signal = signal;
  }

  /** The signal aborted: tear the source down and deliver its reason. */
  protected abstract abort(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  get [sourceBrand](): true {
    return true;
  }

  /** Nothing left to deliver but the end: settle the waiting consumers with it, or keep it for the next call. */
  protected flush(): void {
    if (!this.waiters.waiting) return;
    this.state = DONE;
    this.waiters.settleAll(this.error);
    this.release();
  }

  /** A `next()` after the source is gone and everything before the end was delivered. */
  protected finish(): Promise<IteratorResult<T>> {
    const error = this.error;
    if (this.state !== DONE) {
      this.state = DONE;
      this.release();
    }
    return endResult<T>(error);
  }

  /** Drops what is no longer needed once the end is delivered (subclasses drop their own too). */
  protected release(): void {
    this.error = NO_ERROR;
    if (this.signal !== undefined) {
      this.signal.removeEventListener('abort', this.onAbort);
      this.signal = undefined;
    }
  }
}
