import { expect } from 'chai';
import fc from 'fast-check';
import { SSEReader } from '../../bench/sse-reader.js';
import { parseEventStream } from '../support/event-stream.js';

/** An HTTP/1.1 response carrying `body`, chunked (in chunks of the given sizes) or not. */
function response(body: string, chunks: number[] | null): string {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${chunks ? 'Transfer-Encoding: chunked\r\n' : ''}\r\n`;
  if (!chunks) return head + body;
  let out = head;
  let at = 0;
  for (let i = 0; at < body.length; i++) {
    const part = body.slice(at, at + Math.max(1, chunks[i % chunks.length]!));
    out += part.length.toString(16) + '\r\n' + part + '\r\n';
    at += part.length;
  }
  return out + '0\r\n\r\n';
}

/** Feeds `bytes` to a reader in pieces cut at `cuts` (fractions of the length); the events it gave. */
function read(bytes: string, cuts: number[]): { type: string; data: string }[] {
  const events: { type: string; data: string }[] = [];
  const reader = new SSEReader((type, data) => events.push({ type, data }));
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    reader.feed(bytes.slice(from, p));
    from = p;
  }
  expect(reader.headersDone).to.equal(true);
  return events;
}

// ASCII text with every character the format gives meaning to
const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '\r', '\n', 'd', 'data', 'event', 'id', 'x') });

describe('bench SSE reader (the benchmark clients)', () => {
  it('gives the events of the independent WHATWG parser, however the stream is chunked and cut', () => {
    fc.assert(
      fc.property(text, fc.option(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1 })), fc.array(fc.double({ min: 0, max: 1, noNaN: true })), (body, chunks, cuts) => {
        const expected = parseEventStream(body).events.map(({ type, data }) => ({ type, data }));
        expect(read(response(body, chunks), cuts)).to.deep.equal(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('reads named and unnamed events as the benchmark servers write them', () => {
    const body = 'event: open\ndata: {"type":"open"}\n\nid: E:1\ndata: [1,2.5]\n\n:\n\nevent: message\nid: 9\ndata: [2,3]\n\n';
    expect(read(response(body, [7, 3]), [0.1, 0.5])).to.deep.equal([
      { type: 'open', data: '{"type":"open"}' },
      { type: 'message', data: '[1,2.5]' },
      { type: 'message', data: '[2,3]' },
    ]);
  });
});
