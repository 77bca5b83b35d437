/**
 * How a transport reads a hub subscription without a promise per message. A subscription offers,
 * under `readyPullKey`, a read that answers at once: the next value when one waits, or "nothing
 * yet" after parking the reader's {@link ReadySink} on its queue. A publish then only buffers the
 * message and wakes the parked sinks, all of them in one microtask ({@link wake}), where each
 * reader takes what waits for it (coalesced) and writes it.
 *
 * With `next()` the same delivery makes, per subscriber and message, three promises and two
 * microtask turns; a fan-out to thousands of subscribers spends more on them than on its writes.
 * @internal
 */

/** The key of a stream's {@link ReadyPull} read (registered, so every build sees the same one). */
export const readyPullKey: unique symbol = Symbol.for('comet-bridge.ready-pull');

/** Who is told that a parked read may go on. */
export interface ReadySink {
  /** Something arrived, or the stream is ending: read again. Called in a microtask, at most once per parking. */
  ready(): void;
}

/** What a read without promises gives when nothing waits: the sink is parked and will be told. */
export const PARKED: unique symbol = Symbol('parked');
/** What a read without promises gives when the reader must use `next()` (which also gives the end). */
export const USE_NEXT: unique symbol = Symbol('use next()');

/** A stream that can be read without promises. */
export interface ReadyPull {
  /**
   * The next value now when there is one; {@link PARKED} when there is none yet and `sink` is
   * parked (it will be told once, through {@link wake}); {@link USE_NEXT} when the reader must use
   * `next()` (the stream is ending or failed, or cannot be read this way).
   */
  [readyPullKey](sink: ReadySink): unknown;
}

/** The {@link ReadyPull} read of `iterator`, if it has one. */
export function readyPullOf(iterator: unknown): ReadyPull | undefined {
  return typeof (iterator as Partial<ReadyPull> | null)?.[readyPullKey] === 'function' ? (iterator as ReadyPull) : undefined;
}

/**
 * The sinks woken and not told yet: the first `count` slots. The array keeps its length between
 * microtasks (emptied slots hold undefined), so a fan-out does not grow a new one every time.
 */
const woken: (ReadySink | undefined)[] = [];
let count = 0;

function tellWoken(): void {
  let failure: { error: unknown } | undefined;
  // a sink woken meanwhile (by what another one did) is told in this same turn
  for (let i = 0; i < count; i++) {
    const sink = woken[i]!;
    woken[i] = undefined;
    try {
      sink.ready();
    } catch (error) {
      failure ??= { error };
    }
  }
  count = 0;
  // a sink that throws is a bug: it must not keep the others from being told, nor go unseen
  if (failure !== undefined) throw failure.error;
}

/** Tells `sink` in the next microtask, with every other sink woken meanwhile. */
export function wake(sink: ReadySink): void {
  woken[count++] = sink;
  if (count === 1) queueMicrotask(tellWoken);
}
