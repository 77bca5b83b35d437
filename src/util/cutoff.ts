/**
 * How a stream tells the transports that it may be cut off from outside (a hub dropping a slow
 * subscriber): an AbortSignal under one registered symbol. Pass-through operators and `toSource`
 * carry it forward, so wrapping a subscription never loses it.
 * @internal
 */
import { isObjectLike, isSignal } from './args.js';

/** The key under which a stream carries its cut-off signal (registered, so every build sees the same one). */
export const cutoffKey: unique symbol = Symbol.for("comet-bridge.cutoff");

/** The cut-off signal `stream` carries, if any. */
export function cutoffOf(stream: unknown): AbortSignal | undefined {
  if (!isObjectLike(stream)) return undefined;
  const signal = stream[cutoffKey];
  return isSignal(signal) ? signal : undefined;
}

/** Makes `target` carry the cut-off signal of `from` (if it has one); returns `target`. */
export function carryCutoff<T extends object>(target: T, from: unknown): T {
  const signal = cutoffOf(from);
  if (signal !== undefined) {
    Object.defineProperty(target, cutoffKey, { value: signal, configurable: true, enumerable: false, writable: false });
  }
  return target;
}
