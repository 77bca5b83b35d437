/**
 * Topics over Redis: one hub carrying every topic against the layout it replaces, the cost of the
 * publish's idempotency key, and what one Redis sustains. Three parts, one table:
 *
 * 1. Delivered messages per second to 1,000 loopback clients, one per topic over 1,000 topics, spread
 *    over 2 server processes (bench/redis-topics-server.ts) behind one Redis: one `createRedisHub`
 *    per process carrying every topic, against one hub per topic each with a reading connection of
 *    its own (the layout before hubs on one client shared one). The Redis connections of each
 *    process, from `CLIENT LIST` (by client name), in the same rows. Target: ≥ 1.0×.
 * 2. Publishes per second of the publish script with its key check, against a frozen copy of it
 *    without (bench/baseline/publish-script-nokey.ts), both by EVAL on one client in this process,
 *    and `hub.publish` (a key made per call). Target: ≥ 0.85×.
 * 3. One Redis's ceiling: publishes per second, from this process, until 1, 2 and 4 reader processes
 *    have read every message.
 *
 * Baseline and candidate run back to back in pairs, in alternating order; ratios are medians of the
 * paired ratios, with their spread. CPU time per message (the server processes and this one, and
 * redis-server from `INFO cpu`) is given beside each rate: the machine is shared.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { createClient } from 'redis';
import { PUBLISH_SCRIPT_WITHOUT_KEYS } from './baseline/publish-script-nokey.js';
import { now } from './hub-clients.js';
import { redisCpuSeconds, redisServer } from './hub-systems.js';
import { startTopicsServer, topicPath, type TopicsLayout, type TopicsServer } from './redis-topics-server.js';
import { ClientFleet } from './lib/clients.js';
import { library } from './lib/library.js';
import { formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { PUBLISH_SCRIPT } from '../src/hub/redis/stream.js';

type Value = [number, number];
type Admin = ReturnType<typeof createClient>;

const TOPICS = 1000;
const PROCESSES = 2;
/** At most this many publishes wait for Redis at once, in every part (the hub's default `maxInFlight`). */
const WINDOW = 1000;
/** How long the clients or readers may take to get every message of a run before the run fails. */
const WAIT_MS = 60_000;

const DELIVERY_TARGET = 1.0;
const KEY_TARGET = 0.85;

/** This process's CPU time so far, microseconds. */
const ownCpu = (): number => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

/** redis-server's CPU time so far (`INFO cpu`), microseconds. */
const redisCpu = async (admin: Admin): Promise<number> => (await redisCpuSeconds(admin)) * 1e6;

/** Redis connections named `name` (`CLIENT LIST`). */
export async function connectionsNamed(admin: Pick<Admin, 'sendCommand'>, name: string): Promise<number> {
  const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/** Runs `send(i)` for i < n, at most WINDOW unanswered at once; resolves when all are answered, with the rejections counted. */
async function drive(n: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let rejected = 0;
  let inFlight = 0;
  let room: (() => void) | null = null;
  const done = (): void => {
    inFlight--;
    room?.();
  };
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    while (inFlight >= WINDOW) await new Promise<void>((resolve) => (room = resolve));
    room = null;
    inFlight++;
    all.push(send(i).catch(() => void rejected++).finally(done));
  }
  await Promise.all(all);
  return rejected;
}

/** Waits, polling, until `check` is true; throws `what` after WAIT_MS. */
async function until(check: () => Promise<boolean>, what: () => string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Median and spread of paired ratios, as table cells. */
const ratioCells = (ratios: number[]): [string, string] => [formatRatio(median(ratios)), spread(ratios)];
const micros = (us: number): string => `${us.toFixed(1)} µs`;

// ---------------------------------------------------------------- part 1: delivered msg/s

interface DeliveryCell {
  rate: number;
  /** CPU of the server processes per delivery, µs. */
  serverCpu: number;
  /** CPU of redis-server per delivery, µs. */
  redisCpu: number;
  /** Redis connections of each server process. */
  connections: number[];
  rejected: number;
}

/**
 * One cell of part 1: `layout` on 2 fresh server processes and a fresh channel, 1,000 clients, the
 * median of `runs` runs of `perTopic` messages per topic (after one untimed).
 */
async function deliveryCell(lib: Awaited<ReturnType<typeof library>>, url: string, admin: Admin, fleet: ClientFleet, layout: TopicsLayout, tag: string, perTopic: number, runs: number): Promise<DeliveryCell> {
  const channel = `bench-topics-${process.pid}-${tag}`;
  const names = Array.from({ length: PROCESSES }, (_, p) => `${channel}-p${p}`);
  const servers: TopicsServer[] = await Promise.all(names.map((name) => startTopicsServer({ url, layout, channel, topics: TOPICS, name })));
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const hubs: { publish(v: Value, o?: { topic?: string }): Promise<number>; close(): Promise<void> }[] = [];
  try {
    if (layout === 'per-topic') {
      // the publishing side needs no reading connections of its own: one per topic would only add load
      for (let i = 0; i < TOPICS; i++) hubs.push(await lib.createRedisHub<Value>({ client, channel: `${channel}-t${i}` }));
    } else {
      hubs.push(await lib.createRedisHub<Value>({ client, channel }));
    }
    let rejected = 0;
    const publish = layout === 'per-topic'
      ? (i: number, v: Value): Promise<number> => hubs[i]!.publish(v)
      : (i: number, v: Value): Promise<number> => hubs[0]!.publish(v, { topic: `t${i}` });
    await Promise.all(Array.from({ length: TOPICS }, (_, i) => fleet.open(servers[i % PROCESSES]!.port, topicPath(layout, i), 1)));
    await until(async () => (await Promise.all(servers.map((s) => s.size()))).reduce((a, b) => a + b, 0) >= TOPICS, () => `${layout}: fewer than ${TOPICS} subscribers within ${WAIT_MS / 1000} s`);
    const connections = await Promise.all(names.map((name) => connectionsNamed(admin, name)));
    const seq = { n: 0 };
    let received = 0;
    const round = async (messages: number): Promise<number> => {
      const start = now();
      // one window over every topic: the per-topic layout's publishing hubs would each allow maxInFlight
      rejected += await drive(TOPICS * messages, (k) => publish(k % TOPICS, [++seq.n, now()]));
      received += messages;
      const got = await Promise.race([fleet.wait(received), new Promise<null>((r) => setTimeout(r, WAIT_MS, null).unref())]);
      if (got === null) throw new Error(`${layout}: not every client had its ${received} messages within ${WAIT_MS / 1000} s (${rejected} publishes rejected)`);
      return (TOPICS * messages) / ((now() - start) / 1000);
    };
    await round(2);
    const cpu0 = await Promise.all(servers.map((s) => s.cpuMicros()));
    const redis0 = await redisCpu(admin);
    const rates: number[] = [];
    for (let r = 0; r < runs; r++) rates.push(await round(perTopic));
    const cpu1 = await Promise.all(servers.map((s) => s.cpuMicros()));
    const redis1 = await redisCpu(admin);
    const deliveries = TOPICS * perTopic * runs;
    const serverCpu = cpu1.reduce((sum, c, i) => sum + c - cpu0[i]!, 0) / deliveries;
    return { rate: median(rates), serverCpu, redisCpu: (redis1 - redis0) / deliveries, connections, rejected };
  } finally {
    await fleet.closeAll();
    await Promise.all(hubs.map((h) => h.close()));
    client.destroy();
    await Promise.all(servers.map((s) => s.close()));
  }
}

// ---------------------------------------------------------------- part 2: the key check

type PublishWay = 'nokey' | 'key' | 'hub';

/** One run of part 2: `n` publishes of `way` on `client`, a fresh channel; publishes/s and CPU per publish. */
async function publishRun(lib: Awaited<ReturnType<typeof library>>, client: Admin, way: PublishWay, channel: string, n: number): Promise<{ rate: number; cpu: number; redisCpu: number; rejected: number }> {
  const idKey = `{${channel}}:id`;
  const hub = way === 'hub' ? await lib.createRedisHub<Value>({ client, channel }) : null;
  const script = way === 'nokey' ? PUBLISH_SCRIPT_WITHOUT_KEYS : PUBLISH_SCRIPT;
  // the arguments of the hub's publish script: known epoch and id, stream length, data, no signature, topic, key, key window, retention
  const evalOnce = (i: number): Promise<unknown> =>
    client.sendCommand(['EVAL', script, '3', channel, idKey, `${idKey}:keys`, randomBytes(12).toString('base64url'), '', '0', '1000',
      JSON.stringify([i, now()]), '', '', '', `t${i % TOPICS}`, way === 'key' ? randomBytes(12).toString('base64url') : '', '10000', '60000']);
  const send = hub === null ? evalOnce : (i: number): Promise<unknown> => hub.publish([i, now()], { topic: `t${i % TOPICS}` });
  try {
    await drive(200, send);
    const cpu0 = ownCpu();
    const redis0 = await redisCpu(client);
    const start = performance.now();
    const rejected = await drive(n, send);
    const seconds = (performance.now() - start) / 1000;
    const redis1 = await redisCpu(client);
    return { rate: n / seconds, cpu: (ownCpu() - cpu0) / n, redisCpu: (redis1 - redis0) / n, rejected };
  } finally {
    await hub?.close();
  }
}

// ---------------------------------------------------------------- part 3: one Redis's ceiling

/** One run of part 3: `n` publishes to topic t0 from this process until `readers` processes have read them all. */
async function ceilingRun(lib: Awaited<ReturnType<typeof library>>, url: string, admin: Admin, readers: number, tag: string, n: number): Promise<{ rate: number; publishRate: number; redisCpu: number; redisShare: number; rejected: number }> {
  const channel = `bench-ceiling-${process.pid}-${tag}`;
  const procs = await Promise.all(Array.from({ length: readers }, (_, p) => startTopicsServer({ url, layout: 'reader', channel, topics: 1, name: `${channel}-r${p}` })));
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const hub = await lib.createRedisHub<Value>({ client, channel });
  try {
    const send = (i: number): Promise<unknown> => hub.publish([i, now()], { topic: 't0' });
    const all = async (count: number): Promise<boolean> => (await Promise.all(procs.map((p) => p.count()))).every((c) => c >= count);
    await drive(200, send);
    await until(() => all(200), () => `${readers} reader(s): the warm-up was not read within ${WAIT_MS / 1000} s`);
    const redis0 = await redisCpu(admin);
    const start = performance.now();
    const rejected = await drive(n, send);
    const published = performance.now();
    await until(() => all(200 + n), () => `${readers} reader(s): not every message was read within ${WAIT_MS / 1000} s`);
    const seconds = (performance.now() - start) / 1000;
    const used = (await redisCpu(admin)) - redis0;
    return { rate: n / seconds, publishRate: n / ((published - start) / 1000), redisCpu: used / n, redisShare: used / 1e6 / seconds, rejected };
  } finally {
    await hub.close();
    client.destroy();
    await Promise.all(procs.map((p) => p.close()));
  }
}

// ---------------------------------------------------------------- the table

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const quick = settings.quick;
  const pairs = quick ? 2 : 5;
  const perTopic = quick ? 5 : 20;
  const deliveryRuns = quick ? 1 : 3;
  const publishes = quick ? 20_000 : 50_000;
  const ceilingRounds = quick ? 1 : 3;
  const ceilingMessages = quick ? 10_000 : 30_000;
  const notes: string[] = [];
  const title = 'Redis topics: one hub for every topic vs one hub per topic, the idempotency key, one Redis\'s ceiling';
  const columns = ['measure', 'setup', 'rate', 'vs baseline', 'spread', 'CPU/msg (Node)', 'CPU/msg (Redis)', 'Redis conns/process', 'target'];
  const redis = await redisServer(notes);
  if (redis === null) return { title, columns, rows: [], notes };
  const admin: Admin = createClient({ url: redis.url });
  admin.on('error', () => {});
  await admin.connect();
  const rows: (string | number)[][] = [];
  const fleet = await ClientFleet.start({ stamps: true });
  // a part that fails gets a row saying why; the others still run
  const part = async (name: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      const message = String((error as Error)?.message ?? error).split('\n')[0]!;
      rows.push([name, 'failed', '', '', '', '', '', '', message]);
    }
  };
  try {
    await part('delivered msg/s', async () => {
      const cells: Record<'topics' | 'per-topic', DeliveryCell[]> = { topics: [], 'per-topic': [] };
      for (let pair = 0; pair < pairs; pair++) {
        const order: ('topics' | 'per-topic')[] = pair % 2 === 0 ? ['per-topic', 'topics'] : ['topics', 'per-topic'];
        for (const layout of order) cells[layout].push(await deliveryCell(lib, redis.url, admin, fleet, layout, `${pair}-${layout}`, perTopic, deliveryRuns));
      }
      const rateRatios = cells.topics.map((c, i) => c.rate / cells['per-topic'][i]!.rate);
      const cpuOf = (c: DeliveryCell): number => c.serverCpu + c.redisCpu;
      const cpuRatios = cells.topics.map((c, i) => cpuOf(cells['per-topic'][i]!) / cpuOf(c));
      const conns = (list: DeliveryCell[]): string => [...new Set(list.flatMap((c) => c.connections))].join(', ');
      for (const layout of ['per-topic', 'topics'] as const) {
        const list = cells[layout];
        const rates = list.map((c) => c.rate);
        const base = layout === 'per-topic';
        rows.push([
          `delivered msg/s, ${TOPICS.toLocaleString('en-US')} clients on ${TOPICS.toLocaleString('en-US')} topics, ${PROCESSES} processes`,
          base ? 'one hub per topic, a reading connection each (baseline)' : 'one hub for every topic',
          `${formatRate(median(rates))} (${spread(rates)})`,
          ...(base ? ['1.00×', ''] : ratioCells(rateRatios)),
          micros(median(list.map((c) => c.serverCpu))),
          micros(median(list.map((c) => c.redisCpu))),
          conns(list),
          base ? '' : `≥${DELIVERY_TARGET.toFixed(1)}× ${verdict(median(rateRatios) >= DELIVERY_TARGET)}; 2 conns ${verdict(list.every((c) => c.connections.every((n) => n <= 2)))}`,
        ]);
        const rejected = list.reduce((n, c) => n + c.rejected, 0);
        if (rejected > 0) notes.push(`${layout}: ${rejected} publishes rejected`);
      }
      notes.push(
        `delivered msg/s: ${TOPICS} clients, one per topic, topic i served by process i mod ${PROCESSES}; each run publishes ${perTopic} messages to every topic from this process, at most ${WINDOW} unanswered at once over all topics (the hub's default maxInFlight; the per-topic layout's ${TOPICS} publishing hubs would each allow as many) and ends when every client has all of its own; ${deliveryRuns} run(s) per cell after an untimed one, median; ${pairs} pairs, fresh processes and channel per cell, order alternating; "vs baseline" is the median of the paired ratios (CPU-time-normalised, (server + Redis CPU per delivery) of the baseline over the candidate's: ${formatRatio(median(cpuRatios))}, ${spread(cpuRatios)})`,
        'CPU/msg (Node) in these rows: both server processes per delivery (not this publishing process); CPU/msg (Redis): redis-server per delivery (INFO cpu); Redis conns/process: CLIENT LIST entries named after each server process, counted once the clients are in',
        `baseline layout: in each server process ${TOPICS} hubs (channel-t0 …), each given a duplicate of the process's client as its subscriber, so each keeps a blocking XREAD of its own, as every hub did before hubs on one client shared one; candidate: one createRedisHub per process on one channel, clients on \`?topic=t<i>\`; the publishing side in this process: the matching hubs on one client`,
      );

    });

    await part('publishes/s', async () => {
      const ways: { way: PublishWay; label: string }[] = [
        { way: 'nokey', label: 'publish script without the key check, EVAL (frozen copy, baseline)' },
        { way: 'key', label: 'publish script with the key check, EVAL (a key per call)' },
        { way: 'hub', label: 'hub.publish (a key made per call)' },
      ];
      const runs: Record<PublishWay, { rate: number; cpu: number; redisCpu: number; rejected: number }[]> = { nokey: [], key: [], hub: [] };
      for (let pair = 0; pair < pairs; pair++) {
        const order = pair % 2 === 0 ? ways : [...ways].reverse();
        for (const { way } of order) runs[way].push(await publishRun(lib, admin, way, `bench-keys-${process.pid}-${pair}-${way}`, publishes));
      }
      for (const { way, label } of ways) {
        const list = runs[way];
        const ratios = list.map((r, i) => r.rate / runs.nokey[i]!.rate);
        const rates = list.map((r) => r.rate);
        rows.push([
          'publishes/s, one client, this process',
          label,
          `${formatRate(median(rates))} (${spread(rates)})`,
          ...(way === 'nokey' ? ['1.00×', ''] : ratioCells(ratios)),
          micros(median(list.map((r) => r.cpu))),
          micros(median(list.map((r) => r.redisCpu))),
          '',
          way === 'nokey' ? '' : `≥${KEY_TARGET}× ${verdict(median(ratios) >= KEY_TARGET)}`,
        ]);
        const rejected = list.reduce((n, r) => n + r.rejected, 0);
        if (rejected > 0) notes.push(`${label}: ${rejected} publishes rejected`);
      }
      // CPU-time-normalised: (this process + redis-server) CPU per publish of the baseline over the row's, per round
      const cpuRatios = (way: PublishWay): string => {
        const ratios = runs[way].map((r, i) => (runs.nokey[i]!.cpu + runs.nokey[i]!.redisCpu) / (r.cpu + r.redisCpu));
        const redisOnly = runs[way].map((r, i) => runs.nokey[i]!.redisCpu / r.redisCpu);
        return `${formatRatio(median(ratios))} (${spread(ratios)}; redis-server alone ${formatRatio(median(redisOnly))}, ${spread(redisOnly)})`;
      };
      notes.push(`publishes/s, CPU-time-normalised (Node + Redis CPU per publish of the baseline over the row's, median of the per-round ratios): key check ${cpuRatios('key')}, hub.publish ${cpuRatios('hub')}`);
      notes.push(
        `publishes/s: ${publishes.toLocaleString('en-US')} publishes per run to ${TOPICS} topics, at most ${WINDOW} unanswered at once (the hub's default maxInFlight), after 200 untimed; a fresh channel per run; ${pairs} rounds, the three in alternating order; "vs baseline" is the median of the per-round ratios; the EVAL rows send the hub's own arguments (fresh epoch, stream length 1000, retention 60 s, key window 10,000) and differ only in the script and the key; CPU/msg (Node): this process, per publish`,
      );

    });

    await part("one Redis's ceiling", async () => {
      const ceiling: Record<number, Awaited<ReturnType<typeof ceilingRun>>[]> = { 1: [], 2: [], 4: [] };
      const counts = [1, 2, 4];
      for (let round = 0; round < ceilingRounds; round++) {
        for (let k = 0; k < counts.length; k++) {
          const readers = counts[(k + round) % counts.length]!;
          ceiling[readers]!.push(await ceilingRun(lib, redis.url, admin, readers, `${round}-${readers}`, ceilingMessages));
        }
      }
      const one = median(ceiling[1]!.map((r) => r.rate));
      for (const readers of counts) {
        const list = ceiling[readers]!;
        const rates = list.map((r) => r.rate);
        rows.push([
          `one Redis's ceiling: publishes/s read by every reader`,
          `${readers} reader process${readers === 1 ? '' : 'es'}`,
          `${formatRate(median(rates))} (${spread(rates)})`,
          formatRatio(median(rates) / one),
          '',
          '',
          `${micros(median(list.map((r) => r.redisCpu)))} (Redis busy ${(median(list.map((r) => r.redisShare)) * 100).toFixed(0)}%)`,
          '',
          '',
        ]);
        const rejected = list.reduce((n, r) => n + r.rejected, 0);
        if (rejected > 0) notes.push(`ceiling, ${readers} readers: ${rejected} publishes rejected`);
      }
      notes.push(
        `ceiling: ${ceilingMessages.toLocaleString('en-US')} publishes per run from one hub in this process (at most ${WINDOW} unanswered), timed until every reader process (one createRedisHub, one subscription of the topic) has received them all; ${ceilingRounds} round(s), reader counts in rotated order, medians; "vs baseline" here is against 1 reader; Redis busy: redis-server CPU time over the run's wall time (1 core = 100%). One publishing process on a 2-core machine shared with redis-server and the readers: the figure is where this machine tops out, not Redis's own limit`,
      );
    });
  } finally {
    await fleet.stop();
    admin.destroy();
    await redis.stop();
  }
  return { title, columns, rows, notes };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
