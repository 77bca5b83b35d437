/**
 * Fastify with `hub.serve`: `reply.hijack()` tells Fastify that the handler answers on Node's
 * response itself (Fastify then sends nothing, and its timeouts no longer apply), and
 * `hub.serve(request.raw, reply.raw)` does. Headers set with `reply.header()` before are not on
 * `reply.raw`: give them to `hub.serve` as `headers`. One `AbortController` aborted (without a
 * reason) in a `preClose` hook ends every open stream cleanly, so `app.close()` does not wait for
 * the clients. Fastify answers HEAD on a GET route with the same handler.
 *
 * Run: `PORT=3000 npx tsx examples/frameworks/fastify.ts` (news every second).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { CometHub } from '../../src/index.js';
import { isMain, mayRead, newsHub, portOf, tick } from './news.js';

/** The app: `GET /live`, the hub's one route. */
export function fastifyApp(hub: CometHub<unknown>): FastifyInstance {
  const app = Fastify();
  const shutdown = new AbortController();
  app.addHook('preClose', (done) => {
    shutdown.abort();
    done();
  });
  app.get('/live', async (request, reply) => {
    reply.hijack();
    await hub
      .serve(request.raw, reply.raw, {
        signal: shutdown.signal,
        authorize: (req, topics) => mayRead(req.headers['x-user'] as string | undefined, topics),
      })
      .catch((error: unknown) => request.log.error({ err: error }, '/live failed'));
  });
  return app;
}

if (isMain(import.meta.url)) {
  const hub = newsHub();
  tick(hub, Number(process.env.TICK_MS ?? 1000));
  const app = fastifyApp(hub);
  const address = await app.listen({ port: portOf(process.env), host: '127.0.0.1' });
  console.log(JSON.stringify({ port: Number(new URL(address).port) }));
}
