/** Waiting for a source to stop being pulled, for the backpressure tests of the SSE transports. */
import { delay } from '../http/loopback.js';

/**
 * Polls `pulled()` every 150 ms until it stays the same over one interval (at most 60 polls) and
 * returns that count; `stable` says whether it did settle.
 */
export async function untilStalled(pulled: () => number): Promise<{ count: number; stable: boolean }> {
  let last = -1;
  for (let i = 0; i < 60 && pulled() !== last; i++) {
    last = pulled();
    await delay(150);
  }
  return { count: pulled(), stable: pulled() === last };
}
