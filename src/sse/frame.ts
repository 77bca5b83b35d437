/**
 * The pieces of an event stream (text/event-stream), written so that the WHATWG HTML parser reads
 * back exactly what was meant: data lines, the `id` and `event` fields, `retry`, and comments.
 */
import { SSEEncodeError } from '../errors.js';
import { describe } from '../util/args.js';

/** A line break as the event-stream parser reads one: CRLF, CR or LF. */
const BREAK = /\r\n|\r|\n/g;

/** What would end an `id` or `event` line early (CR, LF) or make the parser drop an `id` (NUL). */
const UNSAFE_FIELD = /[\r\n\0]/;

/**
 * One `data: ` line per line of `text` (each split on CRLF, CR and LF, always written with its
 * space, so a line starting with a space or a colon stays data). The parser joins them with LF.
 */
export function dataLines(text: string): string {
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return 'data: ' + text + '\n';
  return 'data: ' + text.replace(BREAK, '\ndata: ') + '\n';
}

/** A comment: `:` and the text, one comment line per line of it. The parser ignores it. */
export function commentLines(text: string): string {
  return ':' + text.replace(BREAK, '\n:') + '\n';
}

/**
 * Checks an `id` or `event` value: a string without CR, LF or NUL (an `id` may be a safe integer,
 * written in decimal).
 * @param what - how the message names it, e.g. `options.event` or `the id of message 3`
 * @throws SSEEncodeError naming `where` and `what`
 */
export function fieldValue(value: unknown, field: 'id' | 'event', where: string, what: string, index: number): string {
  if (field === 'id' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') {
    const kind = field === 'id' ? 'a string or a safe integer' : 'a string';
    throw new SSEEncodeError(`${where}: ${what} must be ${kind}, got ${describe(value)}`, index, field);
  }
  if (UNSAFE_FIELD.test(value)) {
    throw new SSEEncodeError(`${where}: ${what} must not contain CR, LF or NUL, got ${JSON.stringify(value)}`, index, field);
  }
  return value;
}
