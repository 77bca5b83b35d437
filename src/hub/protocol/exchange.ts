/**
 * One exchange of the protocol, whatever the server: what `hub.serve` (a Node response) and
 * `hub.fetch` (a web `Response`) share. The check of their options, the answer to a request (see
 * access.ts), and what each answer sends: a refusal's body, a stop, and a stream (the subscription
 * with its `open` preface, the `beat` and `rotate` controls, and the `maxBytes` it counts). Each
 * edge only writes that out.
 */
import { byteLength, checkHeaders, type HeaderValue } from '../../http/chunk.js';
import type { StreamOptions } from '../../http/options.js';
import { createSSEEncoder } from '../../sse/encoder.js';
import { checkFunction, checkLimit, checkMs, checkOptions, checkSignal, describe } from '../../util/args.js';
import type { HubCore } from '../core/core.js';
import type { ClientKind, OpenInfo } from '../core/kinds.js';
import { checkPolicy } from '../core/settings.js';
import type { ServeOptions, SubscribeOptions } from '../types.js';
import { answer, type Access, type Answer } from './access.js';
import { sseControl, type Cursor, type Wire } from './framing.js';
import type { ProtocolRequest } from './request.js';

/** @internal The options of either edge, its callbacks taking the server's own request `R`. */
export interface EdgeOptions<R> extends Omit<ServeOptions, 'stop' | 'topics' | 'authorize'> {
  stop?: boolean | ((req: R) => boolean);
  topics?: (req: R) => readonly string[];
  authorize?: (req: R, topics: readonly string[]) => boolean | readonly string[] | PromiseLike<boolean | readonly string[]>;
}

/** @internal The option names of {@link ServeOptions}, which both edges take (the compiler keeps the list complete). */
export const EDGE_OPTIONS: readonly string[] = Object.keys({
  heartbeatMs: 1, maxBytes: 1, maxAgeMs: 1, signal: 1, headers: 1, policy: 1, limit: 1, retry: 1, stop: 1, topics: 1, authorize: 1,
} satisfies Record<keyof ServeOptions, 1>);

/** @internal The checked settings of one call of `serve` or `fetch`. */
export interface Exchange<R> {
  /** The public function, for messages and refusal bodies. */
  readonly where: string;
  readonly core: HubCore<string>;
  readonly wire: Wire;
  readonly access: Access<R>;
  readonly heartbeatMs: number;
  readonly maxBytes: number | undefined;
  readonly subscribe: SubscribeOptions;
  /** What an event stream starts with: the `retry` field when the option is given. */
  readonly opening: string;
  /** The stream options passed through to the transport as they are. */
  readonly stream: { readonly signal?: AbortSignal; readonly maxAgeMs?: number };
  /** `options.headers`, checked, without those given as `undefined`. */
  readonly headers: Record<string, HeaderValue>;
}

/**
 * @internal Checks the options of one call (every one, so that its errors name the function the
 * caller called) and keeps what the exchange needs.
 * @param known - the option names the edge takes: {@link EDGE_OPTIONS} and its own
 * @param beatMs - the edge's default `heartbeatMs`
 * @throws TypeError / RangeError naming `where`
 */
export function exchangeOf<R>(
  where: string,
  core: HubCore<string>,
  wire: Wire,
  secret: Uint8Array | undefined,
  options: EdgeOptions<R> | undefined,
  known: readonly string[] = EDGE_OPTIONS,
  beatMs = 15_000,
): Exchange<R> {
  const { policy, limit, heartbeatMs = beatMs, maxBytes, maxAgeMs, signal, retry, stop, headers, topics, authorize } = checkOptions(options, where, known);
  if (maxBytes !== undefined) checkLimit(maxBytes, where, 'maxBytes');
  checkMs(heartbeatMs, where, 'heartbeatMs');
  checkMs(maxAgeMs, where, 'maxAgeMs');
  checkSignal(signal, where);
  if (policy !== undefined) checkPolicy(policy, where);
  if (limit !== undefined) checkLimit(limit, where, 'limit');
  if (stop !== undefined && typeof stop !== 'boolean' && typeof stop !== 'function') {
    throw new TypeError(`${where}: stop must be a boolean or a function of the request, got ${describe(stop)}`);
  }
  checkFunction(topics, where, 'topics');
  checkFunction(authorize, where, 'authorize');
  // made (and so checked) for every request, used by SSE responses only
  const opening = createSSEEncoder('json', retry === undefined ? undefined : { retry }, where).opening() ?? '';
  const given = checkHeaders(where, headers, 'options.headers');
  const kept: Record<string, HeaderValue> = {};
  for (const name in given) if (given[name] !== undefined) kept[name] = given[name];
  return {
    where, core, wire, heartbeatMs, maxBytes, opening, headers: kept,
    access: { stop, topics, authorize, secret },
    subscribe: { ...(policy === undefined ? {} : { policy }), ...(limit === undefined ? {} : { limit }) },
    stream: { ...(signal === undefined ? {} : { signal }), ...(maxAgeMs === undefined ? {} : { maxAgeMs }) },
  };
}

/**
 * @internal `headers` with `Accept` added to their `Vary`, else to `current` (the `Vary` a Node
 * response already has, set by CORS or other middleware: the headers given replace those set, so it
 * must be carried over), unless it names `Accept` or is `*` already: both kinds answer the same URL.
 */
export function withVary(headers: Record<string, HeaderValue>, current: unknown): Record<string, HeaderValue> {
  const out = { ...headers };
  const given = Object.keys(out).find((key) => key.toLowerCase() === 'vary');
  const value = given === undefined ? current : out[given];
  const list = value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  out[given ?? 'Vary'] = list === '' ? 'Accept' : /(?:^|,)\s*(?:accept|\*)\s*(?:,|$)/i.test(list) ? list : `${list}, Accept`;
  return out;
}

/** @internal The answer to `request` (`req` is the server's own, for the callbacks): see {@link answer}. */
export function decide<R>(exchange: Exchange<R>, request: ProtocolRequest, req: R): Answer | Promise<Answer> {
  return answer(request, req, exchange.access);
}

/** @internal What a response that is not a stream sends: its status, its own headers, its body. */
export interface Plain {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const noStore = (type: string): Record<string, string> => ({ 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });

/**
 * @internal A refusal: SSE `text/plain` with the reason (an `EventSource` fails for good on it);
 * Comet `text/html` with one `stop` control carrying the status and the reason, since the iframe
 * cannot see the status and `connectComet` must stop for good.
 */
export function refusal(exchange: Pick<Exchange<unknown>, 'where' | 'wire'>, { sse, status, reason }: Answer & { type: 'refuse' }): Plain {
  const body = sse ? `${exchange.where}: ${reason}\n` : exchange.wire.control({ type: 'stop', status, reason });
  return { status, headers: noStore(sse ? 'text/plain' : 'text/html'), body };
}

/** @internal `authorize` (or `stop`) threw: a `500`; the edge reports the error. */
export function failure(exchange: Pick<Exchange<unknown>, 'where'>): Plain {
  return { status: 500, headers: noStore('text/plain'), body: `${exchange.where}: the authorization failed\n` };
}

/** @internal The whole Comet response of a client stopped for good: the initial chunk and one `stop` control. */
export function stopChunk(wire: Wire): string {
  return (wire.initial ?? '') + wire.control({ type: 'stop' });
}

/** @internal What a stream sends: the subscription, and the transport's options for it. */
export interface Stream {
  readonly chunks: AsyncIterable<string>;
  readonly settings: StreamOptions;
}

/**
 * @internal The stream of an answer (not a HEAD): the subscription from its cursor (none: from
 * now) on its topics, with the `open` control as the item it gives after the initial one and
 * before the replay (SSE: after the `retry` field, and with a `reset` event when the epoch
 * changed); `beat` controls as the heartbeat; a `rotate` control before a rotation; `maxBytes`
 * counted from after the `open` control (Comet: default 1 MiB; were the initial chunk's padding
 * counted, a `maxBytes` below it would rotate every response before any message, and the client
 * would reconnect in a loop).
 */
export function streamOf<R>(exchange: Exchange<R>, decided: Answer & { type: 'stream' }): Stream {
  const { wire, stream } = exchange;
  const sse = decided.sse;
  const control = sse ? sseControl : wire.control;
  const settings: StreamOptions = {
    ...stream,
    heartbeatMs: exchange.heartbeatMs,
    heartbeat: control({ type: 'beat' }),
    beforeEnd: (reason) => (reason === 'rotated' ? control({ type: 'rotate' }) : undefined),
  };
  let first = '';
  const preface = sse
    ? (info: OpenInfo) => (first = exchange.opening + sseControl(info) + (info.reset ? sseControl({ type: 'reset', epoch: info.epoch }) : ''))
    : (info: OpenInfo) => {
        const open = wire.control(info);
        first = (wire.initial ?? '') + open;
        return open;
      };
  const chunks = subscribeFrom(exchange, decided, sse ? 'sse' : 'comet', preface);
  const messageBytes = exchange.maxBytes ?? (sse ? undefined : 1024 * 1024);
  if (messageBytes !== undefined) settings.maxBytes = messageBytes + byteLength(first);
  return { chunks, settings };
}

/** Subscribes from the answer's cursor on its topics, the `open` INFO listing them when the request named them. */
function subscribeFrom<R>(exchange: Exchange<R>, decided: Answer & { type: 'stream' }, kind: ClientKind, preface: (info: OpenInfo) => string) {
  const { core } = exchange;
  const cursor: Cursor | undefined = decided.cursor;
  const from = cursor === undefined ? { since: core.lastId } : cursor;
  const topics = decided.topics;
  const described = decided.named ? (info: OpenInfo) => preface({ ...info, topics }) : preface;
  return core.subscribe({ ...exchange.subscribe, ...from, topics }, exchange.where, { kind, preface: described });
}
