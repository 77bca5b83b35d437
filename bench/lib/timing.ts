/**
 * Side-by-side timing for a shared, noisy machine: every candidate is calibrated to a batch of about
 * the same duration, then the candidates run in interleaved rounds (order rotated each round) and
 * the median rate of each is kept.
 */
import { median } from './stats.js';

/** Something to time: `run(n)` does n operations. */
export interface Candidate {
  name: string;
  run(iterations: number): void | Promise<void>;
}

/** Rates of one candidate: operations per second for each round, and their median. */
export interface Rates {
  name: string;
  samples: number[];
  perSecond: number;
}

/** Which clock a timing reads: wall-clock time, or this process's CPU time (user + system, every thread). */
export type Clock = 'wall' | 'cpu';

/** Milliseconds on `clock` since some fixed point. */
function reading(clock: Clock): number {
  if (clock === 'wall') return Number(process.hrtime.bigint()) / 1e6;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function timeOnce(candidate: Candidate, iterations: number, clock: Clock = 'wall'): Promise<number> {
  const start = reading(clock);
  await candidate.run(iterations);
  return reading(clock) - start;
}

/** Finds an iteration count that takes about `batchMs` on `clock` (and warms the candidate up on the way). */
export async function calibrate(candidate: Candidate, batchMs: number, clock: Clock = 'wall'): Promise<number> {
  let n = 1;
  for (;;) {
    const ms = await timeOnce(candidate, n, clock);
    if (ms >= batchMs / 8 || n >= 1 << 30) return Math.max(1, Math.ceil((n * batchMs) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

/**
 * Times every candidate `rounds` times, interleaved: round r runs them in an order rotated by r
 * (reversed on odd rounds), so drift of the machine's load hits each about equally. With `clock:
 * 'cpu'` the rates are per second of this process's CPU time, which other work on a shared machine
 * disturbs far less than the wall clock (time spent waiting for I/O is not counted).
 */
export async function interleave(candidates: readonly Candidate[], options: { rounds: number; batchMs: number; clock?: Clock }): Promise<Rates[]> {
  const clock = options.clock ?? 'wall';
  const counts: number[] = [];
  for (const c of candidates) counts.push(await calibrate(c, options.batchMs, clock));
  const samples: number[][] = candidates.map(() => []);
  for (let r = 0; r < options.rounds; r++) {
    let order = candidates.map((_, i) => (i + r) % candidates.length);
    if (r % 2 === 1) order = order.reverse();
    for (const i of order) {
      const ms = await timeOnce(candidates[i]!, counts[i]!, clock);
      samples[i]!.push((counts[i]! * 1000) / ms);
    }
  }
  return candidates.map((c, i) => ({ name: c.name, samples: samples[i]!, perSecond: median(samples[i]!) }));
}
