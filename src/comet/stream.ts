/**
 * The stream side of the encoder: an AsyncIterable of messages to an AsyncIterable of chunks.
 */
import { relay, SKIP } from '../util/relay.js';
import type { CometEncoder } from './encoder.js';

/**
 * Encodes every message of `source` with `encoder`, after the encoder's initial chunk.
 *
 * Pull-driven: one message is read from the source per chunk asked for. The source is opened at
 * once, and `return()` and `throw()` reach it at once, even before the first `next()` or while a
 * `next()` is waiting on it, so a source is torn down as soon as its consumer leaves. A message
 * that cannot be encoded fails the stream with a `CometEncodeError` at once (the source's
 * `return()` is started, not awaited, so a source that never finishes tearing down cannot hold
 * the error back) or, with `onInvalid: 'skip'`, is dropped. The output carries the source's
 * cut-off signal.
 * @param where - the operator's name, for errors (e.g. `Comet.json`)
 * @throws TypeError when `source` is not an AsyncIterable
 */
export function encodeStream<T>(encoder: CometEncoder<T>, source: AsyncIterable<T>, where: string): AsyncIterableIterator<string> {
  const skip = encoder.onInvalid === 'skip';
  return relay<T, string>(source, where, {
    first: encoder.initialChunk ?? undefined,
    map(message, index) {
      try {
        return encoder.encode(message, index);
      } catch (error) {
        if (skip) return SKIP;
        throw error;
      }
    },
  });
}
