/**
 * `comet-bridge/client`: the page side of `hub.serve`. One self-contained ES module with no imports (its types,
 * in `types.ts`, are imported as types only, which leaves no import in the JavaScript), served to the
 * browser as it is: `import { connectComet } from '/client.js'`.
 *
 * It is made of four parts, each written after the wire protocol of `hub.serve` (docs/protocol.md),
 * whose sentences are the comments at the lines that carry them out:
 * - the {@link Cursor}: where the page stands in the hub's stream (an epoch and an id);
 * - the {@link Transport}s: how one stream reaches the page, a forever iframe or an EventSource;
 * - the machine, in {@link connectComet}: one state, written by one function, one named function per
 *   transition, and two timers, liveness (armed while a stream runs) and backoff (armed while waiting
 *   for the next attempt), never both at once;
 * - the share: with `share`, one tab holds the stream and the others follow it.
 * @packageDocumentation
 */

import type { CometConnection, CometGapInfo, CometOpenInfo, CometState, ConnectCometOptions } from './types.js';

export type { CometConnection, CometGapInfo, CometOpenInfo, CometState, ConnectCometOptions } from './types.js';

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

const OPTIONS = 'transport kind callback onMessage onOpen onGap onStateChange reconnect livenessMs share'.split(' ');

/**
 * True when `name` is a callback the server accepts: a dotted path of ASCII identifiers, none of them
 * a reserved word or `constructor`, and the last not a function that runs, writes as HTML or navigates to a
 * string (`eval`, `setTimeout`, `write`, `$`, `assign`, …): the server's rule, name for name.
 */
export function isCometCallback(name: unknown): name is string {
  const path = typeof name === 'string' ? name.split('.') : [];
  return path.length > 0 && !SINKS.has(path[path.length - 1]!) && path.every((p) => /^[A-Za-z_$][\w$]*$/.test(p) && !WORDS.has(p));
}

/**
 * The page's cursor: the epoch its ids belong to (undefined before the first `open`), the last id given
 * to `onMessage`, and where the stream stands (`at`: that id, or the `since` of the last `open` when
 * later, so that a stream that broke before its first message resumes where it started).
 */
interface Cursor {
  epoch?: string;
  lastId: number;
  at: number;
}

/** Takes id `id` when it is after the cursor: true once per id, in order (a replay's overlap is dropped). */
function advance(c: Cursor, id: number): boolean {
  if (!(id > c.at)) return false;
  c.lastId = c.at = id;
  return true;
}

/** A new epoch: the hub restarted, its ids start again. Told once per epoch, by whichever of `open` and `reset` comes first. */
function renew(c: Cursor, epoch: string, onGap?: (gap: CometGapInfo) => void): void {
  if (epoch === c.epoch) return;
  if (c.epoch !== undefined) onGap?.({ reset: true });
  c.epoch = epoch;
  c.lastId = c.at = 0;
}

/** An `open`, the first control of every response: where its replay starts, and what it could not give. */
function place(c: Cursor, info: CometOpenInfo, onGap?: (gap: CometGapInfo) => void): void {
  // reset: the cursor was of another epoch
  if (info.reset) renew(c, info.epoch, onGap);
  // missed: messages after the cursor that had already left the hub's history
  else if (info.missed > 0) onGap?.({ missed: info.missed });
  c.epoch = info.epoch;
  // since: the response's messages start after this id
  c.at = Math.max(c.at, info.since);
}

/** A control: an INFO object named by its `type` (`open`, `beat`, `rotate`, `stop`, `reset`). */
type Control = { type?: string; epoch?: string };

/** What a transport tells the machine about its stream. */
interface Sink {
  /** A message with its id. */
  message(value: unknown, id: number): void;
  /** A control. */
  control(info: Control): void;
  /** A sign of life that carries nothing (the EventSource's own `open`). */
  alive(): void;
  /** The stream broke, and the transport will say what comes next. */
  waiting(): void;
  /**
   * The stream broke, and the EventSource reconnects by itself; `resumes`: that reconnection resumes where
   * the page stands (it carries the cursor, or the page has none yet).
   */
  broke(resumes: boolean): void;
  /** The stream is over: the machine starts the next one. */
  ended(): void;
}

/** How one stream at a time reaches the page. */
interface Transport {
  /** Starts a stream on `url` from the cursor (each transport writes it its own way). */
  open(url: URL, c: Cursor): void;
  /** Ends the stream, if any: nothing of it reaches the machine afterwards. `end`: the connection is closed for good. */
  close(end?: boolean): void;
}

/**
 * The forever iframe: a hidden iframe on the URL, whose scripts call the callback, `callback(MESSAGE, ID)`
 * for a message and `callback(INFO, 0)` for a control. The callback is defined until the connection closes.
 */
function iframeTransport(sink: Sink, path: string[], owner: Record<string, unknown>): Transport {
  let frame: HTMLIFrameElement | undefined;
  let target = owner;
  const name = path[path.length - 1]!;
  for (const p of path.slice(1, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
  const receive = (value: unknown, id: number): void => {
    if (!frame) return;
    // each script is removed as it runs, with what is before it: a stream of days keeps its document small
    const script = frame.contentDocument?.currentScript;
    const parent = script?.parentNode;
    if (parent) {
      while (parent.firstChild !== script) parent.removeChild(parent.firstChild!);
      parent.removeChild(script!);
    }
    if (id !== 0) sink.message(value, id);
    else sink.control(value as Control);
  };
  target[name] = receive;
  return {
    open(url, c) {
      // the Comet cursor: ?epoch=E&since=N
      if (c.epoch !== undefined) {
        url.searchParams.set('epoch', c.epoch);
        url.searchParams.set('since', String(c.at));
      }
      frame = document.createElement('iframe');
      frame.hidden = true;
      frame.src = url.href;
      // the iframe's load: the response ended (a rotation, the server's shutdown, an error)
      frame.onload = () => sink.ended();
      document.body.appendChild(frame);
    },
    close(end) {
      if (frame) frame.onload = null;
      frame?.remove();
      frame = undefined;
      if (end && target[name] === receive) delete target[name];
    },
  };
}

/**
 * The EventSource (`Accept: text/event-stream`): each message an unnamed event with the id `E:N`, each
 * control an event named by its type. The browser reconnects by itself after a cut, after the server's
 * `retry`, sending the last id it saw as `Last-Event-ID`.
 */
function eventSourceTransport(sink: Sink, kind: 'json' | 'string'): Transport {
  let es: EventSource | undefined;
  return {
    open(url, c) {
      // the SSE cursor in the query, as Last-Event-ID would carry it: ?lastEventId=E:N
      if (c.epoch !== undefined) url.searchParams.set('lastEventId', c.epoch + ':' + c.at);
      // this EventSource reconnects with a cursor: its URL had one, or an id arrived on it
      let resumes = c.epoch !== undefined;
      const s = (es = new EventSource(url.href));
      const on = (type: string, fn: (e: MessageEvent<string>) => void): void =>
        s.addEventListener(type, (e) => ((e as MessageEvent).data === undefined ? sink.alive() : fn(e as MessageEvent<string>)));
      for (const type of ['open', 'rotate', 'beat', 'reset']) on(type, (e) => sink.control(JSON.parse(e.data)));
      on('message', (e) => {
        resumes = true;
        const id = e.lastEventId;
        // the id E:N: N is the message's id in epoch E
        sink.message(kind === 'json' ? JSON.parse(e.data) : e.data, Number(id.slice(id.lastIndexOf(':') + 1)));
      });
      s.onerror = () => {
        // CONNECTING: the browser reconnects by itself; with no cursor when none was in its URL and no id came
        if (s.readyState !== 2) return sink.broke(resumes || c.epoch === undefined);
        // CLOSED: it gave up, on an HTTP error and on the stop's 204 alike; one HEAD tells them apart
        sink.waiting();
        const probe = (status: number): void => {
          if (es === s) status === 204 ? sink.control({ type: 'stop' }) : sink.ended();
        };
        fetch(url.href, { method: 'HEAD', headers: { Accept: 'text/event-stream' }, cache: 'no-store' }).then((r) => probe(r.status), () => probe(0));
      };
    },
    close() {
      es?.close();
      es = undefined;
    },
  };
}

/** What the leader posts to the tabs that follow it, and what they ask (`q`). */
type Relay = { o?: CometOpenInfo; m?: unknown; id?: number; e?: string; s?: CometState; q?: 1; x?: 1 };

/** A value for an error message. */
const shown = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v) : v === null || /^[nbu]/.test(typeof v) ? String(v) : (typeof v === 'object' ? 'an ' : 'a ') + typeof v;

/**
 * Connects to a `hub.serve` route and keeps it connected, delivering each message once, in id order.
 *
 * The iframe transport makes a hidden iframe after the page's `load`; its `load` (or `livenessMs` of
 * silence) ends a stream, and the next one starts from the last id, at once after a server's rotation,
 * otherwise after a full-jitter backoff. Executed scripts are removed from the iframe as they run.
 *
 * The EventSource transport lets the browser reconnect by itself after a cut (it sends `Last-Event-ID`,
 * after the server's `retry`); on `livenessMs` of silence, after a `rotate`, or when a stream that had no
 * cursor yet breaks, it opens a new EventSource with `?lastEventId=E:N`. When the EventSource gives up
 * (an HTTP error or a `204`), one `HEAD` request with `Accept: text/event-stream` tells them apart: a `204`
 * is the server's stop (closed for good), anything else a failure (reconnect after the backoff).
 *
 * The cursor is the last id delivered, or the `since` of the last `open` when that is later (a stream
 * that broke before its first message resumes where it started). The server's `stop` (either
 * transport) and `pagehide` close the connection. One connection per URL (and per callback) in a page.
 * @param url - the route (same origin), relative to the page; its other query parameters are kept
 * @throws TypeError naming connectComet for a URL or an option of the wrong type, an unknown option or a bad callback
 * @throws RangeError naming connectComet for a number of milliseconds out of range
 * @example
 * ```js
 * const comet = connectComet('/comet', { callback: 'parent.cometMessage', onMessage: (v, id) => show(v) });
 * const events = connectComet('/comet', { transport: 'eventsource', onMessage: (v, id) => show(v) });
 * ```
 */
export function connectComet<T = unknown>(url: string | URL, options: ConnectCometOptions<T>): CometConnection {
  const fail = (name: string, what: string, value: unknown, E: new (m: string) => Error = TypeError): never => {
    throw new E(`connectComet: ${name} must be ${what}, got ${shown(value)}`);
  };
  const unknown = (k: string): never => {
    throw new TypeError('connectComet: unknown option ' + k);
  };
  if (typeof url !== 'string' && !(url instanceof URL)) fail('url', 'a string or a URL', url);
  if (!options || typeof options !== 'object') fail('options', 'an object', options);
  for (const k in options) if (!OPTIONS.includes(k)) unknown(k);
  const { transport = 'iframe', kind = 'json', callback, onMessage, onOpen, onGap, onStateChange, reconnect = {}, livenessMs = 30000, share } = options;
  if (!['iframe', 'eventsource', 'auto'].includes(transport)) fail('options.transport', "'iframe', 'eventsource' or 'auto'", transport);
  if (kind !== 'json' && kind !== 'string') fail('options.kind', "'json' or 'string'", kind);
  const path = isCometCallback(callback) ? callback.split('.') : [];
  const owner = path[0] === 'parent' ? window : path[0] === 'top' ? top : undefined;
  if ((callback !== undefined || transport !== 'eventsource') && (!owner || path.length < 2)) {
    fail('options.callback', 'a dotted path starting with parent. or top.', callback);
  }
  const handlers: Record<string, unknown> = { onMessage, onOpen, onGap, onStateChange };
  for (const k in handlers) if (typeof handlers[k] !== 'function' && (k === 'onMessage' || handlers[k] !== undefined)) fail('options.' + k, 'a function', handlers[k]);
  if (!reconnect || typeof reconnect !== 'object') fail('options.reconnect', 'an object', reconnect);
  for (const k in reconnect) if (k !== 'minMs' && k !== 'maxMs') unknown('reconnect.' + k);
  const { minMs = 1000, maxMs = 30000 } = reconnect;
  const ms: Record<string, unknown> = { 'reconnect.minMs': minMs, 'reconnect.maxMs': maxMs, livenessMs };
  for (const k in ms) {
    if (typeof ms[k] !== 'number') fail('options.' + k, 'a number of ms', ms[k]);
    if (!((ms[k] as number) > 0 && (ms[k] as number) < 2 ** 31)) fail('options.' + k, 'above 0 and below 2^31', ms[k], RangeError);
  }
  if (maxMs < minMs) fail('options.reconnect.maxMs', 'at least reconnect.minMs', maxMs, RangeError);
  if (share !== undefined && typeof share !== 'boolean') fail('options.share', 'a boolean', share);
  let base: URL;
  try {
    base = new URL(url, location.href);
  } catch {
    return fail('url', 'a valid URL', url);
  }
  const sse = transport === 'eventsource' || (transport === 'auto' && typeof globalThis.EventSource === 'function');
  const key = 'comet-bridge ' + base.href;
  // the cursor is the client's to write: the URL's own is dropped
  for (const k of ['epoch', 'since', 'lastEventId']) base.searchParams.delete(k);

  const cursor: Cursor = { lastId: 0, at: 0 };
  let state: CometState = 'connecting';
  let leader = !share;
  // attempts since the last open: the backoff's exponent
  let attempt = 0;
  // the server said rotate: the next stream starts at once
  let rotated = false;
  // when the stream last showed life
  let seen = 0;
  // armed while a stream runs
  let liveness: ReturnType<typeof setTimeout> | undefined;
  // armed while no stream runs and the next is due
  let backoff: ReturnType<typeof setTimeout> | undefined;
  let channel: BroadcastChannel | undefined;
  let abort: AbortController | undefined;
  let release: (() => void) | undefined;

  const post = (data: Relay): void => {
    if (leader) channel?.postMessage(data);
  };
  /** The one writer of the state: every transition goes through it, and the tabs that follow hear it. */
  const to = (next: CometState): void => {
    if (next === state) return;
    state = next;
    if (next !== 'closed') post({ s: next });
    onStateChange?.(next);
  };
  /** A message: given to `onMessage` (and to the tabs that follow) once per id, in order. */
  const deliver = (value: unknown, id: number): void => {
    if (!advance(cursor, id)) return;
    post({ m: value, id, e: cursor.epoch });
    onMessage(value as T, id);
  };
  /** → open: a response began; the backoff count starts again. */
  const opened = (info: CometOpenInfo): void => {
    attempt = 0;
    post({ o: info });
    place(cursor, info, onGap);
    to('open');
    onOpen?.(info);
  };
  /** → closed, by the server's stop: the tabs that follow close too. */
  const stop = (): void => {
    post({ x: 1 });
    close();
  };
  /** A control of the stream: each one is a sign of life, and a `beat` (the heartbeat) is nothing more. */
  const control = (info: Control): void => {
    seen = Date.now();
    if (info.type === 'open') opened(info as CometOpenInfo);
    // rotate: the server ends this response on purpose, the next one starts at once
    else if (info.type === 'rotate') rotated = true;
    // stop: the server ends this client for good
    else if (info.type === 'stop') stop();
    // reset (EventSource, after an open whose reset is true): the epoch changed
    else if (info.type === 'reset') renew(cursor, info.epoch!, onGap);
  };
  /** Ends the stream (its transport and its liveness timer); `end`: for good. */
  const drop = (end?: boolean): void => {
    clearTimeout(liveness);
    carrier.close(end);
  };
  /** → connecting: a stream from the cursor, with its liveness timer. */
  const connect = (): void => {
    rotated = false;
    to('connecting');
    seen = Date.now();
    liveness = setTimeout(check, livenessMs);
    carrier.open(new URL(base), cursor);
  };
  /** The liveness timer's check. */
  const check = (): void => {
    const idle = Date.now() - seen;
    // no chunk and no heartbeat for livenessMs: the stream is dead
    if (idle >= livenessMs) ended();
    else liveness = setTimeout(check, livenessMs - idle);
  };
  /** → waiting, with the backoff timer: the next stream at once after a rotate, else after a full-jitter backoff. */
  const ended = (): void => {
    drop();
    to('waiting');
    backoff = setTimeout(connect, rotated ? 0 : Math.random() * Math.min(maxMs, minMs * 2 ** attempt++));
  };
  const sink: Sink = {
    message(value, id) {
      seen = Date.now();
      deliver(value, id);
    },
    control,
    alive: () => (seen = Date.now()),
    waiting: () => to('waiting'),
    // after a rotate, or when its own reconnection would carry no cursor, a new stream from the cursor
    broke: (resumes) => (rotated || !resumes ? ended() : to('waiting')),
    ended,
  };
  // the transport that carries every stream of this connection
  const carrier = sse ? eventSourceTransport(sink, kind) : iframeTransport(sink, path, owner as unknown as Record<string, unknown>);
  /** The share's channel: a follower hears the leader's opens, messages, states and stop; the leader answers a new tab. */
  const relay = ({ data }: MessageEvent<Relay>): void => {
    if (leader) {
      if (data.q) post({ s: state });
    } else if (data.o) opened(data.o);
    else if (data.id) {
      cursor.epoch = data.e;
      deliver(data.m, data.id);
    } else if (data.s) to(data.s);
    else if (data.x) close();
  };
  /** At the page's load (an iframe made earlier would hold the load for as long as it streams). */
  const start = (): void => {
    removeEventListener('load', start);
    // share: the tab that holds the Web Lock leads; the others follow it until the lock comes to one of them
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
  /** → closed, for good: no stream, timer, listener or callback is left. */
  const close = (): void => {
    if (state === 'closed') return;
    to('closed');
    leader = false;
    removeEventListener('load', start);
    removeEventListener('pagehide', close);
    clearTimeout(backoff);
    drop(true);
    abort?.abort();
    release?.();
    channel?.close();
  };

  addEventListener('pagehide', close);
  if (document.readyState === 'complete') start();
  else addEventListener('load', start);
  return {
    close,
    transport: sse ? 'eventsource' : 'iframe',
    get lastId() {
      return cursor.lastId;
    },
    get state() {
      return state;
    },
    get leader() {
      return leader;
    },
  };
}
