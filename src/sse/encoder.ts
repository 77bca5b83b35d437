/**
 * The Server-Sent Events encoder: one message in, one complete event out.
 */
import { SSEEncodeError } from '../errors.js';
import { checkCount, checkFunction, checkOptions, describe } from '../util/args.js';
import { commentLines, dataLines, fieldValue } from './frame.js';

/** How messages become an event's data: as text (`'string'`) or as JSON (`'json'`). */
export type SSEKind = 'string' | 'json';

/** Options of every SSE encoder. */
export interface SSEOptions<T = unknown> {
  /**
   * The event's type (what `addEventListener` listens for; none: `message`): a name, checked at
   * once, or a function of the message, its result checked per message (`undefined`: none). A
   * value with CR, LF or NUL is an {@link SSEEncodeError}.
   */
  event?: string | ((message: T) => string | undefined);
  /**
   * The event's id (what the browser sends back as `Last-Event-ID` when it reconnects): a function
   * of the message and its position, giving a string or a safe integer (`undefined`: no id line).
   * A value with CR, LF or NUL is an {@link SSEEncodeError}.
   */
  id?: (message: T, index: number) => string | number | undefined;
  /** The client's reconnection delay in milliseconds (a `retry:` field at the start of each stream). */
  retry?: number;
  /** With `retry`: add a random 0 to `retryJitter` ms per stream, so reconnecting clients spread out. */
  retryJitter?: number;
  /** A first comment, e.g. `' '.repeat(2048)` of padding for proxies that buffer the start. Default none. */
  initial?: string;
}

/** Encodes single messages into event-stream frames. */
export interface SSEEncoder<T> {
  /**
   * The chunk to send before any message on one stream (the `initial` comment and the `retry`
   * field, its jitter drawn anew at each call), or `null` for none.
   */
  opening(): string | null;
  /**
   * One complete event: `event:` and `id:` lines when set, one `data:` line per line of the
   * message, then the blank line that ends the event.
   * @param index - the message's position in its stream, passed to `options.id` and named in errors (default `-1`)
   * @param id - when given, the event's id (instead of `options.id`), checked as `options.id`'s result
   * @throws SSEEncodeError when the message or its id or event cannot be written
   */
  encode(message: T, index?: number, id?: string | number): string;
}

const OPTIONS = ['event', 'id', 'retry', 'retryJitter', 'initial'] as const;

function jsonData(value: unknown, index: number, where: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new SSEEncodeError(`${where}: message ${index} cannot be encoded as JSON: ${(cause as Error).message}`, index, 'data', { cause });
  }
  if (json === undefined) throw new SSEEncodeError(`${where}: message ${index} cannot be encoded as JSON: it is ${describe(value)}`, index, 'data');
  return dataOf('json', json);
}

/**
 * @internal The data lines of a message already serialized: for `json`, its JSON text on one line
 * (JSON.stringify escapes CR and LF); for `string`, one `data:` line per line of it.
 */
export function dataOf(kind: SSEKind, text: string): string {
  return kind === 'json' ? 'data: ' + text + '\n' : dataLines(text);
}

function stringData(value: unknown, index: number, where: string): string {
  if (typeof value !== 'string') throw new SSEEncodeError(`${where}: message ${index} must be a string, got ${describe(value)}`, index, 'data');
  return dataLines(value);
}

/** The `opening()` of an encoder: the comment and the retry field, or null. */
function opening(where: string, initial: unknown, retry: unknown, jitter: unknown): () => string | null {
  if (initial !== undefined && typeof initial !== 'string') throw new TypeError(`${where}: options.initial must be a string, got ${describe(initial)}`);
  const comment = initial === undefined ? '' : commentLines(initial);
  if (retry === undefined) {
    if (jitter !== undefined) throw new TypeError(`${where}: options.retryJitter needs options.retry`);
    return comment === '' ? () => null : () => comment;
  }
  const ms = checkCount(retry, where, 'options.retry');
  const spread = jitter === undefined ? 0 : checkCount(jitter, where, 'options.retryJitter');
  if (!Number.isSafeInteger(ms + spread)) throw new RangeError(`${where}: options.retry plus options.retryJitter must be a safe integer`);
  // written as digits only (a safe integer's decimal form), and ended by a blank line: an event with no data, which the parser does not dispatch
  return () => comment + 'retry: ' + (ms + Math.floor(Math.random() * (spread + 1))) + '\n\n';
}

const KINDS: readonly SSEKind[] = ['string', 'json'];

/**
 * Creates an encoder of single messages. Validates everything at once: the kind and the options
 * (an option of another name is refused; an `event` name with CR, LF or NUL is an SSEEncodeError).
 * @param where - the public function's name, for errors (e.g. `SSE.json`)
 * @throws TypeError for a bad kind or option (a `retry` or `retryJitter` that is not a number included);
 *   RangeError for a `retry` or `retryJitter` out of range; SSEEncodeError for a bad `event` name
 */
export function createSSEEncoder<T = unknown>(kind: SSEKind, options: SSEOptions<T> | undefined, where: string): SSEEncoder<T> {
  if (!KINDS.includes(kind)) {
    throw new TypeError(`${where}: kind must be "string" or "json", got ${typeof kind === 'string' ? JSON.stringify(kind) : describe(kind)}`);
  }
  const { event, id, retry, retryJitter, initial } = checkOptions(options, where, OPTIONS);
  if (event !== undefined && typeof event !== 'function') fieldValue(event, 'event', where, 'options.event', -1);
  checkFunction(id, where, 'options.id');
  const first = opening(where, initial, retry, retryJitter);
  const data = kind === 'json' ? jsonData : stringData;
  const fixedEvent = typeof event === 'string' ? 'event: ' + event + '\n' : '';
  const eventOf = typeof event === 'function' ? event : undefined;
  return {
    opening: first,
    encode(message: T, index = -1, given?: string | number): string {
      let head = fixedEvent;
      if (eventOf !== undefined) {
        const name = eventOf(message);
        if (name !== undefined) head = 'event: ' + fieldValue(name, 'event', where, `the event of message ${index}`, index) + '\n';
      }
      const value = given !== undefined ? given : id === undefined ? undefined : id(message, index);
      if (value !== undefined) head += 'id: ' + fieldValue(value, 'id', where, `the id of message ${index}`, index) + '\n';
      return head + data(message, index, where) + '\n';
    },
  };
}
