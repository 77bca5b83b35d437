/**
 * The sending side of a Redis hub: one message added to the stream by the publish script, on the
 * publishing connection, bounded in time; signed messages one at a time, each over the id it expects.
 */
import { newEpoch } from '../core/epoch.js';
import { Observers, type HubObserver } from '../core/observe.js';
import { HubClosedError, HubConnectionError } from '../errors.js';
import { isReplyError, type RedisLink } from './client.js';
import { PUBLISH_SCRIPT, sign } from './stream.js';
import { Ring } from '../../util/ring.js';

/** A command waiting for room among those in flight. */
interface Waiting {
  readonly args: string[];
  readonly key: string;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** @internal What an appender is made with. */
export interface AppendParts {
  publisher: RedisLink;
  channel: string;
  idKey: string;
  /** The list of the stream ids given to the hub's entries, in id order. */
  recordsKey: string;
  /** The sorted set of the idempotency keys remembered, with their ids. */
  keysKey: string;
  /** How many idempotency keys the hub remembers. */
  keyWindow: number;
  streamLength: number;
  /** Past `streamLength` entries, those older than this many milliseconds are trimmed. */
  retainMs: number;
  timeoutMs: number;
  /** At most this many commands wait for Redis at once; the next ones wait here, unsent, for room. */
  maxInFlight: number;
  secret: string | Uint8Array | undefined;
  /** The `cause` of a connection error: the last error known for the connections. */
  cause(): unknown;
  /**
   * The epoch and last id this process knows: the publish script starts a new epoch when Redis is
   * behind them; and the first guess of a signed publish.
   */
  known(): { epoch: string; id: number };
}

const noop = (): void => {};

/**
 * The error replies of a Redis Cluster node that refused a command without running it: the cluster
 * is down (a node without replica lost, with `cluster-require-full-coverage yes`), the slot is moving,
 * or another node serves it (a redirection the client did not follow).
 */
const CLUSTER_REFUSALS = /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK) /;

/** @internal Adds serialized messages to the stream; resolves with the id Redis gave. */
export class Appender {
  readonly #p: AppendParts;
  /** Signed publishes go one at a time: each is signed over the id it expects. */
  #signing: Promise<unknown> = Promise.resolve();
  #next: { epoch: string; id: number } | undefined;
  /** How to reject each command in flight. */
  readonly #inFlight = new Map<(error: Error) => void, string>();
  #answeredAt = 0;
  /** The commands in flight. */
  readonly #asked = new Set<Promise<unknown>>();
  /** Commands not sent yet, waiting for fewer than `maxInFlight` in flight. */
  readonly #waiting = new Ring<Waiting>();
  /** True while the sending of the commands waiting is scheduled. */
  #admitting = false;
  readonly #observers = new Observers();

  constructor(parts: AppendParts) {
    this.#p = parts;
  }

  /**
   * When Redis last answered a publish (`performance.now()`; an error reply counts), 0 before the
   * first: replies come in order on one connection, so a PING behind many publishes is not unanswered
   * while their replies keep arriving.
   */
  get answeredAt(): number {
    return this.#answeredAt;
  }

  /**
   * Rejects every publish with {@link HubConnectionError}: those waiting for an answer with `sent:
   * true` (the server stopped answering: waiting out `timeoutMs` would only pile them up; like a
   * timeout, such a publish may still reach Redis later), those not sent yet with `sent: false`.
   */
  abandon(why: string): void {
    const what = `publish on "${this.#p.channel}": ${why}`;
    // the unsent first: each answer given up on below makes room, which would send one of them
    while (this.#waiting.size > 0) this.#waiting.shift().reject(new HubConnectionError(what, { cause: this.#p.cause() }));
    for (const [reject, key] of [...this.#inFlight]) reject(new HubConnectionError(what, { cause: this.#p.cause(), sent: true, key }));
  }

  /**
   * The hub closed: the commands not sent yet are rejected with {@link HubClosedError} (never
   * published); resolves once no command is in flight (each is bounded by `timeoutMs`).
   */
  async settled(): Promise<void> {
    while (this.#waiting.size > 0) this.#waiting.shift().reject(new HubClosedError());
    await Promise.allSettled([...this.#asked]);
    // one turn more: what the publishes' callers chained on them has run when close() resolves
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Tells `observer` how long each publish takes from now on (see `HubObserver.appended`); returns what stops it. */
  observe(observer: HubObserver): () => void {
    return this.#observers.add(observer);
  }

  /** Forgets the guess of the next id (the epoch changed). */
  forget(): void {
    this.#next = undefined;
  }

  /**
   * Adds one message of `topic` under the idempotency `key`: resolves with its id, or with the id the
   * key got before (in this epoch, among the last `keyWindow` keys), adding nothing then.
   */
  append(data: string, topic: string, key: string): Promise<number> {
    const { secret } = this.#p;
    const observers = this.#observers.list;
    const start = observers.length === 0 ? 0 : performance.now();
    const id = secret === undefined ? this.#script(data, topic, key, '', '').then((reply) => Number(reply[0])) : this.#signed(data, topic, key, secret);
    if (observers.length === 0) return id;
    const settled = (error: unknown): void => {
      const seconds = (performance.now() - start) / 1000;
      for (const o of observers) o.appended?.(seconds, error);
    };
    id.then(() => settled(undefined), settled);
    return id;
  }

  /** Signed over the id it expects: when another publish took that id first, tries the next one. */
  #signed(data: string, topic: string, key: string, secret: string | Uint8Array): Promise<number> {
    const { channel, timeoutMs } = this.#p;
    const run = this.#signing.then(async () => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const known = this.#p.known();
        const next = this.#next ?? { epoch: known.epoch, id: known.id + 1 };
        const reply = await this.#script(data, topic, key, next.epoch, String(next.id), sign(secret, channel, next.epoch, next.id, data, topic));
        // [id, epoch] when added, [id, epoch, 'seen'] for a key seen before, ['', last id, epoch] when
        // the expected id or epoch was not the next one
        if (reply[2] === 'seen') return Number(reply[0]);
        const [id, last] = reply[0] === '' ? [0, Number(reply[1])] : [Number(reply[0]), Number(reply[0])];
        this.#next = { epoch: reply[reply[0] === '' ? 2 : 1]!, id: last + 1 };
        if (id !== 0) return id;
        if (performance.now() > deadline) throw new HubConnectionError(`publish on "${channel}": no free id within ${timeoutMs} ms`);
      }
    });
    this.#signing = run.catch(noop);
    return run;
  }

  /**
   * Runs the publish script by its text: with EVALSHA, the EVAL sent again after a NOSCRIPT (a fresh
   * or restarted server) would reach Redis after the publishes pipelined behind it, out of order.
   */
  async #script(data: string, topic: string, key: string, epoch: string, id: string, sig = ''): Promise<string[]> {
    const { channel, idKey, recordsKey, keysKey, keyWindow, streamLength, retainMs } = this.#p;
    const known = this.#p.known();
    const reply = await this.#ask(['EVAL', PUBLISH_SCRIPT, '4', channel, idKey, recordsKey, keysKey, newEpoch(), known.epoch, String(known.id),
      String(streamLength), data, epoch, id, sig, topic, key, String(keyWindow), String(retainMs)], key);
    return (reply as unknown[]).map(String);
  }

  /**
   * Sends one command on the publishing connection, or, while `maxInFlight` are waiting for Redis,
   * as soon as one of them is answered: a burst is held back, not timed out.
   */
  #ask(args: string[], key: string): Promise<unknown> {
    // sent once the caller's own synchronous work is done (a burst of publishes in one loop): a client
    // that times out what it could not write yet never sees a command that waited for the caller
    const asked = new Promise((resolve, reject) => this.#waiting.push({ args, key, resolve, reject }));
    if (!this.#admitting) {
      this.#admitting = true;
      setImmediate(() => {
        this.#admitting = false;
        this.#admit();
      });
    }
    return asked;
  }

  /** Sends the commands waiting for room, oldest first, while there is room. */
  #admit(): void {
    while (this.#waiting.size > 0 && this.#inFlight.size < this.#p.maxInFlight) {
      const { args, key, resolve, reject } = this.#waiting.shift();
      this.#send(args, key).then(resolve, reject);
    }
  }

  /**
   * Sends one command on the publishing connection, bounded from the moment it is sent: a connection
   * that is down and a cluster node's refusal (`sent: false`), a failure of the connection and no
   * answer within `timeoutMs` (`sent: true`) are each a {@link HubConnectionError}.
   */
  #send(args: string[], key: string): Promise<unknown> {
    const { publisher, channel, timeoutMs } = this.#p;
    const what = `publish on "${channel}"`;
    if (!publisher.ready) {
      return Promise.reject(new HubConnectionError(`${what}: the Redis connection is down`, { cause: this.#p.cause() }));
    }
    const asked = new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(fail);
        fn();
        this.#admit();
      };
      const fail = (error: Error): void => settle(() => reject(error));
      // the wait counts from the last sign of Redis at work: this command's sending, or a later answer
      let since = performance.now();
      const expire = (): void => {
        // replies already received are read first (the poll phase runs before setImmediate's), so a
        // process that could not run for a while does not take its own delay for Redis's silence
        setImmediate(() => {
          if (settled) return;
          if (this.#answeredAt > since) {
            // Redis answered commands sent before this one meanwhile: busy, not hung
            since = this.#answeredAt;
            timer = setTimeout(expire, Math.max(1, timeoutMs - (performance.now() - since)));
            return;
          }
          fail(new HubConnectionError(`${what}: no answer from Redis within ${timeoutMs} ms`, { cause: this.#p.cause(), sent: true, key }));
        });
      };
      let timer = setTimeout(expire, timeoutMs);
      this.#inFlight.set(fail, key);
      publisher.command(args).then(
        (reply) => {
          this.#answeredAt = performance.now();
          settle(() => resolve(reply));
        },
        (error: unknown) => {
          if (!isReplyError(error)) {
            fail(new HubConnectionError(`${what}: ${String((error as Error)?.message ?? error)}`, { cause: error, sent: true, key }));
            return;
          }
          this.#answeredAt = performance.now();
          // a cluster node that cannot serve the slot now ran nothing: as if Redis were down
          fail(CLUSTER_REFUSALS.test((error as Error).message) ? new HubConnectionError(`${what}: ${(error as Error).message}`, { cause: error }) : (error as Error));
        },
      );
    });
    const drop = (): void => void this.#asked.delete(asked);
    this.#asked.add(asked);
    asked.then(drop, drop);
    return asked;
  }
}
