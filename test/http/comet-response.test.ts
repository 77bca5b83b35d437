import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import sinon from 'sinon';
import { cometResponse, toWebStream } from '../../src/http/index.js';
import { countingSource, deferred, expectHeartbeats, gated, listen, throwingNext, ticking, ticks, tornDown, type Listening } from '../support/loopback.js';
import { turn, until } from '../support/timing.js';

const decoder = new TextDecoder();

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** Serves a web Response on a Node response, as a framework adapter does. */
function serve(response: Response, res: ServerResponse): void {
  res.writeHead(response.status, headersOf(response));
  res.flushHeaders();
  const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
  pipeline(body, res, () => {});
}

describe('cometResponse', () => {
  let server: Listening | undefined;
  let stopTicker: (() => void) | undefined;
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    stopTicker?.();
    stopTicker = undefined;
    await server?.close();
    server = undefined;
  });

  it('carries the Comet headers, with init adding and overriding, and its status', async () => {
    async function* source() {
      yield 'a';
      yield new Uint8Array([98]);
    }
    const response = cometResponse(source(), { status: 202, headers: { 'X-Accel-Buffering': 'yes', 'X-Id': '7' } });
    expect(response.status).to.equal(202);
    expect(headersOf(response)).to.deep.equal({
      'cache-control': 'no-cache, no-store, no-transform',
      'content-type': 'text/html; charset=utf-8',
      'x-accel-buffering': 'yes',
      'x-content-type-options': 'nosniff',
      'x-id': '7',
    });
    expect(await response.text()).to.equal('ab');
  });

  it('pulls nothing before the first read, then one chunk per read and none ahead of the reader', async () => {
    const counter = countingSource(3);
    const reader = cometResponse(counter.source).body!.getReader();
    await turn();
    expect(counter.pulled()).to.equal(0);
    const first = await reader.read();
    expect(decoder.decode(first.value)).to.equal('xxx');
    await turn();
    expect(counter.pulled()).to.equal(1);
    await reader.read();
    await reader.read();
    await turn();
    expect(counter.pulled()).to.equal(3);
    await reader.cancel();
    expect(counter.returned()).to.equal(true);
  });

  it('cancelling the body calls return() on the source', async () => {
    const release = deferred();
    const returned = sinon.spy();
    async function* source() {
      try {
        yield 'one';
        await release.promise;
        yield 'two';
      } finally {
        returned();
      }
    }
    const iterator = source();
    const spy = sinon.spy(iterator, 'return');
    const reader = cometResponse(iterator).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).to.equal('one');
    await reader.cancel(new Error('gone'));
    expect(spy.callCount).to.equal(1);
    release.resolve();
    await until(() => returned.callCount === 1, { what: 'finally' });
  });

  it('a source error errors the body with that error', async () => {
    const boom = new Error('boom');
    async function* source() {
      yield 'one';
      throw boom;
    }
    const reader = cometResponse(source()).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).to.equal('one');
    let caught: unknown;
    await reader.read().catch((error: unknown) => (caught = error));
    expect(caught).to.equal(boom);
  });

  it('a next() that throws synchronously errors the body with that error, without return()', async () => {
    const boom = new Error('next broke');
    const { source, returned } = throwingNext(boom);
    let caught: unknown;
    await toWebStream(source).getReader().read().catch((error: unknown) => (caught = error));
    expect(caught).to.equal(boom);
    expect(returned.callCount).to.equal(0);
  });

  it('a chunk of the wrong type errors the body with a TypeError and returns the source', async () => {
    const returned = sinon.spy();
    async function* source(): AsyncGenerator<unknown> {
      try {
        yield null;
      } finally {
        returned();
      }
    }
    const reader = toWebStream(source() as AsyncIterable<string>).getReader();
    let caught: unknown;
    await reader.read().catch((error: unknown) => (caught = error));
    expect(caught).to.be.instanceOf(TypeError);
    expect((caught as Error).message).to.equal('toWebStream: chunk #0 must be a string or a Uint8Array, got null');
    expect(returned.callCount).to.equal(1);
  });

  it('enqueues heartbeats only while a read waits on an idle source: none pile up behind a stalled reader', async () => {
    clock = sinon.useFakeTimers();
    const release = deferred();
    async function* source() {
      yield 'a';
      await release.promise;
      yield 'b';
    }
    const reader = cometResponse(source(), { heartbeatMs: 100 }).body!.getReader();
    expect(decoder.decode((await reader.read()).value)).to.equal('a');
    // nobody reads for ten intervals: nothing is pulled, no heartbeat is made
    await clock.tickAsync(1000);
    const beat = reader.read();
    await clock.tickAsync(99);
    let got: string | undefined;
    void beat.then((r) => (got = decoder.decode(r.value)));
    await clock.tickAsync(0);
    expect(got).to.equal(undefined);
    await clock.tickAsync(1);
    expect(got).to.equal('\n');
    // a second heartbeat while nobody reads: queued, at most one
    await clock.tickAsync(1000);
    expect(decoder.decode((await reader.read()).value)).to.equal('\n');
    release.resolve();
    expect(decoder.decode((await reader.read()).value)).to.equal('b');
    expect((await reader.read()).done).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
  });

  it('rejects bad arguments at once', () => {
    expect(() => cometResponse({} as AsyncIterable<string>)).to.throw(
      TypeError,
      'cometResponse: chunks must be an AsyncIterable of strings or Uint8Arrays',
    );
    expect(() => cometResponse(countingSource(1).source, { heartbeatMs: -1 })).to.throw(RangeError);
    expect(() => toWebStream(countingSource(1).source, { heartbeatMs: NaN })).to.throw(RangeError);
  });

  it('streams through a server to Node fetch, and tears down when the client aborts', async () => {
    const tick = ticking();
    stopTicker = tick.stop;
    server = await listen((_req, res) => serve(cometResponse(tick.source), res));
    const controller = new AbortController();
    const response = await fetch(server.url, { signal: controller.signal });
    expect(response.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    const reader = response.body!.getReader();
    let text = '';
    while (!ticks(3)(text)) text += decoder.decode((await reader.read()).value);
    const [first, second] = [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    expect(second).to.equal(first! + 1);
    controller.abort();
    await tornDown(tick);
  });

  it('sends heartbeats through a server to Node fetch while the source is idle', async () => {
    const { source, release } = gated('<p>1</p>', '<p>2</p>');
    server = await listen((_req, res) => serve(cometResponse(source(), { heartbeatMs: 10 }), res));
    const response = await fetch(server.url);
    await expectHeartbeats(Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>), '<p>1</p>', '<p>2</p>', release);
  });
});
