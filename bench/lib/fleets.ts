/**
 * Many client processes as one: for connection counts beyond what one process (its file-descriptor
 * limit) or one source address (its ~28,000 ephemeral ports towards one server port) can hold. Fleet
 * i connects from 127.0.0.(2 + i), or, for the `round`-th set of connections, from the addresses after
 * those of earlier rounds (closed connections leave their ports in TIME_WAIT for a minute); clients
 * are spread over the fleets evenly.
 */
import { readFileSync } from 'node:fs';
import { ClientFleet, type FleetTotals } from './clients.js';

/** Ephemeral ports per source address towards one server address and port (Linux default range). */
export function portsPerAddress(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return high! - low! + 1;
  } catch {
    return 28_232;
  }
}

/**
 * This process's limit on open files: `soft` is what it may open now, `hard` what `ulimit -n` in a
 * process started from it can reach.
 */
export function fileLimit(which: 'soft' | 'hard' = 'hard'): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const value = line?.trim().split(/\s+/)[which === 'soft' ? 3 : 4];
    return value === undefined || value === 'unlimited' ? Infinity : Number(value);
  } catch {
    return 65_536;
  }
}

/** File descriptors a Node process needs besides its sockets (stdio, the event loop, pipes). */
export const FD_RESERVE = 100;

/** A group of client processes driven together. */
export class FleetGroup {
  private constructor(private readonly fleets: ClientFleet[]) {}

  /** Starts enough client processes for `clients` connections (at least one). */
  static async start(clients: number): Promise<FleetGroup> {
    const each = Math.min(portsPerAddress(), fileLimit() - FD_RESERVE, 25_000);
    const count = Math.max(1, Math.ceil(clients / each));
    return new FleetGroup(await Promise.all(Array.from({ length: count }, () => ClientFleet.start())));
  }

  /** Number of client processes. */
  get size(): number {
    return this.fleets.length;
  }

  /** Source address of fleet `i` in connection round `round`. */
  address(i: number, round = 0): string {
    const k = 2 + round * this.fleets.length + i;
    return `127.0.${k >> 8}.${k & 255}`;
  }

  /** Opens `count` more clients, spread evenly over the processes, each from its own source address. */
  async open(port: number, path: string, count: number, round = 0): Promise<number> {
    const n = this.fleets.length;
    const opened = await Promise.all(
      this.fleets.map((f, i) => f.open(port, path, Math.floor(count / n) + (i < count % n ? 1 : 0), this.address(i, round))),
    );
    return opened.reduce((sum, o) => sum + o.open, 0);
  }

  /** Resolves once every client of every process has at least `scripts` chunks. */
  async wait(scripts: number): Promise<FleetTotals> {
    return sum(await Promise.all(this.fleets.map((f) => f.wait(scripts))));
  }

  /** Totals over the processes; `memory` is their summed RSS. */
  async stats(): Promise<FleetTotals & { memory: number }> {
    const all = await Promise.all(this.fleets.map((f) => f.stats()));
    return { ...sum(all), memory: all.reduce((m, s) => m + s.memory, 0) };
  }

  /** Destroys every client socket. */
  async closeAll(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.closeAll()));
  }

  /** Ends every client process. */
  async stop(): Promise<void> {
    await Promise.all(this.fleets.map((f) => f.stop()));
  }
}

function sum(all: FleetTotals[]): FleetTotals {
  const open = all.reduce((n, t) => n + t.open, 0);
  return {
    open,
    scripts: all.reduce((n, t) => n + t.scripts, 0),
    bytes: all.reduce((n, t) => n + t.bytes, 0),
    errors: all.reduce((n, t) => n + t.errors, 0),
    minScripts: open === 0 ? 0 : Math.min(...all.filter((t) => t.open > 0).map((t) => t.minScripts)),
  };
}
