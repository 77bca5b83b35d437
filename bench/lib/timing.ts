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

async function timeOnce(candidate: Candidate, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  await candidate.run(iterations);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Finds an iteration count that takes about `batchMs` (and warms the candidate up on the way). */
export async function calibrate(candidate: Candidate, batchMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const ms = await timeOnce(candidate, n);
    if (ms >= batchMs / 8 || n >= 1 << 30) return Math.max(1, Math.ceil((n * batchMs) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

/**
 * Times every candidate `rounds` times, interleaved: round r runs them in an order rotated by r
 * (reversed on odd rounds), so drift of the machine's load hits each about equally.
 */
export async function interleave(candidates: readonly Candidate[], options: { rounds: number; batchMs: number }): Promise<Rates[]> {
  const counts: number[] = [];
  for (const c of candidates) counts.push(await calibrate(c, options.batchMs));
  const samples: number[][] = candidates.map(() => []);
  for (let r = 0; r < options.rounds; r++) {
    let order = candidates.map((_, i) => (i + r) % candidates.length);
    if (r % 2 === 1) order = order.reverse();
    for (const i of order) {
      const ms = await timeOnce(candidates[i]!, counts[i]!);
      samples[i]!.push((counts[i]! * 1000) / ms);
    }
  }
  return candidates.map((c, i) => ({ name: c.name, samples: samples[i]!, perSecond: median(samples[i]!) }));
}
