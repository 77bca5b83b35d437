/**
 * How a stream tells the transports that it may be cut off from outside (a hub dropping a slow
 * subscriber). The public face is an AbortSignal under one registered symbol, `cutoffKey`.
 *
 * Making that signal costs about a kilobyte per stream once a listener is on it, so a stream may
 * also offer a plain callback slot under `cutoffSlotKey` (a hub subscription does, and makes its
 * signal only when someone reads it). Transports watch a cut-off through {@link watchCutoff} alone,
 * which takes the slot when there is one and falls back to the signal otherwise. Pass-through
 * operators and `toSource` carry both forward with {@link carryCutoff}, without reading the signal,
 * so wrapping a subscription never loses the cut-off nor makes its signal.
 * @internal
 */
import { isObjectLike, isSignal } from './args.js';
import { onAbort, toError } from './abort.js';

/** The key under which a stream carries its cut-off signal (registered, so every build sees the same one). */
export const cutoffKey: unique symbol = Symbol.for("comet-bridge.cutoff");

/** The key under which a stream carries its {@link CutoffSlot} (registered, like {@link cutoffKey}). */
export const cutoffSlotKey: unique symbol = Symbol.for("comet-bridge.cutoff-slot");

/** Who is told, once, that a stream was cut off. */
export interface CutoffListener {
  cutOff(error: Error): void;
}

/** What a transport holds while it watches: it hands its listener back to stop watching. */
export interface CutoffWatch {
  unwatchCutoff(listener: CutoffListener): void;
}

/** A stream's own cut-off slot: one listener, told without any AbortSignal being made. */
export interface CutoffSlot extends CutoffWatch {
  /**
   * Takes `listener` into the slot and returns true; when the stream is already cut off, calls
   * `listener.cutOff` now instead (still true). False when another listener holds the slot.
   */
  watchCutoff(listener: CutoffListener): boolean;
  /** The stream's cut-off signal, made when first read. */
  readonly [cutoffKey]: AbortSignal;
}

/** The cut-off signal `stream` carries, if any (reading it makes a slot's signal). */
export function cutoffOf(stream: unknown): AbortSignal | undefined {
  if (!isObjectLike(stream)) return undefined;
  const signal = stream[cutoffKey];
  return isSignal(signal) ? signal : undefined;
}

function slotOf(stream: unknown): CutoffSlot | undefined {
  if (!isObjectLike(stream)) return undefined;
  const slot = stream[cutoffSlotKey] as Partial<CutoffSlot> | undefined;
  return isObjectLike(slot) && typeof slot.watchCutoff === 'function' && typeof slot.unwatchCutoff === 'function'
    ? (slot as CutoffSlot)
    : undefined;
}

/** Watches a plain cut-off signal for one listener. */
class SignalWatch implements CutoffWatch {
  readonly #dispose: () => void;

  constructor(signal: AbortSignal, listener: CutoffListener) {
    this.#dispose = onAbort(signal, () => listener.cutOff(toError(signal.reason)));
  }

  unwatchCutoff(): void {
    this.#dispose();
  }
}

/**
 * The one way a transport watches the cut-off of `stream`: through its slot when it has a free
 * one, else through its cut-off signal. `listener.cutOff` is called once, now if the stream is
 * already cut off. Returns what to hand `listener` back to, or undefined when `stream` carries no
 * cut-off at all.
 */
export function watchCutoff(stream: unknown, listener: CutoffListener): CutoffWatch | undefined {
  const slot = slotOf(stream);
  if (slot !== undefined && slot.watchCutoff(listener)) return slot;
  const signal = cutoffOf(stream);
  return signal === undefined ? undefined : new SignalWatch(signal, listener);
}

/** The signal of the slot a carrier holds: read through, so it is made only when asked for. */
function slotSignal(this: { [cutoffSlotKey]: CutoffSlot }): AbortSignal {
  return this[cutoffSlotKey][cutoffKey];
}

/** Makes `target` carry the cut-off of `from` (its slot and signal, if it has them); returns `target`. */
export function carryCutoff<T extends object>(target: T, from: unknown): T {
  const slot = slotOf(from);
  if (slot !== undefined) {
    Object.defineProperty(target, cutoffSlotKey, { value: slot, configurable: true, enumerable: false, writable: false });
    Object.defineProperty(target, cutoffKey, { get: slotSignal, configurable: true, enumerable: false });
    return target;
  }
  const signal = cutoffOf(from);
  if (signal !== undefined) {
    Object.defineProperty(target, cutoffKey, { value: signal, configurable: true, enumerable: false, writable: false });
  }
  return target;
}
