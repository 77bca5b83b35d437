/**
 * The few Redis operations a Redis hub needs, over a user-supplied client recognised by shape:
 * node-redis (v4 and later: `sendCommand`, `isOpen`) or ioredis (v5 and later: `call`, `status`).
 * Nothing here imports either package.
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

/**
 * @internal A connected duplicate of `client` for the hub's blocking reads, with an error listener
 * attached. When it cannot connect, it is closed before the error is passed on.
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

type Handler = (arg?: unknown) => void;

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
      entry = { fns, listener: (arg) => { for (const f of [...fns]) f(arg); } };
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
    destroy() {
      const result = typeof c.destroy === 'function' ? c.destroy() : c.disconnect();
      if (result && typeof result.catch === 'function') result.catch(ignore);
    },
  };
}

function ioredisLink(c: AnyClient): RedisLink {
  return {
    flavor: 'ioredis',
    get ready() {
      return c.status === 'ready';
    },
    command: (args) => c.call(args[0], ...args.slice(1)),
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
