/**
 * Benchmarks need `--expose-gc` (to measure memory after full GC) and a high file-descriptor limit
 * (10,000 sockets). `npm run bench` starts `tsx bench/run.ts` without either; this re-runs the
 * script through bash with `ulimit -n` raised and node flags added, and exits with its status.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RAISE_FD_LIMIT } from './clients.js';

/**
 * Returns true when this process already has what it needs. Otherwise starts the script again with
 * the flags, waits for it and exits the current process with its exit code (never returns).
 */
export async function ensureBenchProcess(scriptUrl: string): Promise<true> {
  if (typeof globalThis.gc === 'function' && process.env.COMET_BENCH_CHILD === '1') return true;
  const script = fileURLToPath(scriptUrl);
  const child = spawn('bash', ['-c', RAISE_FD_LIMIT, process.execPath, '--expose-gc', '--import', 'tsx', script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, COMET_BENCH_CHILD: '1' },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  process.exit(code);
}
