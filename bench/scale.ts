/**
 * Scale: 10,000 concurrent idle Comet connections on loopback (clients in a child process): heap and
 * RSS per connection against a bare HTTP response held open the same way, and the time to publish
 * one message to all of them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import { ClientFleet } from './lib/clients.js';
import { startCometServer } from './lib/comet-server.js';
import { library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { connections, listen } from './lib/server.js';
import { formatBytes, formatMs, formatRatio, median, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

/** Polls `check` every 20 ms until true; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs the scale benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const n = settings.quick ? 2000 : 10_000;
  const publishes = settings.quick ? 3 : 9;
  const fleet = await ClientFleet.start();
  try {
    // Bare HTTP: headers and the same initial chunk, response held open.
    const held = new Set<ServerResponse>();
    const bare = await listen((_req, res) => {
      res.writeHead(200, lib.cometHeaders);
      res.write(lib.Comet.initialHtmlChunk);
      held.add(res);
      res.on('close', () => held.delete(res));
    });
    const bareBase = await memory();
    let start = performance.now();
    await fleet.open(bare.port, '/', n);
    const bareOpenMs = performance.now() - start;
    await until(() => held.size === n, 30_000, 'bare responses');
    const bareHeld = await memory();
    await fleet.closeAll();
    await until(async () => (await connections(bare.server)) === 0, 30_000, 'bare sockets to close');
    await bare.close();

    const server = await startCometServer(lib);
    const base = await memory();
    start = performance.now();
    await fleet.open(server.port, '/', n);
    const openMs = performance.now() - start;
    await until(() => server.size() === n, 30_000, 'Comet streams');
    const idle = await memory();

    const times: number[] = [];
    for (let i = 1; i <= publishes; i++) {
      const t0 = performance.now();
      server.publish({ n: i, text: 'one message to every client' });
      const got = await fleet.wait(i);
      times.push(performance.now() - t0);
      if (got.open !== n) throw new Error(`${n - got.open} clients dropped out`);
    }
    const clientStats = await fleet.stats();
    await fleet.closeAll();
    await until(async () => (await server.sockets()) === 0, 30_000, 'Comet sockets to close');
    await until(() => server.size() === 0, 10_000, 'hub subscribers to end');
    const failures = server.failures;
    await server.close();

    const heapPer = (idle.heap - base.heap) / n;
    const rssPer = (idle.rss - base.rss) / n;
    const bareHeapPer = (bareHeld.heap - bareBase.heap) / n;
    const bareRssPer = (bareHeld.rss - bareBase.rss) / n;
    const src = server.mode === 'hub' ? 'cometHub → sendComet' : 'pushQueue per connection → sendComet';
    return {
      title: `Scale: ${n.toLocaleString('en-US')} idle Comet connections`,
      columns: ['measure', `Comet stream (${src})`, 'bare held-open http response', 'ratio'],
      rows: [
        ['heap per idle connection', formatBytes(heapPer), formatBytes(bareHeapPer), formatRatio(heapPer / bareHeapPer)],
        ['RSS per idle connection', formatBytes(rssPer), formatBytes(bareRssPer), formatRatio(rssPer / bareRssPer)],
        ['heap for all connections', formatBytes(idle.heap - base.heap), formatBytes(bareHeld.heap - bareBase.heap), ''],
        [`time to open ${n} connections`, formatMs(openMs), formatMs(bareOpenMs), ''],
        ['publish one message → all received (median)', formatMs(median(times)), '', ''],
        ['publish one message → all received (min–max)', `${formatMs(Math.min(...times))} – ${formatMs(Math.max(...times))}`, '', ''],
      ],
      notes: [
        `Heap per idle connection: ${formatBytes(heapPer)} (target < 20 KiB: ${verdict(heapPer < 20 * 1024)}).`,
        'Memory is measured in the server process after full GC, before and after the clients connect; the clients (raw TCP sockets speaking HTTP/1.1) run in a child process.',
        `Publish time: from hub.publish() until the client process has seen the chunk on every socket, ${publishes} publishes one after another.`,
        `Streams that failed: ${failures}; client socket errors: ${clientStats.errors}; client process RSS ${formatBytes(clientStats.memory)}.`,
      ],
    };
  } finally {
    await fleet.stop();
  }
}
