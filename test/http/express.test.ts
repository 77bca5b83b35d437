import { expect } from 'chai';
import compression from 'compression';
import express from 'express';
import http from 'node:http';
import zlib from 'node:zlib';
import { sendComet, type SendCometOptions } from '../../src/http/index.js';
import { gated, listen, open, reader, ticking, ticks, tornDown, type Listening } from '../support/loopback.js';
import { turn } from '../support/timing.js';

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

  const cb = (n: number): string => `<script>cb(${n})</script>`;

  /** Reads `res` (through gunzip when `gzip`): the first message before the release, both at the end. */
  async function expectStreamed(res: http.IncomingMessage, release: () => void, gzip = false): Promise<void> {
    const body = reader(gzip ? res.pipe(zlib.createGunzip()) : res, (text) => text.includes('cb(1)'));
    expect(await body.seen).to.equal(cb(1));
    release();
    expect(await body.ended).to.equal('end');
    expect(body.text()).to.equal(cb(1) + cb(2));
  }

  /** Serves a ticking source, drops the client after two ticks and waits for the teardown. */
  async function expectTeardown(options: { gzip: boolean; send?: SendCometOptions }): Promise<void> {
    const tick = ticking();
    stopTicker = tick.stop;
    server = await listen(app(() => tick.source, options));
    const { req, res } = await open(`${server.url}/comet`, options.gzip ? { 'accept-encoding': 'gzip' } : {});
    expect(res.headers['content-encoding']).to.equal(options.send ? 'gzip' : undefined);
    await reader(options.send ? res.pipe(zlib.createGunzip()) : res, ticks(2)).seen;
    req.destroy();
    await tornDown(tick);
  }

  it('streams to a client: first message before the end, Comet headers', async () => {
    const { source, release } = gated(cb(1), cb(2));
    server = await listen(app(source, { gzip: false }));
    const { res } = await open(`${server.url}/comet`);
    expect(res.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    await expectStreamed(res, release);
  });

  it('tears the source down when the client leaves', async () => {
    await expectTeardown({ gzip: false });
  });

  it('behind compression(), the default no-transform keeps the stream uncompressed and prompt', async () => {
    const { source, release } = gated(cb(1), cb(2));
    server = await listen(app(source, { gzip: true }));
    const { res } = await open(`${server.url}/comet`, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal(undefined);
    await expectStreamed(res, release);
  });

  it('behind compression() with compression allowed, res.flush() gets each gzip chunk out at once', async () => {
    const { source, release } = gated(cb(1), cb(2));
    server = await listen(app(source, { gzip: true, send: { headers: { 'Cache-Control': 'no-cache, no-store' } } }));
    const { res } = await open(`${server.url}/comet`, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal('gzip');
    await expectStreamed(res, release, true);
  });

  it('behind compression() with compression allowed, still tears down on disconnect', async () => {
    await expectTeardown({ gzip: true, send: { headers: { 'Cache-Control': 'no-cache' } } });
  });

  it('a handler that returns the promise: a failing source aborts the response, nothing goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const boom = new Error('feed lost');
      const errors: unknown[] = [];
      const application = express();
      application.set('env', 'test'); // Express's final handler: no stack trace on stderr
      application.get('/comet', (_req, res) =>
        sendComet(res, (async function* () {
          yield cb(1);
          throw boom;
        })()),
      );
      application.use((error: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
        errors.push(error);
        next(error);
      });
      server = await listen(http.createServer(application));
      const { res } = await open(`${server.url}/comet`);
      const body = reader(res);
      expect(await body.ended).to.equal('aborted');
      expect(body.text()).to.equal(cb(1));
      await turn();
      expect(errors).to.deep.equal([boom]);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
