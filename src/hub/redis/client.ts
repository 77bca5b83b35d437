/**
 * The few Redis operations a Redis hub needs, over a user-supplied client recognised by shape:
 * node-redis (v4 and later: `sendCommand`, `isOpen`; a cluster of it, `createCluster`: also
 * `nodeClient` and `slots`) or ioredis (v5 and later: `call`, `status`; its `Cluster`: also
 * `isCluster` and `nodes`). Nothing here imports either package.
 *
 * On a Redis Cluster, a hub's keys share one hash slot (see `hashSlot`), so every command of a hub
 * goes to the one node serving that slot: the commands with a key are routed by it, and those
 * without one (`PING`, `CLIENT …`) are sent on that node's connection too, so that the health
 * check asks the node that holds the keys, on the connection the publishes use.
 */

import { describe } from '../../util/args.js';

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

/**
 * @internal Whether a client (recognised by {@link redisFlavor}) is a Redis Cluster client: an
 * ioredis `Cluster` or a node-redis `createCluster` client.
 */
export function isCluster(client: unknown): boolean {
  const c = client as AnyClient;
  return (c.isCluster === true && typeof c.nodes === 'function') || (typeof c.nodeClient === 'function' && 'slots' in c);
}

/**
 * @internal The part of `key` Redis Cluster hashes: the text between the first `{` and the first `}`
 * after it, when that is not empty (a hash tag); otherwise the whole key.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** CRC16-CCITT (XMODEM) of each byte value, as Redis Cluster computes key slots. */
const CRC16 = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** @internal The Redis Cluster hash slot (0 to 16383) of `key`: CRC16 of its hash tag, or of the whole key, modulo 16384. */
export function hashSlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key) ?? key)) crc = ((crc << 8) & 0xffff) ^ CRC16[((crc >> 8) ^ byte) & 0xff]!;
  return crc & 0x3fff;
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
  /** Sends one command; the reply as the client gives it (RESP2 arrays and strings by default). */
  command(args: string[]): Promise<unknown>;
  /** Reports connection loss and recovery; returns a function removing every listener it added. */
  watch(watcher: LinkWatcher): () => void;
  /** Closes the connection at once (used only for connections the hub created). */
  destroy(): void;
}

const ignore = (): void => {};

/** @internal A duplicate connection being made: `connected` settles once it is made; `destroy` closes it at any time. */
export interface Duplicate {
  readonly connected: Promise<unknown>;
  destroy(): void;
}

/**
 * @internal A duplicate of `client` for the hub's blocking reads, with an error listener attached.
 * When it cannot connect, it is closed before the error is passed on; `destroy()` closes it also
 * while it is still connecting (a server that is gone: node-redis would retry for ever). A cluster client's
 * duplicate keeps a connection only to the nodes it sends commands to (for a hub, the one holding
 * its keys): node-redis's with `minimizeConnections`, ioredis's without the ready check (its
 * `CLUSTER INFO` would open one to a random node).
 */
export function duplicateClient(client: unknown): Duplicate {
  const flavor = redisFlavor(client, 'client');
  const c = client as AnyClient;
  const dup = (!isCluster(c) ? c.duplicate()
    : flavor === 'node-redis' ? c.duplicate({ minimizeConnections: true })
    : c.duplicate([], { enableReadyCheck: false })) as AnyClient;
  dup.on('error', ignore);
  let destroyed = false;
  const destroy = (): void => {
    if (destroyed) return;
    destroyed = true;
    if (flavor === 'node-redis') destroyNodeRedis(dup);
    else dup.disconnect();
  };
  // node-redis connects on connect(), which retries by its reconnect strategy for as long as the
  // server refuses: only destroy() ends that, so it is at hand before the connection is made
  const connected = flavor === 'node-redis' && !dup.isOpen
    ? Promise.resolve(dup.connect()).then(() => dup, (error: unknown) => {
      destroy();
      throw error;
    })
    : Promise.resolve(dup);
  return { connected, destroy };
}

/**
 * @internal Wraps a client. On a cluster, every command goes to the node serving `key`'s slot (the
 * hub's stream key: its other keys share the slot).
 */
export function redisLink(client: unknown, what: string, key: string): RedisLink {
  const c = client as AnyClient;
  const flavor = redisFlavor(client, what);
  if (isCluster(c)) return flavor === 'ioredis' ? ioredisClusterLink(c, key) : nodeRedisClusterLink(c, key);
  return flavor === 'ioredis' ? ioredisLink(c) : nodeRedisLink(c);
}

type Handler = (...args: unknown[]) => void;

/**
 * Per client and event, the handlers of every link on it, behind one listener: the hubs sharing a
 * client (one per channel) add one listener per event between them, not one each, so Node never
 * warns of a leak (MaxListenersExceededWarning) for a correct program.
 */
const shared = new WeakMap<object, Map<string, { fns: Set<Handler>; listener: Handler }>>();

function listen(c: AnyClient, handlers: Record<string, Handler>): () => void {
  let events = shared.get(c);
  if (events === undefined) shared.set(c, (events = new Map()));
  const table = events;
  for (const [event, fn] of Object.entries(handlers)) {
    let entry = table.get(event);
    if (entry === undefined) {
      const fns = new Set<Handler>();
      entry = { fns, listener: (...args) => { for (const f of [...fns]) f(...args); } };
      table.set(event, entry);
      c.on(event, entry.listener);
    }
    entry.fns.add(fn);
  }
  return () => {
    for (const [event, fn] of Object.entries(handlers)) {
      const entry = table.get(event);
      if (entry === undefined || !entry.fns.delete(fn) || entry.fns.size > 0) continue;
      table.delete(event);
      c.removeListener(event, entry.listener);
    }
  };
}

/** Closes a node-redis client or cluster at once. */
function destroyNodeRedis(c: AnyClient): void {
  const result = typeof c.destroy === 'function' ? c.destroy() : c.disconnect();
  if (result && typeof result.catch === 'function') result.catch(ignore);
}

function nodeRedisLink(c: AnyClient): RedisLink {
  return {
    flavor: 'node-redis',
    get ready() {
      return Boolean(c.isReady);
    },
    command: (args) => c.sendCommand(args),
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
    destroy: () => destroyNodeRedis(c),
  };
}

function ioredisLink(c: AnyClient): RedisLink {
  return {
    flavor: 'ioredis',
    get ready() {
      return c.status === 'ready';
    },
    command: (args) => c.call(args[0], ...args.slice(1)),
    watch: (watcher) => watchIoredis(c, watcher),
    destroy() {
      c.disconnect();
    },
  };
}

/**
 * Watches the connection events of an ioredis client or `Cluster`, and the handlers `more` makes
 * (a cluster's node events), which may set the last error known.
 */
function watchIoredis(c: AnyClient, watcher: LinkWatcher, more: (errors: { last: unknown }) => Record<string, Handler> = () => ({})): () => void {
  const errors: { last: unknown } = { last: undefined };
  return listen(c, {
    error: (error) => {
      errors.last = error;
    },
    close: () => watcher.down(errors.last),
    reconnecting: () => watcher.down(errors.last),
    end: () => watcher.down(errors.last),
    ready: () => watcher.up(),
    ...more(errors),
  });
}

/** Commands without a key: on a cluster, sent on the connection of the node holding the hub's keys. */
const KEYLESS = new Set(['PING', 'CLIENT']);

/**
 * A node-redis cluster, for the keys of `key`'s slot: commands with a key are routed by it
 * (`sendCommand(key, …)`), those without one sent on the cluster's connection to the slot's master
 * (node-redis 6 sends a `PING` given to the cluster to every node, whatever the key); ready while
 * the cluster is and that connection is not known to be down; only that node's events count.
 */
function nodeRedisClusterLink(c: AnyClient, key: string): RedisLink {
  const slot = hashSlot(key);
  const master = (): AnyClient => c.slots?.[slot]?.master;
  // node events name the node by { host, port }
  const ours = (info: unknown): boolean => {
    const m = master();
    const node = info as { host?: unknown; port?: unknown } | undefined;
    return m !== undefined && node?.host === m.host && node?.port === m.port;
  };
  const link: RedisLink = {
    flavor: 'node-redis',
    get ready() {
      if (!('isReady' in c ? c.isReady : c.isOpen)) return false;
      // no connection yet (one connecting only when used): not known to be down
      const client = master()?.client;
      return client === undefined || Boolean(client.isReady);
    },
    async command(args) {
      if (!KEYLESS.has(args[0]!)) return c.sendCommand(key, false, args);
      const m = master();
      if (m === undefined) throw new Error(`no Redis Cluster node known for slot ${slot}`);
      return (await c.nodeClient(m)).sendCommand(args);
    },
    watch(watcher) {
      let last: unknown = undefined;
      return listen(c, {
        'node-error': (error, info) => {
          if (!ours(info)) return;
          last = error;
          if (!link.ready) watcher.down(error);
        },
        'node-reconnecting': (info) => ours(info) && watcher.down(last),
        'node-disconnect': (info) => ours(info) && watcher.down(last),
        'node-ready': (info) => ours(info) && watcher.up(),
        disconnect: () => watcher.down(last),
      });
    },
    destroy: () => destroyNodeRedis(c),
  };
  return link;
}

/** ioredis node connection states in which it is known to be down. */
const DOWN = new Set(['close', 'reconnecting', 'end', 'disconnecting']);

/**
 * An ioredis `Cluster`, for the keys of `key`'s slot: commands with a key go through the cluster
 * (routed by it, following redirections), those without one on the connection to the node the
 * cluster has for the slot; ready while the cluster is and that connection exists and is not down
 * (the cluster opens a node's connection when it first sends to it, and ends it when it is lost).
 */
function ioredisClusterLink(c: AnyClient, key: string): RedisLink {
  const slot = hashSlot(key);
  const name = (node: AnyClient): string => `${node.options.host}:${node.options.port}`;
  let cached: AnyClient;
  /** The connection to the node serving the slot, as the cluster knows it now. */
  const node = (): AnyClient => {
    const address: string | undefined = c.slots?.[slot]?.[0];
    if (address === undefined) return undefined;
    if (cached === undefined || cached.status === 'end' || name(cached) !== address) {
      cached = (c.nodes('master') as AnyClient[]).find((n) => name(n) === address);
    }
    return cached;
  };
  return {
    flavor: 'ioredis',
    get ready() {
      const n = c.status === 'ready' ? node() : undefined;
      return n !== undefined && !DOWN.has(n.status);
    },
    command(args) {
      if (!KEYLESS.has(args[0]!)) return c.call(args[0], ...args.slice(1));
      const n = node();
      if (n === undefined) return Promise.reject(new Error(`no connection to a Redis Cluster node for slot ${slot}`));
      return n.call(args[0], ...args.slice(1));
    },
    watch: (watcher) => watchIoredis(c, watcher, (errors) => ({
      'node error': (error, address) => {
        if (address === c.slots?.[slot]?.[0]) errors.last = error;
      },
      '-node': (n) => n === cached && watcher.down(errors.last),
      '+node': (n) => name(n) === c.slots?.[slot]?.[0] && watcher.up(),
    })),
    destroy() {
      c.disconnect();
    },
  };
}
