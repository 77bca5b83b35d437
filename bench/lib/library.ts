/**
 * The library under test. Benchmarks measure what users run: the JavaScript that `tsc` emits, built
 * into a private directory by {@link buildLibrary} (so `dist/` is left alone). Without a build
 * (a benchmark file run on its own), the TypeScript sources are loaded through tsx instead, whose
 * transform wraps every function expression in a call that sets its name, which slows closures.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** Everything `comet-bridge` exports. */
export type Library = typeof import('../../src/index.js');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// one build per checkout: node_modules may be shared by several checkouts of the project
const CHECKOUT = createHash('sha1').update(ROOT).digest('hex').slice(0, 8);
const OUT = fileURLToPath(new URL(`../../node_modules/.cache/comet-bridge-bench/${CHECKOUT}/esm/`, import.meta.url));
const ENV = 'COMET_BENCH_LIBRARY';

let loaded: Promise<Library> | undefined;

/** Loads the library: the build named by `$COMET_BENCH_LIBRARY` when set, else the sources. */
export function library(): Promise<Library> {
  const dir = process.env[ENV];
  loaded ??= dir ? (import(pathToFileURL(dir + '/index.js').href) as Promise<Library>) : import('../../src/index.js');
  return loaded;
}

/** `comet-bridge/metrics`, from the same code as {@link library}. */
export type MetricsLibrary = typeof import('../../src/metrics/index.js');

let loadedMetrics: Promise<MetricsLibrary> | undefined;

/** Loads `comet-bridge/metrics` from the build named by `$COMET_BENCH_LIBRARY` when set, else from the sources. */
export function metricsLibrary(): Promise<MetricsLibrary> {
  const dir = process.env[ENV];
  loadedMetrics ??= dir ? (import(pathToFileURL(dir + '/metrics/index.js').href) as Promise<MetricsLibrary>) : import('../../src/metrics/index.js');
  return loadedMetrics;
}

/** Which code {@link library} loads, for the report. */
export function libraryOrigin(): string {
  return process.env[ENV] ? `tsc output of src/ (node_modules/.cache/comet-bridge-bench/${CHECKOUT}/esm)` : 'src/ through tsx';
}

/**
 * Compiles src/ with the project's build settings into node_modules/.cache/comet-bridge-bench/<checkout>/esm
 * and points {@link library} (in this process and its children) at it.
 * @returns null when done, else why the sources are used instead
 */
export async function buildLibrary(): Promise<string | null> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  mkdirSync(OUT, { recursive: true });
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', OUT, '--declaration', 'false'], { cwd: ROOT });
  } catch (error) {
    // tsc still emits when only type errors were found.
    if (!existsSync(OUT + 'index.js')) return `build failed (${(error as Error).message.split('\n')[0]})`;
  }
  writeFileSync(OUT + 'package.json', JSON.stringify({ type: 'module' }) + '\n');
  process.env[ENV] = OUT;
  loaded = undefined;
  loadedMetrics = undefined;
  return null;
}
