/**
 * The Comet encoder: one message in, one complete `<script>` chunk out.
 */
import { CometEncodeError } from '../errors.js';
import { validateCallback, validateNonce } from './callback.js';
import { asciiJson, escapeJsString, isUnsafeInScript } from './escape.js';

/** How messages are turned into the callback's argument. */
export type CometKind = 'string' | 'json' | 'flow';

/** Options of every Comet encoder. */
export interface CometOptions {
  /** First chunk of the stream. Default {@link initialHtmlChunk}; `null` for none. */
  initialChunk?: string | null;
  /** CSP nonce written into every `<script>` tag (base64 characters only). */
  nonce?: string;
  /** What to do with a message that cannot be encoded: fail the stream (default) or drop it and go on. */
  onInvalid?: 'error' | 'skip';
  /** Largest chunk, in bytes, one message may produce; a larger one is a {@link CometEncodeError}. */
  maxMessageBytes?: number;
}

/** Encodes single messages into Comet chunks. */
export interface CometEncoder<T> {
  /** The chunk to send before any message, or `null` for none. */
  readonly initialChunk: string | null;
  /** What the stream operators do with a message that cannot be encoded. */
  readonly onInvalid: 'error' | 'skip';
  /**
   * One complete `<script …>callback(MESSAGE);</script>` chunk.
   * @param index - the message's position in its stream, named in errors (default `-1`)
   * @throws CometEncodeError when the message cannot be encoded or its chunk is too large
   */
  encode(message: T, index?: number): string;
}

/** Play's default first chunk: 5 KiB of spaces then `<html><body>`, so browsers start running scripts at once. */
export const initialHtmlChunk: string = ' '.repeat(5 * 1024) + '<html><body>';

/** A flat copy of a string built by concatenation (V8 keeps those as ropes until read). */
function flatten(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  return `a ${typeof value}`;
}

function jsonMessage(value: unknown, index: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new CometEncodeError(`message ${index} cannot be encoded as JSON: ${(cause as Error).message}`, index, { cause });
  }
  if (json === undefined) {
    throw new CometEncodeError(`message ${index} cannot be encoded as JSON: it is ${describe(value)}`, index);
  }
  return asciiJson(json);
}

function stringMessage(value: unknown, index: number): string {
  if (typeof value !== 'string') {
    throw new CometEncodeError(`message ${index} must be a string for Comet.string, got ${describe(value)}`, index);
  }
  return "'" + escapeJsString(value) + "'";
}

function flowMessage(value: unknown, index: number): string {
  if (typeof value !== 'string') {
    throw new CometEncodeError(`message ${index} must be a JavaScript expression string for Comet.flow, got ${describe(value)}`, index);
  }
  if (isUnsafeInScript(value)) {
    throw new CometEncodeError(`message ${index} would end or escape the script element (holds "</script", "<script" or "<!--")`, index);
  }
  return value;
}

const MESSAGE = { string: stringMessage, json: jsonMessage, flow: flowMessage } as const;

/**
 * Creates an encoder of single messages. Validates everything at once: the callback name, the nonce,
 * the kind and the options.
 * @param kind - `'string'` (single-quoted literal), `'json'` (JSON value) or `'flow'` (trusted expression)
 * @param callback - dotted path of JavaScript identifiers, e.g. `parent.cometMessage`
 * @throws TypeError for a bad callback, nonce, kind or option; RangeError for a bad `maxMessageBytes`
 */
export function createEncoder<T = unknown>(kind: CometKind, callback: string, options: CometOptions = {}): CometEncoder<T> {
  const message = MESSAGE[kind];
  if (typeof message !== 'function' || !Object.hasOwn(MESSAGE, kind)) {
    throw new TypeError(`Unknown Comet message kind ${JSON.stringify(kind)}: expected "string", "json" or "flow"`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError('Comet options must be an object');
  validateCallback(callback);
  const { initialChunk = initialHtmlChunk, nonce, onInvalid = 'error', maxMessageBytes = Infinity } = options;
  if (initialChunk !== null && typeof initialChunk !== 'string') {
    throw new TypeError('Comet option initialChunk must be a string or null');
  }
  if (onInvalid !== 'error' && onInvalid !== 'skip') {
    throw new TypeError(`Comet option onInvalid must be "error" or "skip", got ${JSON.stringify(onInvalid)}`);
  }
  if (typeof maxMessageBytes !== 'number' || !(maxMessageBytes > 0) || (!Number.isInteger(maxMessageBytes) && maxMessageBytes !== Infinity)) {
    throw new RangeError(`Comet option maxMessageBytes must be a positive integer, got ${String(maxMessageBytes)}`);
  }
  // Built by concatenation, then made flat once, so every chunk copies one flat string.
  const open = flatten(
    '<script type="text/javascript"' + (nonce === undefined ? '' : ` nonce="${validateNonce(nonce)}"`) + '>' + callback + '(',
  );
  const close = ');</script>';
  const ascii = kind !== 'flow';
  return {
    initialChunk,
    onInvalid,
    encode(value: T, index = -1): string {
      const chunk = open + message(value, index) + close;
      if (maxMessageBytes !== Infinity) {
        const bytes = ascii ? chunk.length : Buffer.byteLength(chunk);
        if (bytes > maxMessageBytes) {
          throw new CometEncodeError(`message ${index} is ${bytes} bytes once encoded, over maxMessageBytes (${maxMessageBytes})`, index);
        }
      }
      return chunk;
    },
  };
}
