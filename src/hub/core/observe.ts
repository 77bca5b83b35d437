/**
 * The port through which metrics watch a hub: an observer the core (and a Redis hub's appender and
 * reader) call only while one is attached, so a hub nobody observes runs none of it.
 * @internal
 */

/**
 * @internal How a subscriber was made: `'iframe'` and `'eventsource'` by the protocol layer
 * (`hub.serve`, for a Comet and a Server-Sent Events client), `'subscribe'` by `hub.subscribe()`.
 */
export type Transport = 'iframe' | 'eventsource' | 'subscribe';

/** @internal The transports, in the order the counters list them. */
export const TRANSPORTS: readonly Transport[] = ['iframe', 'eventsource', 'subscribe'];

/** @internal One count per transport. */
export type PerTransport = { -readonly [K in Transport]: number };

/** @internal A subscriber's topic as the observer is told it. */
export interface NamedTopic {
  readonly name: string;
}

/**
 * @internal What an observer of a hub is told; every method is optional, and the hub calls only
 * those given.
 */
export interface HubObserver {
  /**
   * A subscriber joined, on `topics`. When the observer is attached, it is told of every
   * subscriber there already, the same way.
   */
  joined?(transport: Transport, topics: readonly NamedTopic[]): void;
  /**
   * A subscriber left after `seconds`; `undefined` for one that joined before the observer was
   * attached (its start was not taken).
   */
  left?(transport: Transport, topics: readonly NamedTopic[], seconds: number | undefined): void;
  /** A message of `topic` was fanned out (see `HubStats.published`). */
  published?(topic: string): void;
  /**
   * A Redis hub's publish settled after `seconds` (from `publish()` handing it over to the time
   * Redis answered), with the error it rejected with, if any.
   */
  appended?(seconds: number, error: unknown): void;
  /**
   * A Redis hub's reader took an entry `seconds` after Redis added it (by the time in its stream id,
   * against this machine's clock).
   */
  read?(seconds: number): void;
}

/**
 * @internal The key of a hub's `[observeKey](observer)` method, which attaches an observer and
 * returns what detaches it (registered, so every build of the package sees the same one).
 */
export const observeKey: unique symbol = Symbol.for('comet-bridge.observe');

/** @internal What a hub that can be observed has. */
export interface ObservableHub {
  [observeKey](observer: HubObserver): () => void;
}

const NONE: readonly HubObserver[] = [];

/**
 * @internal The observers of one part of a hub (its core, a Redis hub's appender or reader): `list`
 * is empty, and shared, while none is attached, so the parts check `list.length` and do nothing more.
 */
export class Observers {
  list: readonly HubObserver[] = NONE;

  /** Attaches `observer`; returns what detaches it (once; later calls do nothing). */
  add(observer: HubObserver): () => void {
    this.list = [...this.list, observer];
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      const at = this.list.indexOf(observer);
      const rest = this.list.filter((_, i) => i !== at);
      this.list = rest.length === 0 ? NONE : rest;
    };
  }
}

/** @internal A zero for each transport. */
export function perTransport(): PerTransport {
  return { iframe: 0, eventsource: 0, subscribe: 0 };
}
