/**
 * toSource: one entry point that recognises every supported source by its shape and returns the
 * matching adapter's iterator.
 */
import { carryCutoff } from '../util/cutoff.js';
import { describe, isObjectLike, isSourceIterator } from './args.js';
import { fromHighland, isHighlandStream } from './highland.js';
import { fromObservable, isInteropObservable } from './observable.js';
import { fromPublisher, isPublisherLike } from './publisher.js';
import { pullSource, type PullController } from './pull.js';
import { fromReadable, isReadableLike } from './readable.js';
import type { SourceIterator } from './types.js';

/** Everything {@link toSource} accepts. */
export type SourceLike<T> =
  | AsyncIterable<T>
  | Iterable<T | PromiseLike<T>>
  | PromiseLike<T>
  | NodeJS.ReadableStream
  | { readonly __HighlandStream__: true }
  | { '@@observable'(): unknown }
  | { subscribe(subscriber: never): unknown };

const ACCEPTED =
  'an AsyncIterable (including an Enumerator), a sync Iterable other than a string, a Node Readable, ' +
  'a Highland stream, an Observable (Symbol.observable), a Reactive Streams Publisher, or a Promise';

function settle<T>(ctl: PullController<T>, result: IteratorResult<T>): void {
  if (!isObjectLike(result)) ctl.fail(new TypeError(`toSource: next() gave ${describe(result)}, not an iterator result`));
  else if (result.done) ctl.end();
  else ctl.value(result.value);
}

/** Pulls an async iterator one value at a time; `return()` on it when the consumer stops early. */
function fromAsyncIterable<T>(iterable: AsyncIterable<T>): SourceIterator<T> {
  return pullSource<T>((ctl) => {
    const iterator = iterable[Symbol.asyncIterator]();
    const onResult = (result: IteratorResult<T>): void => settle(ctl, result);
    const onError = (error: unknown): void => ctl.fail(error);
    return {
      pull: () => void Promise.resolve(iterator.next()).then(onResult, onError),
      cancel: () => (typeof iterator.return === 'function' ? iterator.return() : undefined),
    };
  }, undefined);
}

/** A sync iterable read as `for await` would: promise values are awaited. */
function fromIterable<T>(iterable: Iterable<T | PromiseLike<T>>): SourceIterator<T> {
  return pullSource<T>((ctl) => {
    const iterator = iterable[Symbol.iterator]();
    const onValue = (value: T): void => ctl.value(value);
    const onError = (error: unknown): void => ctl.fail(error);
    return {
      pull() {
        const result = iterator.next();
        if (!isObjectLike(result) || result.done) return settle(ctl, result as IteratorResult<T>);
        const value = result.value;
        if (isObjectLike(value) && typeof value.then === 'function') Promise.resolve(value).then(onValue, onError);
        else ctl.value(value as T);
      },
      cancel: () => (typeof iterator.return === 'function' ? iterator.return() : undefined),
    };
  }, undefined);
}

/** One value, then the end; a rejection fails the iterator. Settles are watched at once (no unhandled rejection). */
function fromPromise<T>(promise: PromiseLike<T>): SourceIterator<T> {
  return pullSource<T>((ctl) => {
    let outcome: { value: T } | { error: unknown } | null = null;
    let wanted = false;
    let delivered = false;
    const answer = (): void => {
      if (delivered) return ctl.end();
      if (outcome === null) return void (wanted = true);
      delivered = true;
      if ('error' in outcome) ctl.fail(outcome.error);
      else ctl.value(outcome.value);
    };
    const settle = (o: { value: T } | { error: unknown }): void => {
      outcome = o;
      if (wanted) answer();
    };
    Promise.resolve(promise).then(
      (value) => settle({ value }),
      (error: unknown) => settle({ error }),
    );
    return { pull: answer };
  }, undefined);
}

/**
 * Returns one async iterator for any supported source, recognised by shape in this order:
 * the iterators of this library (returned unchanged); a Node Readable ({@link fromReadable}, whose
 * end and error contract is stronger than the stream's own iterator); anything with
 * `Symbol.asyncIterator` (async generators, Enumerators, …); a Highland stream ({@link fromHighland});
 * an Observable with `Symbol.observable`/`'@@observable'` ({@link fromObservable}); an object with
 * `subscribe` and no interop symbol, taken as a Reactive Streams Publisher ({@link fromPublisher});
 * a sync Iterable; a Promise or thenable (one value). Adapter defaults apply; call the adapter
 * directly for options. An EventEmitter needs an event name: use `fromEventEmitter(emitter, event)`.
 * For an iterable, `return()` settles the pending `next()` calls at once and resolves once the wrapped
 * iterator's own `return()` does (an async generator first finishes the step it is in).
 * The cut-off signal a source carries (a hub subscription's) is carried by the iterator returned.
 *
 * @param source - the source
 * @throws TypeError naming what was passed and what is accepted (strings are refused: they would
 *   iterate character by character)
 */
export function toSource<T = unknown>(source: SourceLike<T>): SourceIterator<T> {
  return carryCutoff(adapt<T>(source), source);
}

function adapt<T>(source: SourceLike<T>): SourceIterator<T> {
  const value: unknown = source;
  if (typeof value === 'string' || value instanceof String) {
    throw new TypeError(`toSource: a string is not a source (it would be read character by character); accepted: ${ACCEPTED}`);
  }
  if (isObjectLike(value)) {
    if (isSourceIterator(value)) return value as unknown as SourceIterator<T>;
    if (isReadableLike(value)) return fromReadable<T>(value);
    if (typeof value[Symbol.asyncIterator] === 'function') return fromAsyncIterable(value as unknown as AsyncIterable<T>);
    if (isHighlandStream(value)) return fromHighland(value as never);
    if (isInteropObservable(value)) return fromObservable<T>(value as never);
    if (isPublisherLike(value)) return fromPublisher<T>(value as never);
    if (typeof value[Symbol.iterator] === 'function') return fromIterable(value as unknown as Iterable<T>);
    if (typeof value.then === 'function') return fromPromise(value as unknown as PromiseLike<T>);
    if (typeof value.on === 'function' || typeof value.addEventListener === 'function') {
      throw new TypeError(
        `toSource: ${describe(value)} looks like an event emitter; use fromEventEmitter(emitter, event). Accepted: ${ACCEPTED}`,
      );
    }
  }
  throw new TypeError(`toSource: cannot make a source from ${describe(value)}; accepted: ${ACCEPTED}`);
}
