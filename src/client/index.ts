/**
 * `comet-bridge/client`: the page side of `hub.serve`. One self-contained ES module with no imports (its types,
 * in `types.ts`, are imported as types only, which leaves no import in the JavaScript), served to the
 * browser as it is: `import { connectComet } from '/client.js'`.
 * @packageDocumentation
 */

import type { CometConnection, CometOpenInfo, CometState, ConnectCometOptions } from './types.js';

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

type Relay = { o?: CometOpenInfo; m?: unknown; id?: number; e?: string; s?: CometState; q?: 1; x?: 1 };

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
 * @throws TypeError naming connectComet for a bad option or URL
 * @example
 * ```js
 * const comet = connectComet('/comet', { callback: 'parent.cometMessage', onMessage: (v, id) => show(v) });
 * const events = connectComet('/comet', { transport: 'eventsource', onMessage: (v, id) => show(v) });
 * ```
 */
export function connectComet<T = unknown>(url: string | URL, options: ConnectCometOptions<T>): CometConnection {
  const fail = (what: string): never => {
    throw new TypeError('connectComet: ' + what);
  };
  if (!options || typeof options !== 'object') fail('options must be an object');
  for (const k in options) if (!OPTIONS.includes(k)) fail('unknown option ' + k);
  const { transport = 'iframe', kind = 'json', callback, onMessage, onOpen, onGap, onStateChange, reconnect = {}, livenessMs = 30000, share } = options;
  if (!['iframe', 'eventsource', 'auto'].includes(transport)) fail(`transport must be 'iframe', 'eventsource' or 'auto', got ${String(transport)}`);
  if (kind !== 'json' && kind !== 'string') fail(`kind must be 'json' or 'string', got ${String(kind)}`);
  const path = isCometCallback(callback) ? callback.split('.') : [];
  const owner = path[0] === 'parent' ? window : path[0] === 'top' ? top : undefined;
  if ((callback !== undefined || transport !== 'eventsource') && (!owner || path.length < 2)) {
    fail(`callback must be a dotted path starting with parent. or top., got ${String(callback)}`);
  }
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
  const sse = transport === 'eventsource' || (transport === 'auto' && typeof globalThis.EventSource === 'function');
  const key = 'comet-bridge ' + base.href;

  let state: CometState = 'connecting';
  let leader = !share;
  let lastId = 0;
  // where the stream stands: the last id delivered, or the id an open said its response starts after
  let at = 0;
  let epoch: string | undefined;
  let attempt = 0;
  let rotated = false;
  // the current EventSource reconnects with a cursor: its URL had one, or a message id arrived on it
  let cursor = false;
  let seen = 0;
  let frame: HTMLIFrameElement | undefined;
  let source: EventSource | undefined;
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
    if (!(id > at)) return;
    lastId = at = id;
    post({ m: value, id, e: epoch });
    onMessage(value as T, id);
  };
  /** A new epoch (a restarted server): ids start again. Once per epoch, whichever of open and reset tells it first. */
  const renew = (next: string): void => {
    if (next === epoch) return;
    if (epoch !== undefined) onGap?.({ reset: true });
    epoch = next;
    lastId = at = 0;
  };
  const opened = (info: CometOpenInfo): void => {
    attempt = 0;
    post({ o: info });
    if (info.reset) renew(info.epoch);
    else if (info.missed > 0) onGap?.({ missed: info.missed });
    epoch = info.epoch;
    at = Math.max(at, info.since);
    setState('open');
    onOpen?.(info);
  };
  const stop = (): void => {
    post({ x: 1 });
    close();
  };
  const control = (info: { type?: string }): void => {
    seen = Date.now();
    if (info.type === 'open') opened(info as CometOpenInfo);
    else if (info.type === 'rotate') rotated = true;
    else if (info.type === 'stop') stop();
  };
  const receive = (value: unknown, id: number): void => {
    if (!frame) return;
    const script = frame.contentDocument?.currentScript;
    const parent = script?.parentNode;
    if (parent) {
      while (parent.firstChild !== script) parent.removeChild(parent.firstChild!);
      parent.removeChild(script!);
    }
    if (id !== 0) {
      seen = Date.now();
      deliver(value, id);
    } else control(value as { type?: string });
  };
  const drop = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (frame) frame.onload = null;
    frame?.remove();
    frame = undefined;
    source?.close();
    source = undefined;
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
  /** The EventSource failed: it reconnects by itself (readyState CONNECTING), or gave up (CLOSED: an HTTP error or a 204). */
  const failed = (es: EventSource, href: string): void => {
    if (es.readyState !== 2) {
      if (rotated || (!cursor && epoch !== undefined)) ended();
      else setState('waiting');
      return;
    }
    setState('waiting');
    const probe = (status: number): void => {
      if (source === es) status === 204 ? stop() : ended();
    };
    fetch(href, { method: 'HEAD', headers: { Accept: 'text/event-stream' }, cache: 'no-store' }).then((r) => probe(r.status), () => probe(0));
  };
  const listen = (es: EventSource, href: string): void => {
    const on = (type: string, fn: (e: MessageEvent<string>) => void): void =>
      es.addEventListener(type, (e) => {
        seen = Date.now();
        if ((e as MessageEvent).data !== undefined) fn(e as MessageEvent<string>);
      });
    on('open', (e) => control(JSON.parse(e.data)));
    on('rotate', (e) => control(JSON.parse(e.data)));
    on('beat', () => {});
    on('reset', (e) => renew(JSON.parse(e.data).epoch));
    on('message', (e) => {
      cursor = true;
      deliver(kind === 'json' ? JSON.parse(e.data) : e.data, Number(e.lastEventId.slice(e.lastEventId.lastIndexOf(':') + 1)));
    });
    es.onerror = () => failed(es, href);
  };
  const connect = (): void => {
    const u = new URL(base);
    for (const k of ['epoch', 'since', 'lastEventId']) u.searchParams.delete(k);
    if (epoch !== undefined && sse) u.searchParams.set('lastEventId', epoch + ':' + at);
    else if (epoch !== undefined) {
      u.searchParams.set('epoch', epoch);
      u.searchParams.set('since', String(at));
    }
    rotated = false;
    cursor = epoch !== undefined;
    setState('connecting');
    seen = Date.now();
    timer = setTimeout(check, livenessMs);
    if (sse) return listen((source = new EventSource(u.href)), u.href);
    frame = document.createElement('iframe');
    frame.hidden = true;
    frame.src = u.href;
    frame.onload = ended;
    document.body.appendChild(frame);
  };
  const relay = ({ data }: MessageEvent<Relay>): void => {
    if (leader) {
      if (data.q) post({ s: state });
    } else if (data.o) opened(data.o);
    else if (data.id) {
      epoch = data.e;
      deliver(data.m, data.id);
    } else if (data.s) setState(data.s);
    else if (data.x) close();
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
    if (!sse && target[name] === receive) delete target[name];
  };

  let target = owner as unknown as Record<string, unknown>;
  const name = path[path.length - 1]!;
  if (!sse) {
    for (const p of path.slice(1, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
    target[name] = receive;
  }
  addEventListener('pagehide', close);
  if (document.readyState === 'complete') start();
  else addEventListener('load', start);
  return {
    close,
    transport: sse ? 'eventsource' : 'iframe',
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
