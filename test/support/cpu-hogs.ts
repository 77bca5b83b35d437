/**
 * Processes that keep a CPU busy (`for (;;) {}`), so that a test proves it holds on a loaded
 * machine rather than assuming an idle one.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * What a hog runs: it says it started, then spins; now and then it checks that the process that
 * started it (its argument) is still its parent, and exits when it is not, so a test that dies
 * leaves no hog behind.
 */
const SPIN = `process.stdout.write('spinning\\n');
const parent = Number(process.argv[1]);
for (let i = 1; ; i++) if (i % 50000000 === 0 && process.ppid !== parent) process.exit(0);`;

/** Running hogs (see {@link startCpuHogs}). */
export interface CpuHogs {
  readonly children: readonly ChildProcess[];
  /** Kills every hog (SIGKILL) and resolves once each has exited. */
  stop(): Promise<void>;
}

/** Spawns `n` Node processes that spin forever; resolves once each has started. */
export async function startCpuHogs(n: number): Promise<CpuHogs> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', SPIN, String(process.pid)], { stdio: ['ignore', 'pipe', 'ignore'] }));
  const exits = children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  }));
  const stop = async (): Promise<void> => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(exits);
  };
  try {
    await Promise.all(children.map((child) => new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`a CPU hog exited at start (${code ?? signal})`)));
    })));
  } catch (error) {
    await stop();
    throw error;
  }
  return { children, stop };
}
