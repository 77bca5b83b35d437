/**
 * `Concurrent.broadcast` and `Concurrent.unicast`: enumerators fed imperatively through a Channel.
 *
 * Every attached iteratee reads from its own push queue (`pushQueue` from the source layer), so a
 * slow consumer holds at most `buffer.limit` inputs (default 1024); at the limit the overflow policy
 * applies (default `'error'`: that consumer's application rejects with a `BufferOverflowError`,
 * the others go on).
 */
import { BufferOverflowError } from '../errors.js';
import { bufferSettings } from '../source/args.js';
import { onAbort } from '../util/abort.js';
import { checkOptions } from '../util/args.js';
import { returnQuietly as closeQueue } from '../util/iterators.js';
import { pushQueue, type PushController } from '../source/queue.js';
import type { BufferOptions, SourceIterator } from '../source/types.js';
import { warnOnce } from '../util/deprecation.js';
import { EMPTY, EOF, toInput, type Input } from './input.js';
import { applyK, type Iteratee } from './iteratee.js';
import { makeEnumerator, type Enumerator } from './enumerator.js';
import { messageOf } from './drive.js';

/**
 * Feeds input to the iteratee(s) of a broadcast or unicast enumerator (Play's `Concurrent.Channel`).
 * @deprecated Push into the broadcast hub, an EventEmitter read with `fromEventEmitter()`, or a
 *   `pushQueue()` controller; see migration-guide.md.
 */
export interface Channel<E> {
  /** Pushes an element, or an `Input` (`Input.EOF` ends the iteratees' input). */
  push(value: E | Input<E>): void;
  /**
   * Ends the channel: without an argument the applications resolve (no EOF is sent, so the
   * iteratees may take more input); with an error they reject with it.
   */
  end(error?: unknown): void;
  /** Pushes `Input.EOF`, then ends. */
  eofAndEnd(): void;
}

/**
 * Buffer settings of the channel's per-consumer queue.
 * @deprecated Use the `buffer` option of `pushQueue()`/`fromEventEmitter()`, or the broadcast hub's
 *   slow-client policy; see migration-guide.md.
 */
export interface ChannelOptions {
  /** `limit` (default 1024) and `overflow`: `'error'` (default), `'drop-oldest'` or `'drop-newest'`. */
  buffer?: BufferOptions;
}

function channelOverflow(limit: number): Error {
  return new BufferOverflowError(limit, `channel buffer overflow: more than ${limit} inputs waiting for a slow consumer`);
}

/** Checks the options now, when the channel is made, not when a consumer attaches. */
function checkChannelOptions(options: ChannelOptions | undefined, where: string): BufferOptions {
  const { buffer } = checkOptions(options, where, ['buffer']);
  const settings = bufferSettings(buffer, where);
  if (settings.overflow === 'pause') {
    throw new TypeError(`${where}: a Channel cannot pause its producer; use overflow 'error', 'drop-oldest' or 'drop-newest'`);
  }
  return settings;
}

/** What a pump reports to unicast's callbacks. */
interface PumpCallbacks<E> {
  onComplete?: () => void;
  onError?: (message: string, input: Input<E>) => void;
}

/**
 * Feeds the inputs of `queue` to `it` until it is Done or in Error, the channel ends, or `signal`
 * aborts (the consumer left: the queue is returned). `onComplete` runs when the iteratee became Done
 * on an input or the consumer left; `onError` when it went into Error, or its buffer overflowed.
 */
async function pump<E, A>(
  queue: SourceIterator<Input<E>>,
  it: Iteratee<E, A>,
  signal: AbortSignal | undefined,
  callbacks: PumpCallbacks<E> = {},
): Promise<Iteratee<E, A>> {
  const dispose = onAbort(signal, () => closeQueue(queue));
  let cur = it;
  let fed = false;
  try {
    let s = await cur.step();
    while (s.kind === 'cont') {
      let r: IteratorResult<Input<E>>;
      try {
        r = await queue.next();
      } catch (error) {
        if (error instanceof BufferOverflowError) callbacks.onError?.(messageOf(error), EMPTY);
        throw error;
      }
      if (r.done) {
        if (signal?.aborted) callbacks.onComplete?.();
        return cur;
      }
      fed = true;
      cur = applyK(s.k, r.value);
      s = await cur.step();
    }
    if (fed && s.kind === 'done') callbacks.onComplete?.();
    if (fed && s.kind === 'error') callbacks.onError?.(s.message, s.input);
    return cur;
  } finally {
    dispose();
    closeQueue(queue);
  }
}

/** How the broadcast channel ended: later applications resolve or reject at once accordingly. */
type Ending = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/** `Concurrent.broadcast` without the warning. */
export function createBroadcast<E>(options?: ChannelOptions): [Enumerator<E>, Channel<E>] {
  const buffer = checkChannelOptions(options, 'Concurrent.broadcast');
  const consumers = new Set<PushController<Input<E>>>();
  let ending: Ending | undefined;
  let eofSent = false;

  const enumerator = makeEnumerator<E>(async <A>(it: Iteratee<E, A>, signal?: AbortSignal): Promise<Iteratee<E, A>> => {
    if (ending) {
      if (ending.ok) return it;
      throw ending.error;
    }
    const queue = pushQueue<Input<E>>(
      (ctl) => {
        consumers.add(ctl);
        return () => consumers.delete(ctl);
      },
      { buffer, overflowError: channelOverflow },
    );
    return pump(queue, it, signal);
  });

  const channel: Channel<E> = {
    push(value) {
      if (ending || eofSent) return;
      const input = toInput(value);
      if (input.kind === 'eof') eofSent = true;
      for (const ctl of [...consumers]) ctl.push(input);
    },
    end(error?: unknown) {
      ending = error === undefined ? { ok: true } : { ok: false, error };
      for (const ctl of [...consumers]) {
        if (error === undefined) ctl.end();
        else ctl.fail(error);
      }
    },
    eofAndEnd() {
      channel.push(EOF);
      channel.end();
    },
  };
  return [enumerator, channel];
}

/** `Concurrent.unicast` without the warning. */
export function createUnicast<E>(
  onStart: (channel: Channel<E>) => void,
  onComplete?: () => void,
  onError?: (message: string, input: Input<E>) => void,
  options?: ChannelOptions,
): Enumerator<E> {
  if (typeof onStart !== 'function') throw new TypeError('Concurrent.unicast needs an onStart function');
  if (onComplete !== undefined && typeof onComplete !== 'function') throw new TypeError('Concurrent.unicast: onComplete must be a function');
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('Concurrent.unicast: onError must be a function');
  const buffer = checkChannelOptions(options, 'Concurrent.unicast');

  return makeEnumerator<E>(<A>(it: Iteratee<E, A>, signal?: AbortSignal): Promise<Iteratee<E, A>> => {
    let controller!: PushController<Input<E>>;
    const queue = pushQueue<Input<E>>((ctl) => {
      controller = ctl;
    }, { buffer, overflowError: channelOverflow });
    let ended = false;
    const channel: Channel<E> = {
      push(value) {
        controller.push(toInput(value));
      },
      end(error?: unknown) {
        if (ended) return;
        ended = true;
        if (error === undefined) controller.end();
        else controller.fail(error);
      },
      eofAndEnd() {
        channel.push(EOF);
        channel.end();
      },
    };
    try {
      onStart(channel);
    } catch (error) {
      closeQueue(queue);
      return Promise.reject(error);
    }
    return pump(queue, it, signal, { onComplete, onError });
  });
}

/**
 * Enumerators fed imperatively (Play's `Concurrent`). Each function warns once.
 * @deprecated Use the broadcast hub, `fromEventEmitter()` or `pushQueue()`; see migration-guide.md.
 */
export const Concurrent: {
  /**
   * An enumerator and the channel that feeds it (Play's `Concurrent.broadcast`): every iteratee
   * applied to the enumerator gets what is pushed after it attached, until it is Done or the channel
   * ends. Each has its own bounded buffer. Warns once (`COMETBRIDGE_DEP0004`).
   * @deprecated Use the broadcast hub (`createHub`) or an EventEmitter read with `fromEventEmitter()`.
   */
  broadcast<E>(options?: ChannelOptions): [Enumerator<E>, Channel<E>];
  /**
   * An enumerator whose every application calls `onStart`, synchronously (Play scheduled it), with
   * a new channel feeding that one iteratee (Play's `Concurrent.unicast`). `onComplete` runs when the iteratee became Done (or its
   * consumer left); `onError(message, input)` when it went into Error or its buffer overflowed.
   * Warns once (`COMETBRIDGE_DEP0005`).
   * @deprecated Use `fromEventEmitter()` or `pushQueue()`.
   */
  unicast<E>(
    onStart: (channel: Channel<E>) => void,
    onComplete?: () => void,
    onError?: (message: string, input: Input<E>) => void,
    options?: ChannelOptions,
  ): Enumerator<E>;
} = Object.freeze({
  broadcast<E>(options?: ChannelOptions): [Enumerator<E>, Channel<E>] {
    warnOnce('broadcast');
    return createBroadcast<E>(options);
  },
  unicast<E>(
    onStart: (channel: Channel<E>) => void,
    onComplete?: () => void,
    onError?: (message: string, input: Input<E>) => void,
    options?: ChannelOptions,
  ): Enumerator<E> {
    warnOnce('unicast');
    return createUnicast<E>(onStart, onComplete, onError, options);
  },
});
