/**
 * How a hub made with `cometEncoding` serves two kinds of client from one serialization of each
 * message: the kinds, the framing the core asks for frames, and the one that makes them.
 */
import type { CometFramer } from '../comet/encoder.js';
import { dataOf } from '../sse/encoder.js';
import { isObjectLike } from '../util/args.js';

/** @internal What `cometEncoding` tells the hubs and `serve` about its chunks. */
export interface Wire {
  /** Makes a control script: `callback(INFO, 0)`. */
  readonly control: (info: object) => string;
  /** The chunk every Comet subscriber gets first, if any. */
  readonly initial: string | undefined;
  /**
   * One hub's `encode` (the message serialized once, marked with this wire) and the
   * {@link Framing} that makes its Comet chunks and SSE events, with counters of its own.
   * `initial` is the hub's own first chunk (its `initial` option: this wire's, unless the hub's
   * options replaced it), which the hub's wire names instead, so `serve` finds its `open` place.
   */
  readonly framing: (initial: string | undefined) => { encode: (value: never, id: number) => string; framing: Framing };
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

/**
 * @internal The kinds of client a hub serves: `'comet'` is what `hub.subscribe()` gives (for a hub
 * without a {@link Framing}, its one kind: what `encode` makes), `'sse'` the events of `hub.serve`'s
 * Server-Sent Events clients.
 */
export type ClientKind = 'comet' | 'sse';

/**
 * @internal The subscribe option (a symbol, so no public option name) that picks a subscriber's
 * kind; default `'comet'`. Only a hub with a {@link Framing} has `'sse'` subscribers.
 */
export const kindKey: unique symbol = Symbol('comet-bridge.kind');

/** @internal What `hub.serve` tells a client first: where its replay starts (wire.md's `open`). */
export interface OpenInfo {
  readonly type: 'open';
  readonly epoch: string;
  readonly lastId: number;
  readonly since: number;
  readonly missed: number;
  readonly reset: boolean;
}

/**
 * @internal The subscribe option (a symbol, as {@link kindKey}) that gives a subscriber a preface:
 * a function of its {@link OpenInfo} whose result it is given after the initial item and before
 * the replay, as an item of id 0 (not a message, like the initial one). `hub.serve` writes its
 * `open` control this way, so the subscription itself is the response's body.
 */
export const prefaceKey: unique symbol = Symbol('comet-bridge.preface');

/**
 * @internal How a hub of two kinds of client (one made with `cometEncoding`) frames a message: its
 * `encode` gives the message serialized once (the JSON text, or the string), and the core asks for
 * the frame of a kind only when a subscriber of that kind takes the message, once per kind.
 */
export interface Framing {
  /** The frame of `kind` for the serialized message `text` with id `id` in epoch `epoch`. */
  frame(kind: ClientKind, text: string, id: number, epoch: string): string;
  /** Frames made so far, per kind (see {@link HubStats.encoded}). */
  readonly encoded: { readonly comet: number; readonly sse: number };
  /**
   * True when `encode` makes the Comet chunk already (a finite `maxMessageBytes`): the core then
   * takes it at publish, listened to or not, so that no later replay makes it again.
   */
  readonly cometAtPublish: boolean;
}

/**
 * @internal The `encode` and {@link Framing} of one hub made with a `cometEncoding`: `encode` serializes and
 * checks each message once (so `publish` throws as the Comet encoder would, before publishing);
 * `frame` makes a Comet chunk (exactly the bytes of the Comet encoder) or an SSE event (exactly
 * what `SSE.encoder(kind)` writes, with the id `E:N`) from that text, and counts what it makes.
 * With a finite `maxMessageBytes` the chunk is made in `encode`, to check its size; `frame` then
 * hands that one over (the core asks for it at once, see {@link Framing.cometAtPublish}).
 */
export function framing<T>(
  wire: Wire,
  initial: string | undefined,
  kind: 'json' | 'string',
  framer: CometFramer<unknown>,
  serialize: (value: T, id: number) => string,
) {
  const encoded = { comet: 0, sse: 0 };
  let made = { id: 0, text: '', chunk: '' };
  const encode = framer.bounded
    ? (value: T, id: number): string => {
        const text = serialize(value, id);
        const chunk = framer.frame(text, id, id);
        encoded.comet++;
        made = { id, text, chunk };
        return text;
      }
    : (value: T, id: number): string => serialize(value, id);
  // a function of this hub's own, marked with this hub's wire
  markWire(encode, initial === wire.initial ? wire : { ...wire, initial });
  const frames: Framing = {
    encoded,
    cometAtPublish: framer.bounded,
    frame(to: ClientKind, text: string, id: number, epoch: string): string {
      if (to === 'sse') {
        encoded.sse++;
        return 'id: ' + epoch + ':' + id + '\n' + dataOf(kind, text) + '\n';
      }
      if (made.id === id && made.text === text) return made.chunk;
      encoded.comet++;
      return framer.frame(text, id, id);
    },
  };
  return { encode, framing: frames };
}

