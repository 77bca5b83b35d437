import { expect } from 'chai';
import sinon from 'sinon';
import { SSE, SSEEncodeError } from '../../src/index.js';
import { parseEventStream } from '../support/event-stream.js';

/** The frames of `messages` through `operator`, opening included. */
async function frames<T>(operator: (source: AsyncIterable<T>) => AsyncIterable<string>, messages: T[]): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of operator((async function* () { yield* messages; })())) out.push(frame);
  return out;
}

/** Runs `fn`, expecting an SSEEncodeError; returns it. */
function encodeError(fn: () => unknown): SSEEncodeError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(SSEEncodeError);
    return error as SSEEncodeError;
  }
  expect.fail('no SSEEncodeError thrown');
}

describe('SSE encoders', () => {
  describe('framing', () => {
    it('SSE.string: one data line per line (CRLF, CR, LF), always "data: " with its space, a blank line after', async () => {
      expect(await frames(SSE.string(), ['a', 'one\r\ntwo\rthree\nfour', '', ' x', ':y', '\n'])).to.deep.equal([
        'data: a\n\n',
        'data: one\ndata: two\ndata: three\ndata: four\n\n',
        'data: \n\n',
        'data:  x\n\n',
        'data: :y\n\n',
        'data: \ndata: \n\n',
      ]);
    });

    it('SSE.json: JSON.stringify on one data line; a string with CR and a lone surrogate comes back exactly', async () => {
      const [frame] = await frames(SSE.json(), ['a\r\nb\ud800']);
      expect(frame).to.equal('data: "a\\r\\nb\\ud800"\n\n');
      expect(JSON.parse(parseEventStream(frame!).events[0]!.data)).to.equal('a\r\nb\ud800');
      expect(await frames(SSE.json(), [{ a: [1, null] }, 0])).to.deep.equal(['data: {"a":[1,null]}\n\n', 'data: 0\n\n']);
    });

    it('event (a name or a function of the message) and id (a function of the message and its position) come first', async () => {
      const operator = SSE.json<{ kind?: string; n: number }>({ event: (m) => m.kind, id: (m, i) => `${m.n}-${i}` });
      expect(await frames(operator, [{ kind: 'price', n: 7 }, { n: 8 }])).to.deep.equal([
        'event: price\nid: 7-0\ndata: {"kind":"price","n":7}\n\n',
        'id: 8-1\ndata: {"n":8}\n\n',
      ]);
      expect(await frames(SSE.string({ event: 'tick', id: () => 42 }), ['x'])).to.deep.equal(['event: tick\nid: 42\ndata: x\n\n']);
    });

    it('opening: the initial comment then retry (digits, then a blank line), once before the first message', async () => {
      expect(await frames(SSE.string({ initial: '  ', retry: 2500 }), ['x'])).to.deep.equal([':  \nretry: 2500\n\n', 'data: x\n\n']);
      expect(await frames(SSE.string({ initial: 'a\nb' }), [])).to.deep.equal([':a\n:b\n']);
      expect(SSE.encoder('json').opening(), 'none by default').to.equal(null);
    });

    it('retryJitter adds 0 to retryJitter ms, drawn anew for each stream', async () => {
      const random = sinon.stub(Math, 'random');
      try {
        random.onCall(0).returns(0).onCall(1).returns(0.999999).onCall(2).returns(0.5);
        const encoder = SSE.encoder('string', { retry: 1000, retryJitter: 100 });
        expect([encoder.opening(), encoder.opening(), encoder.opening()]).to.deep.equal(['retry: 1000\n\n', 'retry: 1100\n\n', 'retry: 1050\n\n']);
      } finally {
        random.restore();
      }
    });

    it('SSE.encoder: encode(message, index, id) for fan-out, the given id over options.id', () => {
      const encoder = SSE.encoder<number>('json', { id: (m) => m * 10 });
      expect(encoder.encode(1)).to.equal('id: 10\ndata: 1\n\n');
      expect(encoder.encode(1, 5, 'E1:99')).to.equal('id: E1:99\ndata: 1\n\n');
      expect(SSE.encoder('string').encode('hi')).to.equal('data: hi\n\n');
    });

    it('SSE.comment: a comment line per line, ":\\n" for the empty text', () => {
      expect(SSE.comment('')).to.equal(':\n');
      expect(SSE.comment('a\r\nb')).to.equal(':a\n:b\n');
      expect(() => SSE.comment(3 as unknown as string)).to.throw(TypeError, 'SSE.comment: text must be a string, got the number 3');
    });
  });

  describe('typed errors at the point a value is given', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b']) {
      it(`an event name ${JSON.stringify(bad)} is refused by SSE.json itself, before any stream`, () => {
        const error = encodeError(() => SSE.json({ event: bad }));
        expect(error.message).to.equal(`SSE.json: options.event must not contain CR, LF or NUL, got ${JSON.stringify(bad)}`);
        expect([error.field, error.index, error.code, error.name]).to.deep.equal(['event', -1, 'ERR_COMET_SSE_ENCODE', 'SSEEncodeError']);
      });

      it(`an id or event ${JSON.stringify(bad)} from a function fails that message, naming its position`, () => {
        const byId = encodeError(() => SSE.encoder('string', { id: () => bad }).encode('x', 3));
        expect(byId.message).to.equal(`SSE.encoder: the id of message 3 must not contain CR, LF or NUL, got ${JSON.stringify(bad)}`);
        expect([byId.field, byId.index]).to.deep.equal(['id', 3]);
        const byEvent = encodeError(() => SSE.encoder('string', { event: () => bad }).encode('x', 4));
        expect([byEvent.field, byEvent.index]).to.deep.equal(['event', 4]);
        expect(encodeError(() => SSE.encoder('json').encode(1, 0, bad)).field).to.equal('id');
      });
    }

    it('an id that is not a string or a safe integer, an event that is not a string', () => {
      expect(encodeError(() => SSE.encoder('json', { id: () => 1.5 }).encode(1, 0)).message).to.equal(
        'SSE.encoder: the id of message 0 must be a string or a safe integer, got the number 1.5',
      );
      expect(encodeError(() => SSE.json({ event: 7 as unknown as string })).message).to.equal('SSE.json: options.event must be a string, got the number 7');
    });

    it('retry and retryJitter: non-negative integers only (written as digits), jitter only with retry', () => {
      for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 60]) {
        expect(() => SSE.string({ retry: bad }), String(bad)).to.throw(RangeError, /^SSE\.string: options\.retry must be a non-negative integer, got /);
        expect(() => SSE.string({ retry: 1, retryJitter: bad }), String(bad)).to.throw(RangeError, /options\.retryJitter must be a non-negative integer/);
      }
      for (const bad of ['10', null, true] as unknown[]) {
        expect(() => SSE.string({ retry: bad as number }), String(bad)).to.throw(TypeError, /^SSE\.string: options\.retry must be a non-negative integer, got /);
        expect(() => SSE.string({ retry: 1, retryJitter: bad as number }), String(bad)).to.throw(TypeError, /options\.retryJitter must be a non-negative integer/);
      }
      expect(() => SSE.json({ retryJitter: 5 })).to.throw(TypeError, 'SSE.json: options.retryJitter needs options.retry');
      expect(() => SSE.json({ retry: 2 ** 53 - 1, retryJitter: 1 })).to.throw(RangeError, 'must be a safe integer');
    });

    it('unknown options, a bad kind, id or initial are TypeErrors', () => {
      expect(() => SSE.json({ retyr: 5 } as object)).to.throw(TypeError, "SSE.json: unknown option 'retyr' (known options: 'event', 'id', 'retry', 'retryJitter', 'initial')");
      expect(() => SSE.encoder('flow' as 'json')).to.throw(TypeError, 'SSE.encoder: kind must be "string" or "json", got "flow"');
      expect(() => SSE.json({ id: 'x' as unknown as () => string })).to.throw(TypeError, 'SSE.json: options.id must be a function, got a string');
      expect(() => SSE.string({ initial: 5 as unknown as string })).to.throw(TypeError, 'SSE.string: options.initial must be a string, got the number 5');
    });

    it('messages: SSE.json refuses what JSON cannot encode, SSE.string what is not a string', () => {
      const json = SSE.encoder('json');
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      for (const bad of [undefined, () => 1, 10n, cycle]) expect(encodeError(() => json.encode(bad, 2)).field).to.equal('data');
      expect(encodeError(() => json.encode(undefined, 2)).message).to.equal('SSE.encoder: message 2 cannot be encoded as JSON: it is undefined');
      expect(encodeError(() => SSE.encoder('string').encode(5 as unknown as string, 1)).message).to.equal('SSE.encoder: message 1 must be a string, got the number 5');
    });

    it('is an instance across copies of the library (the registered brand)', () => {
      const foreign = Object.create({ [Symbol.for('comet-bridge.error.SSEEncodeError')]: true }) as object;
      expect(foreign).to.be.instanceOf(SSEEncodeError);
      expect(new Error('x')).not.to.be.instanceOf(SSEEncodeError);
    });
  });
});
