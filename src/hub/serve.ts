/**
 * `hub.serve(req, res)`: one call per route that speaks the protocol of `comet-bridge/client`.
 *
 * The client's cursor (`?epoch=E&since=N`) is read from the request; the subscription replays what
 * came after it; every message calls `callback(MESSAGE, ID)`; control scripts call
 * `callback(INFO, 0)`: `open` first (where the replay starts, what it missed, whether the epoch
 * changed), `beat` as the heartbeat, `rotate` before the response ends on purpose.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendComet, type SendCometOptions, type SendCometResult } from '../http/index.js';
import { checkLimit, checkOptions, describe, isObjectLike } from '../util/args.js';
import { relay } from '../util/relay.js';
import type { HubBase, SlowConsumerPolicy } from './types.js';

/** What `cometEncoding` tells `serve` about its chunks. */
interface Wire {
  /** Makes a control script: `callback(INFO, 0)`. */
  readonly control: (info: object) => string;
  /** The chunk every subscriber gets first, if any. */
  readonly initial: string | undefined;
}

const wireKey: unique symbol = Symbol.for('comet-bridge.wire');

/** @internal Marks a hub's `encode` as one made by `cometEncoding` (a spread of its options keeps the mark). */
export function markWire(encode: object, wire: Wire): void {
  Object.defineProperty(encode, wireKey, { value: wire });
}

/** @internal What `cometEncoding` told about a hub's `encode`, when it made it. */
export function wireOf(encode: unknown): Wire | undefined {
  return isObjectLike(encode) && isObjectLike(encode[wireKey]) ? (encode[wireKey] as unknown as Wire) : undefined;
}

async function* nothing(): AsyncGenerator<string> {}

/** Options of `hub.serve`. */
export interface ServeOptions extends Omit<SendCometOptions, 'heartbeat' | 'beforeEnd'> {
  /**
   * Heartbeat interval: a `beat` control script while no message goes out for this long, so the
   * client's `livenessMs` sees the stream alive. Default 15000; `0` for none.
   */
  heartbeatMs?: number;
  /**
   * Rotation: end the response at a message boundary after this many bytes of messages (counted after
   * the initial chunk and the `open` script). Default 1 MiB (1048576).
   */
  maxBytes?: number;
  /** This subscriber's slow-consumer policy (default: the hub's). */
  policy?: SlowConsumerPolicy;
  /** This subscriber's limit of waiting messages (default: the hub's). */
  limit?: number;
}

/** How `hub.serve` ended: as `sendComet`, or `'bad-request'` (a malformed cursor, answered with 400). */
export type ServeResult = SendCometResult | 'bad-request';

const OPTIONS = ['heartbeatMs', 'maxBytes', 'maxAgeMs', 'signal', 'headers', 'policy', 'limit'];
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const SINCE = /^(?:0|[1-9][0-9]{0,15})$/;

/** A cursor from the request: none, or an epoch and an id; `null` when malformed. */
function cursorOf(url: string): { epoch: string; since: number } | undefined | null {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  const params = new URLSearchParams(url.slice(query + 1));
  const epochs = params.getAll('epoch');
  const sinces = params.getAll('since');
  if (epochs.length === 0 && sinces.length === 0) return undefined;
  if (epochs.length !== 1 || sinces.length !== 1) return null;
  const [epoch] = epochs as [string];
  const [since] = sinces as [string];
  if (!EPOCH.test(epoch) || !SINCE.test(since) || !Number.isSafeInteger(Number(since))) return null;
  return { epoch, since: Number(since) };
}

/**
 * @internal The body of every hub's `serve`: validates, reads the cursor, subscribes, and sends.
 * @param where - `hub.serve`, for messages
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
  const { policy, limit, heartbeatMs = 15_000, maxBytes = 1024 * 1024, ...send } = checkOptions(options, where, OPTIONS);
  const { control, initial } = wire;
  const messageBytes = checkLimit(maxBytes, where, 'maxBytes');
  const cursor = cursorOf(req.url);
  if (cursor === null) {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('hub.serve: malformed cursor: expected ?epoch=[A-Za-z0-9_-]{1,64}&since=<non-negative integer>\n');
    return Promise.resolve('bad-request');
  }
  const settings: SendCometOptions = { ...send, heartbeatMs, maxBytes, heartbeat: control({ type: 'beat' }) };
  settings.beforeEnd = (reason) => (reason === 'rotated' ? control({ type: 'rotate' }) : undefined);
  if (req.method === 'HEAD') return sendComet(res, nothing(), settings);

  const lastId = hub.lastId;
  const reset = cursor !== undefined && cursor.epoch !== hub.epoch;
  // A cursor ahead of this hub (within its epoch) replays nothing: the client drops the ids it has.
  const since = cursor === undefined ? lastId : reset ? 0 : Math.min(cursor.since, lastId);
  const sub = (hub as HubBase<string>).subscribe({
    since,
    ...(policy === undefined ? {} : { policy }),
    ...(limit === undefined ? {} : { limit }),
  });
  const open = control({ type: 'open', epoch: hub.epoch, lastId, since, missed: sub.missed, reset });
  // maxBytes counts what follows the open script: were the initial chunk's padding counted, a maxBytes
  // below it would rotate every response before any message, and the client would reconnect in a loop
  settings.maxBytes = messageBytes + Buffer.byteLength((initial ?? '') + open);
  // `open` goes after the initial chunk (the first thing the feed yields) and before any replay
  const chunks = relay<string, string>(sub, where, {
    ...(initial === undefined ? { first: open } : {}),
    map: (chunk, index) =>
      index === 0 && initial !== undefined && chunk.startsWith(initial) ? initial + open + chunk.slice(initial.length) : chunk,
  });
  return sendComet(res, chunks, settings);
}
