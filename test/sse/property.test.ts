import { expect } from 'chai';
import fc from 'fast-check';
import { SSE } from '../../src/index.js';
import { parseEventStream } from '../support/event-stream.js';

/** Strings biased towards what breaks an event stream: every line break, NUL, colons, spaces, surrogates, U+2028. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('\r', '\n', '\r\n', '\0', ':', ' ', 'd', 'a', 't', 'i', '\ufeff', '\u2028', '\u2029', '\u0085', '\ud800', '\udc00', '\ud83d\ude00') }),
  fc.constantFrom('\n\ndata: forged\n\n', 'id: 7\nevent: x', '\r\n\r\n', '\r', ':comment', ' leading space', 'retry: 1'),
);

/** Sometimes very long: lines of up to 100,000 characters. */
const long = fc.tuple(fc.constantFrom('x', '\u00e9', '\ud83d\ude00', ' '), fc.integer({ min: 1_000, max: 100_000 }), hostile).map(([unit, n, tail]) => unit.repeat(n) + tail);

const strings = fc.oneof({ weight: 5, arbitrary: hostile }, { weight: 1, arbitrary: long });

/** A string with each lone surrogate as U+FFFD, as UTF-8 encoding and decoding leave it. */
const wellFormed = (s: string): string => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** What a string becomes on the wire: each line break an LF, each lone surrogate U+FFFD (UTF-8 cannot carry one). */
const expected = (s: string): string => wellFormed(s.replace(/\r\n|\r|\n/g, '\n'));

/** Encodes `messages` with `operator` and parses the whole stream back. */
async function roundTrip<T>(operator: (source: AsyncIterable<T>) => AsyncIterable<string>, messages: readonly T[]) {
  async function* source(): AsyncGenerator<T> {
    yield* messages;
  }
  let text = '';
  for await (const frame of operator(source())) text += frame;
  return parseEventStream(text);
}

describe('SSE framing against a parser written from the WHATWG algorithm', () => {
  it('SSE.string: every string parsed back equal up to line breaks becoming LF, exactly one event per message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(strings, { maxLength: 8 }), async (messages) => {
        const { events } = await roundTrip(SSE.string(), messages);
        expect(events.map((e) => e.data)).to.deep.equal(messages.map(expected));
        expect(events.every((e) => e.type === 'message' && e.lastEventId === '')).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it('SSE.json: every JSON value parsed back equal (any string exactly, lone surrogates and CR included), one event each', async () => {
    const values = fc.oneof(fc.jsonValue(), strings, fc.array(strings), fc.dictionary(strings, strings, { maxKeys: 4 }));
    await fc.assert(
      fc.asyncProperty(fc.array(values, { maxLength: 8 }), async (messages) => {
        const { events } = await roundTrip(SSE.json(), messages);
        expect(events).to.have.length(messages.length);
        // JSON.parse(JSON.stringify(-0)) is 0: compare with what JSON itself gives back
        expect(events.map((e) => JSON.parse(e.data) as unknown)).to.deep.equal(messages.map((m) => JSON.parse(JSON.stringify(m)) as unknown));
        for (const [i, m] of messages.entries()) if (typeof m === 'string') expect(JSON.parse(events[i]!.data)).to.equal(m);
      }),
      { numRuns: 300 },
    );
  });

  it('ids, event names and retry arrive as given, and hostile data never forges a field', async () => {
    const safe = hostile.map((s) => wellFormed(s.replace(/[\r\n\0]/g, '')));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(strings, safe, safe), { minLength: 1, maxLength: 6 }),
        fc.nat({ max: 600_000 }),
        async (messages, retry) => {
          let k = 0; // event() is called once per message, in order
          const operator = SSE.string({
            id: (_m, i) => messages[i]![1],
            event: () => messages[k++]![2],
            retry,
          });
          const parsed = await roundTrip(operator, messages.map(([data]) => data));
          expect(parsed.retry).to.equal(retry);
          expect(parsed.events).to.deep.equal(
            messages.map(([data, id, type]) => ({ data: expected(data), lastEventId: id, type: type === '' ? 'message' : type })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('comments: SSE.comment and options.initial of any text dispatch no event', () => {
    fc.assert(
      fc.property(strings, (text) => {
        const parsed = parseEventStream(SSE.comment(text) + SSE.encoder('string', { initial: text }).opening()! + 'data: x\n\n');
        expect(parsed.events).to.deep.equal([{ type: 'message', data: 'x', lastEventId: '' }]);
      }),
      { numRuns: 300 },
    );
  });
});
