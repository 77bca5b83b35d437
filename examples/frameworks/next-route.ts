/**
 * A Next.js App Router route handler with `hub.fetch` (`app/live/route.ts` in an app): Next.js
 * calls `GET` with the web `Request` and streams the `Response` it returns, so one line serves
 * both kinds of client with the whole protocol. `HEAD` is answered by `GET` unless exported too.
 * In an app the imports are `comet-bridge` and `@/lib/hub`.
 */
import { hub } from './next-hub.js';
import { mayRead } from './news.js';

/** Never prerendered nor cached: every request is a client of its own. */
export const dynamic = 'force-dynamic';

export const GET = (request: Request): Promise<Response> =>
  hub.fetch(request, { authorize: (r, topics) => mayRead(r.headers.get('x-user'), topics) });
