/**
 * The health of a Redis hub: a PING every `healthCheckMs` on the publishing connection (a hung
 * server answers nothing, and no client notices by itself), the state of both connections and of
 * the stream reader, and the outage clock that decides when subscribers fail.
 */
import { isReplyError, type RedisLink } from './client.js';
import type { StreamReader } from './reader.js';

/** @internal What the health check watches and tells. */
export interface HealthParts {
  publisher: RedisLink;
  readerLink: RedisLink;
  reader: StreamReader;
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
  /** When Redis last answered a command sent before the PING on the publishing connection (0: never). */
  answeredAt(): number;
  /** Unhealthy for `maxOutageMs` in a row: subscribers must fail. */
  outage(cause: unknown): void;
}

/** @internal Watches a hub's connections; healthy at start. */
export class Health {
  readonly #p: HealthParts;
  #healthy = true;
  #pingCause: Error | undefined;
  #linkCause: unknown = undefined;
  /** The PING in flight, if any, and when it was sent. */
  #pending: object | null = null;
  #pendingSince = 0;
  /** When the last tick ran. */
  #tickedAt = 0;
  /** When a tick last found that this process had been held up (0: never). */
  #heldUpAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #outage: NodeJS.Timeout | undefined;
  #unwatch: (() => void)[] = [];
  /** After stop(): nothing is checked, told or timed any more. */
  #stopped = false;

  constructor(parts: HealthParts) {
    this.#p = parts;
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Whether a publish can go out now: the publishing connection is up and the server answers. */
  get publishable(): boolean {
    return this.#pingCause === undefined && this.#p.publisher.ready;
  }

  /** Why the hub is unhealthy (the reader's or a client's error, or the unanswered PING), if known. */
  get cause(): unknown {
    return this.#p.reader.failure ?? this.#linkCause ?? this.#pingCause;
  }

  start(): void {
    const { publisher, readerLink, intervalMs } = this.#p;
    for (const link of [publisher, readerLink]) {
      this.#unwatch.push(link.watch({
        down: (cause) => {
          if (cause !== undefined) this.#linkCause = cause;
          this.update();
        },
        // a PING that failed with the connection is asked again at once, not one interval later
        up: () => (this.#pending === null ? this.#ping() : this.update()),
      }));
    }
    this.#tickedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#outage);
    this.#outage = undefined;
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    this.#pending = null;
  }

  /**
   * A PING still unanswered one interval later marks the server as not answering, unless Redis
   * answered other commands meanwhile: they were sent before the PING on the same connection, so a
   * server working through them is busy, not hung, and the PING waits another interval.
   */
  #tick(): void {
    const { intervalMs } = this.#p;
    const previous = this.#tickedAt;
    const now = (this.#tickedAt = performance.now());
    if (now - previous > 2 * intervalMs) {
      // this process could not run for a while (a long synchronous burst): the silence it measured
      // over that time says nothing of Redis, so every wait is counted again from now
      this.#heldUpAt = now;
      if (this.#pending !== null) this.#pendingSince = now;
      this.update();
      return;
    }
    if (this.#pending !== null) {
      const answered = this.#p.answeredAt();
      if (this.#pingCause === undefined && answered > previous) {
        this.#pendingSince = answered;
        return;
      }
      this.#pingCause ??= new Error(`Redis did not answer PING within ${intervalMs} ms`);
      this.#p.stalled();
      this.update();
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
      this.update();
    };
    // an error reply (an ACL refusing PING) is an answer too: the question is whether Redis answers
    this.#p.publisher.command(['PING']).then(
      () => settle(undefined),
      (error: unknown) => settle(isReplyError(error) ? undefined : error instanceof Error ? error : new Error(String(error))),
    );
    this.update();
  }

  /** Recomputes the state; tells the hub of a change. Nothing once stopped (a late reply or failure). */
  update(): void {
    if (this.#stopped) return;
    const { publisher, readerLink, reader, intervalMs, maxOutageMs } = this.#p;
    const healthy = this.#pingCause === undefined && publisher.ready && readerLink.ready && reader.failure === undefined &&
      !reader.overdue(intervalMs, this.#heldUpAt);
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (healthy) {
      clearTimeout(this.#outage);
      this.#outage = undefined;
      this.#linkCause = undefined;
      this.#p.up();
      return;
    }
    // a server that does not answer has not answered since the PING in flight was sent, at the latest
    const since = this.#pingCause !== undefined && this.#pending !== null ? performance.now() - this.#pendingSince : 0;
    this.#outage = setTimeout(() => {
      this.#outage = undefined;
      this.#p.outage(this.cause);
    }, Math.max(0, maxOutageMs - since));
    this.#p.down(this.cause);
  }
}
