/**
 * Waiting in tests, one way each: a turn of the event loop, a pause of a given length, a bounded
 * wait for a condition, and a bounded wait for a promise. A test that waits for something to happen
 * waits with {@link until} (or {@link within}), never with a {@link sleep} that must be "long enough".
 */

/** Resolves after the current turn of the event loop: every pending I/O callback and `setImmediate` before it has run (timers excepted). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long {@link until} waits by default: far longer than any condition takes on a busy machine,
 * and shorter than mocha's limit for a test (20 s), so the failure names what never happened.
 */
export const UNTIL_TIMEOUT_MS = 10_000;

/** Options of {@link until}. */
export interface UntilOptions {
  /**
   * What is awaited, for the failure's message (default: the condition's source text); a function
   * is called when the wait fails, so the message can tell the last state seen.
   */
  what?: string | (() => string);
  /** How long to wait before failing (default {@link UNTIL_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** How long to pause between two checks (default 5 ms). */
  everyMs?: number;
}

/**
 * Checks `condition` now and then every few milliseconds until it holds.
 * @returns once `condition()` returned (or resolved to) true
 * @throws Error `timed out after <ms> ms waiting for <what>` (the promise rejects) when it still does
 *   not hold after `timeoutMs`; whatever `condition` throws
 */
export async function until(condition: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const { what = String(condition), timeoutMs = UNTIL_TIMEOUT_MS, everyMs = 5 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(everyMs);
  }
}

/**
 * Bounds a wait for `promise`, so a test that would hang fails on its assertion instead.
 * @returns `promise`'s value, or what it rejected with, or `'timeout'` after `ms`
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([promise.then((v) => v, (e: unknown) => e), timeout]).finally(() => clearTimeout(timer));
}

/** How many timers (`setTimeout`, `setInterval`) are active now: what a test that checks for leaked timers counts. */
export const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
