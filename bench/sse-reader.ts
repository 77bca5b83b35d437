/**
 * What the benchmark clients read an SSE response with: the raw bytes of one HTTP/1.1 response
 * (status line and headers, then the body, chunked or not) in, one callback per dispatched event
 * out. The event-stream part follows the WHATWG HTML parsing rules: lines end at CRLF, CR or LF;
 * `field: value` with one optional space removed; `data` lines joined with LF; comments and
 * unknown fields ignored; an event dispatched at a blank line when its data is not empty, its type
 * `message` unless an `event` field named one. Text is read as latin1 (one char per byte), which is
 * exact for the ASCII payloads of the benchmarks.
 */

/** Receives each dispatched event: its type and its data. */
export type OnEvent = (type: string, data: string) => void;

const HEADER_END = '\r\n\r\n';

/** Incremental reader of one SSE response. */
export class SSEReader {
  /** Bytes not yet taken apart: the headers, a chunk-size line or an unfinished line of the stream. */
  #head = '';
  #state: 'headers' | 'size' | 'data' | 'crlf' | 'body' = 'headers';
  /** Bytes left in the current chunk (chunked bodies). */
  #left = 0;
  /** The unfinished line of the event stream. */
  #line = '';
  /** The last stream text ended with a CR: an LF first in the next is the same line break. */
  #cr = false;
  /** The data of the event being read, null before its first `data` line. */
  #data: string | null = null;
  #type = '';
  readonly #onEvent: OnEvent;
  /** True once the status line and headers have been read. */
  headersDone = false;

  constructor(onEvent: OnEvent) {
    this.#onEvent = onEvent;
  }

  /** Feeds the next bytes of the response, as a latin1 string. */
  feed(bytes: string): void {
    let text = this.#head + bytes;
    this.#head = '';
    let at = 0;
    while (at < text.length) {
      if (this.#state === 'headers') {
        const end = text.indexOf(HEADER_END, at);
        if (end === -1) break;
        this.#state = /\r\ntransfer-encoding:\s*chunked/i.test(text.slice(at, end)) ? 'size' : 'body';
        this.headersDone = true;
        at = end + HEADER_END.length;
      } else if (this.#state === 'size') {
        const end = text.indexOf('\r\n', at);
        if (end === -1) break;
        this.#left = parseInt(text.slice(at, end), 16);
        at = end + 2;
        this.#state = this.#left > 0 ? 'data' : 'crlf';
      } else if (this.#state === 'data') {
        const take = Math.min(this.#left, text.length - at);
        this.#stream(text.slice(at, at + take));
        this.#left -= take;
        at += take;
        if (this.#left === 0) this.#state = 'crlf';
      } else if (this.#state === 'crlf') {
        if (text.length - at < 2) break;
        at += 2;
        this.#state = 'size';
      } else {
        this.#stream(at === 0 ? text : text.slice(at));
        at = text.length;
      }
    }
    this.#head = at < text.length ? text.slice(at) : '';
    text = '';
  }

  /** Takes the event-stream text apart into lines. */
  #stream(text: string): void {
    let from = 0;
    if (this.#cr && text.charCodeAt(0) === 10) from = 1;
    this.#cr = false;
    // where the next CR and LF are, each searched for again only once passed (most streams have no CR)
    let cr = text.indexOf('\r', from);
    let lf = text.indexOf('\n', from);
    for (;;) {
      if (cr !== -1 && cr < from) cr = text.indexOf('\r', from);
      if (lf !== -1 && lf < from) lf = text.indexOf('\n', from);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const line = this.#line === '' ? text.slice(from, end) : this.#line + text.slice(from, end);
      this.#line = '';
      this.#field(line);
      from = end + 1;
      if (end === cr) {
        if (from === text.length) this.#cr = true;
        else if (text.charCodeAt(from) === 10) from++;
      }
    }
    if (from < text.length) this.#line += text.slice(from);
  }

  #field(line: string): void {
    if (line === '') {
      if (this.#data !== null) this.#onEvent(this.#type === '' ? 'message' : this.#type, this.#data);
      this.#data = null;
      this.#type = '';
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return;
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (name === 'data') this.#data = this.#data === null ? value : this.#data + '\n' + value;
    else if (name === 'event') this.#type = value;
  }
}
