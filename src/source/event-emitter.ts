/**
 * fromEventEmitter: the values of one event of a Node EventEmitter, a DOM/Node EventTarget, or anything
 * with on/off or addListener/removeListener, as an async iterator.
 */
import { checkOptions, describe, isObjectLike } from './args.js';
import { shareListeners, type FanOutKey, type ListenerPair } from './emitter-fan-out.js';
import { queueIn, type PushController, type PushHooks } from './queue.js';
import type { QueueOptions, SourceIterator } from './types.js';

/** Options of {@link fromEventEmitter}. */
export interface FromEventEmitterOptions extends QueueOptions {
  /** Events that end the iterator (after the buffered values). Default `['end']`. */
  endEvents?: readonly (string | symbol)[];
  /** Event that fails the iterator with its first argument; `null` for none. Default `'error'`. */
  errorEvent?: string | symbol | null;
  /** Yield the array of all the listener's arguments instead of the first one. Default `false`. */
  multiArgs?: boolean;
}

/** Anything {@link fromEventEmitter} can listen to. */
export type EventSourceLike =
  | { addListener(event: string | symbol, fn: (...args: any[]) => void): unknown; removeListener(event: string | symbol, fn: (...args: any[]) => void): unknown }
  | { on(event: string | symbol, fn: (...args: any[]) => void): unknown; off(event: string | symbol, fn: (...args: any[]) => void): unknown }
  | { addEventListener(type: string, fn: (event: any) => void): unknown; removeEventListener(type: string, fn: (event: any) => void): unknown };

const WHERE = 'fromEventEmitter';
const OPTIONS: readonly (keyof FromEventEmitterOptions)[] = ['buffer', 'signal', 'endEvents', 'errorEvent', 'multiArgs'];

/** Finds the add/remove pair: addListener/removeListener, on/off, then addEventListener/removeEventListener. */
function listenerPair(emitter: Record<PropertyKey, any>): ListenerPair | null {
  for (const [add, remove] of [
    ['addListener', 'removeListener'],
    ['on', 'off'],
  ] as const) {
    if (typeof emitter[add] === 'function' && typeof emitter[remove] === 'function') {
      return { add: (e, fn) => emitter[add](e, fn), remove: (e, fn) => emitter[remove](e, fn), target: false };
    }
  }
  if (typeof emitter.addEventListener === 'function' && typeof emitter.removeEventListener === 'function') {
    return {
      add: (e, fn) => emitter.addEventListener(e, fn),
      remove: (e, fn) => emitter.removeEventListener(e, fn),
      target: true,
    };
  }
  return null;
}

function checkEventName(name: unknown, what: string, target: boolean): string | symbol {
  if (typeof name === 'string' || (typeof name === 'symbol' && !target)) return name;
  throw new TypeError(
    `${WHERE}: ${what} must be ${target ? 'a string for an EventTarget' : 'a string or a symbol'}, got ${describe(name)}`,
  );
}

/**
 * Turns one event of an emitter into an async iterator. Listening starts at once, so events emitted
 * before the first `next()` are kept (within `buffer.limit`). `endEvents` end the iterator after the
 * buffered values; `errorEvent` fails it after them. Every end path removes every listener added here.
 * With `buffer.overflow: 'pause'` the emitter must have `pause()` and `resume()` (a Readable or a socket
 * in flowing mode): it is paused at the limit and resumed once the consumer has drained below half.
 * An emitter paused when the iterator ends stays paused: resuming it with no listener would lose data.
 * An EventTarget yields its Event objects; its error event fails with `event.error` when set.
 * However many iterators listen to one event of one emitter (with the same end and error events),
 * the emitter holds one listener per event, removed when the last of them ends; each iterator keeps
 * its own buffer, overflow policy and counters.
 *
 * @param emitter - an EventEmitter, an EventTarget, or anything with on/off or addListener/removeListener
 * @param event - the event whose values are yielded
 * @param options - `endEvents`, `errorEvent`, `multiArgs`, `buffer`, `signal`
 * @throws TypeError for an emitter without a listener API, a bad event name or option (a `buffer.limit`
 *   that is not a number included), or `'pause'` on an emitter without pause/resume; RangeError for a
 *   `buffer.limit` out of range
 */
export function fromEventEmitter<T = unknown>(
  emitter: EventSourceLike,
  event: string | symbol,
  options?: FromEventEmitterOptions,
): SourceIterator<T> {
  const pair = isObjectLike(emitter) ? listenerPair(emitter) : null;
  if (pair === null) {
    throw new TypeError(
      `${WHERE}: expected an EventEmitter, an EventTarget, or an object with on/off or addListener/removeListener; ` +
        `got ${describe(emitter)}`,
    );
  }
  const opts = checkOptions(options, WHERE, OPTIONS);
  const target = pair.target;
  const name = checkEventName(event, 'event', target);
  const endEvents = opts.endEvents ?? ['end'];
  if (!Array.isArray(endEvents)) {
    throw new TypeError(`${WHERE}: options.endEvents must be an array of event names, got ${describe(endEvents)}`);
  }
  const ends = endEvents.map((e) => checkEventName(e, 'each of options.endEvents', target));
  const errorEvent = opts.errorEvent === undefined ? 'error' : opts.errorEvent;
  const errorName = errorEvent === null ? null : checkEventName(errorEvent, 'options.errorEvent', target);
  if (ends.includes(name) || errorName === name) {
    throw new TypeError(`${WHERE}: the event ${String(name)} is also an end or error event`);
  }
  if (errorName !== null && ends.includes(errorName)) {
    throw new TypeError(`${WHERE}: the event ${String(errorName)} cannot both end the iterator and fail it`);
  }
  const multiArgs = opts.multiArgs ?? false;
  if (typeof multiArgs !== 'boolean') {
    throw new TypeError(`${WHERE}: options.multiArgs must be a boolean, got ${describe(multiArgs)}`);
  }
  const pausable = emitter as { pause?: unknown; resume?: unknown };
  if (opts.buffer?.overflow === 'pause' && (typeof pausable.pause !== 'function' || typeof pausable.resume !== 'function')) {
    throw new TypeError(
      `${WHERE}: overflow 'pause' needs an emitter with pause() and resume() (a Readable or a socket), got ${describe(emitter)}`,
    );
  }

  const key: FanOutKey = { name, ends, errorName, multiArgs };
  return queueIn<T>(
    WHERE,
    (ctl) => {
      const hooks: PushHooks = { teardown: shareListeners(emitter, pair, key, ctl as PushController<unknown>) };
      if (opts.buffer?.overflow === 'pause') {
        hooks.pause = () => (pausable.pause as () => void).call(emitter);
        hooks.resume = () => (pausable.resume as () => void).call(emitter);
      }
      return hooks;
    },
    { buffer: opts.buffer, signal: opts.signal },
  );
}
