/**
 * BENCHMARK BASELINE, NOT LIBRARY CODE: a frozen copy of src/hub/redis-client.ts as it was on main at d20f17d (the
 * pub/sub Redis hub that the Redis Streams hub replaces), kept only so that bench/redis-streams.ts
 * can measure the two side by side in one run. It imports nothing of src/: the one helper it took
 * from there (how a value is named in an error message) is a short copy of its own below. Nothing
 * in src/ or test/ may import it; do not fix or extend it.
 */
/**
 * The few Redis operations a Redis hub needs, over a user-supplied client recognised by shape:
 * node-redis (v4 and later: `sendCommand`, `isOpen`) or ioredis (v5 and later: `call`, `status`).
 * Nothing here imports either package.
 */

/** How an error message names a value it refused. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'function') return value.name ? `the function ${value.name}` : 'an anonymous function';
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : `the ${typeof value} ${String(value)}`;
}

/** @internal Which client library a client object comes from. */
export type RedisFlavor = 'node-redis' | 'ioredis';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyClient = any;

/**
 * @internal Recognises a client by shape.
 * @throws TypeError for anything else, and for a node-redis client that was never connected (or was
 *   closed), since node-redis rejects every command of such a client
 */
export function redisFlavor(client: unknown, what: string): RedisFlavor {
  const c = client as AnyClient;
  if (c !== null && typeof c === 'object' && typeof c.subscribe === 'function' && typeof c.on === 'function') {
    if (typeof c.call === 'function' && typeof c.status === 'string') return 'ioredis';
    if (typeof c.sendCommand === 'function' && 'isOpen' in c) {
      if (!c.isOpen) throw new TypeError(`createRedisHub: ${what} is not connected: call \`await ${what}.connect()\` first`);
      return 'node-redis';
    }
  }
  throw new TypeError(`createRedisHub: ${what} must be a node-redis (v4 or later) or ioredis (v5 or later) client, got ${describe(client)}`);
}

/** @internal Connection state callbacks. */
export interface LinkWatcher {
  down(cause: unknown): void;
  up(): void;
}

/**
 * @internal True for an error reply of Redis itself (node-redis `ErrorReply`, ioredis `ReplyError`,
 * and their subclasses), as opposed to a failure of the connection.
 */
export function isReplyError(error: unknown): boolean {
  for (let proto = error instanceof Error ? Object.getPrototypeOf(error) : null; proto !== null && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name === 'ErrorReply' || name === 'ReplyError') return true;
  }
  return false;
}

/** @internal One connection, whatever the library. */
export interface RedisLink {
  readonly flavor: RedisFlavor;
  readonly ready: boolean;
  command(args: string[]): Promise<unknown>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Resolves once the client's own resubscription after a reconnect is confirmed by Redis. */
  resubscribed(channel: string): Promise<void>;
  /** Reports connection loss and recovery; returns a function removing every listener it added. */
  watch(watcher: LinkWatcher): () => void;
  /** Closes the connection at once (used only for connections the hub created). */
  destroy(): void;
}

const ignore = (): void => {};

/**
 * @internal A connected duplicate of `client` for subscribing, with an error listener attached.
 * When it cannot connect, it is closed before the error is passed on.
 */
export async function duplicateClient(client: unknown): Promise<unknown> {
  const flavor = redisFlavor(client, 'client');
  const dup = (client as AnyClient).duplicate() as AnyClient;
  dup.on('error', ignore);
  if (flavor === 'node-redis' && !dup.isOpen) {
    try {
      await dup.connect();
    } catch (error) {
      nodeRedisLink(dup).destroy();
      throw error;
    }
  }
  return dup;
}

/** @internal Wraps a client. */
export function redisLink(client: unknown, what: string): RedisLink {
  const c = client as AnyClient;
  return redisFlavor(client, what) === 'ioredis' ? ioredisLink(c) : nodeRedisLink(c);
}

function listen(c: AnyClient, handlers: Record<string, (arg?: unknown) => void>): () => void {
  for (const [event, fn] of Object.entries(handlers)) c.on(event, fn);
  return () => {
    for (const [event, fn] of Object.entries(handlers)) c.removeListener(event, fn);
  };
}

function nodeRedisLink(c: AnyClient): RedisLink {
  let listener: ((message: string, channel: string) => void) | null = null;
  return {
    flavor: 'node-redis',
    get ready() {
      return Boolean(c.isReady);
    },
    command: (args) => c.sendCommand(args),
    async subscribe(channel, onMessage) {
      listener = (message: string) => onMessage(String(message));
      await c.subscribe(channel, listener);
    },
    async unsubscribe(channel) {
      if (listener) await c.unsubscribe(channel, listener);
      listener = null;
    },
    // node-redis resubscribes before it reports 'ready'
    resubscribed: async () => {},
    watch(watcher) {
      let last: unknown = undefined;
      return listen(c, {
        error: (error) => {
          last = error;
          if (!c.isReady) watcher.down(error);
        },
        reconnecting: () => watcher.down(last),
        end: () => watcher.down(last),
        ready: () => watcher.up(),
      });
    },
    destroy() {
      const result = typeof c.destroy === 'function' ? c.destroy() : c.disconnect();
      if (result && typeof result.catch === 'function') result.catch(ignore);
    },
  };
}

function ioredisLink(c: AnyClient): RedisLink {
  let listener: ((channel: string, message: string) => void) | null = null;
  return {
    flavor: 'ioredis',
    get ready() {
      return c.status === 'ready';
    },
    command: (args) => c.call(args[0], ...args.slice(1)),
    async subscribe(channel, onMessage) {
      listener = (from: string, message: string) => {
        if (from === channel) onMessage(message);
      };
      c.on('message', listener);
      await c.subscribe(channel);
    },
    async unsubscribe(channel) {
      if (listener) c.removeListener('message', listener);
      listener = null;
      await c.unsubscribe(channel);
    },
    // ioredis reports 'ready' before it resubscribes; SUBSCRIBE again (idempotent) and wait for its
    // reply, which comes after the reply to the automatic one
    async resubscribed(channel) {
      await c.subscribe(channel);
    },
    watch(watcher) {
      let last: unknown = undefined;
      return listen(c, {
        error: (error) => {
          last = error;
        },
        close: () => watcher.down(last),
        reconnecting: () => watcher.down(last),
        end: () => watcher.down(last),
        ready: () => watcher.up(),
      });
    },
    destroy() {
      c.disconnect();
    },
  };
}
