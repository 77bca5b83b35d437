/**
 * The types of `comet-bridge/client` (its options, states and connection), kept apart from the module's
 * code so that the module stays one file of code: `index.ts` imports these as types only, which leave
 * no import in the JavaScript.
 * @packageDocumentation
 */

/**
 * Where a connection stands: `'connecting'` (a stream is being opened), `'open'` (the server's first
 * chunk arrived), `'waiting'` (the stream ended; the next attempt is scheduled, or the EventSource
 * reconnects by itself), `'closed'` (by `close()`, `pagehide`, the server's `stop` or a refusal; final). A
 * connection that follows another (`share`) shows the leader's state.
 */
export type CometState = 'connecting' | 'open' | 'waiting' | 'closed';

/** The server's first control message of every response (see the wire format). */
export interface CometOpenInfo {
  /** The hub's epoch: a random id made when the hub started. */
  epoch: string;
  /** The hub's last message id when this response started. */
  lastId: number;
  /** The id after which this response's messages start. */
  since: number;
  /** Messages after the cursor that had already left the server's history. */
  missed: number;
  /** True when the cursor was from another epoch (a restarted server): ids start again. */
  reset: boolean;
  /** The topics this stream carries (after the server's authorization), when the request named topics. */
  topics?: string[];
}

/** What {@link ConnectCometOptions.onGap} is told: `{ missed }` messages are lost, or `{ reset: true }`. */
export interface CometGapInfo {
  missed?: number;
  reset?: true;
}

/**
 * What {@link ConnectCometOptions.onError} is told: `{ status, reason? }` when the server refused the
 * connection for good (a `400`, `401`, `403` or `404`: the connection is closed; `reason` when the hub's
 * stop control gave one), or `{ message }` when 3 responses in a row came without an `open` control (the
 * connection keeps trying).
 */
export interface CometErrorInfo {
  /** The HTTP status of the refusal. */
  status?: number;
  /** The server's reason, when its stop control gave one. */
  reason?: string;
  /** What went wrong, in words. */
  message?: string;
}

/** Options of {@link connectComet}. */
export interface ConnectCometOptions<T = unknown> {
  /**
   * How the stream reaches the page: `'iframe'` (default; a forever iframe calling `callback`),
   * `'eventsource'` (the browser's `EventSource`, with `Accept: text/event-stream`), or `'auto'`
   * (EventSource where `globalThis.EventSource` exists, else the iframe).
   */
  transport?: 'iframe' | 'eventsource' | 'auto';
  /** What the hub's messages are, for the EventSource transport: `'json'` (default; parsed) or `'string'` (as sent). */
  kind?: 'json' | 'string';
  /**
   * The hub's callback, e.g. `'parent.cometMessage'`, as seen from the iframe: it starts with `parent.` or `top.`.
   * Required unless `transport` is `'eventsource'` (`'auto'` needs it for its fallback).
   */
  callback?: string;
  /**
   * The topics to receive, each `[A-Za-z0-9_.:/@-]{1,200}` and none of `open`, `error`, `message`
   * (a non-empty array). None: the hub's default topic.
   */
  topics?: string[];
  /** Called once per message of this connection's topics, in id order, never twice for one id; `topic` is `''` for the default topic. */
  onMessage: (value: T, id: number, topic: string) => void;
  /** Called at the start of every response. */
  onOpen?: (info: CometOpenInfo) => void;
  /** Called when the server could not replay everything since the last id. */
  onGap?: (info: CometGapInfo) => void;
  /** Called when the server refused the connection for good, or when it never opens (see {@link CometErrorInfo}). */
  onError?: (info: CometErrorInfo) => void;
  /** Called on every change of {@link CometConnection.state}. */
  onStateChange?: (state: CometState) => void;
  /**
   * Backoff between attempts: a random delay up to `min(maxMs, minMs * 2^attempt)`. Default `{ minMs: 1000, maxMs: 30000 }`;
   * each a number above 0 and below 2^31, `maxMs` at least `minMs`.
   */
  reconnect?: { minMs?: number; maxMs?: number };
  /**
   * No chunk and no heartbeat for this long: the stream is dead, reconnect. Default 30000; above the server's
   * heartbeat (and, on EventSource, above its `retry`, or the client reconnects before the browser does).
   * A number above 0 and below 2^31.
   */
  livenessMs?: number;
  /**
   * The connections of one URL, transport, kind and callback (all with `topics`, or all without), in this page and
   * in the tabs of its origin, share one stream carrying all their topics: a leader (Web Locks) holds it and relays
   * to the others (BroadcastChannel). Default `true`; `false`: this connection holds a stream of its own.
   */
  share?: boolean;
}

/** A running connection. */
export interface CometConnection {
  /** Ends the stream, removes the iframe or EventSource and every timer and listener. Idempotent. */
  close(): void;
  /** Id of the last message delivered to this connection's `onMessage`, 0 before the first. */
  readonly lastId: number;
  /** See {@link CometState}. */
  readonly state: CometState;
  /** True when this connection holds the stream (always, with `share: false`); false for one that follows another. */
  readonly leader: boolean;
  /** The transport this tab uses when it holds the stream: `'iframe'` or `'eventsource'` (`'auto'` resolved). */
  readonly transport: 'iframe' | 'eventsource';
}
