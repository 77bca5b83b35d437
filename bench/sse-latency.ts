/**
 * Latency of several broadcasters measured at the same time, for a machine whose load from other
 * work comes and goes: each system has its own server and its own `n` clients (one group each in
 * the client process, bench/hub-clients.ts), and one paced loop publishes to them in turn, the
 * order rotated every cycle, so a burst of outside load hits every system alike.
 */
import { now, type Clients } from './hub-clients.js';
import type { System } from './hub-systems.js';
import { listen } from './lib/server.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** p50 and p99 of one system's deliveries, in ms. */
export interface Latency {
  p50: number;
  p99: number;
}

/**
 * Opens `n` clients to each of `systems` (already made), publishes 10 warm-up messages to each, then
 * `count` to each at `rate` per second per system, in turn; the percentiles of every delivery of
 * those, per system. Closes the clients, the servers and the systems.
 */
export async function latencyTogether(systems: System[], clients: Clients, n: number, count: number, rate: number): Promise<Latency[]> {
  const servers = await Promise.all(systems.map((s) => listen(s.handler)));
  try {
    for (const [i, server] of servers.entries()) await clients.ask({ op: 'open', port: server.port, count: n, sse: true, tag: String(i) });
    for (const s of systems) while (s.size() < n) await sleep(5);
    const seqs = systems.map(() => 0);
    const gap = 1000 / rate / systems.length;
    const publishAll = async (k: number): Promise<void> => {
      await clients.ask({ op: 'reset' });
      const done = clients.ask({ op: 'wait', target: k });
      for (let m = 0; m < k; m++) {
        for (let j = 0; j < systems.length; j++) {
          const i = (j + m) % systems.length;
          systems[i]!.publish([++seqs[i]!, now()]);
          await sleep(gap);
        }
      }
      await done;
    };
    await publishAll(10);
    await publishAll(count);
    const got = await clients.ask({ op: 'groups' });
    return systems.map((_, i) => ({ p50: got[`p50:${i}`]!, p99: got[`p99:${i}`]! }));
  } finally {
    await clients.ask({ op: 'close' });
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(systems.map((s) => s.close()));
  }
}
