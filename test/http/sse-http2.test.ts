/**
 * sendSSE on a node:http2 compatibility response (Http2ServerResponse), read by a node:http2
 * client on 127.0.0.1: the headers (no Connection header), the events, backpressure through
 * HTTP/2 flow control, and the client leaving.
 */
import { expect } from 'chai';
import http2 from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendSSE, SSE } from '../../src/index.js';
import { parseEventStream } from '../support/event-stream.js';
import { untilStalled } from './fixtures/stall.js';
import { countingSource, gated } from '../support/loopback.js';
import { sleep, until } from '../support/timing.js';

describe('sendSSE over HTTP/2 (node:http2 compatibility API)', () => {
  let server: http2.Http2Server | undefined;
  let client: http2.ClientHttp2Session | undefined;
  let settled: Promise<unknown> | undefined;
  const outcome = (): Promise<unknown> => settled as Promise<unknown>;

  /** Serves `handler` and connects a client to it. */
  async function serve(handler: (res: ServerResponse) => Promise<unknown>): Promise<http2.ClientHttp2Session> {
    server = http2.createServer((_req, res) => {
      // Http2ServerResponse has the ServerResponse members sendSSE uses
      settled = handler(res as unknown as ServerResponse).then((result) => result, (error: unknown) => error);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return client;
  }

  afterEach(async () => {
    client?.destroy();
    client = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    settled = undefined;
  });

  it('streams events with the SSE headers and no Connection header; heartbeats are comments', async () => {
    const { source, release } = gated('a\r\nb', 'c');
    const session = await serve((res) => sendSSE(res, SSE.string({ id: (_m, i) => `e${i}` })(source()), { heartbeatMs: 15 }));
    const req = session.request({ ':path': '/events', accept: 'text/event-stream' });
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => req.once('response', resolve));
    expect(headers[':status']).to.equal(200);
    expect(headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).to.equal('no-cache, no-transform');
    expect(headers['x-accel-buffering']).to.equal('no');
    expect(headers).not.to.have.property('connection');
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (data: string) => (text += data));
    await until(() => text.split(':\n').length > 2, { what: 'two heartbeats' });
    release();
    await new Promise((resolve) => req.once('end', resolve));
    expect(await outcome()).to.equal('end');
    expect(parseEventStream(text).events).to.deep.equal([
      { type: 'message', data: 'a\nb', lastEventId: 'e0' },
      { type: 'message', data: 'c', lastEventId: 'e1' },
    ]);
  });

  it('backpressure: a client that does not read stops the pulling; reading again resumes it; leaving returns the source', async () => {
    const size = 16 * 1024;
    const counter = countingSource(size);
    const session = await serve((res) => sendSSE(res, SSE.string()(counter.source)));
    const req = session.request({ ':path': '/' });
    req.pause();
    await new Promise((resolve) => req.once('response', resolve));
    const { count: stalled, stable } = await untilStalled(counter.pulled);
    expect(stable, 'pulling stopped').to.equal(true);
    expect(stalled).to.be.greaterThan(0);
    // HTTP/2 flow control: a 64 KiB stream window, the session's buffers and one frame
    expect(stalled * size, 'bytes pulled while the client does not read').to.be.below(4 * 1024 * 1024);
    let read = 0;
    req.on('data', (data: Buffer) => (read += data.length));
    req.resume();
    await until(() => counter.pulled() > stalled + 10, { what: 'pulling to resume' });
    expect(read).to.be.greaterThan(0);
    req.close(http2.constants.NGHTTP2_CANCEL);
    expect(await outcome()).to.equal('client-gone');
    expect(counter.returned()).to.equal(true);
  });

  it('a shutdown (plain abort) ends its own stream cleanly and leaves the other streams of the connection running', async () => {
    const controllers: AbortController[] = [];
    const results: unknown[] = [];
    async function* ticks(): AsyncGenerator<string> {
      for (let i = 0; ; i++) {
        yield `tick ${i}`;
        await sleep(10);
      }
    }
    const session = await serve((res) => {
      const controller = new AbortController();
      controllers.push(controller);
      return sendSSE(res, SSE.string()(ticks()), { signal: controller.signal }).then((r) => results.push(r));
    });
    const texts = ['', ''];
    const ended = [0, 1].map((n) => {
      const req = session.request({ ':path': `/${n}` });
      req.setEncoding('utf8');
      req.on('data', (data: string) => (texts[n] += data));
      return new Promise<string>((resolve) => req.once('end', () => resolve('end')).once('close', () => resolve('closed')));
    });
    await until(() => controllers.length === 2 && texts.every((t) => t.includes('tick 2')), { what: 'both streams' });
    controllers[0]!.abort();
    expect(await ended[0]).to.equal('end');
    const seen = texts[1]!.length;
    await until(() => texts[1]!.length > seen + 40, { what: 'the other stream to go on' });
    expect(results).to.deep.equal(['shutdown']);
    expect(session.destroyed).to.equal(false);
    controllers[1]!.abort();
    expect(await ended[1]).to.equal('end');
  });
});
