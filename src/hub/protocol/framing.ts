/**
 * The one writer and reader of each wire form of the protocol (docs/protocol.md): how a hub made
 * with `cometEncoding` frames a message for each kind of client from one serialization, the SSE id
 * `E:N`, and the control messages of both kinds.
 */
import type { CometFramer } from '../../comet/encoder.js';
import { dataOf } from '../../sse/encoder.js';
import type { ClientKind, Frames } from '../core/kinds.js';
import type { HubSettings } from '../core/settings.js';
import { describe } from '../../util/args.js';
import { isEpoch } from '../core/epoch.js';
import type { CometWire } from '../types.js';

/** An id in decimal: no sign, no leading zero, at most 16 digits (then checked as a safe integer). */
const ID = /^(?:0|[1-9][0-9]{0,15})$/;

/** @internal A client's cursor: the epoch it was given ids in, and the last id it has. */
export interface Cursor {
  readonly epoch: string;
  readonly since: number;
}

/** @internal The cursor of an epoch and an id in decimal, or null when either is malformed. */
export function cursorOf(epoch: string, since: string): Cursor | null {
  if (!isEpoch(epoch) || !ID.test(since) || !Number.isSafeInteger(Number(since))) return null;
  return { epoch, since: Number(since) };
}

/** @internal The SSE id of message `id` in `epoch`: `E:N` (the one writer of that form). */
export function eventId(epoch: string, id: number): string {
  return epoch + ':' + id;
}

/** @internal An SSE id `E:N` as a cursor, or null when malformed (the one reader of that form). */
export function parseEventId(id: string): Cursor | null {
  const colon = id.indexOf(':');
  return colon < 0 ? null : cursorOf(id.slice(0, colon), id.slice(colon + 1));
}

/**
 * @internal An SSE control: an event named `$` and its type (`$open`, `$beat`, …: never a name
 * `EventSource` fires itself, nor a topic's, which has no `$`), with the INFO object as JSON data.
 */
export function sseControl<I extends { readonly type: string }>(info: I): string {
  return 'event: $' + info.type + '\n' + dataOf('json', JSON.stringify(info)) + '\n';
}

/**
 * @internal What `cometEncoding` tells the hubs and `serve` about its chunks: the public
 * {@link CometWire}, with what only this library uses.
 */
export class Wire implements CometWire {
  constructor(
    readonly callback: string,
    readonly kind: 'json' | 'string',
    /** Makes a control script: `callback(INFO, 0)`. */
    readonly control: (info: object) => string,
    /** The chunk every Comet subscriber gets first, if any. */
    readonly initial: string | undefined,
    readonly framer: CometFramer<unknown>,
    readonly serialize: (value: never, id: number) => string,
    /** The `encode` that `cometEncoding` returned beside this wire. */
    readonly encode: (value: never, id: number) => string,
  ) {}

  /**
   * One hub's `encode` (the message serialized once) and the {@link Frames} that make its Comet
   * chunks and SSE events, with counters of its own. `initial` is the hub's own first chunk (its
   * `initial` option: this wire's, unless the hub's options replaced it).
   */
  framesFor(initial: string | undefined): { encode: (value: never, id: number) => string; frames: Frames; wire: Wire } {
    const wire = initial === this.initial ? this : new Wire(this.callback, this.kind, this.control, initial, this.framer, this.serialize, this.encode);
    return { ...framing(this.kind, this.framer, this.serialize), wire };
  }
}

/**
 * @internal Makes a hub of `settings` speak the protocol of `wire` (a hub option, checked here):
 * its `encode` becomes the wire's serialization, framed per kind by the returned wire's frames.
 * @throws TypeError when `wire` is not one `cometEncoding` made, or comes with an `encode` of another
 */
export function applyWire<T>(settings: HubSettings<T, string>, wire: unknown, where: string): Wire | undefined {
  if (wire === undefined) return undefined;
  if (!(wire instanceof Wire)) throw new TypeError(`${where}: wire must be the wire of a cometEncoding(), got ${describe(wire)}`);
  if (settings.encode !== undefined && settings.encode !== wire.encode) {
    throw new TypeError(`${where}: encode must be the one cometEncoding() returned with wire (spread its result as it is)`);
  }
  const made = wire.framesFor(settings.initial);
  settings.encode = made.encode as (value: T, id: number) => string;
  settings.frames = made.frames;
  return made.wire;
}

/**
 * The `encode` and {@link Frames} of one hub made with a `cometEncoding`: `encode` serializes and
 * checks each message once (so `publish` throws as the Comet encoder would, before publishing);
 * `frame` makes a Comet chunk (exactly the bytes of the Comet encoder) or an SSE event (exactly
 * what `SSE.encoder(kind)` writes, with the id `E:N`) from that text, and counts what it makes.
 * With a finite `maxMessageBytes` the chunk is made in `encode`, to check its size; `frame` then
 * hands that one over (the core asks for it at once, see {@link Frames.cometAtPublish}).
 */
function framing<T>(
  kind: 'json' | 'string',
  framer: CometFramer<unknown>,
  serialize: (value: T, id: number) => string,
) {
  const encoded = { comet: 0, sse: 0 };
  let made = { id: 0, text: '', chunk: '', topic: '' };
  const encode = framer.bounded
    ? (value: T, id: number, topic = ''): string => {
        const text = serialize(value, id);
        const chunk = framer.frame(text, id, id, topic === '' ? undefined : topic);
        encoded.comet++;
        made = { id, text, chunk, topic };
        return text;
      }
    : (value: T, id: number): string => serialize(value, id);
  const frames: Frames = {
    encoded,
    cometAtPublish: framer.bounded,
    frame(to: ClientKind, text: string, id: number, epoch: string, topic: string): string {
      if (to === 'sse') {
        encoded.sse++;
        // a message of a topic is an event named for it (never a name EventSource fires itself)
        return 'id: ' + eventId(epoch, id) + '\n' + (topic === '' ? '' : 'event: ' + topic + '\n') + dataOf(kind, text) + '\n';
      }
      if (made.id === id && made.text === text && made.topic === topic) return made.chunk;
      encoded.comet++;
      return framer.frame(text, id, id, topic === '' ? undefined : topic);
    },
  };
  return { encode, frames };
}

