/**
 * One server process of the Redis topics benchmark (bench/redis-topics.ts), forked by
 * {@link startTopicsServer}. It serves loopback clients from Redis hubs of one of two layouts, on a
 * node-redis client named after the process (so `CLIENT LIST` tells its connections apart):
 *
 * - `topics`: one `createRedisHub` carrying every topic; a client asks for `/?topic=t<i>`;
 * - `per-topic`: one hub per topic, channel `<channel>-t<i>`, each given a reading connection of its
 *   own (a duplicate of the client per hub, as each hub had before hubs on one client shared one);
 *   a client asks for `/t<i>`, served the default topic of hub i;
 * - `reader`: the `topics` layout without HTTP, with one subscription of topic `t0` in the process,
 *   counted (for the ceiling of one Redis: every reader must read every message).
 *
 * The parent drives it over IPC: `{ op: 'size' | 'cpu' | 'count' | 'close' }`, one answer each.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { library } from './lib/library.js';
import { listen } from './lib/server.js';

const SELF = fileURLToPath(import.meta.url);
const ROLE = 'redis-topics-server';

/** How the server's hubs are laid out (see the module comment). */
export type TopicsLayout = 'topics' | 'per-topic' | 'reader';

/** What one server process is started with. */
export interface TopicsServerConfig {
  url: string;
  layout: TopicsLayout;
  channel: string;
  topics: number;
  /** The client name of every Redis connection of the process (`CLIENT SETNAME`). */
  name: string;
}

/** A server process, seen from the parent. */
export interface TopicsServer {
  /** The HTTP port (0 for a reader). */
  port: number;
  /** Subscribers of its hubs. */
  size(): Promise<number>;
  /** Its CPU time so far (user + system), in microseconds. */
  cpuMicros(): Promise<number>;
  /** Messages its `t0` subscription received (a reader). */
  count(): Promise<number>;
  /** Closes its hubs and connections and waits for it to exit. */
  close(): Promise<void>;
}

/** The path a client of topic `i` asks for, in `layout`. */
export function topicPath(layout: TopicsLayout, i: number): string {
  return layout === 'per-topic' ? `/t${i}` : `/?topic=t${i}`;
}

/** Forks a server process with `config`; resolves once its hubs are made and it listens. */
export async function startTopicsServer(config: TopicsServerConfig): Promise<TopicsServer> {
  const child: ChildProcess = fork(SELF, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, TOPICS_BENCH_ROLE: ROLE, TOPICS_BENCH_CONFIG: JSON.stringify(config) } });
  const replies: ((m: Record<string, number | string>) => void)[] = [];
  child.on('message', (m: Record<string, number | string>) => replies.shift()?.(m));
  const exited = once(child, 'exit');
  const reply = (): Promise<Record<string, number | string>> =>
    new Promise((resolve, reject) => {
      replies.push(resolve);
      void exited.then(([code]) => reject(new Error(`${config.name} exited with ${code}`)));
    });
  const ready = await reply();
  if (typeof ready.error === 'string') throw new Error(`${config.name}: ${ready.error}`);
  const ask = async (op: string): Promise<Record<string, number | string>> => {
    const answer = reply();
    child.send({ op });
    return answer;
  };
  return {
    port: Number(ready.port),
    size: async () => Number((await ask('size')).size),
    cpuMicros: async () => Number((await ask('cpu')).cpu),
    count: async () => Number((await ask('count')).count),
    close: async () => {
      if (child.exitCode !== null) return;
      child.send({ op: 'close' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------- server role (child process)

async function serverRole(): Promise<void> {
  const config = JSON.parse(process.env.TOPICS_BENCH_CONFIG!) as TopicsServerConfig;
  const lib = await library();
  const client = createClient({ url: config.url, name: config.name });
  client.on('error', () => {});
  await client.connect();
  const options = { ...lib.cometEncoding<[number, number]>('parent.cometMessage'), policy: 'drop-oldest' as const, limit: Infinity };
  const hubs: { serve: (req: never, res: never) => Promise<unknown>; size: number; close(): Promise<void>; subscribe(o?: object): AsyncIterable<string> }[] = [];
  const readers: { destroy(): void }[] = [];
  if (config.layout === 'per-topic') {
    for (let i = 0; i < config.topics; i++) {
      const subscriber = client.duplicate();
      subscriber.on('error', () => {});
      await subscriber.connect();
      readers.push(subscriber);
      hubs.push(await lib.createRedisHub({ client, subscriber, channel: `${config.channel}-t${i}`, ...options }));
    }
  } else if (config.layout === 'reader') {
    // no encoding: one value per message (an encoded subscription may coalesce several into one chunk)
    hubs.push(await lib.createRedisHub({ client, channel: config.channel, policy: 'drop-oldest', limit: Infinity }) as unknown as (typeof hubs)[number]);
  } else {
    hubs.push(await lib.createRedisHub({ client, channel: config.channel, ...options }));
  }
  let count = 0;
  if (config.layout === 'reader') {
    void (async () => {
      for await (const _ of hubs[0]!.subscribe({ topics: ['t0'] }) as AsyncIterable<unknown>) count++;
    })().catch(() => {});
  }
  const server = config.layout === 'reader' ? null : await listen((req, res) => {
    const hub = config.layout === 'per-topic' ? hubs[Number(req.url!.slice(2))] : hubs[0];
    if (hub === undefined) res.writeHead(404).end();
    else void hub.serve(req as never, res as never).catch(() => {});
  });
  process.on('message', async (cmd: { op: string }) => {
    if (cmd.op === 'size') process.send!({ size: hubs.reduce((n, h) => n + h.size, 0) });
    else if (cmd.op === 'cpu') {
      const used = process.cpuUsage();
      process.send!({ cpu: used.user + used.system });
    } else if (cmd.op === 'count') process.send!({ count });
    else if (cmd.op === 'close') {
      await server?.close();
      await Promise.all(hubs.map((h) => h.close()));
      for (const r of readers) r.destroy();
      client.destroy();
      process.exit(0);
    }
  });
  process.send!({ port: server?.port ?? 0 });
}

if (process.env.TOPICS_BENCH_ROLE === ROLE) {
  serverRole().catch((error: unknown) => {
    process.send!({ error: String((error as Error)?.stack ?? error) });
    process.exit(1);
  });
}
