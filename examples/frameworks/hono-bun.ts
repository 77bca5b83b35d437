/**
 * The Hono app of hono.ts on Bun: `Bun.serve({ fetch: app.fetch })`. `hub.fetch` beats every 5 s by
 * default, under `Bun.serve`'s `idleTimeout` (10 s), so a quiet stream stays open without a change
 * to it; with a longer `heartbeatMs`, raise `idleTimeout` (seconds, at most 255) above it.
 *
 * Run: `PORT=3000 bun run examples/frameworks/hono-bun.ts` (news every second; `TICK_MS` to change it).
 */
import { honoApp } from './hono.js';
import { newsHub, portOf, tick } from './news.js';

/** The part of Bun's API this program uses. */
declare const Bun: {
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Response | Promise<Response> }): { readonly port: number };
};

const hub = newsHub();
tick(hub, Number(process.env.TICK_MS ?? 1000));
const server = Bun.serve({ hostname: '127.0.0.1', port: portOf(process.env), fetch: honoApp(hub).fetch });
console.log(JSON.stringify({ port: server.port }));
