/**
 * The Comet encoder: one message in, one complete `<script>` chunk out.
 */
import { CometEncodeError } from '../errors.js';
import { checkCount, checkLimit, checkOptions, describe } from '../util/args.js';
import { checkCallback, checkNonce } from './callback.js';
import { nestsDeeperThan } from './depth.js';
import { asciiJson, escapeJsString, isUnsafeInScript } from './escape.js';

/** How messages are turned into the callback's argument. */
export type CometKind = 'string' | 'json' | 'flow';

/** Options of every Comet encoder. */
export interface CometOptions {
  /** First chunk of the stream. Default {@link Comet.initialHtmlChunk}; `null` for none. */
  initialChunk?: string | null;
  /** CSP nonce written into every `<script>` tag (base64 characters only). */
  nonce?: string;
  /** What to do with a message that cannot be encoded: fail the stream (default) or drop it and go on. */
  onInvalid?: 'error' | 'skip';
  /** Largest chunk, in bytes, one message may produce; a larger one is a {@link CometEncodeError}. */
  maxMessageBytes?: number;
  /**
   * `Comet.json` (kind `'json'`) only, refused by the other kinds: how deep arrays and objects may
   * nest in one message (`[[1]]` is 2 deep), default 500; a deeper message is a
   * {@link CometEncodeError} (or skipped under `onInvalid: 'skip'`). `JSON.stringify` writes any
   * depth, but a browser running the chunk overflows its parser's stack on deep enough nesting
   * (Chromium near 2,000) and loses the message while the server counts it sent. `Infinity`: no limit.
   */
  maxDepth?: number;
}

/** The default {@link CometOptions.maxDepth}: far below what browsers parse, far above real messages. */
const DEFAULT_MAX_DEPTH = 500;

const OPTIONS = ['initialChunk', 'nonce', 'onInvalid', 'maxMessageBytes'] as const;
const JSON_OPTIONS = [...OPTIONS, 'maxDepth'] as const;

/** Encodes single messages into Comet chunks. */
export interface CometEncoder<T> {
  /** The chunk to send before any message, or `null` for none. */
  readonly initialChunk: string | null;
  /** What the stream operators do with a message that cannot be encoded. */
  readonly onInvalid: 'error' | 'skip';
  /**
   * One complete `<script …>callback(MESSAGE);</script>` chunk.
   * @param index - the message's position in its stream, named in errors (default `-1`)
   * @param id - when given, written as the callback's second argument: `callback(MESSAGE,ID)` (a hub's
   *   message id, which a client resumes from; a page's one-argument callback ignores it)
   * @throws CometEncodeError when the message cannot be encoded or its chunk is too large
   * @throws TypeError when `id` is given and is not a number; RangeError when it is not a non-negative safe integer
   */
  encode(message: T, index?: number, id?: number): string;
}

/** Play's default first chunk: 5 KiB of spaces then `<html><body>`, so browsers start running scripts at once. */
export const initialHtmlChunk: string = ' '.repeat(5 * 1024) + '<html><body>';

/** A flat copy of a string built by concatenation (V8 keeps those as ropes until read). */
function flatten(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * The JSON serializer of one encoder: `JSON.stringify` and the depth check. Its text is what
 * {@link asciiJson} makes ASCII and script-safe (and what a hub's SSE clients get as it is).
 */
function jsonText(maxDepth: number): (value: unknown, index: number) => string {
  // d levels of nesting take at least 2d characters: shorter texts need no look at their depth.
  const deepLength = 2 * maxDepth + 2;
  return (value, index) => {
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (cause) {
      throw new CometEncodeError(`message ${index} cannot be encoded as JSON: ${(cause as Error).message}`, index, { cause });
    }
    if (json === undefined) {
      throw new CometEncodeError(`message ${index} cannot be encoded as JSON: it is ${describe(value)}`, index);
    }
    if (json.length >= deepLength && nestsDeeperThan(json, maxDepth)) {
      throw new CometEncodeError(`message ${index} nests arrays and objects more than maxDepth (${maxDepth}) deep`, index);
    }
    return json;
  };
}

function stringText(value: unknown, index: number): string {
  if (typeof value !== 'string') {
    throw new CometEncodeError(`message ${index} must be a string for Comet.string, got ${describe(value)}`, index);
  }
  return value;
}

function flowText(value: unknown, index: number): string {
  if (typeof value !== 'string') {
    throw new CometEncodeError(`message ${index} must be a JavaScript expression string for Comet.flow, got ${describe(value)}`, index);
  }
  if (isUnsafeInScript(value)) {
    throw new CometEncodeError(`message ${index} would end or escape the script element (holds "</script", "<script" or "<!--")`, index);
  }
  return value;
}

const stringLiteral = (text: string): string => "'" + escapeJsString(text) + "'";
const asIs = (text: string): string => text;

/** `,ID` for the callback's second argument. */
function withId(id: number, where: string): string {
  return ',' + checkCount(id, where, 'a message id');
}

const KINDS: readonly CometKind[] = ['string', 'json', 'flow'];

/**
 * @internal An encoder in its two halves, for a hub that serializes each message once and frames
 * it for several kinds of client: `serialize` checks the message and gives its text (the JSON
 * text, or the string itself), `frame` makes the chunk of such a text.
 * `encode(m, i, id)` is `frame(serialize(m, i), i, id)`.
 */
export interface CometFramer<T> {
  readonly initialChunk: string | null;
  readonly onInvalid: 'error' | 'skip';
  /** @throws CometEncodeError when the message cannot be encoded */
  serialize(message: T, index: number): string;
  /** @throws CometEncodeError when the chunk is over `maxMessageBytes`; TypeError / RangeError for a bad id */
  frame(text: string, index: number, id?: number, topic?: string): string;
  /** True when `frame` can throw (a finite `maxMessageBytes`). */
  readonly bounded: boolean;
}

/**
 * Creates an encoder of single messages. Validates everything at once: the kind, the callback
 * name, the nonce and the options (an option of another name is refused).
 * @param kind - `'string'` (single-quoted literal), `'json'` (JSON value) or `'flow'` (trusted expression)
 * @param callback - dotted path of JavaScript identifiers, e.g. `parent.cometMessage` (see {@link validateCallback})
 * @param where - the public function's name, for errors (e.g. `Comet.json`)
 * @throws TypeError for a bad kind, callback, nonce or option (a `maxMessageBytes` or `maxDepth` that is not
 *   a number included); RangeError for a `maxMessageBytes` or `maxDepth` out of range
 */
export function createEncoder<T = unknown>(
  kind: CometKind,
  callback: string,
  options: CometOptions | undefined,
  where: string,
): CometEncoder<T> {
  const { initialChunk, onInvalid, serialize, frame } = createFramer<T>(kind, callback, options, where);
  return {
    initialChunk,
    onInvalid,
    encode: (value: T, index = -1, id?: number): string => frame(serialize(value, index), index, id),
  };
}

/**
 * @internal {@link createEncoder} in its two halves (see {@link CometFramer}); same checks, same errors.
 */
export function createFramer<T = unknown>(
  kind: CometKind,
  callback: string,
  options: CometOptions | undefined,
  where: string,
): CometFramer<T> {
  if (!KINDS.includes(kind)) {
    throw new TypeError(`${where}: kind must be "string", "json" or "flow", got ${typeof kind === 'string' ? JSON.stringify(kind) : describe(kind)}`);
  }
  const {
    initialChunk = initialHtmlChunk,
    nonce,
    onInvalid = 'error',
    maxMessageBytes = Infinity,
    maxDepth = DEFAULT_MAX_DEPTH,
  } = checkOptions(options, where, kind === 'json' ? JSON_OPTIONS : OPTIONS);
  checkCallback(callback, where);
  if (initialChunk !== null && typeof initialChunk !== 'string') {
    throw new TypeError(`${where}: options.initialChunk must be a string or null, got ${describe(initialChunk)}`);
  }
  if (onInvalid !== 'error' && onInvalid !== 'skip') {
    throw new TypeError(`${where}: options.onInvalid must be "error" or "skip", got ${typeof onInvalid === 'string' ? JSON.stringify(onInvalid) : describe(onInvalid)}`);
  }
  checkLimit(maxMessageBytes, where, 'options.maxMessageBytes');
  const serialize = kind === 'json' ? jsonText(checkLimit(maxDepth, where, 'options.maxDepth')) : kind === 'string' ? stringText : flowText;
  const escape = kind === 'json' ? asciiJson : kind === 'string' ? stringLiteral : asIs;
  // Built by concatenation, then made flat once, so every chunk copies one flat string.
  const open = flatten(
    '<script type="text/javascript"' + (nonce === undefined ? '' : ` nonce="${checkNonce(nonce, where)}"`) + '>' + callback + '(',
  );
  const close = ');</script>';
  const ascii = kind !== 'flow';
  return {
    initialChunk,
    onInvalid,
    serialize: serialize as (message: T, index: number) => string,
    bounded: maxMessageBytes !== Infinity,
    frame(text: string, index: number, id?: number, topic?: string): string {
      // a topic name is `[A-Za-z0-9_.:/@-]`: safe in a JavaScript string and in a script element as it is
      const chunk = open + escape(text) + (id === undefined ? close : withId(id, where) + (topic === undefined ? '' : ',"' + topic + '"') + close);
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
