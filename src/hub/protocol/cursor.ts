/**
 * Where a client of `hub.serve` resumes: its cursor (an epoch and the last id it has), read from the
 * request the way each kind of client sends it, and which kind of client it is.
 */
import { FOREIGN_EPOCH } from '../core/epoch.js';
import { cursorOf, parseEventId, type Cursor } from './framing.js';
import { single, type ProtocolRequest } from './request.js';

/** The Comet pair `?epoch=E&since=N`: undefined when both are absent, null when malformed. */
function pairOf(params: URLSearchParams): Cursor | undefined | null {
  const epoch = single(params, 'epoch');
  const since = single(params, 'since');
  if (epoch === undefined && since === undefined) return undefined;
  if (typeof epoch !== 'string' || typeof since !== 'string') return null;
  return cursorOf(epoch, since);
}

/**
 * @internal The cursor of a Comet request (`?epoch=E&since=N`, see docs/protocol.md): undefined when it
 * has none, null when it is malformed.
 */
export function cometCursor(req: ProtocolRequest): Cursor | undefined | null {
  return pairOf(req.query);
}

/**
 * The cursor of a `Last-Event-ID` that no hub wrote (an id of another server that answered on this
 * URL before): a reset. A 400 would stop that browser's `EventSource` for good.
 */
const FOREIGN: Cursor = Object.freeze({ epoch: FOREIGN_EPOCH, since: 0 });

/**
 * @internal The cursor of an SSE request, the first one found of: the `Last-Event-ID` header (an
 * empty one counts as absent; one not of the form `E:N` is a cursor of another epoch, a reset),
 * the `lastEventId` query parameter (`E:N`), the Comet pair. Undefined when it has none, null when
 * the query's is malformed.
 */
export function sseCursor(req: ProtocolRequest): Cursor | undefined | null {
  const header = req.header('last-event-id');
  if (header !== undefined && header !== '') return parseEventId(header) ?? FOREIGN;
  const params = req.query;
  const id = single(params, 'lastEventId');
  if (id !== undefined) return id === null ? null : parseEventId(id);
  return pairOf(params);
}

/**
 * @internal True when the request's `Accept` header lists `text/event-stream` (in any position,
 * with any parameters but a zero `q`, the media type in any case).
 */
export function wantsEventStream(req: ProtocolRequest): boolean {
  const accept = req.header('accept');
  if (accept === undefined || accept.length < 17) return false;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    if (type!.trim().toLowerCase() !== 'text/event-stream') continue;
    // `q=0` says "not acceptable"
    return !params.some((param) => /^\s*q\s*=\s*0(?:\.0{0,3})?\s*$/i.test(param));
  }
  return false;
}
