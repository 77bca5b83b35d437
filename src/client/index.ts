/**
 * `comet-bridge/client`: the page side of `hub.serve`. One self-contained ES module with no imports (its types,
 * in `types.ts`, are imported as types only, which leaves no import in the JavaScript), served to the
 * browser as it is: `import { connectComet } from '/client.js'`.
 *
 * It is made of four parts, each written after the wire protocol of `hub.serve` (docs/protocol.md),
 * whose sentences are the comments at the lines that carry them out:
 * - the cursor: where the connection stands in the hub's stream, an epoch and an id (one sequence
 *   across topics);
 * - the transports: how one stream reaches the page, a forever iframe or an EventSource, both with
 *   the interface `Transport`;
 * - the machine, in {@link connectComet}: one state, written by one function (`to`), one named
 *   function per transition, and two timers, liveness (armed while a stream runs, or while a probe is
 *   out) and backoff (armed while waiting for the next attempt), never both at once;
 * - the share: of the connections of one key (URL, transport, kind, callback) in every tab of the
 *   origin, one holds the stream, carrying the topics of all, and the others follow it.
 * @packageDocumentation
 */

import type { CometConnection, CometErrorInfo, CometGapInfo, CometOpenInfo, CometState, ConnectCometOptions } from './types.js';

export type { CometConnection, CometErrorInfo, CometGapInfo, CometOpenInfo, CometState, ConnectCometOptions } from './types.js';

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

const OPTIONS = 'transport kind callback topics onMessage onOpen onGap onError onStateChange reconnect livenessMs share'.split(' ');

/**
 * True when `name` is a callback the server accepts: a dotted path of ASCII identifiers, none of them
 * a reserved word or `constructor`, and the last not a function that runs, writes as HTML or navigates to a
 * string (`eval`, `setTimeout`, `write`, `$`, `assign`, …): the server's rule, name for name.
 */
export function isCometCallback(name: unknown): name is string {
  const path = typeof name === 'string' ? name.split('.') : [''];
  return !SINKS.has(path.at(-1)!) && path.every((p) => /^[A-Za-z_$][\w$]*$/.test(p) && !WORDS.has(p));
}

/** A topic name, the server's rule: `[A-Za-z0-9_.:/@-]{1,200}`, none of the names `EventSource` fires itself. */
const TOPIC = /^(?!(open|error|message)$)[\w.:/@-]{1,200}$/;

/** How many streams this page holds, by origin. */
const held: Record<string, number> = {};

/** A control: an INFO object named by its `type` (`open`, `beat`, `rotate`, `stop`, `reset`). */
type Control = Partial<CometOpenInfo> & CometErrorInfo & { type?: string };

/**
 * How one stream at a time reaches the page: starts a stream on `url` (its cursor written) and returns
 * the function that ends it (nothing of it reaches the machine afterwards).
 */
type Transport = (url: string) => () => void;

/**
 * What goes between the connections of a share, as `[what, ...arguments]`: the leader relays its calls
 * to those that follow it (0 a control, 1 a message with its id, topic and epoch, 2 state); a
 * connection that starts says its topics (3), and the leader answers with its state. The lock goes to
 * the connections in the order they asked for it, so a connection that takes over has heard the topics
 * of every connection still there: they started after it.
 */
type Relay = [number, ...unknown[]];

/** A value for an error message. */
const shown = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(v) : v === null || /^[nbu]/.test(typeof v) ? String(v) : (typeof v === 'object' ? 'an ' : 'a ') + typeof v;

/**
 * Connects to a `hub.serve` route and keeps it connected, delivering each message of its topics once, in id order.
 *
 * The iframe transport makes a hidden iframe after the page's `load`; its `load` (or `livenessMs` of
 * silence) ends a stream, and the next one starts from the last id, at once after a server's rotation,
 * otherwise after a full-jitter backoff. Executed scripts are removed from the iframe as they run.
 *
 * The EventSource transport lets the browser reconnect by itself after a cut (it sends `Last-Event-ID`,
 * after the server's `retry`); on `livenessMs` of silence, after a `rotate`, or when a stream that had no
 * cursor yet breaks, it opens a new EventSource with `?lastEventId=E:N`.
 *
 * When a stream ends before its `open` control, or the EventSource gives up, one `HEAD` request tells
 * what happened: a `204` is the server's stop, a `400`, `401`, `403` or `404` a refusal (closed for good,
 * `onError({ status })`), anything else a failure (the next attempt after the backoff); after 3 responses
 * in a row without an `open`, `onError({ message })` says so. The server's `stop` control (with a status:
 * a refusal) and `pagehide` close the connection.
 *
 * With `share` (the default), the connections of one key (the URL, transport, kind and callback, and
 * whether they name topics), in this page and in every tab of the origin, share one stream: the one that
 * holds the Web Lock of the key leads, carrying the union of every connection's topics, and relays to the
 * others over a `BroadcastChannel`; each is given the messages of its own topics. A connection that brings
 * a topic the stream lacks makes it reconnect once, from its cursor (what is after the cursor comes, of
 * every topic); the stream keeps its topics while it runs. When the leader closes, the next takes over
 * from its own cursor. Where Web Locks are missing (an insecure context), and with `share: false`, a
 * connection holds a stream of its own. A page whose streams to one origin go past the 6 connections
 * browsers allow over HTTP/1.1 gets a `console.warn` when the 7th opens.
 * @param url - the route (same origin), relative to the page; its other query parameters are kept
 * @throws TypeError naming connectComet for a URL or an option of the wrong type, an unknown option, a bad callback or topic
 * @throws RangeError naming connectComet for a number of milliseconds out of range
 * @example
 * ```js
 * const comet = connectComet('/comet', { callback: 'parent.cometMessage', onMessage: (v, id) => show(v) });
 * const events = connectComet('/comet', { transport: 'eventsource', topics: ['user:42', 'news'], onMessage: (v, id, topic) => show(topic, v) });
 * ```
 */
export function connectComet<T = unknown>(url: string | URL, options: ConnectCometOptions<T>): CometConnection {
  const error = (message: string, E: new (m: string) => Error = TypeError): never => {
    throw new E('connectComet: ' + message);
  };
  const fail = (name: string, what: string, value: unknown, E?: new (m: string) => Error): never => error(`${name} must be ${what}, got ${shown(value)}`, E);
  if (typeof url !== 'string' && !(url instanceof URL)) fail('url', 'a string or a URL', url);
  if (!options || typeof options !== 'object') fail('options', 'an object', options);
  const given = options as unknown as Record<string, unknown>;
  for (const k in options) if (!OPTIONS.includes(k)) error('unknown option ' + k);
  const { transport = 'iframe', kind = 'json', callback, topics, reconnect = {}, livenessMs = 30000, share = true } = options;
  if (!['iframe', 'eventsource', 'auto'].includes(transport)) fail('options.transport', "'iframe', 'eventsource' or 'auto'", transport);
  if (kind !== 'json' && kind !== 'string') fail('options.kind', "'json' or 'string'", kind);
  const path = isCometCallback(callback) ? callback.split('.') : [];
  const owner = (path[0] === 'parent' ? window : path[0] === 'top' ? top : undefined) as unknown as Record<string, unknown>;
  if ((callback !== undefined || transport !== 'eventsource') && (!owner || path.length < 2)) {
    fail('options.callback', 'a dotted path starting with parent. or top.', callback);
  }
  if (topics !== undefined) {
    for (const t of Array.isArray(topics) && topics.length ? topics : [topics]) if (typeof t !== 'string' || !TOPIC.test(t) || t === (topics as unknown)) fail('options.topics', 'a non-empty array of topic names', t);
  }
  // onMessage, onOpen, onGap, onError, onStateChange: functions, onMessage required
  for (const k of OPTIONS) {
    if (/^on/.test(k) && typeof given[k] !== 'function' && (k === 'onMessage' || given[k] !== undefined)) fail('options.' + k, 'a function', given[k]);
  }
  if (!reconnect || typeof reconnect !== 'object') fail('options.reconnect', 'an object', reconnect);
  for (const k in reconnect) if (k !== 'minMs' && k !== 'maxMs') error('unknown option reconnect.' + k);
  const { minMs = 1000, maxMs = 30000 } = reconnect;
  const ms: Record<string, unknown> = { 'reconnect.minMs': minMs, 'reconnect.maxMs': maxMs, livenessMs };
  for (const k in ms) {
    if (typeof ms[k] !== 'number') fail('options.' + k, 'a number of ms', ms[k]);
    if (!((ms[k] as number) > 0 && (ms[k] as number) < 2 ** 31)) fail('options.' + k, 'above 0 and below 2^31', ms[k], RangeError);
  }
  if (maxMs < minMs) fail('options.reconnect.maxMs', 'at least reconnect.minMs', maxMs, RangeError);
  if (typeof share !== 'boolean') fail('options.share', 'a boolean', share);
  let base: URL;
  try {
    base = new URL(url, location.href);
  } catch {
    return fail('url', 'a valid URL', url);
  }
  const sse = transport === 'eventsource' || (transport === 'auto' && !!globalThis.EventSource);
  // the cursor and the topics are the client's to write: the URL's own are dropped
  for (const k of ['epoch', 'since', 'lastEventId', 'topic']) base.searchParams.delete(k);
  const key = ['comet-bridge', sse, kind, callback, !topics, base.href].join(' ');
  const { origin } = base;

  // this connection's topics ('': the default topic), and those its stream carries: of every connection that follows it too
  const mine = new Set(topics ?? ['']);
  const union = new Set(mine);
  // the cursor: the epoch its ids belong to (undefined before the first open), and where the stream
  // stands: the last id taken, or the since of the last open when later (a stream that broke before its
  // first message resumes where it started)
  let epoch: string | undefined;
  let at = 0;
  // the last id given to onMessage
  let lastId = 0;
  let state: CometState = 'connecting';
  let leader = false;
  // attempts since the last open: the backoff's exponent; and responses without an open since the last one
  let attempt = 0;
  let misses = 0;
  // the server said rotate: the next stream starts at once
  let rotated: boolean | undefined;
  // an open came on this attempt, or a probe is out: what ends it now is no probe's matter
  let got: boolean | undefined;
  // how many topics the current stream asked for
  let asked = 0;
  // when the stream last showed life
  let seen: number;
  // one more at each drop: what a probe learns of an attempt since dropped is not acted on
  let gen = 0;
  // the URL of the current attempt
  let href: string;
  // ends the current attempt's stream
  let shut = (): void => {};
  // the two timers, never armed at once: liveness while a stream runs (or a probe is out), backoff
  // while no stream runs and the next is due
  let timer: ReturnType<typeof setTimeout> | undefined;
  let channel: BroadcastChannel | undefined;
  // aborted at the close: it removes the page's listeners, and cancels the lock's request or releases the lock
  const abort = new AbortController();
  const { signal } = abort;

  /** Says something to every other connection of the key. */
  const tell = (data: Relay): void => channel?.postMessage(data);
  /** Relays to the connections that follow, when this one leads. */
  const post = (data: Relay): void => void (leader && tell(data));
  /** The one writer of the state: every transition goes through it, and the connections that follow hear it. */
  const to = (next: CometState): void => {
    if (next === state) return;
    state = next;
    post([2, next]);
    options.onStateChange?.(next);
  };
  /**
   * A message, a sign of life: taken once per id, in order (a replay's overlap is dropped), relayed,
   * and given to `onMessage` when of this connection's topics. `e`: its epoch, from the leader.
   */
  const deliver = (value: unknown, id: number, topic = '', e = epoch): void => {
    seen = Date.now();
    epoch = e;
    if (!(id > at)) return;
    at = id;
    post([1, value, id, topic, epoch]);
    if (mine.has(topic)) options.onMessage(value as T, (lastId = id), topic);
  };
  /** A new epoch: the hub restarted, its ids start again. Told once per epoch, by whichever of `open` and `reset` comes first. */
  const renew = (e: string): void => {
    if (e === epoch) return;
    if (epoch) options.onGap?.({ reset: true });
    epoch = e;
    at = lastId = 0;
  };
  /** A control of the stream, relayed to the connections that follow: each one is a sign of life, and a `beat` (the heartbeat) is nothing more. */
  const control = (info: Control): void => {
    const { type, ...e } = info;
    seen = Date.now();
    post([0, info]);
    // open, the first control of every response: the backoff count starts again, and a stream that lacks topics widens
    if (type === 'open') {
      attempt = misses = 0;
      got = true;
      // missed: messages after the cursor that had already left the hub's history (a reset in the
      // same epoch: at least that many); the epoch: another than the cursor's is a reset
      if (info.missed && (!info.reset || info.epoch == epoch)) options.onGap?.({ missed: info.missed });
      renew(info.epoch!);
      // since: the response's messages start after this id
      if (info.since! > at) at = info.since!;
      to('open');
      options.onOpen?.(info as CometOpenInfo);
      widen();
    }
    // rotate: the server ends this response on purpose, the next one starts at once
    else if (type === 'rotate') rotated = true;
    // stop: the server ends this client for good, and those that follow; with a status above 204, it refused it
    else if (type === 'stop') {
      close();
      if (e.status! > 204) options.onError?.(e);
    }
    // reset (EventSource, after an open whose reset is true): the epoch changed
    else if (type === 'reset') renew(info.epoch!);
  };
  /** Arms the liveness timer for a full `livenessMs`. */
  const arm = (): void => {
    clearTimeout(timer);
    seen = Date.now();
    timer = setTimeout(check, livenessMs);
  };
  /** Ends the stream and its timer. */
  const drop = (): void => {
    clearTimeout(timer);
    gen++;
    shut();
  };
  /** → connecting: a stream of the topics from the cursor, with its liveness timer. */
  const connect = (): void => {
    rotated = got = false;
    to('connecting');
    arm();
    const u = new URL(base);
    const q = u.searchParams;
    // the topics: repeated topic parameters, none for the default topic
    union.forEach((t) => t && q.append('topic', t));
    asked = union.size;
    // the cursor, once an open gave an epoch: Comet ?epoch=E&since=N, SSE ?lastEventId=E:N (as Last-Event-ID would carry it)
    if (epoch) sse ? q.set('lastEventId', epoch + ':' + at) : (q.set('epoch', epoch), q.set('since', '' + at));
    shut = (sse ? eventSource : iframe)((href = u.href));
  };
  /** A new stream at once when this connection leads an open stream that lacks some of the topics. */
  const widen = (): void => {
    if (leader && state === 'open' && union.size > asked) {
      drop();
      connect();
    }
  };
  /** The liveness timer's check: no chunk and no heartbeat for livenessMs is a dead stream. */
  const check = (): void => {
    const idle = Date.now() - seen;
    if (idle < livenessMs) timer = setTimeout(check, livenessMs - idle);
    else if (got) ended();
    else probe();
  };
  /** → waiting, with the backoff timer: the next stream at once after a rotate, else after a full-jitter backoff. */
  const ended = (): void => {
    drop();
    to('waiting');
    timer = setTimeout(connect, rotated ? 0 : Math.random() * Math.min(maxMs, minMs * 2 ** attempt++));
  };
  /**
   * The stream ended before its open, or the EventSource gave up (on an HTTP error and on the stop's 204 alike):
   * one HEAD, with the transport's Accept, tells a stop, a refusal and a failure apart. Liveness bounds it.
   */
  const probe = (): void => {
    const g = gen;
    got = true;
    shut();
    to('waiting');
    arm();
    fetch(href, { method: 'HEAD', headers: sse ? { Accept: 'text/event-stream' } : {}, cache: 'no-store' })
      .then((r) => r.status, () => 0)
      .then((status) => {
        if (g !== gen) return;
        // 204: the server's stop; 400, 401, 403, 404: a refusal
        if (/^(204|40[0134])$/.test('' + status)) control({ type: 'stop', status });
        else {
          // a response, and no open since the last: a callback that differs from the server's runs nothing
          if (status && ++misses === 3) options.onError?.({ message: "no open control in 3 responses: does the callback match the server's?" });
          ended();
        }
      });
  };

  // the forever iframe's callback (`callback(MESSAGE, ID)` for a message of the default topic,
  // `callback(MESSAGE, ID, "topic")` for one of a topic, `callback(INFO, 0)` for a control), defined while the connection leads
  let frame: HTMLIFrameElement | undefined;
  let target = owner;
  const name = path.at(-1)!;
  for (const p of path.slice(1, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
  const receive = (value: unknown, id: number, topic?: string): void => {
    // each script is removed as it runs, with what is before it: a stream of days keeps its document small
    const script = frame?.contentDocument?.currentScript;
    while (script?.previousSibling) script.previousSibling.remove();
    script?.remove();
    if (id) deliver(value, id, topic);
    else control(value as Control);
  };
  /** The forever iframe: a hidden iframe on the URL, whose scripts call the callback. */
  const iframe: Transport = (url) => {
    target[name] = receive;
    const f = (frame = document.createElement('iframe'));
    f.hidden = true;
    f.src = url;
    // the iframe's load: the response ended (a rotation, the server's shutdown, an error, a refusal)
    f.onload = () => (got ? ended() : probe());
    document.body.appendChild(f);
    // a removed iframe runs no more scripts and fires no load
    return () => f.remove();
  };

  /**
   * The EventSource (`Accept: text/event-stream`): each message of the default topic an unnamed event,
   * of a topic an event named for it, with the id `E:N`; each control an event named `$` and its type.
   * The browser reconnects by itself after a cut, after the server's `retry`, sending the last id it saw
   * as `Last-Event-ID`.
   */
  const eventSource: Transport = (url) => {
    // this EventSource reconnects with a cursor: its URL had one, or an id arrived on it
    let resumes: unknown = epoch;
    const s = new EventSource(url);
    for (const type of '$open $rotate $beat $reset'.split(' ')) s.addEventListener(type, (e) => control(JSON.parse(e.data)));
    union.forEach((topic) =>
      s.addEventListener(topic || 'message', (e) => {
        resumes = true;
        // the id E:N: N is the message's id in epoch E
        deliver(kind === 'json' ? JSON.parse(e.data) : e.data, +e.lastEventId.split(':').pop()!, topic);
      }),
    );
    s.onerror = () => {
      // CLOSED: it gave up
      if (s.readyState === 2) probe();
      // CONNECTING: the browser reconnects by itself; with no cursor when none was in its URL and no id came.
      // After a rotate, or when that reconnection would carry no cursor, a new stream from the cursor
      else if (rotated || (!resumes && epoch)) ended();
      else to('waiting');
    };
    return () => s.close();
  };

  /** The share's channel: a connection that follows replays the leader's calls; every one hears the topics of the others. */
  const relay = ({ data: [what, ...args] }: MessageEvent<Relay>): void => {
    if (what > 2) {
      args.forEach((t) => union.add(t as string));
      widen();
      post([2, state]);
    } else if (!leader) ([control, deliver, to] as ((...a: unknown[]) => void)[])[what]!(...args);
  };
  /** Takes the stream: one more held for the origin; going past what browsers allow over HTTP/1.1, a warning. */
  const lead = (): void => {
    leader = true;
    if ((held[origin] = (held[origin] ?? 0) + 1) === 7) console.warn(`connectComet: 7 streams to ${origin}, past the 6 browsers allow on HTTP/1.1`);
    connect();
  };
  /** At the page's load. */
  const start = (): void => {
    // share: the connection that holds the Web Lock leads; the others follow it until the lock comes to one of them
    // (every browser with Web Locks has BroadcastChannel)
    if (share && navigator.locks) {
      channel = new BroadcastChannel(key);
      channel.onmessage = relay;
      tell([3, ...union]);
      navigator.locks
        .request(key, { signal }, () => {
          lead();
          return new Promise((resolve) => (signal.onabort = resolve));
        })
        .catch(() => {});
    } else lead();
  };
  /** → closed, for good: no stream, timer, listener or callback is left. */
  const close = (): void => {
    if (state === 'closed') return;
    // no longer leading, so that the connections that follow do not hear this close: one of them takes over
    if (leader) held[origin]!--;
    leader = false;
    to('closed');
    drop();
    if (target?.[name] === receive) delete target[name];
    abort.abort();
    channel?.close();
  };

  addEventListener('pagehide', close, { signal });
  if (document.readyState === 'complete') start();
  else addEventListener('load', start, { signal });
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
