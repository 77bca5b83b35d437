/**
 * A stream stopped before its first pull reaches the source at once, through every transport:
 * nothing is pulled, return() is called, the emitter keeps no listener and the hub no subscriber.
 */
import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import http from 'node:http';
import { cometFastify } from '../../src/fastify.js';
import { cometResponse, sendComet, toNodeReadable, toWebStream } from '../../src/http/index.js';
import { deferred, listen, type Listening } from '../support/loopback.js';
import { SOURCES, type WatchedSource } from './fixtures/sources.js';
import { sleep, turn, until } from '../support/timing.js';

/** A request whose client has gone: resolves with the server's response once the request has closed. */
async function goneResponse(server: Listening, gone: Promise<http.ServerResponse>): Promise<http.ServerResponse> {
  const req = http.get(server.url, { agent: false });
  req.on('error', () => {});
  await sleep(50);
  req.destroy();
  return gone;
}

describe('stopping before the first pull reaches the source, through every transport', () => {
  let server: Listening | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await app?.close();
    app = undefined;
  });

  for (const [kind, make] of Object.entries(SOURCES)) {
    describe(`with a ${kind} source`, () => {
      let source: WatchedSource;
      beforeEach(() => {
        source = make();
        expect(source.held()).to.equal(1);
      });
      /** The source was returned once without a pull, and holds nothing. */
      async function expectReleased(): Promise<void> {
        expect(source.returned(), 'return() calls').to.equal(1);
        await until(() => source.held() === 0, { what: 'the source to let go' });
        expect(source.pulled(), 'next() calls').to.equal(0);
      }

      it('sendComet, the client already gone: resolves client-gone', async () => {
        const gone = deferred<http.ServerResponse>();
        server = await listen((req, res) => req.once('close', () => gone.resolve(res)));
        const res = await goneResponse(server, gone.promise);
        expect(await sendComet(res, source.chunks)).to.equal('client-gone');
        await expectReleased();
      });

      it('sendComet, the signal already aborted with a reason: rejects with it', async () => {
        server = await listen((_req, res) => {
          const reason = new Error('refused');
          sendComet(res, source.chunks, { signal: AbortSignal.abort(reason) }).then(
            () => gone.resolve('resolved'),
            (error: unknown) => gone.resolve(error === reason ? 'rejected with the reason' : String(error)),
          );
        });
        const gone = deferred<string>();
        http.get(server.url, { agent: false }).on('error', () => {});
        expect(await gone.promise).to.equal('rejected with the reason');
        await expectReleased();
      });

      it('sendComet, the signal already aborted without a reason (a shutdown): resolves shutdown', async () => {
        const done = deferred<unknown>();
        server = await listen((_req, res) => void sendComet(res, source.chunks, { signal: AbortSignal.abort() }).then(done.resolve));
        const body = await fetch(server.url).then((r) => r.text());
        expect(await done.promise).to.equal('shutdown');
        expect(body).to.equal('');
        await expectReleased();
      });

      it('sendComet, a header value with CR/LF: a TypeError, thrown synchronously', async () => {
        server = await listen((_req, res) => {
          try {
            void sendComet(res, source.chunks, { headers: { 'X-Next': 'a\r\nSet-Cookie: b=1' } });
            thrown.resolve('nothing');
          } catch (error) {
            thrown.resolve(error instanceof TypeError ? (error as Error).message : String(error));
          }
          res.end();
        });
        const thrown = deferred<string>();
        await fetch(server.url).then((r) => r.text());
        expect(await thrown.promise).to.equal(
          `sendComet: header 'X-Next' must not contain CR, LF or other control characters, got "a\\r\\nSet-Cookie: b=1"`,
        );
        await expectReleased();
      });

      it('cometResponse(...).body.cancel() before the first read', async () => {
        const response = cometResponse(source.chunks);
        await turn();
        await response.body!.cancel();
        await expectReleased();
      });

      it('toWebStream(...).cancel() before the first read', async () => {
        const stream = toWebStream(source.chunks);
        await turn();
        await stream.cancel();
        await expectReleased();
      });

      it('toNodeReadable(...).destroy() before the first read', async () => {
        const readable = toNodeReadable(source.chunks);
        await turn();
        readable.destroy();
        await expectReleased();
      });

      it('reply.comet on a closed socket: resolves client-gone', async () => {
        const gone = deferred<Promise<unknown>>();
        app = Fastify();
        await app.register(cometFastify);
        app.get('/', (request, reply) => {
          request.raw.once('close', () => gone.resolve(reply.comet(source.chunks)));
        });
        await app.listen({ port: 0, host: '127.0.0.1' });
        const req = http.get(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/`, { agent: false });
        req.on('error', () => {});
        await sleep(50);
        req.destroy();
        expect(await (await gone.promise)).to.equal('client-gone');
        await expectReleased();
      });
    });
  }
});
