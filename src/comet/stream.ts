/**
 * The stream side of the encoder: an AsyncIterable of messages to an AsyncIterable of chunks.
 */
import type { CometEncoder } from './encoder.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Encodes every message of `source` with `encoder`, after the encoder's initial chunk.
 *
 * Pull-driven: one message is read from the source per chunk asked for. `return()` and `throw()`
 * reach the source at once, even while a `next()` is waiting on it, so an idle source is torn
 * down as soon as its consumer leaves. A message that cannot be encoded fails the stream with a
 * `CometEncodeError` (the source is returned first, so it is torn down) or, with
 * `onInvalid: 'skip'`, is dropped.
 */
export function encodeStream<T>(encoder: CometEncoder<T>, source: AsyncIterable<T>): AsyncIterableIterator<string> {
  if (source === null || typeof (source as AsyncIterable<T>)?.[Symbol.asyncIterator] !== 'function') {
    throw new TypeError(`Comet encoder input must be an AsyncIterable, got ${source === null ? 'null' : typeof source}`);
  }
  let iterator: AsyncIterator<T> | undefined;
  let index = 0;
  let initial = encoder.initialChunk;
  let finished = false;
  // Calls to next() that have not settled yet; when there are any, a new pull waits for the last.
  let inflight = 0;
  let last: Promise<IteratorResult<string>> | undefined;

  const open = (): AsyncIterator<T> => (iterator ??= source[Symbol.asyncIterator]());

  async function stop(): Promise<void> {
    if (finished) return;
    finished = true;
    const it = iterator;
    iterator = undefined;
    if (it?.return) await it.return();
  }

  async function pull(): Promise<IteratorResult<string>> {
    try {
      if (finished) return DONE;
      if (initial !== null) {
        const chunk = initial;
        initial = null;
        open();
        return { done: false, value: chunk };
      }
      for (;;) {
        let result: IteratorResult<T>;
        try {
          result = await open().next();
        } catch (error) {
          finished = true;
          iterator = undefined;
          throw error;
        }
        if (finished) return DONE;
        if (result.done) {
          finished = true;
          iterator = undefined;
          return DONE;
        }
        const position = index++;
        try {
          return { done: false, value: encoder.encode(result.value, position) };
        } catch (error) {
          if (encoder.onInvalid === 'skip') continue;
          await stop();
          throw error;
        }
      }
    } finally {
      inflight--;
    }
  }

  const chunks: AsyncIterableIterator<string> = {
    next(): Promise<IteratorResult<string>> {
      last = inflight++ > 0 && last ? last.then(pull, pull) : pull();
      return last;
    },
    async return(value?: unknown): Promise<IteratorResult<string>> {
      await stop();
      return { done: true, value: value as undefined };
    },
    async throw(error?: unknown): Promise<IteratorResult<string>> {
      if (finished) throw error;
      finished = true;
      const it = iterator;
      iterator = undefined;
      if (it?.throw) await it.throw(error);
      else if (it?.return) await it.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return chunks;
}
