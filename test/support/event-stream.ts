/**
 * An event-stream parser written from the WHATWG HTML algorithm ("Server-sent events": parsing an
 * event stream, interpreting an event stream, dispatching the event), independent of src/sse:
 * it reads the way a browser's EventSource reads, character by character.
 */

/** One dispatched event. */
export interface ParsedEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/** What a whole stream gave: its events, the last reconnection time set, and its comments. */
export interface ParsedStream {
  readonly events: ParsedEvent[];
  readonly retry: number | undefined;
  readonly comments: string[];
}

/** Parses a stream's bytes: UTF-8 decoded with replacement, as the standard says. */
export function parseBytes(bytes: Uint8Array): ParsedStream {
  return parseText(new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes));
}

/** Parses text that is already decoded (a string is UTF-8 encoded and decoded first, as on the wire). */
export function parseEventStream(text: string): ParsedStream {
  return parseBytes(new TextEncoder().encode(text));
}

function parseText(decoded: string): ParsedStream {
  // one leading U+FEFF is skipped
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  const events: ParsedEvent[] = [];
  const comments: string[] = [];
  let retry: number | undefined;
  let data = '';
  let type = '';
  let lastEventIdBuffer = '';
  let lastEventId = '';

  const dispatch = (): void => {
    lastEventId = lastEventIdBuffer;
    if (data === '') {
      type = '';
      return;
    }
    if (data.endsWith('\n')) data = data.slice(0, -1);
    events.push({ type: type === '' ? 'message' : type, data, lastEventId });
    data = '';
    type = '';
  };

  const field = (name: string, value: string): void => {
    if (name === 'event') type = value;
    else if (name === 'data') data += value + '\n';
    else if (name === 'id') {
      if (!value.includes('\0')) lastEventIdBuffer = value;
    } else if (name === 'retry') {
      if (value !== '' && [...value].every((c) => c >= '0' && c <= '9')) retry = Number.parseInt(value, 10);
    }
    // any other field is ignored
  };

  let line = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '\r' && c !== '\n') {
      line += c;
      i++;
      continue;
    }
    // a line ends at CRLF, a lone CR or a lone LF
    i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    if (line === '') dispatch();
    else if (line[0] === ':') comments.push(line.slice(1));
    else {
      const colon = line.indexOf(':');
      if (colon < 0) field(line, '');
      else {
        let value = line.slice(colon + 1);
        if (value[0] === ' ') value = value.slice(1);
        field(line.slice(0, colon), value);
      }
    }
    line = '';
  }
  // at the end of the stream, an event not ended by a blank line (and a last line without its break) is discarded
  return { events, retry, comments };
}
