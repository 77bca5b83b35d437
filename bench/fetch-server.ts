/**
 * The server of the `hub.fetch` benchmark (bench/fetch.ts), one process per measurement: an
 * in-process hub served to the loopback clients on 127.0.0.1, in one of four ways:
 *
 * - `serve` (Node): `hub.serve` on a `node:http` server (bench/lib/server.ts);
 * - `fetch` on Node: `hub.fetch` on the same `node:http` server through `@hono/node-server`'s
 *   `getRequestListener` (its Request/Response bridge);
 * - `fetch` on Bun: `hub.fetch` as the `fetch` of `Bun.serve`;
 * - `fetch` on Deno: `hub.fetch` as the handler of `Deno.serve`.
 *
 * The library is the build named by `$COMET_BENCH_LIBRARY` (bench/lib/library.ts), the same
 * JavaScript on every runtime, else the sources. Prints `{"port":N,"runtime":"…"}` once it listens,
 * then reads one command per line on its standard input and answers some with one line on its
 * standard output:
 *
 * - `{"op":"publish","values":[…]}`: publishes each value, in order (no answer);
 * - `{"op":"size","id":N}` → `{"id":N,"size":subscribers}`;
 * - `{"op":"cpu","id":N}` → `{"id":N,"micros":user + system CPU time of this process}`.
 *
 * Exits when its standard input ends.
 *
 * Run: `node --import tsx bench/fetch-server.ts serve|fetch`, `bun run bench/fetch-server.ts fetch`,
 * `deno run --allow-net=127.0.0.1 --allow-read --allow-env --unstable-sloppy-imports --no-config bench/fetch-server.ts fetch`.
 */
import process from 'node:process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Library } from './lib/library.js';

/** What Bun and Deno offer that this program uses. */
declare const Bun:
  | { readonly version: string; serve(options: { hostname: string; port: number; idleTimeout: number; fetch: (request: Request) => Promise<Response> }): { readonly port: number } }
  | undefined;
declare const Deno:
  | {
      readonly version: { readonly deno: string };
      serve(options: { hostname: string; port: number; onListen: (address: { port: number }) => void }, handler: (request: Request) => Promise<Response>): unknown;
    }
  | undefined;

type Value = [number, number];
const CALLBACK = 'parent.cometMessage';
const mode = process.argv.at(-1);
if (mode !== 'serve' && mode !== 'fetch') throw new TypeError(`bench/fetch-server.ts: the last argument must be serve or fetch, got ${String(mode)}`);

const dir = process.env.COMET_BENCH_LIBRARY;
const lib = (await import(dir ? pathToFileURL(dir + '/index.js').href : '../src/index.js')) as Library;
const hub = lib.cometHub<Value>(CALLBACK, { policy: 'drop-oldest', limit: Infinity });
const fetchHub = (request: Request): Promise<Response> => hub.fetch(request, { heartbeatMs: 0 });

/** Listens as `mode` asks on this runtime; resolves to the port and the runtime's name. */
async function start(): Promise<{ port: number; runtime: string }> {
  if (typeof Bun !== 'undefined') {
    if (mode === 'serve') throw new TypeError('bench/fetch-server.ts: hub.serve needs Node');
    // idleTimeout 0: no idle limit, as on the Node servers (heartbeats are off on every server)
    const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: fetchHub });
    return { port: server.port, runtime: `Bun ${Bun.version}` };
  }
  if (typeof Deno !== 'undefined') {
    if (mode === 'serve') throw new TypeError('bench/fetch-server.ts: hub.serve needs Node');
    const deno = Deno;
    const port = await new Promise<number>((resolve) => deno.serve({ hostname: '127.0.0.1', port: 0, onListen: (address) => resolve(address.port) }, fetchHub));
    return { port, runtime: `Deno ${deno.version.deno}` };
  }
  const { listen } = await import('./lib/server.js');
  if (mode === 'serve') {
    const server = await listen((req, res) => void hub.serve(req, res, { heartbeatMs: 0 }).catch(() => {}));
    return { port: server.port, runtime: `Node ${process.version}` };
  }
  const { getRequestListener } = await import('@hono/node-server');
  const server = await listen(getRequestListener(fetchHub));
  return { port: server.port, runtime: `Node ${process.version}` };
}

const { port, runtime } = await start();
const say = (line: object): void => void process.stdout.write(JSON.stringify(line) + '\n');
say({ port, runtime });

type Command = { op: 'publish'; values: Value[] } | { op: 'size'; id: number } | { op: 'cpu'; id: number };
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as Command;
  if (command.op === 'publish') for (const value of command.values) hub.publish(value);
  else if (command.op === 'size') say({ id: command.id, size: hub.size });
  else {
    const used = process.cpuUsage();
    say({ id: command.id, micros: used.user + used.system });
  }
});
lines.on('close', () => process.exit(0));
