/**
 * sendSSE and stopSSE over real HTTP/1.1 sockets on 127.0.0.1, the stream read back with the
 * parser written from the WHATWG algorithm.
 */
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { sendSSE, SSE, stopSSE } from '../../src/index.js';

const sseHeaders = SSE.headers;
import { parseEventStream } from '../support/event-stream.js';
import { untilStalled } from './fixtures/stall.js';
import { countingSource, deferred, gated, listen, open, reader, ticking, ticks, tornDown, loopbackSuite } from '../support/loopback.js';
import { sleep } from '../support/timing.js';

describe('sendSSE over a real HTTP server', () => {
  const t = loopbackSuite();
  const { track, outcome } = t;

  it('sends the SSE headers at once (options.headers over them), then events the parser reads back', async () => {
    const { source, release } = gated('one\ntwo', 'three');
    t.server = await listen((_req, res) => {
      track(sendSSE(res, SSE.string({ id: (_m, i) => i, retry: 3000 })(source()), { headers: { 'X-Extra': 'yes' } }));
    });
    const { res } = await open(t.server.url);
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).to.equal('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).to.equal('no');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-extra']).to.equal('yes');
    const body = reader(res, (text) => text.includes('data: two\n\n'));
    await body.seen;
    release();
    expect(await body.ended).to.equal('end');
    expect(await outcome()).to.equal('end');
    const parsed = parseEventStream(body.text());
    expect(parsed.retry).to.equal(3000);
    expect(parsed.events).to.deep.equal([
      { type: 'message', data: 'one\ntwo', lastEventId: '0' },
      { type: 'message', data: 'three', lastEventId: '1' },
    ]);
  });

  it('sseHeaders: exactly the four documented headers, and no Connection header of its own', () => {
    expect(sseHeaders).to.deep.equal({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    expect(Object.isFrozen(sseHeaders)).to.equal(true);
  });

  it('backpressure: the frames pulled stay bounded while the client does not read', async () => {
    const size = 64 * 1024;
    const counter = countingSource(size);
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(counter.source))));
    const socket = net.connect(t.server.port, '127.0.0.1');
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { count: stalled, stable } = await untilStalled(counter.pulled);
    expect(stable, 'pulling stopped').to.equal(true);
    expect(stalled).to.be.greaterThan(0);
    // bounded by the kernel's socket buffers plus one frame in Node
    expect(stalled * size).to.be.below(40 * 1024 * 1024);
    await sleep(200);
    expect(counter.pulled()).to.equal(stalled);
    socket.destroy();
    expect(await outcome()).to.equal('client-gone');
    expect(counter.returned()).to.equal(true);
  });

  it('client gone: the source is returned at once and resolves client-gone', async () => {
    const tick = ticking();
    t.stopTicker = tick.stop;
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(tick.source))));
    const { req, res } = await open(t.server.url);
    await reader(res, ticks(2)).seen;
    req.destroy();
    expect(await outcome()).to.equal('client-gone');
    await tornDown(tick);
  });

  it('heartbeats: an empty comment while the source is idle, which dispatches nothing', async () => {
    const { source, release } = gated('a', 'b');
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(source()), { heartbeatMs: 15 })));
    const body = reader((await open(t.server.url)).res, (text) => text.split(':\n').length > 3);
    await body.seen;
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.match(/^data: a\n\n(:\n){2,}data: b\n\n$/);
    expect(parseEventStream(body.text()).events.map((e) => e.data)).to.deep.equal(['a', 'b']);
    expect(await outcome()).to.equal('end');
  });

  it('HEAD: the SSE headers and an ended response, the source returned unpulled', async () => {
    const counter = countingSource(10);
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(counter.source))));
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.request(t.server!.url, { method: 'HEAD', agent: false }, resolve).on('error', reject).end();
    });
    expect(res.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(await outcome()).to.equal('head');
    expect(counter.pulled()).to.equal(0);
    expect(counter.returned()).to.equal(true);
  });

  it('rotation (maxBytes) ends at an event boundary and returns the source; a plain abort is a clean shutdown', async () => {
    const counter = countingSource(100);
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(counter.source), { maxBytes: 1000 })));
    const body = reader((await open(t.server.url)).res);
    expect(await body.ended).to.equal('end');
    expect(await outcome()).to.equal('rotated');
    expect(counter.returned()).to.equal(true);
    expect(body.text().endsWith('\n\n')).to.equal(true);
    expect(parseEventStream(body.text()).events).to.have.length(10); // 10 frames of 108 bytes reach 1000

    const tick = ticking();
    t.stopTicker = tick.stop;
    const controller = new AbortController();
    t.server.server.removeAllListeners('request');
    t.server.server.on('request', (_req, res: http.ServerResponse) => track(sendSSE(res, SSE.string()(tick.source), { signal: controller.signal })));
    const second = reader((await open(t.server.url)).res, ticks(1));
    await second.seen;
    controller.abort();
    expect(await second.ended).to.equal('end');
    expect(await outcome()).to.equal('shutdown');
    await tornDown(tick);
  });

  it('stopSSE answers 204 No Content (EventSource then stops for good); refused once the response has started', async () => {
    const refused = deferred<unknown>();
    t.server = await listen((req, res) => {
      if (req.url === '/stop') return stopSSE(res, { 'X-Reason': 'logged-out' });
      res.write('started');
      try {
        stopSSE(res);
      } catch (error) {
        refused.resolve(error);
      }
      res.end();
    });
    const { res } = await open(`${t.server.url}/stop`);
    expect(res.statusCode).to.equal(204);
    expect(res.headers['x-reason']).to.equal('logged-out');
    expect(await reader(res).ended).to.equal('end');
    (await open(t.server.url)).res.resume();
    const error = await refused.promise;
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal('stopSSE: the response has already been started');
    expect(() => stopSSE({} as http.ServerResponse)).to.throw(TypeError, 'stopSSE: res must be an http.ServerResponse, got a plain object');
  });

  it('checks its arguments at once, after returning the source', () => {
    const counter = countingSource(1);
    const res = new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
    expect(() => sendSSE(res, counter.source, { heartbeatMS: 5 } as object)).to.throw(TypeError, "sendSSE: unknown option 'heartbeatMS'");
    expect(counter.returned()).to.equal(true);
    expect(() => sendSSE(res, 5 as unknown as AsyncIterable<string>)).to.throw(TypeError, /^sendSSE: chunks must be an AsyncIterable/);
  });

  it('a custom heartbeat replaces the comment', async () => {
    const { source, release } = gated('a', 'b');
    t.server = await listen((_req, res) => track(sendSSE(res, SSE.string()(source()), { heartbeatMs: 15, heartbeat: ': ping\n' })));
    const body = reader((await open(t.server.url)).res, (text) => text.includes(': ping\n'));
    await body.seen;
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.match(/^data: a\n\n(: ping\n)+data: b\n\n$/);
    expect(await outcome()).to.equal('end');
  });
});
