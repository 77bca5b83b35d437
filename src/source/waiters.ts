/**
 * The consumers waiting in `next()`: nearly always one (a `for await` loop), so the first is kept in
 * two fields and only further concurrent calls go to an array.
 * @internal
 */

type Resolve<T> = (result: IteratorResult<T>) => void;
type Reject = (error: unknown) => void;

/** Marks "no error": a normal end. */
export const NO_ERROR: unique symbol = Symbol('no error');

/** What `next()` answers once the end is reached: `{ done: true }`, or a rejection with `error`. */
export function endResult<T>(error: unknown): Promise<IteratorResult<T>> {
  return error === NO_ERROR ? Promise.resolve({ value: undefined as T, done: true }) : Promise.reject(error);
}

/** Pending `next()` calls, settled in the order they were made. */
export class WaitList<T> {
  private resolve0: Resolve<T> | null = null;
  private reject0: Reject | null = null;
  private rest: (Resolve<T> | Reject | undefined)[] = [];
  private head = 0;

  /** Promise executor: `new Promise(list.add)` registers a waiting consumer. */
  readonly add = (resolve: Resolve<T>, reject: Reject): void => {
    if (this.resolve0 === null) {
      this.resolve0 = resolve;
      this.reject0 = reject;
    } else {
      this.rest.push(resolve, reject);
    }
  };

  /** True while at least one consumer waits. */
  get waiting(): boolean {
    return this.resolve0 !== null;
  }

  /** Hands a value to the longest-waiting consumer (there must be one). */
  deliver(value: T): void {
    const resolve = this.resolve0 as Resolve<T>;
    this.shift();
    resolve({ value, done: false });
  }

  /** Settles every waiting consumer: the first rejects with `error` (unless NO_ERROR), the rest are done. */
  settleAll(error: unknown): void {
    while (this.resolve0 !== null) {
      const resolve = this.resolve0;
      const reject = this.reject0 as Reject;
      this.shift();
      if (error !== NO_ERROR) {
        reject(error);
        error = NO_ERROR;
      } else {
        resolve({ value: undefined as T, done: true });
      }
    }
  }

  private shift(): void {
    const rest = this.rest;
    if (this.head < rest.length) {
      this.resolve0 = rest[this.head] as Resolve<T>;
      this.reject0 = rest[this.head + 1] as Reject;
      rest[this.head] = rest[this.head + 1] = undefined;
      this.head += 2;
      if (this.head === rest.length) {
        this.rest = [];
        this.head = 0;
      }
    } else {
      this.resolve0 = null;
      this.reject0 = null;
    }
  }
}
