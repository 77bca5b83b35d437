/**
 * Soak: steady publishing to 500 Comet clients with churn (clients leaving and new ones arriving),
 * heap sampled after full GC and printed over time. Exits non-zero when the heap at the end is more
 * than 10% above its level at minute one (for runs shorter than two minutes: after the first sixth).
 *
 *   npm run soak                      # 60 s
 *   npm run soak -- --seconds 600
 */
import { ClientFleet } from './lib/clients.js';
import { startCometServer } from './lib/comet-server.js';
import { library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { ensureBenchProcess } from './lib/respawn.js';
import { formatBytes, median } from './lib/stats.js';
import { until } from './scale.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} needs a positive number, got ${process.argv[at + 1]}`);
  return value;
}

await ensureBenchProcess(import.meta.url);

const seconds = option('--seconds', 60);
const clients = option('--clients', 500);
const rate = option('--rate', 200); // messages per second
const churnPerSecond = Math.max(1, Math.round(clients * 0.04)); // 4% of clients replaced every second
const sampleEvery = Math.max(1, Math.round(seconds / 60)) * 1000;
const referenceAt = seconds >= 120 ? 60_000 : (seconds * 1000) / 6;

const lib = await library();
const fleet = await ClientFleet.start();
const server = await startCometServer(lib, { limit: 1024 });
await fleet.open(server.port, '/', clients);
await until(() => server.size() === clients, 30_000, 'clients to connect');
console.log(`soak: ${clients} clients, ${rate} messages/s, ${churnPerSecond} clients replaced per second, ${seconds} s (${server.mode})`);

const startedAt = performance.now();
let published = 0;
let paused = 0;
let pausedAt = 0;
const publisher = setInterval(() => {
  if (pausedAt !== 0) return;
  const due = Math.floor(((performance.now() - startedAt - paused) / 1000) * rate) - published;
  for (let i = 0; i < due; i++) server.publish({ id: ++published, text: 'steady soak message', at: Date.now() });
}, 10);

/**
 * Heap after full GC with publishing held for a moment, so chunks in flight to the clients do not
 * blur what is retained.
 */
async function quietMemory(): Promise<{ heap: number; rss: number }> {
  pausedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const m = await memory();
  paused += performance.now() - pausedAt;
  pausedAt = 0;
  return m;
}
let churned = 0;
let churning: Promise<unknown> = Promise.resolve();
const churner = setInterval(() => {
  churning = churning.then(() => fleet.churn(server.port, '/', churnPerSecond)).then((r) => (churned += r.closed));
}, 1000);

const samples: { t: number; heap: number; rss: number }[] = [];
const end = startedAt + seconds * 1000;
for (let next = startedAt + sampleEvery; next <= end + 1; next += sampleEvery) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  const m = await quietMemory();
  const t = (performance.now() - startedAt) / 1000;
  samples.push({ t, heap: m.heap, rss: m.rss });
  console.log(
    `t=${t.toFixed(0).padStart(4)} s  heap ${formatBytes(m.heap).padStart(9)}  rss ${formatBytes(m.rss).padStart(9)}  ` +
      `streams ${server.size()}  published ${published}  churned ${churned}`,
  );
}
clearInterval(publisher);
clearInterval(churner);
await churning;

const stats = await fleet.stats();
await fleet.closeAll();
await until(async () => (await server.sockets()) === 0 && server.size() === 0, 30_000, 'every stream to close');
await fleet.stop();
await server.close();

// Reference: median of the samples in the second half of the reference period (the first half is
// warm-up); end level: median of the last three samples.
const refSamples = samples.filter((s) => s.t * 1000 >= referenceAt / 2 && s.t * 1000 <= referenceAt + 1);
const ref = median((refSamples.length > 0 ? refSamples : samples.slice(0, 1)).map((s) => s.heap));
const last = median(samples.slice(-3).map((s) => s.heap));
const growth = (last - ref) / ref;
console.log(
  `soak: published ${published}, clients replaced ${churned}, client socket errors ${stats.errors}, dropped ${server.dropped()}, failed streams ${server.failures}`,
);
console.log(
  `soak: heap ${formatBytes(ref)} at ${(referenceAt / 2000).toFixed(0)}–${(referenceAt / 1000).toFixed(0)} s → ${formatBytes(last)} at the end ` +
    `(${(growth * 100).toFixed(1)}%; limit +10%): ${growth <= 0.1 ? 'PASS' : 'FAIL'}`,
);
process.exit(growth <= 0.1 ? 0 : 1);
