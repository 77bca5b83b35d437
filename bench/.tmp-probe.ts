import { readFileSync } from 'node:fs';
import { Clients, now } from './hub-clients.js';
import { paced, throughput } from './hub-measure.js';
import { betterSse } from './hub-systems.js';
import { buildLibrary, library } from './lib/library.js';
import { listen } from './lib/server.js';
import { sseHubs } from './sse-systems.js';

await buildLibrary();
const lib = await library();
const n = Number(process.env.N ?? 1000);
const msgs = Number(process.env.M ?? 1000);
const clients = new Clients();
await clients.ask({});
const childPid = (clients as unknown as { child: { pid: number } }).child.pid;
const cpuOf = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const all = [...sseHubs(lib), betterSse];
const makers = process.env.SYS ? [all[Number(process.env.SYS)]!] : all;
for (let round = 0; round < Number(process.env.R ?? 2); round++) for (const make of makers) {
  const system = make();
  const server = await listen(system.handler);
  await clients.ask({ op: 'open', port: server.port, count: n, sse: true });
  while (system.size() < n) await new Promise((r) => setTimeout(r, 5));
  const seq = { n: 0 };
  await paced(system, clients, 10, seq);
  if (process.env.PACED) {
    const p0 = process.cpuUsage();
    const spans: number[] = [];
    const pub = system.publish;
    system.publish = (v) => { const t = performance.now(); pub(v); setImmediate(() => spans.push(performance.now() - t)); };
    const lat = await paced(system, clients, Number(process.env.PACED), seq);
    spans.sort((a, b) => a - b);
    console.log(`   server fan-out span: p50 ${spans[spans.length >> 1]!.toFixed(2)} p99 ${spans[Math.floor(spans.length * 0.99)]!.toFixed(2)} max ${spans.at(-1)!.toFixed(2)}`);
    const c = process.cpuUsage(p0);
    console.log(`${system.name.padEnd(42)} paced: cpu/msg ${((c.user + c.system) / Number(process.env.PACED)).toFixed(0)} µs p50 ${lat.p50!.toFixed(2)} p99 ${lat.p99!.toFixed(2)}`);
    await clients.ask({ op: 'close' }); await server.close(); await system.close();
    continue;
  }
  const c0 = process.cpuUsage(); const k0 = cpuOf(childPid); const t0 = now();
  const rate = await throughput(system, clients, n, msgs, seq);
  const c = process.cpuUsage(c0); const k = cpuOf(childPid) - k0; const wall = now() - t0;
  console.log(`${system.name.padEnd(42)} ${(rate / 1e6).toFixed(2)} M/s  wall ${wall.toFixed(0)} ms  server cpu ${((c.user + c.system) / 1000).toFixed(0)} ms  client cpu ${k} ms`);
  if (process.env.LAT) {
    const lat = await paced(system, clients, 300, seq);
    console.log(`   latency p50 ${lat.p50!.toFixed(2)} p99 ${lat.p99!.toFixed(2)}`);
  }
  await clients.ask({ op: 'close' });
  await server.close(); await system.close();
}
clients.stop();
