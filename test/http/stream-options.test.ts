/**
 * The stream options every transport shares: refused at once when unknown or malformed (the source
 * returned), rotation by bytes and by age with a last chunk from beforeEnd, and a heartbeat chunk.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { cometResponse, sendComet, toNodeReadable, toWebStream } from '../../src/http/index.js';
import { cometFastify, type CometReplyMethod } from '../../src/fastify.js';
import { ScriptedResponse, scriptedSource } from '../support/scripted.js';

const decoder = new TextDecoder();

/** Reads a web stream to its end as text. */
async function textOf(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk);
  return text;
}

/** An endless source of `chunk`, counting pulls and returns. */
function endless(chunk: string) {
  let pulled = 0;
  const source = {
    next: async () => (pulled++, { done: false as const, value: chunk }),
    return: sinon.spy(async () => ({ done: true as const, value: undefined })),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { source, pulled: () => pulled };
}

describe('stream options', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  describe('refused at once, naming the function, with the source returned', () => {
    const transports: Record<string, (chunks: AsyncIterable<string>, options: object) => unknown> = {
      sendComet: (chunks, options) => sendComet(new ScriptedResponse().asResponse(), chunks, options),
      toWebStream: (chunks, options) => toWebStream(chunks, options),
      cometResponse: (chunks, options) => cometResponse(chunks, options),
      toNodeReadable: (chunks, options) => toNodeReadable(chunks, options),
    };
    for (const [name, start] of Object.entries(transports)) {
      it(`${name}: an unknown option name is a TypeError naming it`, () => {
        const src = scriptedSource();
        expect(() => start(src.source, { heartbeatMS: 1000 })).to.throw(TypeError, `${name}: unknown option 'heartbeatMS'`);
        expect(src.returns()).to.equal(1);
        expect(src.pulls()).to.equal(0);
      });

      it(`${name}: malformed values are typed errors`, () => {
        const cases: [object, ErrorConstructor | RangeErrorConstructor, string][] = [
          [{ heartbeatMs: -5 }, RangeError, `${name}: heartbeatMs must be a positive finite number of milliseconds, got -5`],
          [{ maxBytes: 0 }, RangeError, `${name}: maxBytes must be a positive integer or Infinity, got 0`],
          [{ maxAgeMs: 2 ** 31 }, RangeError, `${name}: maxAgeMs must be at most 2147483647`],
          [{ heartbeat: 7 }, TypeError, `${name}: options.heartbeat must be a string or a Uint8Array, got the number 7`],
          [{ beforeEnd: 'x' }, TypeError, `${name}: options.beforeEnd must be a function, got a string`],
          [{ signal: {} }, TypeError, `${name}: options.signal must be an AbortSignal, got a plain object`],
        ];
        for (const [options, type, message] of cases) {
          const src = scriptedSource();
          expect(() => start(src.source, options), message).to.throw(type, message);
          expect(src.returns(), message).to.equal(1);
        }
      });
    }

    it('cometResponse: a header value with CR or LF is a TypeError, in any HeadersInit form', () => {
      for (const headers of [{ 'X-A': 'a\nb' }, [['X-A', 'a\rb']]] as HeadersInit[]) {
        const src = scriptedSource();
        expect(() => cometResponse(src.source, { headers })).to.throw(TypeError, `cometResponse: header 'X-A' must not contain CR, LF`);
        expect(src.returns()).to.equal(1);
      }
    });

    it('reply.comet: a CR/LF header set with reply.header() or given in options is a TypeError before the reply is taken over', () => {
      let comet: CometReplyMethod['comet'] | undefined;
      cometFastify({ decorateReply: (_name: string, fn: unknown) => (comet = fn as typeof comet), addHook: () => {} }, {}, () => {});
      for (const [set, options] of [[{ 'x-a': 'a\r\nb' }, {}], [{}, { headers: { 'X-B': '\n' } }]] as const) {
        const reply = { raw: new ScriptedResponse().asResponse(), hijack: sinon.spy(), getHeaders: () => set, log: { error() {} } };
        const src = scriptedSource();
        expect(() => comet!.call(reply, src.source, options)).to.throw(TypeError, 'reply.comet: header');
        expect(reply.hijack.callCount).to.equal(0);
        expect(src.returns()).to.equal(1);
      }
    });
  });

  describe('rotation', () => {
    it('sendComet: maxBytes ends cleanly after the chunk that reached it, beforeEnd writing the last chunk; resolves rotated', async () => {
      const res = new ScriptedResponse();
      const { source, pulled } = endless('é'.repeat(5)); // 10 bytes each
      const beforeEnd = sinon.spy((reason: string) => `<${reason}>`);
      const result = await sendComet(res.asResponse(), source, { maxBytes: 25, beforeEnd });
      expect(result).to.equal('rotated');
      expect(res.writes).to.deep.equal(['ééééé', 'ééééé', 'ééééé', '<rotated>']);
      expect(res.writableEnded).to.equal(true);
      expect(res.destroyed).to.equal(false);
      expect(pulled()).to.equal(3);
      expect(source.return.callCount).to.equal(1);
      expect(beforeEnd.args).to.deep.equal([['rotated']]);
    });

    it('sendComet: maxAgeMs ends at once while waiting on the source, no timer left', async () => {
      clock = sinon.useFakeTimers();
      const res = new ScriptedResponse();
      const src = scriptedSource();
      const done = sendComet(res.asResponse(), src.source, { maxAgeMs: 1000, heartbeatMs: 300 });
      await clock.tickAsync(0);
      src.give('a');
      await clock.tickAsync(999);
      expect(res.writableEnded).to.equal(false);
      await clock.tickAsync(1);
      expect(await done).to.equal('rotated');
      expect(res.writes).to.deep.equal(['a', '\n', '\n', '\n']);
      expect(src.returns()).to.equal(1);
      expect(clock.countTimers()).to.equal(0);
    });

    it('sendComet: maxAgeMs while waiting for drain ends at that chunk boundary', async () => {
      clock = sinon.useFakeTimers();
      const res = new ScriptedResponse();
      const src = scriptedSource();
      const done = sendComet(res.asResponse(), src.source, { maxAgeMs: 500, beforeEnd: () => 'last' });
      await clock.tickAsync(0);
      res.accept = false;
      src.give('a');
      await clock.tickAsync(500);
      expect(await done).to.equal('rotated');
      expect(res.writes).to.deep.equal(['a', 'last']);
      expect(src.pulls()).to.equal(1);
      expect(res.listenerCount('drain')).to.equal(0);
    });

    it('toWebStream and toNodeReadable: maxBytes closes the stream cleanly with the last chunk', async () => {
      const web = endless('abcd');
      expect(await textOf(toWebStream(web.source, { maxBytes: 8, beforeEnd: () => new Uint8Array([33]) }))).to.equal('abcdabcd!');
      expect(web.source.return.callCount).to.equal(1);
      const node = endless('abcd');
      let text = '';
      for await (const chunk of toNodeReadable(node.source, { maxBytes: 5, beforeEnd: (reason) => `[${reason}]` })) text += String(chunk);
      expect(text).to.equal('abcdabcd[rotated]');
      expect(node.source.return.callCount).to.equal(1);
    });

    it('beforeEnd runs on a normal end too, without return(); a beforeEnd that throws fails the stream', async () => {
      const res = new ScriptedResponse();
      async function* two() {
        yield 'a';
      }
      expect(await sendComet(res.asResponse(), two(), { beforeEnd: (reason) => `(${reason})` })).to.equal('end');
      expect(res.writes).to.deep.equal(['a', '(end)']);
      const failing = new ScriptedResponse();
      const boom = new Error('beforeEnd broke');
      const outcome = await sendComet(failing.asResponse(), two(), {
        beforeEnd: () => {
          throw boom;
        },
      }).catch((error: unknown) => error);
      expect(outcome).to.equal(boom);
      expect(failing.destroyedWith).to.equal(boom);
    });
  });

  describe('heartbeat chunk', () => {
    it('sendComet writes the given heartbeat chunk instead of a newline', async () => {
      clock = sinon.useFakeTimers();
      const res = new ScriptedResponse();
      const src = scriptedSource();
      const beat = '<script>parent.beat()</script>';
      const done = sendComet(res.asResponse(), src.source, { heartbeatMs: 100, heartbeat: beat });
      await clock.tickAsync(250);
      src.finish();
      expect(await done).to.equal('end');
      expect(res.writes).to.deep.equal([beat, beat]);
    });

    it('toWebStream and toNodeReadable enqueue it as bytes', async () => {
      clock = sinon.useFakeTimers();
      const web = scriptedSource();
      const reader = toWebStream(web.source, { heartbeatMs: 100, heartbeat: 'hb' }).getReader();
      const first = reader.read();
      await clock.tickAsync(100);
      expect(decoder.decode((await first).value)).to.equal('hb');
      await reader.cancel();
      const node = scriptedSource();
      const readable = toNodeReadable(node.source, { heartbeatMs: 100, heartbeat: new Uint8Array([104]) });
      const got: string[] = [];
      readable.on('data', (chunk: Buffer) => got.push(chunk.toString()));
      await clock.tickAsync(100);
      expect(got).to.deep.equal(['h']);
      readable.destroy();
      await clock.tickAsync(0);
      expect(node.returns()).to.equal(1);
    });
  });
});
