/**
 * Processes that keep a CPU busy (`for (;;) {}`), so that a test proves it holds on a loaded
 * machine rather than assuming an idle one.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Running hogs (see {@link startCpuHogs}). */
export interface CpuHogs {
  readonly children: readonly ChildProcess[];
  /** Kills every hog (SIGKILL) and resolves once each has exited. */
  stop(): Promise<void>;
}

/** Spawns `n` Node processes that spin forever; resolves once each has started. */
export async function startCpuHogs(n: number): Promise<CpuHogs> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'process.stdout.write("spinning\\n"); for (;;) {}'], { stdio: ['ignore', 'pipe', 'ignore'] }));
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
