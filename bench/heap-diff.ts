/**
 * Where an idle Comet connection's heap goes (`npm run bench:heap`): heap snapshots before and after
 * opening N connections, to the Comet server of the scale benchmark and to a bare held-open http
 * response; prints, per object kind (constructor, closure or internal type), the bytes and objects
 * per connection on each side and the difference, largest first.
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { ClientFleet } from './lib/clients.js';
import { startBareServer, startCometServer } from './lib/comet-server.js';
import { buildLibrary, library } from './lib/library.js';
import { settle } from './lib/memory.js';
import { ensureBenchProcess } from './lib/respawn.js';
import { formatBytes } from './lib/stats.js';
import { until } from './scale.js';

/** Bytes and object count per kind of heap object. */
export type HeapCensus = Map<string, { bytes: number; count: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const BY_TYPE_ONLY = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'regexp']);

/** Sums self sizes of a V8 heap snapshot by kind: `type name` for objects and closures, `type` for the rest. */
export function census(json: string): HeapCensus {
  const { snapshot, nodes, strings } = JSON.parse(json) as Snapshot;
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out: HeapCensus = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt!]!]!;
    const key = BY_TYPE_ONLY.has(type) ? `(${type})` : `${type} ${strings[nodes[i + nameAt!]!]!.slice(0, 60)}`;
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + sizeAt!]!;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

async function snapshot(): Promise<HeapCensus> {
  await settle(4);
  const file = writeHeapSnapshot(path.join(os.tmpdir(), `comet-bridge-heap-${process.pid}-${Date.now()}.heapsnapshot`));
  try {
    return census(readFileSync(file, 'utf8'));
  } finally {
    rmSync(file, { force: true });
  }
}

/** Per-connection growth of each kind between two censuses. */
function growth(before: HeapCensus, after: HeapCensus, n: number): HeapCensus {
  const out: HeapCensus = new Map();
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key) ?? { bytes: 0, count: 0 };
    const b = after.get(key) ?? { bytes: 0, count: 0 };
    out.set(key, { bytes: (b.bytes - a.bytes) / n, count: (b.count - a.count) / n });
  }
  return out;
}

async function main(): Promise<void> {
  await ensureBenchProcess(import.meta.url);
  const n = Number(process.argv[2] ?? 2000);
  await buildLibrary();
  const lib = await library();
  const fleet = await ClientFleet.start();
  try {
    const bare = await startBareServer(lib);
    const bare0 = await snapshot();
    await fleet.open(bare.port, '/', n);
    await until(() => bare.held.size === n, 60_000, 'bare responses');
    const bare1 = await snapshot();
    await fleet.closeAll();
    await bare.close();

    const server = await startCometServer(lib);
    const comet0 = await snapshot();
    await fleet.open(server.port, '/', n);
    await until(() => server.size() === n, 60_000, 'Comet streams');
    const comet1 = await snapshot();
    await fleet.closeAll();
    await server.close();

    const b = growth(bare0, bare1, n);
    const c = growth(comet0, comet1, n);
    const zero = { bytes: 0, count: 0 };
    const rows = [...new Set([...b.keys(), ...c.keys()])]
      .map((key) => ({ key, bare: b.get(key) ?? zero, comet: c.get(key) ?? zero }))
      .filter((r) => Math.abs(r.comet.bytes) >= 8 || Math.abs(r.bare.bytes) >= 8)
      .sort((x, y) => Math.abs(y.comet.bytes - y.bare.bytes) - Math.abs(x.comet.bytes - x.bare.bytes));
    const total = (m: HeapCensus): number => [...m.values()].reduce((s, e) => s + e.bytes, 0);
    console.log(`Node ${process.version}, ${n} connections; heap per connection: Comet ${formatBytes(total(c))}, bare ${formatBytes(total(b))}\n`);
    console.log('| kind | Comet B/conn | objects | bare B/conn | objects | difference |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows.slice(0, 40)) {
      const cells = [r.key, r.comet.bytes.toFixed(0), r.comet.count.toFixed(2), r.bare.bytes.toFixed(0), r.bare.count.toFixed(2), (r.comet.bytes - r.bare.bytes).toFixed(0)];
      console.log(`| ${cells.join(' | ')} |`);
    }
  } finally {
    await fleet.stop();
  }
}

await main();
