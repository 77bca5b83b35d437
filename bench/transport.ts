/**
 * Transport limit: loopback HTTP throughput of sendComet over an already-encoded in-memory source,
 * against a bare `res.write` loop with `drain` handling writing the same chunks (the physical limit
 * of Node's HTTP stack here). The client runs in its own process.
 */
import type { ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { library, type Library } from './lib/library.js';
import { ClientFleet } from './lib/clients.js';
import { listen } from './lib/server.js';
import { formatMBps, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

function chunksOf(Comet: Library['Comet'], messageBytes: number, totalBytes: number): string[] {
  const encoder = Comet.encoder<string>('string', 'parent.cometMessage');
  const distinct = Array.from({ length: 64 }, (_, i) => encoder.encode(`${i} `.padEnd(messageBytes, 'abcdefghij klmnopqrstuvwxyz ')));
  const out: string[] = [Comet.initialHtmlChunk];
  for (let bytes = 0, i = 0; bytes < totalBytes; i++) {
    const c = distinct[i % distinct.length]!;
    out.push(c);
    bytes += c.length;
  }
  return out;
}

/** The lightest AsyncIterable over an array: next() returns an already-resolved promise. */
function arraySource(chunks: readonly string[]): AsyncIterableIterator<string> {
  let i = 0;
  return {
    next: () => Promise.resolve(i < chunks.length ? { done: false, value: chunks[i++]! } : { done: true, value: undefined }),
    return: () => {
      i = chunks.length;
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** What a user would write: an async generator over the chunks. */
async function* generatorSource(chunks: readonly string[]): AsyncGenerator<string> {
  for (const c of chunks) yield c;
}

const PATHS = {
  '/bare': 'res.write loop + drain (bare)',
  '/array': 'sendComet(res, array iterator)',
  '/generator': 'sendComet(res, async generator)',
  '/readable': 'pipeline(toNodeReadable(array iterator), res)',
  '/web': 'Readable.fromWeb(toWebStream(array iterator)) piped to res',
} as const;
type Path = keyof typeof PATHS;

/** The physical limit: write every chunk, wait for 'drain' whenever write() says so. */
function bareLoop(res: ServerResponse, chunks: readonly string[], cometHeaders: Readonly<Record<string, string>>): void {
  res.writeHead(200, cometHeaders);
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  let i = 0;
  const pump = (): void => {
    while (i < chunks.length) {
      if (!res.write(chunks[i++]!)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/** Runs the transport benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const { Comet, sendComet, cometHeaders, toNodeReadable, toWebStream } = await library();
  const rounds = settings.quick ? 3 : 9;
  const total = (settings.quick ? 16 : 64) * 1024 * 1024;
  const sets = [
    { label: '~120 B chunks', chunks: chunksOf(Comet, 60, total / 4) },
    { label: '~10 KB chunks', chunks: chunksOf(Comet, 10 * 1024, total) },
  ];
  let current = sets[0]!.chunks;
  const server = await listen((req, res) => {
    if (req.url === '/bare') return bareLoop(res, current, cometHeaders);
    if (req.url === '/readable' || req.url === '/web') {
      res.writeHead(200, cometHeaders);
      res.socket?.setNoDelay(true);
      const body =
        req.url === '/readable'
          ? toNodeReadable(arraySource(current))
          : Readable.fromWeb(toWebStream(arraySource(current)) as unknown as NodeReadableStream<Uint8Array>);
      return void pipeline(body, res, (error) => error && console.error(`${req.url} failed:`, error));
    }
    const source = req.url === '/array' ? arraySource(current) : generatorSource(current);
    sendComet(res, source).catch((error: unknown) => console.error('sendComet failed:', error));
  });
  const paths = Object.keys(PATHS) as Path[];
  const fleet = await ClientFleet.start();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  try {
    for (const set of sets) {
      current = set.chunks;
      const bytes = set.chunks.reduce((n, c) => n + c.length, 0);
      const samples = Object.fromEntries(paths.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
      const cpu = Object.fromEntries(paths.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
      for (const path of paths) await fleet.fetch(server.port, path);
      for (let r = 0; r < rounds; r++) {
        const order = paths.map((_, i) => paths[(i + r) % paths.length]!);
        for (const path of r % 2 === 0 ? order : order.reverse()) {
          const before = process.cpuUsage();
          const got = await fleet.fetch(server.port, path);
          const used = process.cpuUsage(before);
          cpu[path].push((used.user + used.system) / 1000 / (bytes / 1e6));
          if (got.bytes < bytes) throw new Error(`${path} delivered ${got.bytes} of ${bytes} body bytes`);
          samples[path].push((bytes * 1000) / got.ms);
        }
      }
      const mb = (bytes / 1e6).toFixed(0);
      const bare = median(samples['/bare']);
      const cpuBare = median(cpu['/bare']);
      for (const path of paths) {
        const rate = median(samples[path]);
        const cpuMs = median(cpu[path]);
        rows.push([set.label, PATHS[path], formatMBps(rate), formatRatio(rate / bare), spread(samples[path]), cpuMs.toFixed(2), formatRatio(cpuMs / cpuBare), mb]);
        if (path === '/array' || path === '/generator') {
          notes.push(`${set.label}, ${PATHS[path]}: ${(rate / bare).toFixed(3)}× the bare loop (target ≥ 0.80×: ${verdict(rate / bare >= 0.8)}).`);
        }
      }
    }
  } finally {
    await fleet.stop();
    await server.close();
  }
  notes.push(`MB/s of response body received by one HTTP client in a separate process, from request to end of body; medians of ${rounds} alternating rounds per path.`);
  notes.push('Server CPU: user + system CPU time of the server process per MB sent (lower is better), a figure less sensitive than wall time to other load on the machine.');
  notes.push('Sources: pre-encoded Comet chunks (strings, written as UTF-8 by every path), through the lightest possible AsyncIterable (next() returns a resolved promise) and through an async generator, which adds its own per-chunk cost.');
  notes.push('toNodeReadable and toWebStream turn each string into bytes and go through Node stream piping, so they sit below sendComet; they are here to show the shared chunk reader under them too.');
  return {
    title: 'Transport limit (loopback HTTP)',
    columns: ['chunks', 'writer', 'MB/s', 'vs bare loop', 'spread', 'server CPU ms/MB', 'CPU vs bare', 'MB per response'],
    rows,
    notes,
  };
}
