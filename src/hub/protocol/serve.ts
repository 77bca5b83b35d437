/**
 * `hub.serve(req, res)`: one call per route that speaks the protocol of `comet-bridge/client`, to
 * both kinds of client: a request whose `Accept` lists `text/event-stream` gets Server-Sent
 * Events, every other one Comet (docs/protocol.md).
 *
 * The client's cursor is read from the request; the subscription replays what came after it; then
 * live messages. Comet: every message calls `callback(MESSAGE, ID)`, control scripts call
 * `callback(INFO, 0)`. SSE: every message is an event with the id `E:N`, controls are named events.
 * Either way: `open` first (where the replay starts, what it missed, whether the epoch changed),
 * `beat` as the heartbeat, `rotate` before the response ends on purpose, `stop` to end a client
 * for good (SSE: a `204`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkHeaders, type HeaderValue } from '../../http/chunk.js';
import { sendComet, sendSSE, stopSSE, type SendCometOptions } from '../../http/index.js';
import { createSSEEncoder } from '../../sse/encoder.js';
import { checkFunction, checkLimit, checkMs, checkOptions, checkSignal, describe, isObjectLike } from '../../util/args.js';
import type { HubCore } from '../core/core.js';
import type { ClientKind, OpenInfo } from '../core/kinds.js';
import { checkPolicy } from '../core/settings.js';
import type { ServeOptions, ServeResult, SubscribeOptions } from '../types.js';
import { answer, type Answer } from './access.js';
import { sseControl, type Cursor, type Wire } from './framing.js';
import { nodeRequest } from './request.js';
import { sendStop } from './stop.js';

async function* nothing(): AsyncGenerator<string> {}


/** The option names of {@link ServeOptions} (the compiler keeps the list complete). */
const OPTIONS: readonly string[] = Object.keys({
  heartbeatMs: 1, maxBytes: 1, maxAgeMs: 1, signal: 1, headers: 1, policy: 1, limit: 1, retry: 1, stop: 1, topics: 1, authorize: 1,
} satisfies Record<keyof ServeOptions, 1>);

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
  readonly core: HubCore<string>;
  readonly wire: Wire;
  readonly res: ServerResponse;
  readonly send: SendCometOptions;
  readonly heartbeatMs: number;
  readonly maxBytes: number | undefined;
  readonly subscribe: SubscribeOptions;
  /** The topics of the stream, and whether the request named them (the `open` control then lists them). */
  readonly topics: readonly string[];
  readonly named: boolean;
}

/**
 * Subscribes from `cursor` (none: from now), with `preface` of the `open` INFO as the item the
 * subscription gives after the initial one and before the replay: the subscription is the body.
 */
function subscribeFrom(plan: Plan, cursor: Cursor | undefined, kind: ClientKind, preface: (info: OpenInfo) => string) {
  const from = cursor === undefined ? { since: plan.core.lastId } : cursor;
  const described = plan.named ? (info: OpenInfo) => preface({ ...info, topics: plan.topics }) : preface;
  return plan.core.subscribe({ ...plan.subscribe, ...from, topics: plan.topics }, 'hub.serve', { kind, preface: described });
}

/**
 * @internal The body of every hub's `serve`: validates, picks the kind of client, reads the cursor,
 * subscribes, and sends.
 */
export function serveHub(
  core: HubCore<string>,
  wire: Wire,
  secret: Uint8Array | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeOptions | undefined,
): Promise<ServeResult> {
  const where = 'hub.serve';
  if (!isObjectLike(req) || typeof req.url !== 'string' || typeof req.method !== 'string') {
    throw new TypeError(`${where}: req must be an http.IncomingMessage, got ${describe(req)}`);
  }
  const { policy, limit, heartbeatMs = 15_000, maxBytes, retry, stop, headers, topics, authorize, ...send } = checkOptions(options, where, OPTIONS);
  // every option is checked here, so that its errors name the function the caller called
  if (maxBytes !== undefined) checkLimit(maxBytes, where, 'maxBytes');
  checkMs(heartbeatMs, where, 'heartbeatMs');
  checkMs(send.maxAgeMs, where, 'maxAgeMs');
  checkSignal(send.signal, where);
  if (policy !== undefined) checkPolicy(policy, where);
  if (limit !== undefined) checkLimit(limit, where, 'limit');
  if (stop !== undefined && typeof stop !== 'boolean' && typeof stop !== 'function') {
    throw new TypeError(`${where}: stop must be a boolean or a function of the request, got ${describe(stop)}`);
  }
  checkFunction(topics, where, 'topics');
  checkFunction(authorize, where, 'authorize');
  // made (and so checked) for every request, used by SSE responses only
  const opening = createSSEEncoder('json', retry === undefined ? undefined : { retry }, where).opening() ?? '';
  const sendOptions: SendCometOptions = { ...send, headers: withVary(res, checkHeaders(where, headers, 'options.headers')) };
  const write = (decided: Answer): Promise<ServeResult> => {
    if (decided.type === 'refuse') return refused(res, wire, sendOptions, decided);
    const plan: Plan = {
      core, wire, res, send: sendOptions, heartbeatMs, maxBytes,
      subscribe: { ...(policy === undefined ? {} : { policy }), ...(limit === undefined ? {} : { limit }) },
      topics: decided.type === 'stream' ? decided.topics : [''],
      named: decided.type === 'stream' && decided.named,
    };
    if (decided.type === 'stop') return stopped(plan, decided.sse);
    return decided.sse ? serveSSE(plan, decided.cursor, decided.head, opening) : serveComet(plan, decided.cursor, decided.head);
  };
  let decided: Answer | Promise<Answer>;
  try {
    decided = answer(nodeRequest(req), req, { stop, topics, authorize, secret });
  } catch (error) {
    return failed(res, sendOptions, error);
  }
  return decided instanceof Promise ? decided.then(write, (error: unknown) => failed(res, sendOptions, error)) : write(decided);
}

/**
 * A refusal: SSE `text/plain` with the reason (an `EventSource` fails for good on it); Comet
 * `text/html` with one `stop` control carrying the status and the reason, since the iframe cannot
 * see the status and `connectComet` must stop for good.
 */
function refused(res: ServerResponse, wire: Wire, send: SendCometOptions, { sse, status, reason }: Answer & { type: 'refuse' }): Promise<ServeResult> {
  const text = sse ? `hub.serve: ${reason}\n` : wire.control({ type: 'stop', status, reason });
  res.writeHead(status, { ...send.headers, 'Content-Type': sse ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
  return Promise.resolve(status === 400 ? 'bad-request' : 'forbidden');
}

/** `authorize` threw: `500`, and `serve` rejects with its error (for the application to log). */
function failed(res: ServerResponse, send: SendCometOptions, error: unknown): Promise<ServeResult> {
  if (!res.headersSent) {
    res.writeHead(500, { ...send.headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('hub.serve: the authorization failed\n');
  }
  return Promise.reject(error);
}

/** The `stop` option: SSE `204`; Comet the initial chunk and one `stop` control, then the end. */
function stopped({ res, send, wire }: Plan, sse: boolean): Promise<ServeResult> {
  if (sse) {
    stopSSE(res, send.headers);
    return Promise.resolve('stopped');
  }
  const chunk = (wire.initial ?? '') + wire.control({ type: 'stop' });
  return sendStop(res, chunk, { signal: send.signal, headers: send.headers }).then(() => 'stopped');
}

/** A Comet response (docs/protocol.md): initial chunk, `open` script, replay, live messages. */
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

/** An SSE response (docs/protocol.md): `retry`, the `open` event, `reset` if so, replay, live events. */
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
