/**
 * Hono with `hub.fetch`: the route hands Hono's web `Request` to the hub and returns its `Response`,
 * so the whole protocol (both kinds of client, cursors, topics, `authorize`, tickets, heartbeats,
 * rotation, stop) runs wherever Hono does. Here on Node through `@hono/node-server`; hono-bun.ts
 * serves the same app with `Bun.serve`. Hono answers HEAD on a GET route with the same handler.
 *
 * Run: `PORT=3000 npx tsx examples/frameworks/hono.ts` (news every second; `TICK_MS` to change it).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { CometHub } from '../../src/index.js';
import { isMain, mayRead, newsHub, portOf, tick } from './news.js';

/** The app: `GET /live`, the hub's one route. */
export function honoApp(hub: CometHub<unknown>): Hono {
  const app = new Hono();
  app.get('/live', (c) => hub.fetch(c.req.raw, { authorize: (request, topics) => mayRead(request.headers.get('x-user'), topics) }));
  return app;
}

if (isMain(import.meta.url)) {
  const hub = newsHub();
  tick(hub, Number(process.env.TICK_MS ?? 1000));
  serve({ fetch: honoApp(hub).fetch, port: portOf(process.env), hostname: '127.0.0.1' }, ({ port }) => console.log(JSON.stringify({ port })));
}
