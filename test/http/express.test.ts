import { expect } from 'chai';
import compression from 'compression';
import express from 'express';
import http from 'node:http';
import zlib from 'node:zlib';
import sinon from 'sinon';
import { sendComet, type SendCometOptions } from '../../src/http/index.js';
import { deferred, emitterEvents, eventually, listen, open, reader, ticker, type Listening } from './loopback.js';

describe('sendComet with Express 5', () => {
  let server: Listening | undefined;
  let stopTicker: (() => void) | undefined;
  afterEach(async () => {
    stopTicker?.();
    stopTicker = undefined;
    await server?.close();
    server = undefined;
  });

  /** An Express app serving `source()` at /comet, optionally behind `compression()`. */
  function app(source: () => AsyncIterable<string>, options: { gzip: boolean; send?: SendCometOptions }): http.Server {
    const application = express();
    if (options.gzip) application.use(compression());
    application.get('/comet', (_req, res) => {
      sendComet(res, source(), options.send).catch(() => {});
    });
    return http.createServer(application);
  }

  /** A source that yields one message, waits for `release`, then yields a second. */
  function gated() {
    const release = deferred();
    async function* source() {
      yield '<script>cb(1)</script>';
      await release.promise;
      yield '<script>cb(2)</script>';
    }
    return { source, release: release.resolve };
  }

  it('streams to a client: first message before the end, Comet headers', async () => {
    const { source, release } = gated();
    server = await listen(app(source, { gzip: false }));
    const { res } = await open(`${server.url}/comet`);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    const body = reader(res, (text) => text.includes('cb(1)'));
    expect(await body.seen).to.equal('<script>cb(1)</script>');
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<script>cb(1)</script><script>cb(2)</script>');
  });

  it('tears the source down when the client leaves', async () => {
    const clock = ticker(10);
    stopTicker = clock.stop;
    const source = emitterEvents<string>(clock.emitter, 'tick');
    const spy = sinon.spy(source, 'return');
    server = await listen(app(() => source, { gzip: false }));
    const { req, res } = await open(`${server.url}/comet`);
    await reader(res, (text) => text.split('tick').length > 2).seen;
    req.destroy();
    await eventually(() => spy.callCount === 1, 2000, 'return()');
    await eventually(() => clock.emitter.listenerCount('tick') === 0, 2000, 'listener removal');
  });

  it('behind compression(), the default no-transform keeps the stream uncompressed and prompt', async () => {
    const { source, release } = gated();
    server = await listen(app(source, { gzip: true }));
    const { res } = await open(`${server.url}/comet`, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal(undefined);
    const body = reader(res, (text) => text.includes('cb(1)'));
    expect(await body.seen).to.equal('<script>cb(1)</script>');
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<script>cb(1)</script><script>cb(2)</script>');
  });

  it('behind compression() with compression allowed, res.flush() gets each gzip chunk out at once', async () => {
    const { source, release } = gated();
    server = await listen(app(source, { gzip: true, send: { headers: { 'Cache-Control': 'no-cache, no-store' } } }));
    const { res } = await open(`${server.url}/comet`, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal('gzip');
    const gunzip = res.pipe(zlib.createGunzip());
    const body = reader(gunzip, (text) => text.includes('cb(1)'));
    expect(await body.seen).to.equal('<script>cb(1)</script>');
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal('<script>cb(1)</script><script>cb(2)</script>');
  });

  it('behind compression() with compression allowed, still tears down on disconnect', async () => {
    const clock = ticker(10);
    stopTicker = clock.stop;
    const source = emitterEvents<string>(clock.emitter, 'tick');
    const spy = sinon.spy(source, 'return');
    server = await listen(app(() => source, { gzip: true, send: { headers: { 'Cache-Control': 'no-cache' } } }));
    const { req, res } = await open(`${server.url}/comet`, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal('gzip');
    await reader(res.pipe(zlib.createGunzip()), (text) => text.split('tick').length > 2).seen;
    req.destroy();
    await eventually(() => spy.callCount === 1, 2000, 'return()');
    await eventually(() => clock.emitter.listenerCount('tick') === 0, 2000, 'listener removal');
  });
});
