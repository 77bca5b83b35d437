/**
 * One transport set for both formats: `format: 'sse'` gives `toWebStream`, `toNodeReadable` and
 * `reply.comet` the SSE heartbeat (and, where a transport writes headers, the SSE headers), as
 * `sendSSE` and `sseResponse` have them; a transport of one format refuses the other.
 */
import { expect } from 'chai';
import Fastify from 'fastify';
import { cometFastify } from '../../src/fastify.js';
import { Comet, cometResponse, SSE, sendSSE, sseResponse, toNodeReadable, toWebStream } from '../../src/index.js';
import { ScriptedResponse } from '../support/scripted.js';

/** A source that yields nothing until returned: only heartbeats are written. */
function idle(): AsyncIterable<string> {
  return { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => {}), return: async () => ({ done: true, value: undefined }) }) };
}

async function* once(chunk: string): AsyncGenerator<string> {
  yield chunk;
}

const text = (bytes: Uint8Array | string): string => (typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString());

describe('transports: one set that takes a format', () => {
  it("toWebStream writes the format's heartbeat: a newline for Comet, ':\\n' for SSE", async () => {
    for (const [format, beat] of [['comet', '\n'], ['sse', ':\n']] as const) {
      const reader = toWebStream(idle(), { format, heartbeatMs: 5 }).getReader();
      const { value } = await reader.read();
      expect(text(value!), format).to.equal(beat);
      await reader.cancel();
    }
  });

  it("toNodeReadable writes the format's heartbeat", async () => {
    for (const [format, beat] of [['comet', '\n'], ['sse', ':\n']] as const) {
      const readable = toNodeReadable(idle(), { format, heartbeatMs: 5 });
      const [chunk] = (await readable.take(1).toArray()) as Buffer[];
      expect(text(chunk!), format).to.equal(beat);
      readable.destroy();
    }
  });

  it('cometResponse takes format: sse for the SSE headers; sseResponse is SSE and refuses comet', async () => {
    const frames = (): AsyncIterable<string> => SSE.json()(once('x'));
    const response = cometResponse(frames(), { format: 'sse' });
    expect(response.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
    expect(await response.text()).to.equal('data: "x"\n\n');
    expect(sseResponse(frames()).headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
    expect(() => sseResponse(frames(), { format: 'comet' })).to.throw(TypeError, /^sseResponse: options\.format must be 'sse' here, got 'comet'$/);
    expect(() => toWebStream(frames(), { format: 'xml' as never })).to.throw(TypeError, /^toWebStream: options\.format must be 'comet' or 'sse', got a string$/);
  });

  it('sendSSE refuses format: comet before writing anything', () => {
    const res = new ScriptedResponse();
    expect(() => sendSSE(res.asResponse(), SSE.json()(once('x')), { format: 'comet' })).to.throw(TypeError, /^sendSSE: options\.format must be 'sse' here/);
    expect(res.asResponse().headersSent).to.equal(false);
  });

  it("reply.comet with format: 'sse' sends SSE headers and frames; without, Comet's", async () => {
    const app = Fastify();
    await app.register(cometFastify);
    app.get('/sse', (_request, reply) => reply.comet(SSE.json()(once('x')), { format: 'sse' }));
    app.get('/comet', (_request, reply) => reply.comet(Comet.string('parent.m', { initialChunk: null })(once('x'))));
    try {
      const sse = await app.inject({ method: 'GET', url: '/sse' });
      expect(sse.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
      expect(sse.body).to.equal('data: "x"\n\n');
      const comet = await app.inject({ method: 'GET', url: '/comet' });
      expect(comet.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(comet.body).to.equal('<script type="text/javascript">parent.m(\'x\');</script>');
    } finally {
      await app.close();
    }
  });
});
