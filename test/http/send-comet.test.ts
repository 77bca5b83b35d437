import { expect } from 'chai';
import net from 'node:net';
import sinon from 'sinon';
import { cometHeaders } from '../../src/http/chunk.js';
import { sendComet } from '../../src/http/index.js';
import { fromEventEmitter } from '../../src/source/index.js';
import {
  countingSource,
  deferred,
  expectHeartbeats,
  gated,
  listen,
  open,
  reader,
  ticker,
  ticking,
  ticks,
  tornDown,
  loopbackSuite,
} from '../support/loopback.js';
import { sleep } from '../support/timing.js';

describe('sendComet over a real HTTP server', () => {
  const t = loopbackSuite();
  const { track, outcome } = t;

  it('sends the Comet headers at once, before the first chunk', async () => {
    const release = deferred();
    async function* source() {
      await release.promise;
      yield 'late';
    }
    t.server = await listen((_req, res) => {
      track(sendComet(res, source(), { headers: { 'X-Extra': 'yes', 'Cache-Control': 'no-store' } }));
    });
    const { res } = await open(t.server.url);
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-accel-buffering']).to.equal('no');
    expect(res.headers['x-extra']).to.equal('yes');
    expect(res.headers['transfer-encoding']).to.equal('chunked');
    const body = reader(res);
    release.resolve();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('late');
    expect(await outcome()).to.equal('end');
  });

  it('exports exactly the four documented headers', () => {
    expect(cometHeaders).to.deep.equal({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, no-transform',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    expect(Object.isFrozen(cometHeaders)).to.equal(true);
  });

  it('streams: the first chunk reaches the client before the source ends', async () => {
    const release = deferred();
    async function* source() {
      yield '<p>first</p>';
      await release.promise;
      yield new TextEncoder().encode('<p>second ✓</p>');
    }
    t.server = await listen((_req, res) => {
      track(sendComet(res, source()));
    });
    const { res } = await open(t.server.url);
    const body = reader(res, (text) => text.includes('first'));
    expect(await body.seen).to.equal('<p>first</p>');
    release.resolve();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<p>first</p><p>second ✓</p>');
    expect(await outcome()).to.equal('end');
  });

  it('on client disconnect calls return() at once and leaves no listener on the emitter', async () => {
    const tick = ticking();
    t.stopTicker = tick.stop;
    t.server = await listen((_req, res) => {
      track(sendComet(res, tick.source));
    });
    const { req, res } = await open(t.server.url);
    await reader(res, ticks(2)).seen;
    expect(tick.emitter.listenerCount('tick')).to.equal(1);
    req.destroy();
    expect(await outcome()).to.equal('client-gone');
    expect(tick.returned.callCount).to.equal(1);
    // the generator's finally runs once its pending await settles (the next tick)
    await tornDown(tick);
  });

  it('when the source throws, destroys the response and rejects with that error', async () => {
    const boom = new Error('boom');
    async function* source() {
      yield 'one';
      await sleep(20);
      throw boom;
    }
    t.server = await listen((_req, res) => {
      track(sendComet(res, source()));
    });
    const { res } = await open(t.server.url);
    const body = reader(res);
    expect(await body.ended).to.equal('aborted');
    expect(res.complete).to.equal(false);
    expect(body.text()).to.equal('one');
    expect(await outcome()).to.equal(boom);
  });

  it('a chunk that is not a string or Uint8Array fails the stream with a TypeError and returns the source', async () => {
    const returned = sinon.spy();
    async function* source(): AsyncGenerator<unknown> {
      try {
        yield 'ok';
        yield 42;
        yield 'never';
      } finally {
        returned();
      }
    }
    t.server = await listen((_req, res) => {
      track(sendComet(res, source() as AsyncIterable<string>));
    });
    const { res } = await open(t.server.url);
    const body = reader(res);
    expect(await body.ended).to.equal('aborted');
    const error = await outcome();
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal('sendComet: chunk #1 must be a string or a Uint8Array, got the number 42');
    expect(returned.callCount).to.equal(1);
    expect(body.text()).to.equal('ok');
  });

  it('keeps the number of chunks pulled bounded while the client does not read', async () => {
    const size = 64 * 1024;
    const counter = countingSource(size);
    t.server = await listen((_req, res) => {
      track(sendComet(res, counter.source));
    });
    const socket = net.connect(t.server.port, '127.0.0.1');
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // wait until pulling stops: the count is unchanged over 150 ms
    let last = -1;
    for (let i = 0; i < 60 && counter.pulled() !== last; i++) {
      last = counter.pulled();
      await sleep(150);
    }
    const stalled = counter.pulled();
    expect(stalled).to.equal(last);
    // What stalls is bounded by the kernel's socket buffers (tcp_wmem max 4 MiB + tcp_rmem max 32 MiB
    // on Linux by default) plus one chunk in Node; an unbounded pump would run on without limit.
    expect(stalled).to.be.greaterThan(0);
    expect(stalled * size).to.be.below(40 * 1024 * 1024);
    await sleep(200);
    expect(counter.pulled()).to.equal(stalled);
    socket.destroy();
    expect(await outcome()).to.equal('client-gone');
    expect(counter.returned()).to.equal(true);
  });

  it('writes heartbeats while the source is idle and stops them at the end', async () => {
    const { source, release } = gated('<p>a</p>', '<p>b</p>');
    t.server = await listen((_req, res) => {
      track(sendComet(res, source(), { heartbeatMs: 15 }));
    });
    await expectHeartbeats((await open(t.server.url)).res, '<p>a</p>', '<p>b</p>', release);
    expect(await outcome()).to.equal('end');
  });

  it('an aborted signal returns the source, destroys the response and rejects with the reason', async () => {
    const tick = ticking();
    t.stopTicker = tick.stop;
    const controller = new AbortController();
    t.server = await listen((_req, res) => {
      track(sendComet(res, tick.source, { signal: controller.signal }));
    });
    const { res } = await open(t.server.url);
    const body = reader(res, ticks(1));
    await body.seen;
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await outcome()).to.equal(reason);
    expect(await body.ended).to.equal('aborted');
    await tornDown(tick);
  });

  it('tears down a fromEventEmitter source on disconnect, with no listener left', async () => {
    const clock = ticker(10);
    t.stopTicker = clock.stop;
    const source = fromEventEmitter<string>(clock.emitter, 'tick');
    const spy = sinon.spy(source, 'return');
    t.server = await listen((_req, res) => {
      track(sendComet(res, source));
    });
    const { req, res } = await open(t.server.url);
    await reader(res, ticks(2)).seen;
    req.destroy();
    expect(await outcome()).to.equal('client-gone');
    expect(spy.callCount).to.equal(1);
    // the queue tears its source down inside return(), without waiting for another event
    expect(clock.emitter.listenerCount('tick')).to.equal(0);
  });
});
