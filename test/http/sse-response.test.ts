import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import { fromEventEmitter, SSE, sseResponse } from '../../src/index.js';
import { parseBytes } from '../support/event-stream.js';
import { countingSource } from '../support/loopback.js';
import { until } from '../support/timing.js';

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  return out;
}

describe('sseResponse', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  it('carries the SSE headers (init adding and overriding) and its status; the body parses back to the events', async () => {
    async function* source() {
      yield 'a\rb';
      yield 'c';
    }
    const response = sseResponse(SSE.string({ event: 'note' })(source()), { status: 201, headers: { 'Cache-Control': 'no-store', 'X-Id': '7' } });
    expect(response.status).to.equal(201);
    expect(headersOf(response)).to.deep.equal({
      'cache-control': 'no-store',
      'content-type': 'text/event-stream; charset=utf-8',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      'x-id': '7',
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(parseBytes(bytes).events).to.deep.equal([
      { type: 'note', data: 'a\nb', lastEventId: '' },
      { type: 'note', data: 'c', lastEventId: '' },
    ]);
    expect(headersOf(sseResponse(SSE.json()((async function* () {})())))['content-type']).to.equal('text/event-stream; charset=utf-8');
  });

  it('pull-based: one frame per read; cancelling the body returns the source (no listener left)', async () => {
    const counter = countingSource(8);
    const reader = sseResponse(SSE.string()(counter.source)).body!.getReader();
    await reader.read();
    await reader.read();
    expect(counter.pulled()).to.equal(2);
    await reader.cancel();
    expect(counter.returned()).to.equal(true);

    const emitter = new EventEmitter();
    const body = sseResponse(SSE.json()(fromEventEmitter(emitter, 'data'))).body!;
    await body.cancel();
    await until(() => emitter.listenerCount('data') === 0, { what: 'listener removal' });
  });

  it('heartbeatMs writes an empty comment while the source is idle (init.heartbeat replaces it)', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const emitter = new EventEmitter();
    const decoder = new TextDecoder();
    for (const [init, beat] of [[{ heartbeatMs: 1000 }, ':\n'], [{ heartbeatMs: 1000, heartbeat: ': hi\n' }, ': hi\n']] as const) {
      const reader = sseResponse(SSE.json()(fromEventEmitter(emitter, 'data')), init).body!.getReader();
      const read = reader.read();
      await clock.tickAsync(1000);
      expect(decoder.decode((await read).value)).to.equal(beat);
      await reader.cancel();
    }
  });

  it('checks init at once, naming sseResponse, after returning the source', () => {
    const counter = countingSource(1);
    expect(() => sseResponse(counter.source, { maxbytes: 5 } as object)).to.throw(TypeError, "sseResponse: unknown option 'maxbytes'");
    expect(counter.returned()).to.equal(true);
    expect(() => sseResponse(countingSource(1).source, { headers: { 'X-Bad': 'a\nb' } })).to.throw(TypeError, /^sseResponse: header 'X-Bad' must not contain CR, LF/);
  });
});
