/**
 * Topics (`npm run bench -- topics`): what topics cost, each figure against a hub of one topic (or
 * a bare loop, or better-sse) measured in the same run.
 *
 * 1. Memory, in-process (bench/topics-memory.ts): heap per idle topic without history (left by its
 *    subscribers, or only published to), per topic holding one message, and per subscription on
 *    1–5 topics of 100,000 against one on the default topic; then the same per connection over
 *    loopback sockets (`hub.serve`, its `topics` option giving each request its draw).
 * 2. Publish to one topic with one subscriber among 100,000 topics (each with a subscriber or with
 *    history), against the same publish on a hub of that topic alone (bench/topics-memory.ts).
 * 3. Fan-out to one topic over loopback sockets: one message until all of 10,000 clients have it,
 *    against a bare loop writing the same event to the same responses (as bench/scale.ts does); and
 *    p99 publish-to-receipt at 1, 100, 1,000 and 10,000 clients against better-sse's channel
 *    (rounds of bench/fanout.ts).
 *
 * Clients are raw sockets in one child process (bench/lib/client-process.ts) that count and time
 * every `[sequence,timestamp]` they receive; they ask for `text/event-stream`, so `hub.serve`
 * answers them with Server-Sent Events, as better-sse does.
 *
 *   npm run bench -- topics                                  # 100,000 topics, 20,000 connections, 10,000 clients
 *   npm run bench -- topics --topics 20000 --connections 5000 --clients 2000
 */
import type { ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { rateFor, round, SYSTEMS, type Broadcaster, type FanoutPoint } from './fanout.js';
import { ClientFleet } from './lib/clients.js';
import { FD_RESERVE, fileLimit } from './lib/fleets.js';
import { library, type Library } from './lib/library.js';
import { memory } from './lib/memory.js';
import { storePoints } from './lib/points.js';
import { connections, listen } from './lib/server.js';
import { formatBytes, formatMs, formatRate, formatRatio, median, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';
import { until } from './scale.js';
import { drawTopics, MEMORY_CASES, measureMemory, measurePublish, PUBLISH_CASES, topicNames } from './topics-memory.js';

const CALLBACK = 'parent.cometMessage';
const TOPIC = 'news';
const now = (): number => performance.timeOrigin + performance.now();

/** `--name N` from the command line, else `fallback`. */
function sizeArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** A fresh source address per set of connections (closed ones leave their ports in TIME_WAIT). */
function addresses(): () => string {
  let k = 0;
  return () => {
    k++;
    return `127.3.${k >> 8}.${k & 255}`;
  };
}

/** A `cometHub` served by `hub.serve`: on topic `news`, or on the default topic. */
function servedHub(lib: Library, topic: boolean): Broadcaster & { hub: ReturnType<Library['cometHub']> } {
  const hub = lib.cometHub<[number, number]>(CALLBACK, { policy: 'drop-oldest', limit: 1024 });
  return {
    hub,
    path: topic ? `/?topic=${TOPIC}` : '/',
    handler: (req, res) => void hub.serve(req, res).catch(() => {}),
    publish: topic ? (value) => void hub.publish(value, { topic: TOPIC }) : (value) => void hub.publish(value),
    size: () => hub.size,
    close: () => void hub.close(),
  };
}

const SERVED = {
  topic: `hub.serve, topic "${TOPIC}"`,
  plain: 'hub.serve, default topic',
} as const;

/** Times of one message → every client, the hub's publish and the bare loop, interleaved; and this process's CPU time meanwhile. */
interface FanOutTimes {
  name: string;
  hub: number[];
  loop: number[];
  hubCpu: number[];
  loopCpu: number[];
}

/**
 * One message until all `n` clients have it, `rounds` times each way, alternating: `publish()` on
 * the hub, and a bare loop writing the same Server-Sent Event (pre-encoded) to the same responses.
 */
async function fanOutAll(lib: Library, fleet: ClientFleet, n: number, rounds: number, address: () => string): Promise<FanOutTimes[]> {
  const out: FanOutTimes[] = [];
  for (const topic of [true, false]) {
    const system = servedHub(lib, topic);
    const streams = new Set<ServerResponse>();
    const server = await listen((req, res) => {
      streams.add(res);
      res.on('close', () => streams.delete(res));
      system.handler(req, res);
    });
    const times: FanOutTimes = { name: topic ? SERVED.topic : SERVED.plain, hub: [], loop: [], hubCpu: [], loopCpu: [] };
    let seq = 0;
    try {
      await fleet.open(server.port, system.path!, n, address());
      await until(() => system.size() === n, 60_000, `${n} subscribers`);
      // what earlier measurements left is collected first, and the first two rounds of each way warm up
      await memory();
      for (let r = -2; r < rounds; r++) {
        for (const bare of r % 2 === 0 ? [false, true] : [true, false]) {
          const value: [number, number] = [++seq, now()];
          // the event the hub writes for this message (its id is the hub's next one)
          const event = `id: ${system.hub.epoch}:${system.hub.lastId + 1}\n${topic ? `event: ${TOPIC}\n` : ''}data: ${JSON.stringify(value)}\n\n`;
          const cpu = process.cpuUsage();
          const t0 = performance.now();
          if (bare) for (const res of streams) res.write(event);
          else system.publish(value);
          await fleet.wait(seq);
          const ms = performance.now() - t0;
          const used = process.cpuUsage(cpu);
          await fleet.samples();
          if (r < 0) continue;
          (bare ? times.loop : times.hub).push(ms);
          (bare ? times.loopCpu : times.hubCpu).push((used.user + used.system) / 1000);
        }
      }
    } finally {
      await fleet.closeAll();
      system.close();
      await server.close();
    }
    out.push(times);
  }
  return out;
}

/**
 * Heap per connection over sockets: `n` clients of `hub.serve`, each on its draw of 1–5 topics of
 * `topics` (the `topics` option), against `n` on the default topic; `rounds` each, alternating.
 */
async function connectionMemory(lib: Library, fleet: ClientFleet, topics: number, n: number, rounds: number, address: () => string): Promise<{ topics: number[]; plain: number[] }> {
  const draws = drawTopics(topicNames(topics), n);
  const got = { topics: [] as number[], plain: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const withTopics of r % 2 === 0 ? [true, false] : [false, true]) {
      const hub = lib.cometHub<[number, number]>(CALLBACK, { policy: 'drop-oldest', limit: 1024 });
      let k = 0;
      const options = withTopics ? { topics: () => draws[k++ % n]! } : undefined;
      const server = await listen((req, res) => void hub.serve(req, res, options).catch(() => {}));
      try {
        const before = await memory();
        await fleet.open(server.port, '/', n, address());
        await until(() => hub.size === n, 60_000 + n, `${n} connections`);
        const after = await memory();
        (withTopics ? got.topics : got.plain).push((after.heap - before.heap) / n);
      } finally {
        await fleet.closeAll();
        await until(async () => (await connections(server.server)) === 0, 60_000 + n, 'sockets to close');
        hub.close();
        await server.close();
      }
    }
  }
  return got;
}

/** p99 of every round of each system at `n` clients (bench/fanout.ts rounds), systems alternating. */
async function latency(makers: [string, () => Broadcaster][], fleet: ClientFleet, n: number, rounds: number, address: () => string): Promise<{ p50: number[]; p99: number[] }[]> {
  const got = makers.map(() => ({ p50: [] as number[], p99: [] as number[] }));
  const count = n >= 10_000 ? 30 : 50;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < makers.length; j++) {
      const i = (j + r) % makers.length;
      const { p50, p99 } = await round(makers[i]![1], fleet, n, count, address());
      got[i]!.p50.push(p50);
      got[i]!.p99.push(p99);
    }
  }
  return got;
}

/** Runs the topics benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const lib = await library();
  const quick = settings.quick;
  const topics = sizeArg('topics', quick ? 10_000 : 100_000);
  const subscriptions = sizeArg('connections', quick ? 2_000 : 20_000);
  const clients = sizeArg('clients', quick ? 1_000 : 10_000);
  const counts = [1, 100, 1000, 10_000].filter((c) => c <= clients);
  if (!counts.includes(clients)) counts.push(clients);
  // one file descriptor per connection in this process
  const sockets = Math.min(subscriptions, fileLimit('soft') - FD_RESERVE);
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const count = (n: number): string => n.toLocaleString('en-US');

  // 1. memory, in-process
  const mem = await measureMemory(lib, topics, subscriptions, quick ? 2 : 5);
  const per = (name: string): number => mem.perItem.get(name)!;
  for (const name of [MEMORY_CASES.left, MEMORY_CASES.published]) {
    rows.push([`heap per idle topic: ${name} (${count(topics)})`, formatBytes(per(name)), 'nothing', '', `≤ 200 B: ${verdict(per(name) <= 200)}`]);
  }
  rows.push([`heap per topic: ${MEMORY_CASES.history} (${count(topics)})`, formatBytes(per(MEMORY_CASES.history)), '', '', '']);
  const subRatio = per(MEMORY_CASES.topics) / per(MEMORY_CASES.single);
  const subscribed = mem.topicsAfter.get(MEMORY_CASES.topics)!;
  rows.push([
    `heap per subscription: ${count(subscriptions)} on 1–5 topics each of ${count(topics)} (${count(subscribed)} topics subscribed) vs on the default topic`,
    formatBytes(per(MEMORY_CASES.topics)), formatBytes(per(MEMORY_CASES.single)), formatRatio(subRatio), `≤ 1.10×: ${verdict(subRatio <= 1.1)}`,
  ]);
  const perTopic = ((per(MEMORY_CASES.topics) - per(MEMORY_CASES.single)) * subscriptions) / subscribed;
  notes.push(
    `Idle topics: ${count(topics)} topics each subscribed once and left, or each published to once, on a hub without history; the hub accounts for ${mem.topicsAfter.get(MEMORY_CASES.left)} and ${mem.topicsAfter.get(MEMORY_CASES.published)} topics afterwards. Heap after full GC, before and after, per topic; ${mem.samples.get(MEMORY_CASES.left)!.length} rounds, kinds rotated, medians.`,
    `Subscriptions stand for connections without their sockets: each has read its first chunk and waits in next(), as a transport keeps it. The difference, ${formatBytes(per(MEMORY_CASES.topics) - per(MEMORY_CASES.single))} per subscription, is ${formatBytes(perTopic)} per topic subscribed (the topic's record and its entry in the hub's map, a Set of subscribers once it has two, each subscriber's list of its topics) spread over ${count(subscribed)} topics and ${count(subscriptions)} subscriptions (${(mem.memberships / subscriptions).toFixed(2)} topics per subscription, ${(mem.memberships / subscribed).toFixed(2)} subscriptions per topic, on average).`,
  );

  const fleet = await ClientFleet.start({ stamps: true });
  const address = addresses();
  const points: FanoutPoint[] = [];
  try {
    const conn = await connectionMemory(lib, fleet, topics, sockets, quick ? 1 : 2, address);
    const connRatio = median(conn.topics) / median(conn.plain);
    rows.push([
      `heap per connection (hub.serve over loopback): ${count(sockets)} on 1–5 topics each of ${count(topics)} vs on the default topic`,
      formatBytes(median(conn.topics)), formatBytes(median(conn.plain)), formatRatio(connRatio), `≤ 1.10×: ${verdict(connRatio <= 1.1)}`,
    ]);
    if (sockets < subscriptions) notes.push(`Connections over sockets: ${count(sockets)}, not ${count(subscriptions)}: this process may open ${fileLimit('soft')} files, one per connection.`);

    // 2. publish to one topic among many
    const published = await measurePublish(lib, topics, { rounds: quick ? 5 : 15, batchMs: quick ? 50 : 150, clock: 'cpu' });
    for (const { kind, rates } of published) {
      const [many, one, plain] = rates;
      const ratio = one!.perSecond / many!.perSecond;
      rows.push([`${kind}: ${many!.name} (1 subscriber) vs ${one!.name}; publishes per CPU second`, `${formatRate(many!.perSecond)} ${spread(many!.samples)}`, `${formatRate(one!.perSecond)} ${spread(one!.samples)}`, formatRatio(ratio), `≤ 1.20×: ${verdict(ratio <= 1.2)}`]);
      rows.push([`${kind}: ${PUBLISH_CASES.plain} (1 subscriber); publishes per CPU second`, '', `${formatRate(plain!.perSecond)} ${spread(plain!.samples)}`, formatRatio(plain!.perSecond / many!.perSecond), '']);
    }
    notes.push(
      `Publish: ${count(topics)} topics, half with an unread subscriber, half with one message of history; every hub keeps 1 message per topic (history: 1), and each subscriber holds at most 16 (drop-oldest), so each publish makes the entry, offers it to one queue, keeps it and drops the one before. Rates are per second of this process's CPU time (less disturbed by the other work of a shared machine than wall-clock time); ratios are time per publish against the topics' (higher: the topics' publish is slower). Interleaved timed batches, medians of rounds.`,
    );

    // 3. fan-out to one topic
    const fan = await fanOutAll(lib, fleet, clients, quick ? 3 : 15, address);
    for (const t of fan) {
      const ratio = median(t.hub) / median(t.loop);
      const target = t.name === SERVED.topic ? `≤ 1.10×: ${verdict(ratio <= 1.1)}` : '';
      rows.push([`one message → all ${count(clients)} received: ${t.name} vs a bare write loop (spread ${spread(t.hub)} / ${spread(t.loop)})`, formatMs(median(t.hub)), formatMs(median(t.loop)), formatRatio(ratio), target]);
      rows.push([`… this process's CPU time meanwhile: ${t.name} vs the bare loop`, formatMs(median(t.hubCpu)), formatMs(median(t.loopCpu)), formatRatio(median(t.hubCpu) / median(t.loopCpu)), '']);
    }
    const makers: [string, () => Broadcaster][] = [
      [SERVED.topic, () => servedHub(lib, true)],
      [SERVED.plain, () => servedHub(lib, false)],
      ['better-sse channel', () => SYSTEMS['better-sse channel']!(lib)],
    ];
    const roundsAt = (n: number): number => (quick ? 3 : n >= 10_000 ? 5 : 9);
    for (const n of counts) {
      const got = await latency(makers, fleet, n, roundsAt(n), address);
      const p99 = got.map((g) => median(g.p99));
      makers.forEach(([name], i) => {
        const v = got[i]!.p99;
        points.push({ system: name, clients: n, p99: p99[i]!, low: Math.min(...v), high: Math.max(...v) });
      });
      for (const i of [0, 1]) {
        const ratio = p99[i]! / p99[2]!;
        rows.push([
          `p99 publish → receipt, ${count(n)} client(s): ${makers[i]![0]} vs better-sse (p50 ${formatMs(median(got[i]!.p50))} / ${formatMs(median(got[2]!.p50))}; p99 ranges ${formatMs(Math.min(...got[i]!.p99))}–${formatMs(Math.max(...got[i]!.p99))} / ${formatMs(Math.min(...got[2]!.p99))}–${formatMs(Math.max(...got[2]!.p99))})`,
          formatMs(p99[i]!), formatMs(p99[2]!), formatRatio(ratio), i === 0 ? `≤ 1.00×: ${verdict(ratio <= 1)}` : '',
        ]);
      }
    }
    notes.push(
      `Connections over sockets: heap of this process after full GC before the clients connect and once the hub has them all, per connection; ${quick ? 1 : 2} round(s) each, alternating, medians. Each request gets the next draw of 1–5 topics from hub.serve's topics option.`,
      `One message to all: from publish() (or the first res.write of the bare loop, which writes the same pre-encoded event, with the topic's event name, to the same responses) until every client has it; ${quick ? 3 : 15} rounds of each, alternating, after a full GC and two rounds of each to warm up; median. The CPU time is this process's (user + system) over the same span: the writes, and what the hub does around them. Default heartbeat (15 s), limit 1024 drop-oldest.`,
      `Latency: ${roundsAt(1)} rounds per system and client count (${roundsAt(10_000)} at 10,000 clients), systems rotated; each round opens the clients afresh, publishes 5 warm-up messages and then 50 (30 at 10,000 clients) at ${rateFor(1)}/s (${rateFor(1000)}/s at 1,000, ${rateFor(10_000)}/s at 10,000 clients), and takes p50/p99 over every delivery of those; the table gives the median p99 of rounds, and the range. Same payload [sequence, timestamp] as JSON; all three send Server-Sent Events.`,
      '![Topics: p99 publish → receipt, hub.serve on a topic and on the default topic against better-sse](bench/charts/topics.svg)',
    );
  } finally {
    await fleet.stop();
  }
  if (!quick) storePoints('topics', points);
  return {
    title: `Topics: ${count(topics)} topics, ${count(subscriptions)} connections, fan-out to ${count(clients)} clients`,
    columns: ['measure', 'with topics', 'baseline', 'ratio', 'target'],
    rows,
    notes,
  };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { ensureBenchProcess } = await import('./lib/respawn.js');
  await ensureBenchProcess(import.meta.url);
  const { renderTable } = await import('./lib/table.js');
  console.log(renderTable(await run()));
}
