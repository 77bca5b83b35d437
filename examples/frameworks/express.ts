/**
 * Express with `hub.serve`: Express's `req` and `res` are Node's, which `hub.serve` answers directly
 * (both kinds of client, cursors, topics, `authorize` with Express's own `req`, tickets, heartbeats,
 * rotation, stop). Express answers HEAD on a GET route with the same handler. `hub.serve` rejects
 * only when `authorize` throws or a stream fails (a client cut off for slowness): log it.
 *
 * Run: `PORT=3000 npx tsx examples/frameworks/express.ts` (news every second).
 */
import express from 'express';
import type { CometHub } from '../../src/index.js';
import { isMain, mayRead, newsHub, portOf, tick } from './news.js';

/** The app: `GET /live`, the hub's one route. */
export function expressApp(hub: CometHub<unknown>): express.Express {
  const app = express();
  app.get('/live', (req, res) => {
    hub.serve(req, res, { authorize: (r, topics) => mayRead(r.headers['x-user'] as string | undefined, topics) }).catch((error: unknown) => console.error('/live:', error));
  });
  return app;
}

if (isMain(import.meta.url)) {
  const hub = newsHub();
  tick(hub, Number(process.env.TICK_MS ?? 1000));
  const server = expressApp(hub).listen(portOf(process.env), '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}
