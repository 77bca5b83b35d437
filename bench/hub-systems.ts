/**
 * The broadcasters compared by the broadcast benchmark (bench/hub.ts): the in-process hub and the
 * Redis hub, both through sendComet, and better-sse's channel broadcast. Each is a request handler
 * plus a publish function, made fresh for every table cell.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { createClient } from 'redis';
import type { Library } from './lib/library.js';

/** One broadcaster under test: a server handler and a publish function. */
export interface System {
  name: string;
  handler(req: IncomingMessage, res: ServerResponse): void;
  publish(value: [number, number]): void;
  size(): number;
  close(): Promise<void>;
  note?: () => string;
}

/** The broadcasters, in table order, and the shutdown of what they need (a Redis server). */
export interface Systems {
  makers: (() => Promise<System>)[];
  stop(): Promise<void>;
}

/** A hub served through sendComet, as one broadcaster under test. */
export function hubSystem(lib: Library, name: string, hub: { subscribe(): AsyncIterable<string>; size: number; close(): unknown }, publish: (v: [number, number]) => void, note?: () => string): System {
  return {
    name,
    handler: (_req, res) => void lib.sendComet(res, hub.subscribe()).catch(() => {}),
    publish,
    size: () => hub.size,
    close: async () => void (await hub.close()),
    note,
  };
}

/** better-sse's channel broadcast: one session per request, `channel.broadcast(value)` to all. */
export function betterSse(): System {
  const channel = createChannel();
  return {
    name: 'better-sse channel',
    handler: (req, res) => {
      void createSession(req, res, { keepAlive: null }).then((session) => channel.register(session));
    },
    publish: (value) => void channel.broadcast(value),
    size: () => channel.sessionCount,
    close: async () => {
      for (const s of channel.activeSessions) channel.deregister(s);
    },
  };
}

type Redis = { url: string; stop(): Promise<void> };
type RedisScript = { startRedis(): Promise<Redis> };

/** The Redis server at REDIS_URL, or one started for the run; null (and a note why) when there is none. */
export async function redisServer(notes: string[]): Promise<Redis | null> {
  try {
    if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
    const script = (await import(new URL('../scripts/redis-test-server.mjs', import.meta.url).href)) as RedisScript;
    return await script.startRedis();
  } catch (error) {
    notes.push(`Redis hub skipped: ${(error as Error).message}`);
    return null;
  }
}

/** CPU seconds redis-server has used so far, user + system (`INFO cpu`), asked over `client`. */
export async function redisCpuSeconds(client: { sendCommand(args: string[]): Promise<unknown> }): Promise<number> {
  const info = String(await client.sendCommand(['INFO', 'cpu']));
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** hub (in-process), hub (Redis) when a Redis server is at hand, better-sse channel. */
export async function systems(lib: Library, notes: string[]): Promise<Systems> {
  const encoding = lib.cometEncoding<[number, number]>('parent.cometMessage');
  const redis = await redisServer(notes);
  const makers: (() => Promise<System>)[] = [
    async () => {
      const hub = lib.createHub<[number, number], string>({ ...encoding, policy: 'drop-oldest', limit: Infinity });
      return hubSystem(lib, 'hub (in-process)', hub, (v) => void hub.publish(v), () => `in-process hub dropped ${hub.stats().dropped['drop-oldest']}`);
    },
    async () => betterSse(),
  ];
  if (redis) {
    const url = redis.url;
    makers.splice(1, 0, async () => {
      const client = createClient({ url });
      await client.connect();
      const hub = await lib.createRedisHub<[number, number], string>({ client, channel: `bench-${process.pid}-${Date.now()}`, ...encoding, policy: 'drop-oldest', limit: Infinity });
      const system = hubSystem(lib, 'hub (Redis)', hub, (v) => void hub.publish(v).catch(() => {}));
      return { ...system, close: async () => { await hub.close(); client.destroy(); } };
    });
  }
  return { makers, stop: async () => void (await redis?.stop()) };
}
