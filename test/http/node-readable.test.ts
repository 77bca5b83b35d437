import { expect } from 'chai';
import http from 'node:http';
import { once } from 'node:events';
import Koa from 'koa';
import sinon from 'sinon';
import { cometHeaders } from '../../src/http/chunk.js';
import { toNodeReadable, type NodeReadableOptions } from '../../src/http/index.js';
import { createHub, SlowConsumerError } from '../../src/index.js';
import { countingSource, deferred, expectHeartbeats, gated, listen, open, reader, throwingNext, ticking, ticks, tornDown, type Listening } from '../support/loopback.js';
import { turn } from '../support/timing.js';

describe('toNodeReadable', () => {
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(() => {
    clock?.restore();
    clock = undefined;
  });

  it('yields the chunks as bytes, strings as UTF-8', async () => {
    async function* source() {
      yield 'é<';
      yield new Uint8Array([62]);
    }
    const parts: Buffer[] = [];
    for await (const part of toNodeReadable(source())) parts.push(part as Buffer);
    expect(Buffer.concat(parts).toString('utf8')).to.equal('é<>');
    expect(parts.every((part) => Buffer.isBuffer(part))).to.equal(true);
  });

  it('pulls no further than its highWaterMark while nobody reads', async () => {
    const counter = countingSource(1024);
    const readable = toNodeReadable(counter.source);
    readable.pause();
    readable.read(0);
    for (let i = 0; i < 50; i++) await turn();
    // the default highWaterMark (16 KiB on Node 20, 64 KiB from Node 22) over 1 KiB chunks: that many
    // buffered, one more may be in flight
    const chunks = readable.readableHighWaterMark / 1024;
    expect(chunks).to.be.at.least(16);
    expect(counter.pulled()).to.be.within(chunks, chunks + 1);
    expect(readable.readableLength).to.equal(chunks * 1024);
    readable.destroy();
    expect(counter.returned()).to.equal(true);
  });

  it('destroy calls return() on the source at once', async () => {
    const release = deferred();
    async function* source() {
      yield 'a';
      await release.promise;
    }
    const iterator = source();
    const spy = sinon.spy(iterator, 'return');
    const readable = toNodeReadable(iterator);
    readable.read(0);
    await once(readable, 'readable');
    readable.destroy();
    expect(spy.callCount).to.equal(1);
    release.resolve();
  });

  it('a source error destroys the stream with that error', async () => {
    const boom = new Error('boom');
    async function* source() {
      yield 'a';
      throw boom;
    }
    const readable = toNodeReadable(source());
    readable.resume();
    const [error] = await once(readable, 'error');
    expect(error).to.equal(boom);
  });

  it('a signal already aborted with a reason destroys the stream with it, returning the source unpulled', async () => {
    const reason = new Error('stopped before');
    const iterator = countingSource(3);
    const readable = toNodeReadable(iterator.source, { signal: AbortSignal.abort(reason) });
    expect(readable.destroyed).to.equal(true);
    const [error] = await once(readable, 'error');
    expect(error).to.equal(reason);
    expect([iterator.pulled(), iterator.returned()]).to.deep.equal([0, true]);
  });

  it('a hub subscription already cut off destroys the stream with the cut-off error', async () => {
    const hub = createHub<string>({ limit: 1 });
    const subscription = hub.subscribe();
    hub.publish('a');
    hub.publish('b');
    const readable = toNodeReadable(subscription);
    const [error] = await once(readable, 'error');
    expect(error).to.be.instanceOf(SlowConsumerError);
  });

  it('a next() that throws synchronously destroys the stream with that error, without return()', async () => {
    const boom = new Error('next broke');
    const { source, returned } = throwingNext(boom);
    const readable = toNodeReadable(source);
    readable.resume();
    const [error] = await once(readable, 'error');
    expect(error).to.equal(boom);
    expect(returned.callCount).to.equal(0);
  });

  it('a chunk of the wrong type destroys the stream with a TypeError and returns the source', async () => {
    const returned = sinon.spy();
    async function* source(): AsyncGenerator<unknown> {
      try {
        yield { no: 'pe' };
      } finally {
        returned();
      }
    }
    const readable = toNodeReadable(source() as AsyncIterable<string>);
    readable.resume();
    const [error] = await once(readable, 'error');
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal('toNodeReadable: chunk #0 must be a string or a Uint8Array, got a plain object');
    expect(returned.callCount).to.equal(1);
  });

  it('pushes heartbeats while idle, only when nothing is waiting to be read, and stops at the end', async () => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const release = deferred();
    async function* source() {
      yield 'a';
      await release.promise;
    }
    const readable = toNodeReadable(source(), { heartbeatMs: 50 });
    const seen: string[] = [];
    readable.on('data', (part: Buffer) => seen.push(part.toString()));
    await turn();
    expect(seen).to.deep.equal(['a']);
    await clock.tickAsync(100);
    expect(seen).to.deep.equal(['a', '\n', '\n']);
    readable.pause();
    await clock.tickAsync(500);
    expect(readable.readableLength).to.equal(1);
    release.resolve();
    readable.resume();
    await once(readable, 'end');
    expect(seen.join('')).to.equal('a\n\n\n');
    expect(clock.countTimers()).to.equal(0);
  });

  it('rejects bad arguments at once', () => {
    expect(() => toNodeReadable(null as unknown as AsyncIterable<string>)).to.throw(TypeError);
    expect(() => toNodeReadable(countingSource(1).source, { heartbeatMs: -1 })).to.throw(RangeError);
  });
});

describe('toNodeReadable with Koa 3', () => {
  let server: Listening | undefined;
  let stopTicker: (() => void) | undefined;
  afterEach(async () => {
    stopTicker?.();
    stopTicker = undefined;
    await server?.close();
    server = undefined;
  });

  function koaServer(makeSource: () => AsyncIterable<string>, options?: NodeReadableOptions): http.Server {
    const app = new Koa();
    app.silent = true;
    app.use((ctx) => {
      ctx.set(cometHeaders);
      ctx.req.socket.setNoDelay(true);
      ctx.body = toNodeReadable(makeSource(), options);
    });
    return http.createServer(app.callback());
  }

  it('streams the chunks with the Comet headers, the first before the end', async () => {
    const { source, release } = gated('<p>1</p>', '<p>2</p>');
    server = await listen(koaServer(source));
    const { res } = await open(server.url);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-cache, no-store, no-transform');
    const body = reader(res, (text) => text.includes('<p>1</p>'));
    expect(await body.seen).to.equal('<p>1</p>');
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<p>1</p><p>2</p>');
  });

  it('sends heartbeats while the source is idle', async () => {
    const { source, release } = gated('<p>1</p>', '<p>2</p>');
    server = await listen(koaServer(source, { heartbeatMs: 10 }));
    await expectHeartbeats((await open(server.url)).res, '<p>1</p>', '<p>2</p>', release);
  });

  it('tears the source down when the client leaves', async () => {
    const tick = ticking();
    stopTicker = tick.stop;
    server = await listen(koaServer(() => tick.source));
    const { req, res } = await open(server.url);
    await reader(res, ticks(2)).seen;
    expect(tick.emitter.listenerCount('tick')).to.equal(1);
    req.destroy();
    await tornDown(tick);
  });
});
