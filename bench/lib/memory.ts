/** Heap and RSS measurement after full garbage collection. */
import { setImmediate as tick } from 'node:timers/promises';

/** True when the process runs with --expose-gc. */
export function canCollect(): boolean {
  return typeof globalThis.gc === 'function';
}

/** Runs full GC a few times, letting finalizers and pending callbacks run in between. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    globalThis.gc?.();
  }
  await tick();
}

/** Heap used and RSS in bytes, after {@link settle}. */
export async function memory(): Promise<{ heap: number; rss: number }> {
  await settle();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}
