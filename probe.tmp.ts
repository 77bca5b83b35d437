import { createRedisHub, HubConnectionError } from './src/hub/index.js';
import { connect } from './test/support/redis-clients.js';
import { startCpuHogs } from './test/support/cpu-hogs.js';
import { record } from './test/hub/fixtures/record.js';
const N = Number(process.argv[2] ?? 20000);
const HOGS = Number(process.argv[3] ?? 2);
const hogs = await startCpuHogs(HOGS);
const url = 'redis://127.0.0.1:6399';
const c = await connect('node-redis', url); const c2 = await connect('node-redis', url); const c3 = await connect('node-redis', url);
const ch = 'probe-' + Date.now();
let h: any; for (;;) { try { h = await createRedisHub<number>({ client: c.raw, channel: ch, publishTimeoutMs: 200, keyWindow: 2 * N }); break; } catch (e) { console.log('start retry', (e as Error).message); } }
const r = await createRedisHub<number>({ client: c2.raw, channel: ch });
const rec = record(r.subscribe());
const t0 = performance.now();
const tick = setInterval(async () => console.log(`  t=${((performance.now()-t0)/1000).toFixed(1)} delivered=${rec.values.length} err=${rec.error} xlen=${await c3.command(['XLEN', ch])} hconn=${h.connected} rconn=${r.connected} ${JSON.stringify(h.stats().disconnects)}`), 3000);
let ok = 0, unsent = 0, sent = 0;
const outs = await Promise.all(Array.from({ length: N }, (_, v) => h.publish(v).then(() => ok++, (e: HubConnectionError) => (e.sent ? sent++ : unsent++))));
console.log(`burst done t=${((performance.now()-t0)/1000).toFixed(1)} ok=${ok} unsent=${unsent} sent=${sent} connected=${h.connected}`);
for (;;) { try { const id = await h.publish(-1); console.log('-1 id', id, 'xlen', await c3.command(['XLEN', ch])); break; } catch (e) { console.log('last failed', (e as Error).message); await new Promise((r) => setTimeout(r, 1000)); } }
while (rec.values.at(-1) !== -1 && rec.error === null) await new Promise((r) => setTimeout(r, 100));
console.log('index of -1', rec.values.indexOf(-1), 'ids around', rec.ids.slice(-3)); console.log(`delivered all t=${((performance.now()-t0)/1000).toFixed(1)} n=${rec.values.length} err=${rec.error}`);
clearInterval(tick);
await h.close(); await r.close(); c.close(); c2.close(); c3.close(); await hogs.stop();
