/**
 * The one way this library watches an AbortSignal, and the one rule for turning an abort reason
 * into an error.
 * @internal
 */

function noop(): void {}

/**
 * Calls `fn` once when `signal` aborts. If it has already aborted, `fn` runs now, synchronously,
 * and nothing is registered. The returned function removes the listener; it is safe to call more
 * than once, and after `fn` has run.
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return noop;
  if (signal.aborted) {
    fn();
    return noop;
  }
  let armed = true;
  const listener = (): void => {
    if (!armed) return;
    armed = false;
    signal.removeEventListener('abort', listener);
    fn();
  };
  signal.addEventListener('abort', listener);
  return () => {
    if (!armed) return;
    armed = false;
    signal.removeEventListener('abort', listener);
  };
}

/**
 * An abort reason as an Error: an Error as it is; anything else (a string, `undefined`) wrapped
 * in an Error named `AbortError` whose `cause` is the reason.
 */
export function toError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? 'The operation was aborted' : String(reason), { cause: reason });
  error.name = 'AbortError';
  return error;
}
