/**
 * A fleet of HTTP clients in a child process (bench/lib/client-process.ts), started through bash so
 * the file-descriptor limit can be raised first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./client-process.ts', import.meta.url));

/** `ulimit -n` as high as allowed (262144, or the hard limit when that is lower), then exec the rest. */
export const RAISE_FD_LIMIT = 'ulimit -n 262144 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';

/** Totals reported by the client process. */
export interface FleetTotals {
  open: number;
  scripts: number;
  bytes: number;
  errors: number;
  minScripts: number;
}

/** Drives the client process. */
export class ClientFleet {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const reply = JSON.parse(line) as Record<string, unknown> & { id: number; error?: string };
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error) waiter.reject(new Error(`client process: ${reply.error}`));
      else waiter.resolve(reply);
    });
    child.on('exit', (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`client process exited with ${code}`));
      this.pending.clear();
    });
  }

  /**
   * Starts the client process and waits until it is ready. With `stamps`, clients count and time
   * `[sequence,timestamp]` messages instead of Comet chunks (see {@link ClientFleet.samples}).
   */
  static async start(options: { stamps?: boolean } = {}): Promise<ClientFleet> {
    const args = [SCRIPT, ...(options.stamps ? ['--stamps'] : [])];
    const child = spawn('bash', ['-c', RAISE_FD_LIMIT, process.execPath, '--import', 'tsx', ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const fleet = new ClientFleet(child);
    await new Promise<void>((resolve, reject) => {
      fleet.pending.set(0, { resolve: () => resolve(), reject });
    });
    return fleet;
  }

  private send<T>(command: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: Record<string, unknown>) => void, reject });
      this.child.stdin!.write(JSON.stringify({ id, ...command }) + '\n');
    });
  }

  /**
   * Opens `count` more streaming GETs of `path`, from `localAddress` when given (a 127.x.y.z address,
   * each of which has its own ~28,000 ephemeral ports); resolves once each has its response headers.
   */
  open(port: number, path: string, count: number, localAddress?: string): Promise<{ open: number }> {
    return this.send({ cmd: 'open', port, path, count, localAddress });
  }

  /** Latency percentiles (ms) of the messages received since the last call (`stamps` fleets only). */
  samples(): Promise<{ count: number; p50: number; p99: number }> {
    return this.send({ cmd: 'samples' });
  }

  /** Resolves once every open client has received at least `scripts` Comet chunks. */
  wait(scripts: number): Promise<FleetTotals> {
    return this.send({ cmd: 'wait', scripts });
  }

  /** Closes `count` random clients and opens as many new ones. */
  churn(port: number, path: string, count: number): Promise<FleetTotals & { closed: number }> {
    return this.send({ cmd: 'churn', port, path, count });
  }

  /** One GET read to its end: bytes received and milliseconds from request to end. */
  fetch(port: number, path: string): Promise<{ bytes: number; ms: number }> {
    return this.send({ cmd: 'fetch', port, path });
  }

  /** Destroys every client socket. */
  closeAll(): Promise<{ closed: number }> {
    return this.send({ cmd: 'close' });
  }

  /** Current totals and the client process's RSS. */
  stats(): Promise<FleetTotals & { memory: number }> {
    return this.send({ cmd: 'stats' });
  }

  /** Ends the client process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    await exited;
  }
}
