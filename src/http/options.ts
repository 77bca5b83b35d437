/**
 * The stream options every transport takes, and their one check.
 */
import { checkFunction, checkLimit, checkMs, checkOptions, checkSignal } from '../util/args.js';
import { describe } from '../util/args.js';
import { checkChunk, FRAMINGS, type CometChunk, type Framing, type StreamFormat } from './chunk.js';

/** Why a stream ended cleanly, as passed to `beforeEnd`. */
export type CleanEnd = 'end' | 'rotated' | 'shutdown';

/**
 * Options every transport takes (`sendComet`, `sendSSE`, `cometResponse`, `sseResponse`,
 * `toWebStream`, `toNodeReadable`, `reply.comet`).
 */
export interface StreamOptions {
  /**
   * The kind of stream: `'comet'` (the default; `sendSSE` and `sseResponse` are `'sse'`) or
   * `'sse'`. It gives the default `heartbeat` (a newline, or an SSE comment `':\n'`) and, for a
   * transport that writes headers (`reply.comet`, `cometResponse`), its headers. So
   * `toWebStream(frames, { format: 'sse' })`, `toNodeReadable(frames, { format: 'sse' })` and
   * `reply.comet(frames, { format: 'sse' })` carry Server-Sent Events as the Comet ones carry chunks.
   */
  format?: StreamFormat;
  /**
   * While the source has nothing to send for this many milliseconds, write `heartbeat`, and again
   * every `heartbeatMs` while it stays idle, so proxies with idle timeouts keep the stream open.
   * Only ever written between whole chunks, only while waiting on the source, and never behind
   * data the client has not taken yet. `0` or absent: no heartbeat.
   */
  heartbeatMs?: number;
  /**
   * The heartbeat chunk: the format's (a newline for Comet, `':\n'` for SSE) unless given. A script
   * chunk (e.g. an encoded `parent.cometHeartbeat()` call) makes heartbeats visible to the page.
   */
  heartbeat?: string | Uint8Array;
  /**
   * Stops the stream from the server side. The reason says how:
   * - aborted without a reason (`controller.abort()`, whose reason is a `DOMException` named
   *   `AbortError`): a **shutdown**. The stream ends cleanly at a chunk boundary (after
   *   `beforeEnd('shutdown')`), the source's `return()` is called, and the client sees a complete
   *   response, so it reconnects (to another instance, or to this one once it is back).
   * - aborted with any other reason (an Error, a string, `AbortSignal.timeout()`): a **failure**.
   *   The source's `return()` is called and the stream fails with the reason (a non-Error reason
   *   wrapped in an Error named `AbortError`): the client sees an incomplete response.
   *
   * A hub subscription's own cut-off signal (a hub dropping a slow subscriber) is watched besides
   * this one, always as a failure.
   */
  signal?: AbortSignal;
  /**
   * Rotation: once this many bytes of chunks were written (heartbeats not counted), end the stream
   * cleanly after the chunk that reached it (after `beforeEnd('rotated')`) and call the source's
   * `return()`. A forever-iframe client then reconnects and starts a fresh document, so a
   * day-long page does not grow without bound. A positive integer; absent: no limit.
   */
  maxBytes?: number;
  /**
   * Rotation by age: this many milliseconds after the stream started, end it cleanly at the next
   * chunk boundary (at once while waiting on the source or on the client), as `maxBytes` does.
   * `0` or absent: no limit.
   */
  maxAgeMs?: number;
  /**
   * Called once just before the stream ends cleanly, with why: `'end'` (the source finished),
   * `'rotated'` (`maxBytes` or `maxAgeMs`) or `'shutdown'` (`signal` aborted without a reason).
   * A chunk it returns is written last (e.g. a script telling the client to reconnect); `undefined`
   * writes nothing. If it throws, the stream fails with that error.
   */
  beforeEnd?: (reason: CleanEnd) => string | Uint8Array | undefined | void;
}

/** The names of {@link StreamOptions}. */
export const STREAM_OPTIONS: readonly string[] = ['format', 'heartbeatMs', 'heartbeat', 'signal', 'maxBytes', 'maxAgeMs', 'beforeEnd'];

/** {@link StreamOptions}, checked and with their defaults. */
export interface StreamSettings {
  /** The headers and default heartbeat of the format. */
  readonly framing: Framing;
  readonly heartbeatMs: number;
  readonly heartbeat: CometChunk;
  /** Infinity for none. */
  readonly maxBytes: number;
  /** 0 for none. */
  readonly maxAgeMs: number;
  readonly beforeEnd: StreamOptions['beforeEnd'];
  /** `options.signal` and any other signal whose plain abort is a shutdown (Fastify's close). */
  readonly signals: readonly AbortSignal[];
}

/**
 * Checks the options of a transport.
 * @param known - every option name the transport takes (the stream options and its own)
 * @param extra - a further shutdown signal (none when undefined)
 * @param format - the transport's own format (`sendSSE`: `'sse'`), which `options.format` may only repeat
 * @throws TypeError for an unknown option name or a value of the wrong type; RangeError for a
 *   number out of range
 */
export function streamSettings(
  where: string,
  options: StreamOptions | undefined,
  known: readonly string[] = STREAM_OPTIONS,
  extra?: AbortSignal,
  format?: StreamFormat,
): StreamSettings {
  if (options === undefined && extra === undefined) return (defaults[format ?? 'comet'] ??= settingsOf(where, {}, undefined, format));
  return settingsOf(where, checkOptions(options, where, known), extra, format);
}

/** The settings of a stream given no options, per format: one frozen object shared by all of them. */
const defaults: Partial<Record<StreamFormat, StreamSettings>> = {};

function settingsOf(where: string, o: StreamOptions, extra: AbortSignal | undefined, own: StreamFormat | undefined): StreamSettings {
  const format = o.format ?? own ?? 'comet';
  if (format !== 'comet' && format !== 'sse') throw new TypeError(`${where}: options.format must be 'comet' or 'sse', got ${describe(format)}`);
  if (own !== undefined && format !== own) throw new TypeError(`${where}: options.format must be '${own}' here, got '${format}'`);
  const framing = FRAMINGS[format];
  const signal = checkSignal(o.signal, where);
  const beforeEnd = o.beforeEnd;
  checkFunction(beforeEnd, where, 'options.beforeEnd');
  const signals: AbortSignal[] = [];
  if (signal !== undefined) signals.push(signal);
  if (extra !== undefined && extra !== signal) signals.push(extra);
  return Object.freeze({
    framing,
    heartbeatMs: checkMs(o.heartbeatMs, where, 'heartbeatMs'),
    heartbeat: o.heartbeat === undefined ? framing.heartbeat : checkChunk(where, o.heartbeat, 'options.heartbeat'),
    maxBytes: o.maxBytes === undefined ? Infinity : checkLimit(o.maxBytes, where, 'maxBytes'),
    maxAgeMs: checkMs(o.maxAgeMs, where, 'maxAgeMs'),
    beforeEnd,
    signals: Object.freeze(signals),
  });
}
