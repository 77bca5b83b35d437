/**
 * The Server-Sent Events broadcasters of the SSE benchmark (bench/sse.ts), beside better-sse's
 * channel (bench/hub-systems.ts): the hub serving SSE, made fresh for every table cell.
 *
 * - `hub (createHub + SSE.encoder + sendSSE)`: a hub whose `encode` is `SSE.encoder('json')`, each
 *   event carrying the id `hub.serve` gives it (`E:N`, epoch and message id), chunks coalesced as
 *   the Comet hubs do, each response written by `sendSSE`.
 * - `hub.serve (Accept: text/event-stream)`: a `cometHub` answering the clients' SSE requests
 *   through `hub.serve`, present once the library's `serve` speaks SSE (its hub counts encodings
 *   per kind in `stats().encoded`).
 */
import type { Library } from './lib/library.js';
import type { System } from './hub-systems.js';

type Payload = [number, number];

/** The SSE hub through its own pieces: createHub with the SSE encoder, sendSSE per response. */
function encoderHub(lib: Library): System {
  const encoder = lib.SSE.encoder<Payload>('json');
  let epoch = '';
  const hub = lib.createHub<Payload, string>({
    encode: (value, id) => encoder.encode(value, id, epoch + ':' + id),
    coalesce: (chunks) => chunks.join(''),
    policy: 'drop-oldest',
    limit: Infinity,
  });
  epoch = hub.epoch;
  return {
    name: 'hub (createHub + SSE.encoder + sendSSE)',
    handler: (_req, res) => void lib.sendSSE(res, hub.subscribe()).catch(() => {}),
    publish: (value) => void hub.publish(value),
    size: () => hub.size,
    close: async () => void hub.close(),
  };
}

/** True when this build's `hub.serve` answers `Accept: text/event-stream` with SSE. */
export function serveSpeaksSSE(lib: Library): boolean {
  const hub = lib.cometHub('parent.cometMessage');
  try {
    return 'encoded' in (hub.stats() as object);
  } finally {
    hub.close();
  }
}

/** The SSE hub as users run it: `hub.serve` on a request that accepts text/event-stream. */
function servedHub(lib: Library): System {
  const hub = lib.cometHub<Payload>('parent.cometMessage', { policy: 'drop-oldest', limit: Infinity });
  return {
    name: 'hub.serve (Accept: text/event-stream)',
    handler: (req, res) => void hub.serve(req, res).catch(() => {}),
    publish: (value) => void hub.publish(value),
    size: () => hub.size,
    close: async () => void hub.close(),
    note: () => `hub.serve encodings by kind in the last round: ${JSON.stringify((hub.stats() as object as { encoded?: unknown }).encoded)}`,
  };
}

/** The SSE hub makers, in table order: hub.serve when it speaks SSE, then the hub through its pieces. */
export function sseHubs(lib: Library): (() => System)[] {
  const makers: (() => System)[] = [];
  if (serveSpeaksSSE(lib)) makers.push(() => servedHub(lib));
  makers.push(() => encoderHub(lib));
  return makers;
}
