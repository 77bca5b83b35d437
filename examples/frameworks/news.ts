/**
 * What every framework example serves: one hub, `news` for everyone and `user:<name>` for each user
 * alone, a page's client connecting with `connectComet('/live', { callback: 'parent.news', topics })`.
 * Who the user is comes from an `X-User` header here, a stand-in for the application's session.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cometHub, type CometHub } from '../../src/index.js';

/** The hub of the examples: JSON messages, the last 100 of each topic kept for clients that come back. */
export function newsHub(): CometHub<unknown> {
  return cometHub<unknown>('parent.news', { history: 100 });
}

/** Whether `user` (none: not signed in) may read every one of `topics`: the news, and their own topic. */
export function mayRead(user: string | null | undefined, topics: readonly string[]): boolean {
  return topics.every((topic) => topic === 'news' || (typeof user === 'string' && user !== '' && topic === `user:${user}`));
}

/** Publishes `{ n }` to `news` every `ms` milliseconds (n = 1, 2, 3, …); returns what stops it. */
export function tick(hub: CometHub<unknown>, ms: number): () => void {
  let n = 0;
  const timer = setInterval(() => hub.publish({ n: ++n }, { topic: 'news' }), ms);
  return () => clearInterval(timer);
}

/** The port of a program run as an example: `PORT`, else 3000. */
export const portOf = (env: NodeJS.ProcessEnv): number => (env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT));

/** True when the module at `url` (its `import.meta.url`) is the program that was run. */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
