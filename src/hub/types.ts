/**
 * Public types of the broadcast hubs (in-process and Redis): what every layer of src/hub shares.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CometOptions } from '../comet/index.js';
import type { SendCometOptions, SendCometResult } from '../http/index.js';
import type { QueueStats, SourceIterator } from '../source/types.js';
import type { HubConnectionError, SlowConsumerError } from './errors.js';

/**
 * What a hub does with one subscriber that has `limit` messages waiting when another arrives:
 * - `'drop-oldest'`: discard its oldest waiting message (it keeps the newest ones);
 * - `'drop-newest'`: discard the arriving message (it keeps the oldest ones);
 * - `'disconnect'`: end that subscriber with a {@link SlowConsumerError} after the messages already
 *   waiting, and abort its {@link HubSubscription.signal} at once, so a transport writing to a client
 *   that stopped reading cuts that response now instead of waiting for it forever.
 */
export type SlowConsumerPolicy = 'drop-oldest' | 'drop-newest' | 'disconnect';

/** Options shared by {@link createHub} and {@link createRedisHub}. */
export interface HubOptions<T, O = T> {
  /**
   * Keep the last `history` messages of each topic for replay with `subscribe({ since })`. Default 0
   * (no replay). A busy topic never pushes a quiet topic's messages out.
   */
  history?: number;
  /**
   * The most messages kept for replay over all topics: past it, the topic published to least
   * recently gives up its oldest message first. Non-negative integer or `Infinity` (default).
   */
  historyTotal?: number;
  /** Default per-subscriber limit of waiting messages. Positive integer or `Infinity`. Default 1024. */
  limit?: number;
  /** Default per-subscriber slow-consumer policy. Default `'disconnect'`. */
  policy?: SlowConsumerPolicy;
  /**
   * Turns each published value into what subscribers receive, once per message (not once per
   * subscriber). `id` is the message id. Throwing rejects the publish; nothing is delivered.
   */
  encode?: (value: T, id: number) => O;
  /**
   * Given to every subscriber before anything else (for a Comet hub: the initial chunk; the SSE
   * clients of `hub.serve` get none). Not counted as a message: never offered, waiting or discarded.
   */
  initial?: O | undefined;
  /**
   * When a subscriber asks for its next message and several are waiting for it, hand them over as
   * one value made by `coalesce` (e.g. `(chunks) => chunks.join('')` for text), so a transport
   * writes them with one call instead of one per message. Counters and `lastId` still count
   * messages. Without it, every message is handed over on its own. If it throws, that subscriber
   * fails with the error and is unsubscribed (its messages are not counted as delivered).
   */
  coalesce?: ((values: O[]) => O) | undefined;
}

/** Options of one subscriber. */
export interface SubscribeOptions {
  /** This subscriber's slow-consumer policy (default: the hub's). */
  policy?: SlowConsumerPolicy;
  /** This subscriber's limit of waiting messages (default: the hub's). */
  limit?: number;
  /**
   * Replay the messages kept in history whose id is greater than `since`, then continue live,
   * with no gap and no duplicate between the two. `0` replays the whole history. Messages older
   * than the history are reported in {@link HubSubscription.missed}. What happens to a `since`
   * greater than the hub's last id depends on `epoch`: without one (a cursor of unknown origin),
   * the whole history is replayed; see `epoch` for the rest.
   */
  since?: number;
  /**
   * The epoch `since` was given in (needs `since`; `[A-Za-z0-9_-]{1,64}`), for a client resuming
   * with the cursor it was given:
   * - this hub's epoch: replay exactly what came after `since`. A `since` beyond the hub's last
   *   id (a hub that has not caught up yet, e.g. a Redis hub in a process that joined late)
   *   replays nothing, and the subscriber is given only the ids after `since`, as the hub
   *   reaches them: never a replay from the start. It waits for as long as that takes, for good
   *   if the hub never gets there (a cursor no hub of this epoch gave): subscribed, given nothing,
   *   until it stops or the hub closes.
   * - another epoch (the cursor of an earlier run, or of a hub that lost its stream): replay all
   *   the history holds, with {@link HubSubscription.reset} true and `missed` counting what
   *   came before it.
   */
  epoch?: string;
  /** Aborting ends this subscriber with the signal's reason and unsubscribes it. */
  signal?: AbortSignal;
  /**
   * The topics to receive, in one stream, in the order published (default: the default topic
   * `''` alone). Each `''` or `[A-Za-z0-9_.:/@-]{1,200}`, not `open`, `error` or `message`; at most
   * 1000. One cursor (`since`, `epoch`) resumes them all: the replay holds exactly the messages of
   * these topics after it, and `missed` counts exactly those the history no longer holds.
   */
  topics?: readonly string[];
}

/** Options of one `publish`. */
export interface PublishOptions {
  /** The topic to publish to (default: the default topic `''`). See {@link SubscribeOptions.topics}. */
  topic?: string;
}

/**
 * One subscriber's stream: an async iterator (with `stats` of its own queue) that unsubscribes
 * on `return()`, `break`, `throw()`, abort, hub close or overflow under `'disconnect'`.
 */
export interface HubSubscription<O> extends SourceIterator<O> {
  /** Id of the last message this subscriber has been given, 0 before the first. */
  readonly lastId: number;
  /** Messages after `since` that were no longer in history when this subscriber joined. */
  readonly missed: number;
  /** The hub's epoch when this subscriber joined: its ids (`lastId`) are ids of this epoch. */
  readonly epoch: string;
  /**
   * True when the subscriber gave an `epoch` that is not the hub's: its `since` meant nothing
   * here, so the replay started from the beginning of the history.
   */
  readonly reset: boolean;
  /** This subscriber's policy. */
  readonly policy: SlowConsumerPolicy;
  /** This subscriber's limit. */
  readonly limit: number;
  /** Counters of this subscriber's live queue (replayed history is not counted in `buffered`). */
  readonly stats: QueueStats;
  /**
   * The cut-off signal, also carried under the `Symbol.for('comet-bridge.cutoff')` key, which is
   * where the transports and pass-through operators find it (so they keep finding it when the
   * subscription is wrapped, e.g. in `Comet.json(cb)` or `toSource`).
   * Aborted, with the error, when the hub cuts this subscriber off: a {@link SlowConsumerError}
   * under `'disconnect'`, a {@link HubConnectionError} when a Redis hub loses its connection. The
   * iterator still yields what was buffered, then that error; the signal tells at once, so whoever
   * is stuck writing to a client that stopped reading can give up now. `sendComet`, `toNodeReadable`
   * and `toWebStream` watch the cut-off by themselves, through an internal slot that the
   * subscription (and whatever carries its cut-off) offers beside the key, so the signal itself is
   * made only when it is read, here or under the key. Never aborted by a clean end
   * (`close()`) or by the consumer itself (`return()`, `throw()`, its own `signal`).
   */
  readonly signal: AbortSignal;
  /** Unsubscribes: buffered messages are discarded, pending reads settle with done. */
  return(value?: unknown): Promise<IteratorResult<O>>;
  /** Unsubscribes and rejects with `error`. */
  throw(error?: unknown): Promise<IteratorResult<O>>;
}

/**
 * Counters of a hub. Every message offered to a subscriber ends in exactly one place, so at any
 * quiet moment (no read in progress) of an open hub:
 * `offered = delivered + dropped['drop-oldest'] + dropped['drop-newest'] + cutOff + discarded + waiting`.
 * (After `close()` or a lost Redis connection, what ended subscribers still hold is in none of them
 * until they read it, then it is `delivered`, or stop, then it is `discarded`.)
 */
export interface HubStats {
  /** Subscribers now. */
  readonly subscribers: number;
  /** Messages fanned out by this hub (a Redis hub counts those it loads from the stream at start, or after a new epoch, too). */
  readonly published: number;
  /**
   * Messages offered to subscribers: each published message once per subscriber it was given to,
   * plus every replayed message (the initial item excluded).
   */
  readonly offered: number;
  /** Messages handed to subscribers' consumers (replays included, the initial item excluded). */
  readonly delivered: number;
  /** Messages discarded by each dropping policy, over all subscribers past and present. */
  readonly dropped: { readonly 'drop-oldest': number; readonly 'drop-newest': number };
  /**
   * Messages lost to subscribers cut off for slowness (`'disconnect'`): for each, the message that
   * overflowed its queue plus those waiting for it then that it has not read since.
   */
  readonly cutOff: number;
  /** Messages still waiting for a subscriber when it stopped (`return()`, `throw()`, its `signal`). */
  readonly discarded: number;
  /** Messages waiting now for the current subscribers (their replay and their queues). */
  readonly waiting: number;
  /** Subscribers ended with {@link SlowConsumerError}. */
  readonly disconnectedForSlowness: number;
  /**
   * Frames made per kind of client, by a hub made with `cometEncoding` or `cometHub`: `comet`
   * script chunks and `sse` events. Each message is serialized once at publish and framed at most
   * once per kind, only for a kind that has subscribers when it is published or that replays it
   * later: while only iframes listen `sse` stays put, and the reverse. (With a finite
   * `maxMessageBytes`, the Comet chunk is made at publish to check its size, listened to or not.)
   * Both 0 on other hubs.
   */
  readonly encoded: { readonly comet: number; readonly sse: number };
  /** Topics now: those with subscribers or history (the default topic counts when it has either). */
  readonly topics: number;
  /** Messages kept for replay now, over all topics. */
  readonly history: number;
  /**
   * Subscribers now by how they were made: `iframe` and `eventsource`, the Comet and the
   * Server-Sent Events clients of `hub.serve`; `subscribe`, those of `hub.subscribe()` (whatever
   * carries them). They add up to `subscribers`.
   */
  readonly connections: TransportCounts;
  /** Subscribers ever added, by how they were made (as in `connections`); one refused or added to a closed hub is not. */
  readonly opened: TransportCounts;
  /** Messages given from the history to subscribers resuming from a cursor (`since`); counted in `offered` too. */
  readonly replayed: number;
  /** Messages subscribers were told they missed (the sum of each one's {@link HubSubscription.missed}). */
  readonly missed: number;
  /** Subscribers told that their cursor was of another epoch ({@link HubSubscription.reset}). */
  readonly resets: number;
  /**
   * Messages that subscribers cut off for slowness never got, for good: for each, the message that
   * overflowed its queue, plus those waiting for it then that it stopped without reading. Unlike
   * `cutOff`, which gives back what such a subscriber still reads (and so may go down), it never
   * goes down: the figure for a counter of messages dropped.
   */
  readonly lostToSlowness: number;
}

/** Counts per kind of subscriber (see {@link HubStats.connections}). */
export interface TransportCounts {
  /** Comet (forever iframe) clients of `hub.serve`. */
  readonly iframe: number;
  /** Server-Sent Events (`EventSource`) clients of `hub.serve`. */
  readonly eventsource: number;
  /** Subscribers of `hub.subscribe()`. */
  readonly subscribe: number;
}

/** @internal The members shared by every hub, whatever it publishes with. */
export interface HubReading<O> {
  /**
   * Adds a subscriber. It receives `initial` (if set), then the replay (if `since` is given),
   * then every message published from now on, in order. Once the hub is closed, the returned
   * iterator is already done.
   */
  subscribe(options?: SubscribeOptions): HubSubscription<O>;
  /** Number of subscribers now. */
  readonly size: number;
  /** Id of the last message fanned out, 0 before the first. */
  readonly lastId: number;
  /**
   * A random id made when this hub was created (16 url-safe characters), the same for its whole
   * life: a cursor (`since`) is only meaningful with the epoch of the hub that gave it.
   */
  readonly epoch: string;
  /** True once `close()` was called. */
  readonly closed: boolean;
}

/** An in-process broadcast hub (see {@link createHub}). */
export interface Hub<T, O = T> extends HubReading<O> {
  /**
   * Delivers `value` to every subscriber of its topic (`options.topic`, default `''`) now: O(1) per
   * subscriber, never waits for one, and costs nothing for the subscribers of other topics.
   * @returns the message id (1, 2, 3, …)
   * @throws {@link HubClosedError} after `close()`; whatever `encode` throws (nothing is published then)
   */
  publish(value: T, options?: PublishOptions): number;
  /** Ends every subscriber cleanly (after what is already buffered for it). Idempotent. */
  close(): void;
  /** Counters (see {@link HubStats}). */
  stats(): HubStats;
}

/**
 * What a hub that speaks the client's protocol adds: `serve` (a Node request and response) and
 * `fetch` (a web `Request`, answered with a `Response`), each for one route of both kinds of client.
 */
export interface Serving {
  /**
   * Serves one client on a route, of either kind: a request whose `Accept` lists
   * `text/event-stream` (an `EventSource`) gets Server-Sent Events through `sendSSE`, any other
   * (the forever iframe of `connectComet`) Comet through `sendComet`; both with `Vary: Accept`.
   * Reads the client's cursor (Comet: the query's `epoch` and `since`; SSE: the `Last-Event-ID`
   * header, else the `lastEventId` query parameter, both `E:N`, else `epoch` and `since`; a
   * malformed query is answered `400` and resolves `'bad-request'`; a `Last-Event-ID` not of the
   * form `E:N`, an id of another server, counts as a cursor of another epoch), subscribes with replay from it
   * (`subscribe({ since, epoch })`), and streams: first `open` (`{ type, epoch, lastId, since,
   * missed, reset }`, `reset: true` when the cursor's epoch is not this hub's: everything the
   * history holds follows; SSE then sends a `reset` event too), then every message (Comet:
   * `callback(MESSAGE, ID)`; SSE: an event with the id `E:N`), `beat` heartbeats (default every
   * 15 s), and `rotate` before it ends the response on purpose after `maxBytes` (Comet: default
   * 1 MiB; SSE: none unless given) or `maxAgeMs`. Comet controls are `callback(INFO, 0)` scripts,
   * SSE controls named events. A cursor of this epoch ahead of the hub's last id replays nothing
   * and waits for the ids after it (for good if the hub never gets there: `open` tells the client,
   * with `since` above `lastId`). `stop` answers SSE `204` and Comet a `stop` control, resolving
   * `'stopped'`. HEAD is answered with the headers alone, without subscribing. Otherwise resolves
   * and rejects as `sendComet` does.
   * @throws TypeError (synchronously) for a bad argument or option; RangeError for a number out of
   *   range; whatever `stop` throws
   */
  serve(req: IncomingMessage, res: ServerResponse, options?: ServeOptions): Promise<ServeResult>;
  /**
   * The protocol of {@link Serving.serve} on a web `Request`, answered with a web `Response`: for
   * Hono, Next.js route handlers, Remix and React Router, SvelteKit, `Bun.serve`, `Deno.serve`, and
   * Node's own `Request`. Both kinds by `Accept`, the cursor, topics, `authorize`, tickets, the
   * controls and the statuses are those of `serve`, byte for byte (one implementation serves both).
   * The body is pull-based: the hub hands a message over only when the server reads the body,
   * so a slow client slows its own subscription and nothing else. The subscription ends when the
   * body is cancelled or `request.signal` aborts (the client left). The first chunk (the Comet
   * initial chunk, else the `open` control) is ready at once, so the headers leave at once, even
   * on runtimes that send none before the body's first chunk; and the `beat` control goes out every
   * 5 s by default (not 15), under `Bun.serve`'s idle limit. Resolves the `Response`, or a `500`
   * when `authorize` (or `stop`) throws; `options.onEnd` is told how each answer ended.
   * @example
   * ```ts
   * // app/live/route.ts (Next.js App Router)
   * export const GET = (request: Request) => hub.fetch(request);
   * ```
   * @throws TypeError (synchronously) for a bad argument or option, naming `hub.fetch`; RangeError
   *   for a number out of range
   */
  fetch(request: Request, options?: FetchOptions): Promise<Response>;
  /**
   * A signed ticket for a page that cannot send cookies (a cross-site iframe): `serve` takes it from
   * the `ticket` query parameter as the authorization of its topics until it expires, without
   * calling `authorize`. Short and opaque: HMAC-SHA256 with the hub's `secret` over the topics, the
   * expiry and the subject, each length-prefixed. Never written into an error message or a log.
   * @throws TypeError on a hub made without `secret`, or for bad topics or subject; RangeError for a
   *   `ttlMs` out of range
   */
  ticket(options: TicketOptions): string;
}

/**
 * An in-process hub of Comet chunks that serves both kinds of client (see {@link cometHub}):
 * `subscribe()` gives Comet chunks, `serve` speaks the protocol of `comet-bridge/client`.
 */
export interface CometHub<T> extends Hub<T, string>, Serving {}

/**
 * Options of {@link cometEncoding}: the encoder's options (except `onInvalid`: a hub's `publish`
 * always throws the `CometEncodeError` and publishes nothing), plus the kind and an optional mapping.
 */
export interface CometEncodingOptions<T> extends Omit<CometOptions, 'onInvalid'> {
  /** `'json'` (default): any JSON value; `'string'`: the message must be a string. */
  kind?: 'json' | 'string';
  /**
   * Builds what is encoded from the published value and its id, e.g. `(v, id) => ({ id, v })`
   * so the page can remember the last id and reconnect with `?since=<id>`. Default: the value itself.
   * Runs once per message, inside `encode`: if it throws, `publish` throws and publishes nothing.
   */
  map?: (value: T, id: number) => unknown;
  /**
   * Hand a subscriber all the chunks waiting for it as one string (default `true`): the bytes are
   * the same, but a transport writes them with one call, which is what keeps a busy hub with
   * thousands of clients fast. `false`: one chunk per message.
   */
  coalesce?: boolean;
}


/**
 * The wire format of a hub made with {@link cometEncoding}: the page's callback and the kind of
 * message, and, inside, how `serve` frames messages and controls for each kind of client. Made
 * only by {@link cometEncoding}.
 */
export interface CometWire {
  /** The page's callback, e.g. `'parent.cometMessage'`. */
  readonly callback: string;
  /** `'json'` or `'string'`. */
  readonly kind: 'json' | 'string';
}

/**
 * What {@link cometEncoding} returns: the `encode`, `initial` and `coalesce` options of a hub of
 * Comet chunks, and the `wire` that lets a Redis hub made with them `serve` (spread it into the
 * options of `createRedisHub`).
 */
export interface CometEncoding<T> {
  encode: (value: T, id: number) => string;
  initial: string | undefined;
  coalesce: ((chunks: string[]) => string) | undefined;
  wire: CometWire;
}

/** Options of {@link cometHub}: hub options (without `encode`/`initial`/`coalesce`) and Comet encoding options. */
export interface CometHubOptions<T> extends Omit<HubOptions<T, string>, 'encode' | 'initial' | 'coalesce'>, CometEncodingOptions<T> {
  /** The key `ticket` signs with and `serve` checks tickets with: a non-empty string or bytes, kept secret. */
  secret?: string | Uint8Array;
}

/** Options of `hub.serve`. */
export interface ServeOptions extends Omit<SendCometOptions, 'heartbeat' | 'beforeEnd' | 'format'> {
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
  /**
   * The topics the request asks for. Default: its repeated `topic` query parameters
   * (`?topic=user:42&topic=news`); none: the default topic `''`. A malformed name is answered `400`.
   */
  topics?: (req: IncomingMessage) => readonly string[];
  /**
   * Who may read what: called with the request and its topics, returns (or resolves to) `true` (all
   * of them), `false` (none), or the topics allowed (the stream then carries those; none is a
   * refusal). A refusal is answered `403` with a short reason: an `EventSource` stops for good, and
   * so does `connectComet`. Not called for a request with a valid `ticket`, which authorizes its
   * topics on its own. If it throws or rejects, the request is answered `500` and `serve` rejects
   * with that error. Default: every request may read every topic it asks for.
   */
  authorize?: (req: IncomingMessage, topics: readonly string[]) => boolean | readonly string[] | PromiseLike<boolean | readonly string[]>;
}

/**
 * How `hub.serve` ended: as `sendComet`, `'bad-request'` (a malformed cursor or topic, answered with
 * 400), `'forbidden'` (refused by `authorize` or by a bad ticket, answered with 403) or `'stopped'`
 * (the `stop` option).
 */
export type ServeResult = SendCometResult | 'bad-request' | 'forbidden' | 'stopped';

/**
 * Options of `hub.fetch`: those of `hub.serve` (see {@link ServeOptions}), with `stop`, `topics` and
 * `authorize` taking the web `Request`, and `onEnd`.
 */
export interface FetchOptions extends Omit<ServeOptions, 'stop' | 'topics' | 'authorize'> {
  /**
   * As {@link ServeOptions.heartbeatMs}, with a default of 5000: under `Bun.serve`'s `idleTimeout`
   * (10 s), which ends a response that has sent nothing for that long. `0` for none.
   */
  heartbeatMs?: number;
  /** As {@link ServeOptions.stop}, a function of the web `Request`. */
  stop?: boolean | ((request: Request) => boolean);
  /** As {@link ServeOptions.topics}: the topics of the web `Request` (default: its `topic` query parameters). */
  topics?: (request: Request) => readonly string[];
  /** As {@link ServeOptions.authorize}, with the web `Request`: if it throws or rejects, the answer is a `500` and `onEnd` gets the error. */
  authorize?: (request: Request, topics: readonly string[]) => boolean | readonly string[] | PromiseLike<boolean | readonly string[]>;
  /**
   * Called once, when the answer is over, with what `hub.serve`'s promise would settle with: a
   * {@link ServeResult} (`'bad-request'`, `'forbidden'`, `'stopped'` and `'head'` at once; a
   * stream's `'end'`, `'rotated'`, `'shutdown'` or `'client-gone'` when it ends), or `'failed'`
   * and the error, as `hub.serve` rejects with it (what `authorize` threw; why the stream failed: a client cut off for slowness, a Redis
   * hub's outage, `signal` aborted with a reason). What it throws is thrown again on its own, as an
   * uncaught exception, never into the stream.
   */
  onEnd?: (result: FetchResult, error?: unknown) => void;
}

/** How an answer of `hub.fetch` ended (see {@link FetchOptions.onEnd}): a {@link ServeResult}, or `'failed'`. */
export type FetchResult = ServeResult | 'failed';

/** Options of {@link Serving.ticket}. */
export interface TicketOptions {
  /** The topics the ticket lets its bearer read (at least one). */
  topics: readonly string[];
  /** How long the ticket is valid, in milliseconds (at most 30 days). */
  ttlMs: number;
  /** Who it was made for (printable ASCII, at most 256 characters): signed with it, never checked by the hub. */
  subject?: string;
}

