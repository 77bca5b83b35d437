/**
 * The one way this library watches an AbortSignal, and the one rule for what an abort reason becomes.
 *
 * The rule, the same for every source adapter (`pushQueue`, `fromEventEmitter`, `fromReadable`, …),
 * every hub subscription and every transport (`sendComet`, `sendSSE`, `cometResponse`, …):
 * - a reason that is an Error is passed on as it is, the same object. That includes a
 *   `DOMException` (an Error in every supported Node): the one `controller.abort()` gives without
 *   an argument, named `AbortError`, and the one `AbortSignal.timeout()` gives, named `TimeoutError`;
 * - any other reason (a string, a number, a plain object, `null`) is wrapped in an Error named
 *   `AbortError` whose message is the reason as a string and whose `cause` is the reason itself.
 * A source or a subscription rejects its pending (or next) `next()` with that error. A transport
 * fails its stream with it, except for the plain abort ({@link isPlainAbort}: a `DOMException`
 * named `AbortError`), which is a shutdown: the stream ends cleanly instead.
 * @internal
 */

function noop(): void {}

/**
 * The callbacks waiting on each signal. One listener per signal serves them all, so a thousand
 * streams that share one signal (a server's shutdown signal) add one listener, not a thousand,
 * and never trip EventTarget's max-listeners warning.
 */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts. If it has already aborted, `fn` runs now, synchronously,
 * and nothing is registered. The returned function removes `fn`; it is safe to call more than
 * once, and after `fn` has run. The signal's own listener goes when its last callback does.
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return noop;
  if (signal.aborted) {
    fn();
    return noop;
  }
  const fns = watchers.get(signal) ?? watch(signal);
  // each registration is its own entry, so one fn watched twice runs twice, as two listeners would
  const entry = (): void => {
    if (fns.delete(entry)) fn();
  };
  fns.add(entry);
  return () => {
    if (!fns.delete(entry) || fns.size > 0 || watchers.get(signal) !== fns) return;
    watchers.delete(signal);
    signal.removeEventListener('abort', listenerOf.get(fns)!);
  };
}

/** The signal listener that serves each set of callbacks. */
const listenerOf = new WeakMap<Set<() => void>, () => void>();

/** Adds the one listener of `signal`, which runs every callback in the order they were added. */
function watch(signal: AbortSignal): Set<() => void> {
  const fns = new Set<() => void>();
  const listener = (): void => {
    signal.removeEventListener('abort', listener);
    watchers.delete(signal);
    for (const call of [...fns]) call();
  };
  watchers.set(signal, fns);
  listenerOf.set(fns, listener);
  signal.addEventListener('abort', listener);
  return fns;
}

/**
 * An abort reason as an Error, by the rule above: an Error (a `DOMException` included) as it is;
 * anything else (a string, `undefined`, …) wrapped in an Error named `AbortError` whose `cause` is
 * the reason. The transports also pass a source's non-Error failure through it.
 */
export function toError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? 'The operation was aborted' : String(reason), { cause: reason });
  error.name = 'AbortError';
  return error;
}

/**
 * True for the reason of `controller.abort()` called without one (a `DOMException` named
 * `AbortError`): to a transport, a shutdown rather than a failure.
 */
export function isPlainAbort(reason: unknown): boolean {
  return typeof DOMException === 'function' && reason instanceof DOMException && reason.name === 'AbortError';
}
