/**
 * `comet-bridge/client`: the page side of `hub.serve`. One self-contained ES module with no imports,
 * served to the browser as it is: `import { connectComet } from '/client.js'`.
 * @packageDocumentation
 */

/**
 * Where a connection stands: `'connecting'` (a stream is being opened), `'open'` (the server's first
 * chunk arrived), `'waiting'` (the stream ended; the next attempt is scheduled), `'closed'` (by
 * `close()` or `pagehide`; final). A tab that follows another (`share: true`) shows the leader's state.
 */
export type CometState = 'connecting' | 'open' | 'waiting' | 'closed';

/** The server's first control message of every response (see the wire format). */
export interface CometOpenInfo {
  /** The hub's epoch: a random id made when the hub started. */
  epoch: string;
  /** The hub's last message id when this response started. */
  lastId: number;
  /** The id after which this response's messages start. */
  since: number;
  /** Messages after the cursor that had already left the server's history. */
  missed: number;
  /** True when the cursor was from another epoch (a restarted server): ids start again. */
  reset: boolean;
}

/** What {@link ConnectCometOptions.onGap} is told: `{ missed }` messages are lost, or `{ reset: true }`. */
export interface CometGapInfo {
  missed?: number;
  reset?: true;
}

/** Options of {@link connectComet}. */
export interface ConnectCometOptions<T = unknown> {
  /** The hub's callback, e.g. `'parent.cometMessage'`, as seen from the iframe: it starts with `parent.` or `top.`. */
  callback: string;
  /** Called once per message, in id order, never twice for one id. */
  onMessage: (value: T, id: number) => void;
  /** Called at the start of every response. */
  onOpen?: (info: CometOpenInfo) => void;
  /** Called when the server could not replay everything since the last id. */
  onGap?: (info: CometGapInfo) => void;
  /** Called on every change of {@link CometConnection.state}. */
  onStateChange?: (state: CometState) => void;
  /** Backoff between attempts: a random delay up to `min(maxMs, minMs * 2^attempt)`. Default `{ minMs: 1000, maxMs: 30000 }`. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** No chunk and no heartbeat for this long: the stream is dead, reconnect. Default 30000; above the server's heartbeat. */
  livenessMs?: number;
  /** Tabs of this origin share one stream: a leader (Web Locks) relays to the others (BroadcastChannel). */
  share?: boolean;
}

/** A running connection. */
export interface CometConnection {
  /** Ends the stream, removes the iframe and every timer and listener. Idempotent. */
  close(): void;
  /** Id of the last message delivered to `onMessage`, 0 before the first. */
  readonly lastId: number;
  /** See {@link CometState}. */
  readonly state: CometState;
  /** True when this tab holds the stream (always, without `share`). */
  readonly leader: boolean;
}

const WORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined NaN ' +
    'Infinity constructor').split(' '),
);
/** Functions that run, write as HTML or navigate to a string argument: refused as the last name of the path. */
const SINKS = new Set(
  ('eval Function setTimeout setInterval setImmediate execScript globalEval importScripts write writeln ' +
    'insertAdjacentHTML html setHTMLUnsafe parseHTML parseHTMLUnsafe append prepend after before replaceWith wrap ' +
    'wrapAll wrapInner $ jQuery assign replace open').split(' '),
);

const OPTIONS = 'callback onMessage onOpen onGap onStateChange reconnect livenessMs share'.split(' ');

/**
 * True when `name` is a callback the server accepts: a dotted path of ASCII identifiers, none of them
 * a reserved word or `constructor`, and the last not a function that runs, writes as HTML or navigates to a
 * string (`eval`, `setTimeout`, `write`, `$`, `assign`, …): the server's rule, name for name.
 */
export function isCometCallback(name: unknown): name is string {
  const path = typeof name === 'string' ? name.split('.') : [];
  return path.length > 0 && !SINKS.has(path[path.length - 1]!) && path.every((p) => /^[A-Za-z_$][\w$]*$/.test(p) && !WORDS.has(p));
}

type Relay = { o?: CometOpenInfo; m?: unknown; id?: number; e?: string; s?: CometState; q?: 1 };

/**
 * Connects to a `hub.serve` route through a hidden iframe, made after the page's `load`, and keeps it
 * connected: the iframe's `load` (or `livenessMs` of silence) ends a stream, and the next one starts
 * from the last id delivered, at once after a server's rotation, otherwise after a full-jitter backoff.
 * Executed scripts are removed from the iframe as they run. `pagehide` closes the connection.
 * One connection per callback path in a page.
 * @param url - the route (same origin), relative to the page; its other query parameters are kept
 * @throws TypeError naming connectComet for a bad option or URL
 * @example
 * ```js
 * const comet = connectComet('/comet', { callback: 'parent.cometMessage', onMessage: (v, id) => show(v) });
 * ```
 */
export function connectComet<T = unknown>(url: string | URL, options: ConnectCometOptions<T>): CometConnection {
  const fail = (what: string): never => {
    throw new TypeError('connectComet: ' + what);
  };
  if (!options || typeof options !== 'object') fail('options must be an object');
  for (const k in options) if (!OPTIONS.includes(k)) fail('unknown option ' + k);
  const { callback, onMessage, onOpen, onGap, onStateChange, reconnect = {}, livenessMs = 30000, share } = options;
  const path = isCometCallback(callback) ? callback.split('.') : [];
  const owner = path[0] === 'parent' ? window : path[0] === 'top' ? top : undefined;
  if (!owner || path.length < 2) fail(`callback must be a dotted path starting with parent. or top., got ${String(callback)}`);
  const handlers: Record<string, unknown> = { onOpen, onGap, onStateChange };
  if (typeof onMessage !== 'function') fail('onMessage must be a function');
  for (const k in handlers) if (handlers[k] !== undefined && typeof handlers[k] !== 'function') fail(k + ' must be a function');
  const { minMs = 1000, maxMs = 30000 } = reconnect;
  const ms = { 'reconnect.minMs': minMs, 'reconnect.maxMs': maxMs, livenessMs } as Record<string, unknown>;
  for (const k in ms) if (!((ms[k] as number) > 0 && (ms[k] as number) < 2 ** 31)) fail(`${k} must be a positive number of ms, got ${ms[k]}`);
  if (maxMs < minMs) fail('reconnect.maxMs must not be below reconnect.minMs');
  let base: URL;
  try {
    base = new URL(url, location.href);
  } catch {
    return fail(`invalid url ${String(url)}`);
  }
  const key = 'comet-bridge ' + base.href + ' ' + callback;

  let state: CometState = 'connecting';
  let leader = !share;
  let lastId = 0;
  let epoch: string | undefined;
  let attempt = 0;
  let rotated = false;
  let seen = 0;
  let frame: HTMLIFrameElement | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let channel: BroadcastChannel | undefined;
  let abort: AbortController | undefined;
  let release: (() => void) | undefined;

  const post = (data: Relay): void => {
    if (leader) channel?.postMessage(data);
  };
  const setState = (next: CometState): void => {
    if (next === state) return;
    state = next;
    if (next !== 'closed') post({ s: next });
    onStateChange?.(next);
  };
  const deliver = (value: unknown, id: number): void => {
    if (!(id > lastId)) return;
    lastId = id;
    post({ m: value, id, e: epoch });
    onMessage(value as T, id);
  };
  const opened = (info: CometOpenInfo): void => {
    attempt = 0;
    post({ o: info });
    epoch = info.epoch;
    if (info.reset) lastId = 0;
    if (info.reset || info.missed > 0) onGap?.(info.reset ? { reset: true } : { missed: info.missed });
    setState('open');
    onOpen?.(info);
  };
  const receive = (value: unknown, id: number): void => {
    if (!frame) return;
    const script = frame.contentDocument?.currentScript;
    const parent = script?.parentNode;
    if (parent) {
      while (parent.firstChild !== script) parent.removeChild(parent.firstChild!);
      parent.removeChild(script!);
    }
    seen = Date.now();
    if (id !== 0) deliver(value, id);
    else if ((value as { type?: string }).type === 'open') opened(value as CometOpenInfo);
    else if ((value as { type?: string }).type === 'rotate') rotated = true;
  };
  const drop = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (frame) frame.onload = null;
    frame?.remove();
    frame = undefined;
  };
  const ended = (): void => {
    drop();
    setState('waiting');
    timer = setTimeout(connect, rotated ? 0 : Math.random() * Math.min(maxMs, minMs * 2 ** attempt++));
  };
  const check = (): void => {
    const idle = Date.now() - seen;
    if (idle >= livenessMs) ended();
    else timer = setTimeout(check, livenessMs - idle);
  };
  const connect = (): void => {
    const u = new URL(base);
    u.searchParams.delete('epoch');
    u.searchParams.delete('since');
    if (epoch !== undefined) {
      u.searchParams.set('epoch', epoch);
      u.searchParams.set('since', String(lastId));
    }
    rotated = false;
    setState('connecting');
    frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = u.href;
    frame.onload = ended;
    document.body.appendChild(frame);
    seen = Date.now();
    timer = setTimeout(check, livenessMs);
  };
  const relay = ({ data }: MessageEvent<Relay>): void => {
    if (leader) {
      if (data.q) post({ s: state });
    } else if (data.o) opened(data.o);
    else if (data.id) {
      epoch = data.e;
      deliver(data.m, data.id);
    } else if (data.s) setState(data.s);
  };
  const start = (): void => {
    removeEventListener('load', start);
    if (!leader && self.BroadcastChannel && navigator.locks) {
      channel = new BroadcastChannel(key);
      channel.onmessage = relay;
      channel.postMessage({ q: 1 });
      abort = new AbortController();
      navigator.locks
        .request(key, { signal: abort.signal }, () => {
          leader = true;
          connect();
          return new Promise<void>((resolve) => (release = resolve));
        })
        .catch(() => {});
    } else {
      leader = true;
      connect();
    }
  };
  const close = (): void => {
    if (state === 'closed') return;
    setState('closed');
    leader = false;
    removeEventListener('load', start);
    removeEventListener('pagehide', close);
    drop();
    abort?.abort();
    release?.();
    channel?.close();
    if (target[name] === receive) delete target[name];
  };

  let target = owner as unknown as Record<string, unknown>;
  for (const p of path.slice(1, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
  const name = path[path.length - 1]!;
  target[name] = receive;
  addEventListener('pagehide', close);
  if (document.readyState === 'complete') start();
  else addEventListener('load', start);
  return {
    close,
    get lastId() {
      return lastId;
    },
    get state() {
      return state;
    },
    get leader() {
      return leader;
    },
  };
}
