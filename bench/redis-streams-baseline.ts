/**
 * Loads the frozen pub/sub Redis hub of bench/baseline/ from the same kind of code as the library
 * under test (bench/lib/library.ts): compiled by tsc when the library was built, through tsx when
 * the sources are measured. Otherwise one of the two hubs would run with tsx's slower closures.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** What the baseline module exports. */
export type PubSubBaseline = typeof import('./baseline/pubsub-redis-hub.js');

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCE = 'bench/baseline/pubsub-redis-hub.ts';

/**
 * The baseline's `createRedisHub`, and where it was loaded from.
 * @throws Error when the library was built but the baseline cannot be compiled
 */
export async function pubsubBaseline(): Promise<{ module: PubSubBaseline; origin: string }> {
  const built = process.env.COMET_BENCH_LIBRARY;
  if (!built) return { module: await import('./baseline/pubsub-redis-hub.js'), origin: `${SOURCE} through tsx` };
  // beside the library's build: node_modules/.cache/comet-bridge-bench/<checkout>/baseline/
  const out = fileURLToPath(new URL('../baseline/', pathToFileURL(built.endsWith('/') ? built : built + '/')));
  mkdirSync(out, { recursive: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const flags = ['--outDir', out, '--rootDir', ROOT, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--lib', 'es2022,esnext.disposable,dom', '--types', 'node', '--strict', '--skipLibCheck', '--esModuleInterop', '--declaration', 'false'];
  const file = out + 'bench/baseline/pubsub-redis-hub.js';
  try {
    await promisify(execFile)(process.execPath, [tsc, SOURCE, ...flags], { cwd: ROOT });
  } catch (error) {
    // tsc still emits when only type errors were found
    if (!existsSync(file)) throw new Error(`cannot compile ${SOURCE}: ${(error as Error).message.split('\n')[0]}`);
  }
  writeFileSync(out + 'package.json', JSON.stringify({ type: 'module' }) + '\n');
  const origin = `tsc output of ${SOURCE} (beside the library's build)`;
  return { module: (await import(pathToFileURL(file).href)) as PubSubBaseline, origin };
}
