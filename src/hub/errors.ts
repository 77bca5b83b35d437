/**
 * Errors raised by broadcast hubs. Each carries a stable `code`, and `instanceof` holds across
 * copies of the library (see `shareIdentity`).
 */
import { BufferOverflowError, shareIdentity } from '../errors.js';

/**
 * Ends one subscriber of a hub whose slow-consumer policy is `'disconnect'`: more than `limit`
 * messages were waiting for it. The subscriber first receives the messages already buffered,
 * then this error, then the end, and its `signal` is aborted with this error at once (so the
 * transports end its response even if the client has stopped reading); the other subscribers
 * are not affected.
 */
export class SlowConsumerError extends BufferOverflowError {
  override readonly name: string = 'SlowConsumerError';
  override readonly code: string = 'ERR_COMET_SLOW_CONSUMER';

  /**
   * @param limit - the per-subscriber limit that was exceeded
   * @param message - optional override of the default message
   */
  constructor(limit: number, message = `slow consumer disconnected: more than ${limit} messages waiting`) {
    super(limit, message);
  }
}
shareIdentity(SlowConsumerError, 'SlowConsumerError');

/** `publish()` was called on a hub after `close()`. */
export class HubClosedError extends Error {
  override readonly name = 'HubClosedError';
  readonly code = 'ERR_COMET_HUB_CLOSED';

  /** @param message - optional override of the default message */
  constructor(message = 'the hub is closed') {
    super(message);
  }
}
shareIdentity(HubClosedError, 'HubClosedError');

/**
 * A Redis hub cannot go on: `publish()` rejects with it while Redis does not answer (and
 * `createRedisHub` when Redis does not answer within `publishTimeoutMs` at start); every open
 * subscriber of a process ends with it (after the messages already buffered for it) when Redis
 * stayed unreachable for `maxOutageMs` (new subscribers then fail with it until Redis answers
 * again), when the stream no longer holds messages the process had not read, or when the epoch
 * changed (Redis lost the stream, or came back from an older snapshot). `cause` holds the client's
 * error, when there is one.
 *
 * For a rejected `publish`, `sent` tells whether the command had been written to the connection:
 * `false`, it was certainly not published; `true` (no answer in time, or Redis stopped answering
 * while it waited), it may still have been, and `key` is its idempotency key: publishing again with
 * `{ key: error.key }` once Redis answers publishes it exactly once in total.
 */
export class HubConnectionError extends Error {
  override readonly name = 'HubConnectionError';
  readonly code = 'ERR_COMET_HUB_CONNECTION';
  /** Whether the publish it rejects had been sent to Redis (`false` for any other failure). */
  readonly sent: boolean;
  /** The idempotency key of the publish it rejects, when it was sent (retry with it). */
  readonly key: string | undefined;

  /**
   * @param message - what went wrong
   * @param options - `cause`: the Redis client's error, if any; `sent`: whether the publish had been
   *   sent (default false); `key`: its idempotency key
   */
  constructor(message: string, options?: { cause?: unknown; sent?: boolean; key?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.sent = options?.sent === true;
    this.key = options?.key;
  }
}
shareIdentity(HubConnectionError, 'HubConnectionError');
