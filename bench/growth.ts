/**
 * Cost growth: delivery throughput, publish latency and memory at 1, 10, 100, 1,000 and 10,000
 * loopback Comet clients, one table so the curve shows.
 */
import { ClientFleet } from './lib/clients.js';
import { startCometServer } from './lib/comet-server.js';
import { library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { storePoints } from './lib/points.js';
import { formatBytes, formatMs, formatRate, median } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { until, type GrowthPoint } from './scale.js';

/** Runs the growth benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const levels = settings.quick ? [1, 10, 100, 1000] : [1, 10, 100, 1000, 10_000];
  const deliveries = settings.quick ? 100_000 : 1_000_000;
  const limit = 1024;
  const batch = 256;
  const fleet = await ClientFleet.start();
  const server = await startCometServer(lib, { limit });
  const rows: (string | number)[][] = [];
  const points: GrowthPoint[] = [];
  let received = 0;
  const message = { id: 0, text: 'a typical small update', price: 101.25 };
  const chunkBytes = lib.Comet.encoder('json', 'parent.cometMessage').encode(message).length;
  try {
    const base = await memory();
    for (const n of levels) {
      await fleet.open(server.port, '/', n - (await fleet.stats()).open);
      await until(() => server.size() === n, 60_000, `${n} streams`);
      // Newly opened clients have seen none of the earlier messages: count from their minimum.
      received = (await fleet.stats()).minScripts;
      const mem = await memory();

      const latency: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        server.publish({ ...message, id: i });
        await fleet.wait(++received);
        latency.push(performance.now() - t0);
      }

      const messages = Math.max(20, Math.min(20_000, Math.round(deliveries / n)));
      const droppedBefore = server.dropped();
      const t0 = performance.now();
      for (let sent = 0; sent < messages; ) {
        const k = Math.min(batch, messages - sent);
        for (let j = 0; j < k; j++) server.publish({ ...message, id: sent + j });
        sent += k;
        received += k;
        await fleet.wait(received);
      }
      const seconds = (performance.now() - t0) / 1000;
      const rate = (messages * n) / seconds;
      points.push({ clients: n, deliveriesPerSecond: rate, heapPerClient: n >= 100 ? (mem.heap - base.heap) / n : null });
      rows.push([
        n.toLocaleString('en-US'),
        messages,
        formatRate(rate),
        ((rate * chunkBytes) / 1e6).toFixed(1),
        formatRate(messages / seconds),
        formatMs(median(latency)),
        // below 100 clients the per-client share is smaller than the heap's own noise
        n >= 100 ? formatBytes((mem.heap - base.heap) / n) : '(noise)',
        n >= 100 ? formatBytes((mem.rss - base.rss) / n) : '(noise)',
        server.dropped() - droppedBefore,
      ]);
    }
  } finally {
    await fleet.closeAll().catch(() => undefined);
    await fleet.stop();
    await server.close();
  }
  if (!settings.quick) storePoints('growth', points);
  return {
    title: 'Cost growth with the number of clients',
    columns: ['clients', 'messages', 'deliveries/s', 'MB/s delivered', 'messages/s published', 'publish → all received', 'heap/client', 'RSS/client', 'dropped'],
    rows,
    notes: [
      `Server: ${server.mode === 'hub' ? 'cometHub (drop-oldest, limit ' + limit + ') → sendComet' : 'a push queue per connection → sendComet'}; clients: raw HTTP/1.1 sockets in one child process, sharing the machine's cores with the server.`,
      `Throughput: messages published in bursts of ${batch}, each burst waited for on every client; deliveries/s = messages × clients / time; each chunk is ${chunkBytes} bytes.`,
      'Publish → all received: median of 5 single messages, from publish() until every client has the chunk.',
      'Charts, with the scale benchmark\'s count as the last point: ![deliveries/s against clients](bench/charts/growth-deliveries.svg) ![heap per client against clients](bench/charts/growth-heap.svg)',
      'Memory per client: server heap (after full GC) and RSS above the level before the first client, divided by the clients open; not shown below 100 clients, where it is within the heap\'s own noise.',
    ],
  };
}
