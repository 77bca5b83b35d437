/**
 * The health of Redis hubs. One {@link Health} per publishing connection (on a Redis Cluster, per
 * hash slot of the hubs' keys, whose node it asks), shared by every hub that publishes on it: one
 * `PING` every interval, whatever the number of hubs (a hung server answers nothing, and no client
 * notices by itself), and the state of that connection. Each hub has its {@link HubHealth}: the
 * state of its reading connection and of its stream reader, and its outage clock, which decides
 * when its subscribers fail.
 *
 * With hubs of different `healthCheckMs` on one connection, the smallest wins: the PING goes out
 * at the shortest interval any of them asks for. `maxOutageMs` stays each hub's own.
 */
import { isReplyError, type RedisLink } from './client.js';
import type { StreamReader } from './reader.js';

/** @internal What one hub's health watches and tells. */
export interface HubHealthParts {
  /** The check of the hub's publishing connection, to share (asked for at start). */
  shared(): Health;
  reader: StreamReader;
  /** The interval this hub asks for (the shared check uses the smallest). */
  intervalMs: number;
  maxOutageMs: number;
  /** The hub became unhealthy: publishes must reject at once. */
  down(cause: unknown): void;
  /** Healthy again. */
  up(): void;
  /**
   * A PING went unanswered for an interval: the server hangs, so the publishes waiting for an answer
   * must reject (a lost connection is the client's to handle: it fails or re-sends them itself).
   */
  stalled(): void;
  /** When Redis last answered a command of this hub sent before the PING on the publishing connection (0: never). */
  answeredAt(): number;
  /** Unhealthy for `maxOutageMs` in a row: subscribers must fail. */
  outage(cause: unknown): void;
}

const noop = (): void => {};

/** @internal The health check of one publishing connection, shared by its hubs. */
export class Health {
  readonly #publisher: RedisLink;
  readonly #ended: () => void;
  readonly #hubs = new Set<HubHealth>();
  #intervalMs = 0;
  #pingCause: Error | undefined;
  /** The last error a watched connection reported, until every hub is healthy again. */
  linkCause: unknown = undefined;
  /** The PING in flight, if any, and when it was sent. */
  #pending: object | null = null;
  #pendingSince = 0;
  /** When the last tick ran. */
  #tickedAt = 0;
  /** When a tick last found that this process had been held up (0: never). */
  #heldUpAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #unwatch: () => void = noop;

  /** `ended` is told when the last hub left (the check stopped). */
  constructor(publisher: RedisLink, ended: () => void = noop) {
    this.#publisher = publisher;
    this.#ended = ended;
  }

  /** The interval in use: the smallest any hub asks for. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** When this process was last found held up (0: never). */
  get heldUpAt(): number {
    return this.#heldUpAt;
  }

  /** Whether the publishing connection is up and the server answers PING. */
  get publishable(): boolean {
    return this.#pingCause === undefined && this.#publisher.ready;
  }

  /** Why the server is taken to be down (the unanswered PING), if it is. */
  get pingCause(): Error | undefined {
    return this.#pingCause;
  }

  /** How long the server has not answered the PING in flight, when it is taken not to answer (else 0). */
  get silentMs(): number {
    return this.#pingCause !== undefined && this.#pending !== null ? performance.now() - this.#pendingSince : 0;
  }

  /** Watches a hub (see {@link HubHealth.start}). */
  add(hub: HubHealth): void {
    this.#hubs.add(hub);
    if (this.#hubs.size === 1) this.#unwatch = this.#publisher.watch(this.watcher());
    this.#schedule();
  }

  /** Stops watching a hub; the last one stops the check. */
  remove(hub: HubHealth): void {
    if (!this.#hubs.delete(hub)) return;
    if (this.#hubs.size !== 0) return this.#schedule();
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#intervalMs = 0;
    this.#unwatch();
    this.#pending = null;
    this.#ended();
  }

  /** What a watched connection's events do: note the cause; a PING that failed with the connection is asked again at once. */
  watcher(hub?: HubHealth): { down(cause: unknown): void; up(): void } {
    const update = (): void => (hub === undefined ? this.#updateAll() : hub.update());
    return {
      down: (cause) => {
        if (cause !== undefined) this.linkCause = cause;
        update();
      },
      up: () => (this.#pending === null ? this.#ping() : update()),
    };
  }

  /** (Re)starts the interval timer when the smallest interval asked for changed. */
  #schedule(): void {
    const ms = Math.min(...[...this.#hubs].map((h) => h.intervalMs));
    if (ms === this.#intervalMs) return;
    clearInterval(this.#timer);
    this.#intervalMs = ms;
    this.#tickedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), ms);
  }

  #updateAll(): void {
    for (const hub of [...this.#hubs]) hub.update();
  }

  /** A hub became healthy: once all are, the last connection error is forgotten. */
  healed(): void {
    if ([...this.#hubs].every((h) => h.healthy)) this.linkCause = undefined;
  }

  /**
   * A PING still unanswered one interval later marks the server as not answering, unless Redis
   * answered other commands meanwhile: they were sent before the PING on the same connection, so a
   * server working through them is busy, not hung, and the PING waits another interval.
   */
  #tick(): void {
    const intervalMs = this.#intervalMs;
    const previous = this.#tickedAt;
    const now = (this.#tickedAt = performance.now());
    if (now - previous > 2 * intervalMs) {
      // this process could not run for a while (a long synchronous burst): the silence it measured
      // over that time says nothing of Redis, so every wait is counted again from now
      this.#heldUpAt = now;
      if (this.#pending !== null) this.#pendingSince = now;
      this.#updateAll();
      return;
    }
    if (this.#pending !== null) {
      const answered = Math.max(0, ...[...this.#hubs].map((h) => h.answeredAt()));
      if (this.#pingCause === undefined && answered > previous) {
        this.#pendingSince = answered;
        return;
      }
      this.#pingCause ??= new Error(`Redis did not answer PING within ${intervalMs} ms`);
      for (const hub of [...this.#hubs]) hub.stalled();
      this.#updateAll();
      return;
    }
    this.#ping();
  }

  #ping(): void {
    const ping = (this.#pending = {});
    this.#pendingSince = performance.now();
    const settle = (cause: Error | undefined): void => {
      if (this.#pending !== ping) return;
      this.#pending = null;
      this.#pingCause = cause;
      this.#updateAll();
    };
    // an error reply (an ACL refusing PING) is an answer too: the question is whether Redis answers
    this.#publisher.command(['PING']).then(
      () => settle(undefined),
      (error: unknown) => settle(isReplyError(error) ? undefined : error instanceof Error ? error : new Error(String(error))),
    );
    this.#updateAll();
  }
}

/** @internal One hub's view of its health: healthy at start. */
export class HubHealth {
  #shared: Health | undefined;
  readonly #p: HubHealthParts;
  #healthy = true;
  #started = false;
  #outage: NodeJS.Timeout | undefined;
  #unwatch: () => void = noop;

  constructor(parts: HubHealthParts) {
    this.#p = parts;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** The interval this hub asks for. */
  get intervalMs(): number {
    return this.#p.intervalMs;
  }

  /** Whether a publish can go out now: the publishing connection is up and the server answers. */
  get publishable(): boolean {
    return this.#shared?.publishable ?? true;
  }

  /** Why the hub is unhealthy (the reader's or a client's error, or the unanswered PING), if known. */
  get cause(): unknown {
    return this.#p.reader.failure ?? this.#shared?.linkCause ?? this.#shared?.pingCause;
  }

  /** Starts watching (once the reader started: its connection is made). */
  start(): void {
    if (this.#shared !== undefined) return;
    const shared = (this.#shared = this.#p.shared());
    this.#started = true;
    const link = this.#p.reader.link;
    if (link !== undefined) this.#unwatch = link.watch(shared.watcher(this));
    shared.add(this);
    // a check already running may know Redis does not answer
    this.update();
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#outage);
    this.#outage = undefined;
    this.#unwatch();
    this.#unwatch = noop;
    this.#shared?.remove(this);
  }

  /** @internal See {@link HubHealthParts.answeredAt}. */
  answeredAt(): number {
    return this.#p.answeredAt();
  }

  /** @internal See {@link HubHealthParts.stalled}. */
  stalled(): void {
    this.#p.stalled();
  }

  /** Recomputes the state; tells the hub of a change. */
  update(): void {
    const shared = this.#shared;
    if (!this.#started || shared === undefined) return;
    const { reader, maxOutageMs } = this.#p;
    const healthy = shared.publishable && reader.link?.ready === true && reader.failure === undefined &&
      !reader.overdue(shared.intervalMs, shared.heldUpAt);
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) {
      clearTimeout(this.#outage);
      this.#outage = undefined;
      shared.healed();
      this.#p.up();
      return;
    }
    // a server that does not answer has not answered since the PING in flight was sent, at the latest
    this.#outage = setTimeout(() => {
      this.#outage = undefined;
      this.#p.outage(this.cause);
    }, Math.max(0, maxOutageMs - shared.silentMs));
    this.#p.down(this.cause);
  }
}
