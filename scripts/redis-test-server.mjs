/**
 * Starts a throwaway redis-server on a free loopback port, without persistence, for tests and
 * benchmarks. Import `startRedis()`, or run `node scripts/redis-test-server.mjs` to print the URL and
 * keep the server until this process gets SIGINT/SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

/** The redis-server binary: $REDIS_SERVER, else Debian's path, else whatever `redis-server` is on PATH. */
export function redisServerPath() {
  if (process.env.REDIS_SERVER) return process.env.REDIS_SERVER;
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns redis-server on `port` (a free one by default) and resolves once it accepts connections.
 * @returns {Promise<{ url: string, port: number, child: import('node:child_process').ChildProcess,
 *   stop(signal?: NodeJS.Signals): Promise<void> }>}
 * @throws Error naming the binary when it cannot be started or does not become ready within `timeoutMs`
 */
export async function startRedis({ port, timeoutMs = 10_000 } = {}) {
  port ??= await freePort();
  const bin = redisServerPath();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise((resolve) => child.once('error', resolve));

  const stop = async (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = await Promise.race([spawnError, exited, new Promise((r) => setTimeout(r, 50, null))]);
    if (failure instanceof Error) {
      throw new Error(`cannot start ${bin} (install the redis-server package, or set REDIS_SERVER or REDIS_URL): ${failure.message}`);
    }
    if (failure !== null) throw new Error(`${bin} exited at start (${JSON.stringify(failure)}): ${output.trim()}`);
    if (/ready to accept connections/i.test(output) && (await canConnect(port))) break;
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`${bin} did not become ready on port ${port} within ${timeoutMs} ms: ${output.trim()}`);
    }
  }
  return { url: `redis://127.0.0.1:${port}`, port, child, stop };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await startRedis();
  console.log(server.url);
  const shutdown = () => server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
