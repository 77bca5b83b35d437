/**
 * The kinds of client a hub's core serves, and the port through which it frames a message per
 * kind. The protocol layer implements {@link Frames}; the core only calls it.
 */

/**
 * @internal The kinds of client a hub serves: `'comet'` is what `hub.subscribe()` gives (for a hub
 * without {@link Frames}, its one kind: what `encode` makes), `'sse'` the events of `hub.serve`'s
 * Server-Sent Events clients.
 */
export type ClientKind = 'comet' | 'sse';

/** @internal What `hub.serve` tells a client first: where its replay starts (docs/protocol.md, `open`). */
export interface OpenInfo {
  readonly type: 'open';
  readonly epoch: string;
  readonly lastId: number;
  readonly since: number;
  readonly missed: number;
  readonly reset: boolean;
  /** The topics of the stream, when the request named them. */
  readonly topics?: readonly string[];
}

/**
 * @internal How a hub of two kinds of client frames a message: its `encode` gives the message
 * serialized once (the JSON text, or the string), and the core asks for the frame of a kind only
 * when a subscriber of that kind takes the message, once per kind.
 */
export interface Frames {
  /** The frame of `kind` for the serialized message `text` with id `id` in epoch `epoch`, of `topic`. */
  frame(kind: ClientKind, text: string, id: number, epoch: string, topic: string): string;
  /** Frames made so far, per kind (see `HubStats.encoded`). */
  readonly encoded: { readonly comet: number; readonly sse: number };
  /**
   * True when `encode` makes the Comet chunk already (a finite `maxMessageBytes`): the core then
   * takes it at publish, listened to or not, so that no later replay makes it again.
   */
  readonly cometAtPublish: boolean;
}

/**
 * @internal What the protocol layer adds to a subscription, beside the public options: the kind of
 * client, and a preface (a function of the subscription's {@link OpenInfo} whose result it is given
 * after the initial item and before the replay, as an item of id 0, like the initial one).
 */
export interface SubscribeAs<O> {
  readonly kind: ClientKind;
  readonly preface?: ((info: OpenInfo) => O) | undefined;
}
