/**
 * The hub of the Next.js example, in a module of its own (`lib/hub.ts` in an app): a route file may
 * export only what Next.js knows (`GET`, `dynamic`, …). One hub per server process; in development,
 * where Next.js may evaluate a module more than once, it is kept on `globalThis` so every route
 * shares one.
 */
import type { CometHub } from '../../src/index.js';
import { newsHub } from './news.js';

const shared = globalThis as typeof globalThis & { newsHub?: CometHub<unknown> };

export const hub: CometHub<unknown> = (shared.newsHub ??= newsHub());
