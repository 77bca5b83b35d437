/**
 * The headers of both edges: `Vary: Accept` joins the `Vary` of `options.headers` (and, on
 * `hub.serve`, one already set on the response by CORS or compression middleware before the route
 * runs) instead of replacing it; a header given as `undefined` is skipped on every answer, the 400
 * too; every other header given is on every answer.
 */
import { expect } from 'chai';
import { cometHub } from '../../../src/index.js';
import { CB, read, readEvents, serverFor, type Serve } from '../fixtures/serve.js';
import { edges } from './fixtures/edges.js';

describe('hub.serve and a Vary header set before it', function () {
  this.timeout(10_000);

  it('keeps what the response already varies on, for every kind of answer', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    const serve: Serve = (req, res, options) => {
      res.setHeader('Vary', 'Origin');
      return hub.serve(req, res, options);
    };
    const stop = (req: { url?: string }) => req.url === '/stop';
    const s = await serverFor(serve, { stop });
    try {
      const sse = await readEvents(s.port, '/live', 1);
      const comet = await read(s.port, '/live', (body) => body.includes('</script>'));
      const bad = await read(s.port, '/live?since=x', undefined, 'GET', { accept: 'text/event-stream' });
      const stopped = await read(s.port, '/stop', undefined, 'GET', { accept: 'text/event-stream' });
      expect([sse.status, comet.status, bad.status, stopped.status]).to.deep.equal([200, 200, 400, 204]);
      for (const answer of [sse, comet, bad, stopped]) expect(answer.headers.vary).to.equal('Origin, Accept');
    } finally {
      await s.close();
    }
  });

  it('streams with 200 whatever status the response was given before (Koa gives 404 until a body is set)', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    const serve: Serve = (req, res, options) => {
      res.statusCode = 404;
      return hub.serve(req, res, options);
    };
    const s = await serverFor(serve, { stop: (req) => req.url === '/stop' });
    try {
      const answers = [
        await readEvents(s.port, '/live', 1),
        await read(s.port, '/live', (body) => body.includes('</script>')),
        await read(s.port, '/live', undefined, 'HEAD', { accept: 'text/event-stream' }),
        await read(s.port, '/stop'),
        await read(s.port, '/stop', undefined, 'GET', { accept: 'text/event-stream' }),
        await read(s.port, '/live?since=x'),
      ];
      expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 204, 400]);
    } finally {
      await s.close();
    }
  });

  it('leaves a Vary that already names Accept (or *) as it is', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    for (const vary of ['accept-encoding, ACCEPT', '*']) {
      const serve: Serve = (req, res, options) => {
        res.setHeader('Vary', vary);
        return hub.serve(req, res, options);
      };
      const s = await serverFor(serve);
      try {
        expect((await readEvents(s.port, '/live', 1)).headers.vary).to.equal(vary);
      } finally {
        await s.close();
      }
    }
  });

  it('joins a Vary given as an array, in the options or on the response', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    const serve: Serve = (req, res, options) => {
      if (req.url === '/set') res.setHeader('Vary', ['Origin', 'Accept-Encoding']);
      return hub.serve(req, res, req.url === '/set' ? {} : options);
    };
    const s = await serverFor(serve, { headers: { vary: ['Origin', 'Cookie'] } });
    try {
      expect((await readEvents(s.port, '/given', 1)).headers.vary).to.equal('Origin, Cookie, Accept');
      expect((await readEvents(s.port, '/set', 1)).headers.vary).to.equal('Origin, Accept-Encoding, Accept');
    } finally {
      await s.close();
    }
  });

  it('skips a header given as undefined on every answer, the 400 of a malformed cursor too', async () => {
    const hub = cometHub(CB, { initialChunk: null });
    const headers = { 'X-Trace': undefined, 'X-Kept': 'yes' } as unknown as Record<string, string>;
    // a synchronous throw would be an uncaught exception in the server: answered 500 here instead
    const serve: Serve = (req, res, options) => {
      try {
        return hub.serve(req, res, options);
      } catch (error) {
        res.writeHead(500).end();
        return Promise.reject(error as Error);
      }
    };
    const s = await serverFor(serve, { headers });
    try {
      const answers = [
        await read(s.port, '/live?since=x', undefined, 'GET', { accept: 'text/event-stream' }),
        await read(s.port, '/live?since=x'),
        await readEvents(s.port, '/live', 1),
      ];
      expect(answers.map((a) => a.status)).to.deep.equal([400, 400, 200]);
      for (const answer of answers) {
        expect(answer.headers).to.include({ 'x-kept': 'yes', vary: 'Accept' });
        expect(answer.headers).to.not.have.property('x-trace');
      }
      expect(s.results.slice(0, 2)).to.deep.equal(['bad-request', 'bad-request']);
    } finally {
      await s.close();
    }
  });
});

for (const edge of edges) {
  describe(`${edge.name}: Vary and options.headers on every answer`, function () {
    this.timeout(10_000);

    it('joins Accept to a Vary given as a string or an array, and leaves one naming Accept (or *) as it is', async () => {
      const hub = cometHub(CB, { initialChunk: null });
      const vary: Record<string, string | string[]> = { '/string': 'Origin', '/array': ['Origin', 'Cookie'], '/named': 'accept-encoding, ACCEPT', '/star': '*' };
      const s = await edge.serverFor(hub, (req) => ({ headers: { Vary: vary[req.url]! } }));
      try {
        const got: Record<string, unknown> = {};
        for (const path of Object.keys(vary)) got[path] = (await readEvents(s.port, path, 1)).headers.vary;
        expect(got).to.deep.equal({ '/string': 'Origin, Accept', '/array': 'Origin, Cookie, Accept', '/named': 'accept-encoding, ACCEPT', '/star': '*' });
      } finally {
        await s.close();
      }
    });

    it('skips a header given as undefined and sends the others on a stream, a HEAD, a 400, a 403 and a 204', async () => {
      const hub = cometHub(CB, { initialChunk: null });
      const headers = { 'X-Trace': undefined, 'X-Kept': 'yes' } as unknown as Record<string, string>;
      const s = await edge.serverFor(hub, {
        headers,
        stop: (req) => req.url === '/stop',
        authorize: (_req, topics) => !topics.includes('secret'),
      });
      try {
        const answers = [
          await readEvents(s.port, '/live', 1),
          await read(s.port, '/live', (b) => b.includes('</script>')),
          await read(s.port, '/live', undefined, 'HEAD'),
          await read(s.port, '/live?since=x', undefined, 'GET', { accept: 'text/event-stream' }),
          await read(s.port, '/live?since=x'),
          await read(s.port, '/live?topic=secret'),
          await read(s.port, '/stop', undefined, 'GET', { accept: 'text/event-stream' }),
        ];
        expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 400, 400, 403, 204]);
        for (const answer of answers) {
          expect(answer.headers).to.include({ 'x-kept': 'yes', vary: 'Accept' });
          expect(answer.headers).to.not.have.property('x-trace');
        }
      } finally {
        await s.close();
      }
    });
  });
}
