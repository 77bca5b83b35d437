/**
 * Scale (`npm run bench -- scale`): as many idle Comet connections to one server process as the
 * machine allows, up to 100,000, from clients in child processes spread over source addresses
 * 127.0.0.2, 127.0.0.3, …: heap and RSS per connection beside a bare held-open http response, and the
 * time from one publish() until every client has it beside a bare loop writing the same pre-encoded
 * chunk to the same responses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import { startBareServer, startCometServer } from './lib/comet-server.js';
import { FD_RESERVE, fileLimit, FleetGroup, portsPerAddress } from './lib/fleets.js';
import { library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { storePoints } from './lib/points.js';
import { connections } from './lib/server.js';
import { formatBytes, formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

/** Polls `check` every 20 ms until true; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The connection count asked for: `--clients N`, else 100,000 (2,000 with --quick). */
function wanted(settings: BenchSettings): number {
  const at = process.argv.indexOf('--clients');
  if (at !== -1) return Number(process.argv[at + 1]);
  return settings.quick ? 2000 : 100_000;
}

/** A point of the cost-growth chart. */
export interface GrowthPoint {
  clients: number;
  deliveriesPerSecond: number;
  heapPerClient: number | null;
}

/** Runs the scale benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const target = wanted(settings);
  // one file descriptor per connection in this process, whose limit the launcher raised as far as allowed
  const room = fileLimit('soft') - FD_RESERVE;
  const n = Math.min(target, room);
  const rounds = settings.quick ? 3 : 9;
  const message = { n: 0, text: 'one message to every client' };
  const chunk = lib.Comet.encoder('json', 'parent.cometMessage').encode(message);
  const fleets = await FleetGroup.start(n);
  const timeout = 60_000 + n;
  try {
    const bare = await startBareServer(lib);
    const held = bare.held;
    const bareBase = await memory();
    let start = performance.now();
    await fleets.open(bare.port, '/', n);
    const bareOpenMs = performance.now() - start;
    await until(() => held.size === n, timeout, 'bare responses');
    const bareHeld = await memory();
    await fleets.closeAll();
    await until(async () => (await connections(bare.server)) === 0, timeout, 'bare sockets to close');
    await bare.close();

    const streams = new Set<ServerResponse>();
    const server = await startCometServer(lib, {
      onStream: (res) => {
        streams.add(res);
        res.on('close', () => streams.delete(res));
      },
    });
    const base = await memory();
    start = performance.now();
    await fleets.open(server.port, '/', n, 1);
    const openMs = performance.now() - start;
    await until(() => server.size() === n, timeout, 'Comet streams');
    const idle = await memory();

    // publish() through the library and the bare loop over the same responses, interleaved
    const hubTimes: number[] = [];
    const loopTimes: number[] = [];
    let received = (await fleets.stats()).minScripts;
    for (let i = 0; i < rounds; i++) {
      for (const bareLoop of i % 2 === 0 ? [false, true] : [true, false]) {
        const t0 = performance.now();
        if (bareLoop) for (const res of streams) res.write(chunk);
        else server.publish({ ...message, n: i });
        const got = await fleets.wait(++received);
        (bareLoop ? loopTimes : hubTimes).push(performance.now() - t0);
        if (got.open !== n) throw new Error(`${n - got.open} clients dropped out`);
      }
    }
    // deliveries per second at this count, for the cost-growth curve: one burst of 50 messages
    const burst = 50;
    const t0 = performance.now();
    for (let i = 0; i < burst; i++) server.publish({ ...message, n: i });
    await fleets.wait((received += burst));
    const deliveries = (burst * n) / ((performance.now() - t0) / 1000);

    const clientStats = await fleets.stats();
    await fleets.closeAll();
    await until(async () => (await server.sockets()) === 0, timeout, 'Comet sockets to close');
    await until(() => server.size() === 0, timeout, 'hub subscribers to end');
    const failures = server.failures;
    await server.close();

    const heapPer = (idle.heap - base.heap) / n;
    const rssPer = (idle.rss - base.rss) / n;
    const bareHeapPer = (bareHeld.heap - bareBase.heap) / n;
    const bareRssPer = (bareHeld.rss - bareBase.rss) / n;
    const hubMs = median(hubTimes);
    const loopMs = median(loopTimes);
    if (!settings.quick) storePoints<GrowthPoint>('scale', [{ clients: n, deliveriesPerSecond: deliveries, heapPerClient: heapPer }]);
    const src = server.mode === 'hub' ? 'cometHub → sendComet' : 'pushQueue per connection → sendComet';
    const count = n.toLocaleString('en-US');
    return {
      title: `Scale: ${count} idle Comet connections to one process`,
      columns: ['measure', `Comet stream (${src})`, 'bare held-open http response / bare write loop', 'ratio'],
      rows: [
        ['heap per idle connection', formatBytes(heapPer), formatBytes(bareHeapPer), formatRatio(heapPer / bareHeapPer)],
        ['RSS per idle connection', formatBytes(rssPer), formatBytes(bareRssPer), formatRatio(rssPer / bareRssPer)],
        ['heap for all connections', formatBytes(idle.heap - base.heap), formatBytes(bareHeld.heap - bareBase.heap), ''],
        [`time to open ${count} connections`, formatMs(openMs), formatMs(bareOpenMs), ''],
        ['one message → all received (median)', formatMs(hubMs), formatMs(loopMs), formatRatio(hubMs / loopMs)],
        ['one message → all received (spread)', spread(hubTimes), spread(loopTimes), ''],
        [`deliveries/s, a burst of ${burst}`, formatRate(deliveries), '', ''],
      ],
      notes: [
        ...(n < target
          ? [
              `${count} connections, not ${target.toLocaleString('en-US')}: this process may open ${fileLimit('soft')} files (hard limit ${fileLimit('hard')}), one per connection, and raising the hard limit needs CAP_SYS_RESOURCE, which this machine's root does not have. On a machine that allows it, the same command spreads the clients over ${Math.ceil(target / Math.min(portsPerAddress(), 25_000))} source addresses (${portsPerAddress()} ephemeral ports each).`,
            ]
          : []),
        `Heap per idle connection: ${formatRatio(heapPer / bareHeapPer)} the bare response (target ≤ 1.30×: ${verdict(heapPer / bareHeapPer <= 1.3)}).`,
        `One message to all: ${formatRatio(hubMs / loopMs)} the bare loop (target ≤ 1.20×: ${verdict(hubMs / loopMs <= 1.2)}).`,
        `Streams that failed: ${failures} (target 0: ${verdict(failures === 0)}); client socket errors: ${clientStats.errors}.`,
        `Clients: ${fleets.size} child process(es) of raw HTTP/1.1 sockets, from ${Array.from({ length: fleets.size }, (_, i) => fleets.address(i)).join(', ')} (bare) and ${Array.from({ length: fleets.size }, (_, i) => fleets.address(i, 1)).join(', ')} (Comet); their RSS ${formatBytes(clientStats.memory)}.`,
        'Memory is measured in the server process after full GC, before and after the clients connect.',
        `One message to all: from publish() (or the first res.write of the bare loop, which writes the same pre-encoded ${chunk.length}-byte chunk to the same responses) until every client has it; ${rounds} rounds of each, interleaved, median and spread.`,
      ],
    };
  } finally {
    await fleets.stop();
  }
}
