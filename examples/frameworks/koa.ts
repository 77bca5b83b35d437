/**
 * Koa with `hub.serve`: `ctx.respond = false` tells Koa that the handler answers on Node's response
 * itself, then `hub.serve(ctx.req, ctx.res)` does (both kinds of client, cursors, topics,
 * `authorize` with Node's request, tickets, heartbeats, rotation, stop; HEAD as well).
 *
 * Run: `PORT=3000 npx tsx examples/frameworks/koa.ts` (news every second).
 */
import Koa from 'koa';
import type { CometHub } from '../../src/index.js';
import { isMain, mayRead, newsHub, portOf, tick } from './news.js';

/** The app: `GET /live` (and HEAD), the hub's one route; 404 elsewhere. */
export function koaApp(hub: CometHub<unknown>): Koa {
  const app = new Koa();
  app.use(async (ctx, next) => {
    if (ctx.path !== '/live' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.respond = false;
    await hub.serve(ctx.req, ctx.res, { authorize: (req, topics) => mayRead(req.headers['x-user'] as string | undefined, topics) }).catch((error: unknown) => ctx.app.emit('error', error, ctx));
  });
  return app;
}

if (isMain(import.meta.url)) {
  const hub = newsHub();
  tick(hub, Number(process.env.TICK_MS ?? 1000));
  const server = koaApp(hub).listen(portOf(process.env), '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}
