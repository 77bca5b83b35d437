/**
 * `hub.serve(req, res)`: one call per route that speaks the protocol of `comet-bridge/client`, to
 * both kinds of client: a request whose `Accept` lists `text/event-stream` gets Server-Sent
 * Events (sse-wire), every other one Comet (wire).
 *
 * The client's cursor is read from the request; the subscription replays what came after it; then
 * live messages. Comet: every message calls `callback(MESSAGE, ID)`, control scripts call
 * `callback(INFO, 0)`. SSE: every message is an event with the id `E:N`, controls are named events.
 * Either way: `open` first (where the replay starts, what it missed, whether the epoch changed),
 * `beat` as the heartbeat, `rotate` before the response ends on purpose, `stop` to end a client
 * for good (SSE: a `204`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHeaders, type HeaderValue } from '../http/chunk.js';
import { sendComet, sendSSE, stopSSE, type SendCometOptions, type SendCometResult } from '../http/index.js';
import { createSSEEncoder, dataOf } from '../sse/encoder.js';
import { checkLimit, checkOptions, describe, isObjectLike } from '../util/args.js';
import { kindKey, prefaceKey, type OpenInfo, type Wire } from './framing.js';
import { cometCursor, sseCursor, wantsEventStream, type Cursor } from './cursor.js';
import type { HubBase, SlowConsumerPolicy, SubscribeOptions } from './types.js';

// where the Redis hub imports it from
export { wireOf } from './framing.js';

async function* nothing(): AsyncGenerator<string> {}

async function* just(chunk: string): AsyncGenerator<string> {
  yield chunk;
}

/** Options of `hub.serve`. */
export interface ServeOptions extends Omit<SendCometOptions, 'heartbeat' | 'beforeEnd'> {
  /**
   * Heartbeat interval: a `beat` control (Comet: a script; SSE: an `event: beat`) while no message
   * goes out for this long, so the client sees the stream alive. Default 15000; `0` for none.
   */
  heartbeatMs?: number;
  /**
   * Rotation: end the response at a message boundary after this many bytes of messages (counted
   * after the initial chunk and the `open` control), with a `rotate` control just before the end.
   * Comet: default 1 MiB (1048576), so a forever-iframe document does not grow without bound.
   * SSE: default none (an `EventSource` keeps no document); given, SSE responses rotate too.
   */
  maxBytes?: number;
  /** This subscriber's slow-consumer policy (default: the hub's). */
  policy?: SlowConsumerPolicy;
  /** This subscriber's limit of waiting messages (default: the hub's). */
  limit?: number;
  /** SSE only: a `retry: <ms>` field first, the delay the browser waits before it reconnects. */
  retry?: number;
  /**
   * Ends the client for good (e.g. after its user logged out), `true` or a function of the request:
   * SSE is answered `204 No Content` (an `EventSource` never reconnects after it), Comet with the
   * initial chunk and one `stop` control (`connectComet` closes for good on it). Resolves `'stopped'`.
   */
  stop?: boolean | ((req: IncomingMessage) => boolean);
}

/**
 * How `hub.serve` ended: as `sendComet`, `'bad-request'` (a malformed cursor, answered with 400) or
 * `'stopped'` (the `stop` option).
 */
export type ServeResult = SendCometResult | 'bad-request' | 'stopped';

/** The option names of {@link ServeOptions} (the compiler keeps the list complete). */
const OPTIONS: readonly string[] = Object.keys({
  heartbeatMs: 1, maxBytes: 1, maxAgeMs: 1, signal: 1, headers: 1, policy: 1, limit: 1, retry: 1, stop: 1,
} satisfies Record<keyof ServeOptions, 1>);

/** An SSE control: an event named for its type, with the INFO object as JSON data. */
function sseControl<I extends { readonly type: string }>(info: I): string {
  return 'event: ' + info.type + '\n' + dataOf('json', JSON.stringify(info)) + '\n';
}

/**
 * `headers` without those given as `undefined` (skipped, as the transports skip them; `writeHead`
 * would throw), with `Vary: Accept` added to the `Vary` they give, else to the one already set on
 * `res` (by CORS or other middleware; the headers given replace those set, so it must be carried
 * over): both kinds answer the same URL.
 */
function withVary(res: ServerResponse, headers: Record<string, HeaderValue> | undefined): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const name in headers) if (headers[name] !== undefined) out[name] = headers[name];
  const given = Object.keys(out).find((key) => key.toLowerCase() === 'vary');
  const current = given === undefined ? (res as Partial<ServerResponse> | null)?.getHeader?.('vary') : out[given];
  const list = current === undefined ? '' : Array.isArray(current) ? current.join(', ') : String(current);
  out[given ?? 'Vary'] = list === '' ? 'Accept' : /(?:^|,)\s*(?:accept|\*)\s*(?:,|$)/i.test(list) ? list : `${list}, Accept`;
  return out;
}

/** What the two kinds of response share once the request is read. */
interface Plan {
  readonly hub: HubBase<string>;
  readonly wire: Wire;
  readonly res: ServerResponse;
  readonly send: SendCometOptions;
  readonly heartbeatMs: number;
  readonly maxBytes: number | undefined;
  readonly subscribe: SubscribeOptions;
}

/**
 * Subscribes from `cursor` (none: from now), with `preface` of the `open` INFO as the item the
 * subscription gives after the initial one and before the replay: the subscription is the body.
 */
function subscribeFrom(plan: Plan, cursor: Cursor | undefined, kind: 'comet' | 'sse', preface: (info: OpenInfo) => string) {
  const from = cursor === undefined ? { since: plan.hub.lastId } : cursor;
  const options = { ...plan.subscribe, ...from, [kindKey]: kind, [prefaceKey]: preface };
  return plan.hub.subscribe(options as SubscribeOptions);
}

/**
 * @internal The body of every hub's `serve`: validates, picks the kind of client, reads the cursor,
 * subscribes, and sends.
 */
export function serveHub(
  hub: HubBase<unknown>,
  wire: Wire | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions | undefined,
): Promise<ServeResult> {
  const where = 'hub.serve';
  if (wire === undefined) {
    throw new TypeError(`${where}: this hub was not made with cometHub() or cometEncoding(), so it cannot speak the client's protocol`);
  }
  if (!isObjectLike(req) || typeof req.url !== 'string' || typeof req.method !== 'string') {
    throw new TypeError(`${where}: req must be an http.IncomingMessage, got ${describe(req)}`);
  }
  const { policy, limit, heartbeatMs = 15_000, maxBytes, retry, stop, headers, ...send } = checkOptions(options, where, OPTIONS);
  if (maxBytes !== undefined) checkLimit(maxBytes, where, 'maxBytes');
  if (stop !== undefined && typeof stop !== 'boolean' && typeof stop !== 'function') {
    throw new TypeError(`${where}: stop must be a boolean or a function of the request, got ${describe(stop)}`);
  }
  // made (and so checked) for every request, used by SSE responses only
  const opening = createSSEEncoder('json', retry === undefined ? undefined : { retry }, where).opening() ?? '';
  const plan: Plan = {
    hub: hub as HubBase<string>,
    wire,
    res,
    send: { ...send, headers: withVary(res, checkHeaders(where, headers, 'options.headers')) },
    heartbeatMs,
    maxBytes,
    subscribe: { ...(policy === undefined ? {} : { policy }), ...(limit === undefined ? {} : { limit }) },
  };
  const sse = wantsEventStream(req);
  if (stop === true || (typeof stop === 'function' && stop(req) === true)) return stopped(plan, sse);
  const cursor = sse ? sseCursor(req) : cometCursor(req.url);
  if (cursor === null) return badRequest(plan, sse);
  const head = req.method === 'HEAD';
  return sse ? serveSSE(plan, cursor, head, opening) : serveComet(plan, cursor, head);
}

/** A malformed cursor: `400`, text/plain, saying what a cursor looks like for this kind. */
function badRequest({ res, send }: Plan, sse: boolean): Promise<ServeResult> {
  const expected = sse
    ? 'a Last-Event-ID header or ?lastEventId= of the form E:N, or ?epoch=E&since=N'
    : '?epoch=E&since=N';
  res.writeHead(400, { ...send.headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`hub.serve: malformed cursor: expected ${expected}, with E matching [A-Za-z0-9_-]{1,64} and N a non-negative integer\n`);
  return Promise.resolve('bad-request');
}

/** The `stop` option: SSE `204`; Comet the initial chunk and one `stop` control, then the end. */
function stopped({ res, send, wire }: Plan, sse: boolean): Promise<ServeResult> {
  if (sse) {
    stopSSE(res, send.headers);
    return Promise.resolve('stopped');
  }
  const chunk = (wire.initial ?? '') + wire.control({ type: 'stop' });
  return sendComet(res, just(chunk), { signal: send.signal, headers: send.headers }).then(() => 'stopped');
}

/** A Comet response (wire.md): initial chunk, `open` script, replay, live messages. */
function serveComet(plan: Plan, cursor: Cursor | undefined, head: boolean): Promise<ServeResult> {
  const { res, wire, send } = plan;
  const { control, initial } = wire;
  const messageBytes = plan.maxBytes ?? 1024 * 1024;
  const settings: SendCometOptions = { ...send, heartbeatMs: plan.heartbeatMs, maxBytes: messageBytes, heartbeat: control({ type: 'beat' }) };
  settings.beforeEnd = (reason) => (reason === 'rotated' ? control({ type: 'rotate' }) : undefined);
  if (head) return sendComet(res, nothing(), settings);
  let open = '';
  const sub = subscribeFrom(plan, cursor, 'comet', (info) => (open = control(info)));
  // maxBytes counts what follows the open script: were the initial chunk's padding counted, a maxBytes
  // below it would rotate every response before any message, and the client would reconnect in a loop
  settings.maxBytes = messageBytes + Buffer.byteLength((initial ?? '') + open);
  return sendComet(res, sub, settings);
}

/** An SSE response (sse-wire.md): `retry`, the `open` event, `reset` if so, replay, live events. */
function serveSSE(plan: Plan, cursor: Cursor | undefined, head: boolean, opening: string): Promise<ServeResult> {
  const { res, send } = plan;
  const settings: SendCometOptions = { ...send, heartbeatMs: plan.heartbeatMs, heartbeat: sseControl({ type: 'beat' }) };
  settings.beforeEnd = (reason) => (reason === 'rotated' ? sseControl({ type: 'rotate' }) : undefined);
  if (head) return sendSSE(res, nothing(), settings);
  let first = '';
  const sub = subscribeFrom(plan, cursor, 'sse', (info) => {
    first = opening + sseControl(info) + (info.reset ? sseControl({ type: 'reset', epoch: info.epoch }) : '');
    return first;
  });
  if (plan.maxBytes !== undefined) settings.maxBytes = plan.maxBytes + Buffer.byteLength(first);
  return sendSSE(res, sub, settings);
}
