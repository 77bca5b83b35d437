// Minimal types for the zen-observable test dependency (it ships none).
declare module 'zen-observable' {
  interface ZenObserver<T> {
    next?(value: T): void;
    error?(error: unknown): void;
    complete?(): void;
  }
  interface ZenSubscriptionObserver<T> {
    next(value: T): void;
    error(error: unknown): void;
    complete(): void;
    readonly closed: boolean;
  }
  interface ZenSubscription {
    unsubscribe(): void;
    readonly closed: boolean;
  }
  class ZenObservable<T> {
    constructor(subscriber: (observer: ZenSubscriptionObserver<T>) => void | (() => void) | ZenSubscription);
    subscribe(observer: ZenObserver<T>): ZenSubscription;
    subscribe(next: (value: T) => void, error?: (error: unknown) => void, complete?: () => void): ZenSubscription;
    static from<T>(value: unknown): ZenObservable<T>;
    static of<T>(...values: T[]): ZenObservable<T>;
  }
  export default ZenObservable;
}
