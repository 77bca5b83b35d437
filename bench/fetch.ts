/**
 * `hub.fetch` against `hub.serve`: delivered messages per second at 1,000 Server-Sent Events clients
 * over loopback, the server in a process of its own (bench/fetch-server.ts) for every cell, the
 * clients the broadcast benchmark's (bench/hub-clients.ts), measured as it measures
 * (bench/hub-measure.ts: paced latency with the server's CPU time, then throughput in bursts).
 *
 * - baseline: `hub.serve` on Node's `http`;
 * - `hub.fetch` on Node, through `@hono/node-server`'s Request/Response bridge on the same `http`
 *   server (target ≥ 0.8×);
 * - `hub.fetch` on Bun (`Bun.serve`) and on Deno (`Deno.serve`), the binaries of
 *   scripts/runtimes.mjs (reported).
 *
 * Each candidate is paired with a baseline measured right before or after it (which goes first
 * alternating by round), each measurement on a fresh server process; a ratio is the median of the
 * pairs' ratios. After the timed rounds, each Node server is measured once more under
 * `node --cpu-prof` (not counted), and its CPU time is split by where it went (web streams, the
 * web Request/Response classes, the bridge, Node's http and streams, the library, GC).
 *
 * `FETCH_BENCH_CLIENTS=1000` picks the client count; `FETCH_BENCH_PROFILE=0` skips the profiles,
 * `FETCH_BENCH_PROFILE=DIR` keeps them in DIR (for Chrome's DevTools or `npx speedscope`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runtime } from '../test/runtimes/fixtures/runtime.js';
import { Clients } from './hub-clients.js';
import { formatCpu, measure, type Remote, type Result } from './hub-measure.js';
import { formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { rateFor } from './sse.js';

const SERVER = fileURLToPath(new URL('./fetch-server.ts', import.meta.url));
/** Throughput runs in each measurement (their median is the measurement's). */
const RUNS = 3;

/** One way of serving the hub: how to start its process. */
export interface Cell {
  name: string;
  /** The program and its arguments, or why it cannot run here. */
  command(profileDir?: string): { file: string; args: string[] } | { missing: string };
  /** A Node server, profiled after the timed rounds. */
  node: boolean;
}

/** The Node cells: `hub.serve`, then `hub.fetch` through the bridge. */
export function nodeCell(name: string, mode: 'serve' | 'fetch'): Cell {
  return {
    name,
    node: true,
    command: (profileDir) => ({
      file: process.execPath,
      args: [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--import', 'tsx', SERVER, mode],
    }),
  };
}

/** A cell on Bun or Deno, or the reason it cannot run (the runtime could not be found or installed). */
function runtimeCell(name: 'bun' | 'deno'): Cell {
  let found: { path: string; version: string } | { missing: string } | undefined;
  const args =
    name === 'bun'
      ? ['run', SERVER, 'fetch']
      : ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--unstable-sloppy-imports', '--no-prompt', '--no-config', SERVER, 'fetch'];
  return {
    name: `hub.fetch, ${name === 'bun' ? 'Bun (Bun.serve)' : 'Deno (Deno.serve)'}`,
    node: false,
    command() {
      if (found === undefined) {
        try {
          found = runtime(name);
        } catch (error) {
          found = { missing: (error as Error).message };
        }
      }
      return 'missing' in found ? found : { file: found.path, args };
    },
  };
}

/**
 * Starts `cell`'s server process and waits until it listens.
 * @throws Error with what the process wrote, when it exits first or says nothing within 60 s
 */
export async function start(cell: Cell, profileDir?: string): Promise<Remote & { runtime: string }> {
  const command = cell.command(profileDir);
  if ('missing' in command) throw new Error(command.missing);
  const child: ChildProcess = spawn(command.file, command.args, {
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  const pending = new Map<number, (reply: { size?: number; micros?: number }) => void>();
  let first: ((reply: { port: number; runtime: string }) => void) | undefined;
  lines.on('line', (line) => {
    const reply = JSON.parse(line) as { id?: number; port: number; runtime: string; size?: number; micros?: number };
    if (reply.id === undefined) return first?.(reply);
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  let next = 1;
  const ask = (op: string): Promise<{ size?: number; micros?: number }> =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.stdin!.write(JSON.stringify({ op, id }) + '\n');
    });
  let timer: NodeJS.Timeout | undefined;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.end();
      timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const listening = await Promise.race([
    new Promise<{ port: number; runtime: string }>((resolve) => (first = resolve)),
    exited.then(() => null),
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 60_000))),
  ]);
  clearTimeout(timer);
  if (listening === null) {
    child.kill('SIGKILL');
    await stop();
    throw new Error(`${cell.name}: the server did not listen; it wrote: ${stderr.trim().split('\n').slice(-5).join(' / ')}`);
  }
  // one line of values per batch: what is published in one turn of this process's event loop
  let batch: [number, number][] | null = null;
  return {
    name: cell.name,
    runtime: listening.runtime,
    port: listening.port,
    publish(value) {
      if (batch === null) {
        const values: [number, number][] = (batch = []);
        queueMicrotask(() => {
          batch = null;
          child.stdin!.write(JSON.stringify({ op: 'publish', values }) + '\n');
        });
      }
      batch.push(value);
    },
    size: async () => (await ask('size')).size!,
    cpuMicros: async () => (await ask('cpu')).micros!,
    close: stop,
  };
}

/** Where a Node server's CPU time went, by the script a sampled function belongs to (the first that matches). */
export const PLACES: [string, (url: string, fn: string) => boolean][] = [
  ['web streams', (url) => url.startsWith('node:internal/webstreams/')],
  ['Request/Response/Headers (undici)', (url) => url.startsWith('node:internal/deps/undici')],
  ['@hono/node-server bridge', (url) => url.includes('@hono/node-server')],
  ["Node's http, net and streams", (url) => /^node:(_http_|net|internal\/(streams|stream_base_commons|http|net))/.test(url)],
  ['strings to bytes (TextEncoder)', (url) => url === 'node:internal/encoding'],
  ['socket writes (native)', (url, fn) => url === '' && /^write/.test(fn)],
  ['comet-bridge', (url) => url.includes('comet-bridge-bench') || url.includes('/src/')],
  ['GC', (_, fn) => fn === '(garbage collector)'],
];

/** Start-up, left out of the shares: loading modules (Node's loader, tsx, esbuild) and idle time. */
const STARTUP = (url: string, fn: string): boolean => fn === '(idle)' || url.startsWith('node:internal/modules/') || /\/(tsx|esbuild)\//.test(url);

/** One `.cpuprofile` as written by `node --cpu-prof`. */
export interface Profile {
  nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
}

/**
 * The share of busy samples (start-up and idle left out) of each of {@link PLACES} (and "other"),
 * and the functions with the most samples.
 */
export function split(profile: Profile): { places: Map<string, number>; top: { name: string; share: number }[] } {
  const busy = profile.nodes.filter(({ hitCount, callFrame: { url, functionName } }) => (hitCount ?? 0) > 0 && !STARTUP(url, functionName));
  const total = busy.reduce((sum, n) => sum + n.hitCount!, 0);
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const { hitCount, callFrame: { functionName, url, lineNumber } } of busy) {
    const place = PLACES.find(([, test]) => test(url, functionName))?.[0] ?? 'other';
    places.set(place, (places.get(place) ?? 0) + hitCount!);
    const short = url.replace(/^.*\/(node_modules|esm|src)\//, '').replace(/^node:internal\//, '');
    const name = `${functionName || '(anonymous)'}${url ? ` (${short}:${lineNumber + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + hitCount!);
  }
  for (const [place, hits] of places) places.set(place, hits / total);
  const top = [...functions].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([name, hits]) => ({ name, share: hits / total }));
  return { places, top };
}

const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;

/** The baseline's row, then each candidate's: its medians, its ratios to the baselines it was paired with, and the target. */
function rows(baseline: Cell, base: Result[], candidates: Cell[], pairs: [Result, Result][][], failures: string[][], runtimes: Map<string, string>): (string | number)[][] {
  const of = (list: Result[], key: keyof Result): number => median(list.map((x) => x[key]));
  const cells = (list: Result[]): string[] => [formatMs(of(list, 'p50')), formatMs(of(list, 'p99')), formatCpu(of(list, 'cpuPerDelivery'))];
  const table: (string | number)[][] = [[baseline.name, runtimes.get(baseline.name) ?? '', formatRate(of(base, 'perSecond')), formatRatio(1), '', ...cells(base), formatRatio(1), 'baseline']];
  for (const [i, cell] of candidates.entries()) {
    const paired = pairs[i]!;
    if (paired.length === 0) {
      table.push([cell.name, runtimes.get(cell.name) ?? '', failures[i]!.length > 0 && runtimes.has(cell.name) ? 'failed' : 'not run here', '', '', '', '', '', '', '']);
      continue;
    }
    const ratios = paired.map(([b, c]) => c.perSecond / b.perSecond);
    const ratio = median(ratios);
    const mine = paired.map(([, c]) => c);
    const target = i === 0 ? `≥0.8× msg/s ${verdict(ratio >= 0.8)}` : 'reported';
    table.push([
      cell.name, runtimes.get(cell.name) ?? '', formatRate(of(mine, 'perSecond')), formatRatio(ratio), spread(ratios), ...cells(mine),
      formatRatio(median(paired.map(([b, c]) => c.cpuPerDelivery / b.cpuPerDelivery))), target,
    ]);
  }
  return table;
}

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const rounds = settings.quick ? 2 : 5;
  const n = Number(process.env.FETCH_BENCH_CLIENTS ?? 1000);
  const messages = Math.max(settings.quick ? 500 : 1000, Math.round((settings.quick ? 60_000 : 200_000) / n));
  const options = { sse: true, rate: rateFor(n) };
  const baseline = nodeCell('hub.serve, Node (node:http)', 'serve');
  const candidates = [nodeCell('hub.fetch, Node (@hono/node-server)', 'fetch'), runtimeCell('bun'), runtimeCell('deno')];
  const notes: string[] = [];
  const runtimes = new Map<string, string>();
  const clients = new Clients();
  const measureCell = async (cell: Cell, profileDir?: string): Promise<Result | Error> => {
    try {
      const remote = await start(cell, profileDir);
      runtimes.set(cell.name, remote.runtime);
      return await measure(remote, clients, n, messages, RUNS, options);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const base: Result[] = [];
  const pairs = candidates.map(() => [] as [Result, Result][]);
  const failures = candidates.map(() => [] as string[]);
  let table: (string | number)[][];
  await clients.ask({});
  try {
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < candidates.length; k++) {
        const i = (k + r) % candidates.length;
        const cell = candidates[i]!;
        if (failures[i]!.length > 0 && 'missing' in cell.command()) continue;
        const order = r % 2 === 0 ? [baseline, cell] : [cell, baseline];
        const [a, b] = [await measureCell(order[0]!), await measureCell(order[1]!)];
        const [bs, c] = order[0] === baseline ? [a, b] : [b, a];
        if (bs instanceof Error) throw new Error(`the baseline failed: ${bs.message}`);
        base.push(bs);
        if (c instanceof Error) failures[i]!.push(c.message.split('\n')[0]!);
        else pairs[i]!.push([bs, c]);
      }
    }
    const profiles: { cell: Cell; places: Map<string, number>; top: { name: string; share: number }[] }[] = [];
    if (process.env.FETCH_BENCH_PROFILE !== '0') {
      for (const cell of [baseline, candidates[0]!]) {
        const keep = process.env.FETCH_BENCH_PROFILE;
        const dir = keep ? (mkdirSync(keep, { recursive: true }), mkdtempSync(join(keep, 'fetch-'))) : mkdtempSync(join(tmpdir(), 'comet-fetch-prof-'));
        try {
          const result = await measureCell(cell, dir);
          // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: the main thread's (tsx's loader has a thread of its own)
          const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
          if (result instanceof Error || file === undefined) notes.push(`${cell.name}: no profile (${result instanceof Error ? result.message : 'none written'})`);
          else profiles.push({ cell, ...split(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile) });
        } finally {
          if (!keep) rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    table = rows( baseline, base, candidates, pairs, failures, runtimes);
    for (const [i, cell] of candidates.entries()) {
      if (failures[i]!.length > 0) notes.push(`${cell.name}: ${pairs[i]!.length === 0 ? 'not run' : `${failures[i]!.length} of ${rounds} rounds failed`}: ${failures[i]![0]}`);
    }
    for (const { cell, places, top } of profiles) {
      const parts = [...places].sort((a, b) => b[1] - a[1]).map(([place, share]) => `${place} ${percent(share)}`);
      notes.push(`where ${cell.name} spends its CPU (node --cpu-prof, one measurement, share of busy samples, start-up left out, by script): ${parts.join(', ')}; busiest functions: ${top.map((t) => `${t.name} ${percent(t.share)}`).join(', ')}`);
    }
    notes.push(
      `each server in a process of its own (bench/fetch-server.ts), an in-process cometHub (drop-oldest, no limit), heartbeats off; the library: the same tsc output of src/ on every runtime; ${n.toLocaleString('en-US')} Server-Sent Events clients in one child process (bench/hub-clients.ts) over loopback; values published by this process in lines of one event-loop turn's values to the server's standard input`,
      `each measurement: a fresh server process, clients opened afresh, 10 warm-up messages, latency at ${rateFor(n)}/s with the server's CPU time (CPU/delivery), then the median of ${RUNS} throughput runs of ${messages} messages published 50 per event-loop turn until every client has every one (bench/hub-measure.ts); ${rounds} rounds, in each every candidate measured back to back with a baseline of its own (which goes first alternating by round); "vs hub.serve" is the median of the pairs' ratios, the spread half their min-max range over that median; the baseline row: the median of all its measurements`,
    );
  } finally {
    clients.stop();
  }
  return {
    title: `hub.fetch against hub.serve, ${n.toLocaleString('en-US')} clients`,
    columns: ['server', 'runtime', 'delivered msg/s', 'vs hub.serve', 'ratio spread', 'p50', 'p99', 'CPU/delivery', 'CPU vs hub.serve', 'target'],
    rows: table,
    notes,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
