/**
 * The package as a user installs it: `npm pack` makes the tarball, which is installed (offline: it has
 * no runtime dependencies) in a fresh `"type": "module"` project and a fresh `"type": "commonjs"` one,
 * each also given the checkout's tsx and @types, so TypeScript files there run with `node --import tsx`
 * and type-check against the package by its own name. Made once per test process (the suites that
 * need it share it) and removed when the process exits. Needs dist/ (`npm test` builds it first).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's checkout. */
export const root = resolve(fileURLToPath(import.meta.url), '../../..');

/** The two installed projects. */
export interface Projects {
  /** `"type": "module"`. */
  readonly esm: string;
  /** `"type": "commonjs"`. */
  readonly cjs: string;
}

let made: Projects | undefined;

/** The ES-module and CommonJS projects with the packed package installed (made on the first call). */
export function packedProjects(): Projects {
  if (made !== undefined) return made;
  if (!existsSync(join(root, 'dist/esm/index.js'))) throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'comet-bridge-packed-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const npm = (args: string[], cwd: string): string =>
    execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' } });
  npm(['pack', '--silent', '--pack-destination', dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack made no tarball');
  const make = (name: string, type: string): string => {
    const project = join(dir, name);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `packed-${name}`, private: true, type }) + '\n');
    npm(['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--silent', join(dir, tarball)], project);
    symlinkSync(join(root, 'node_modules/tsx'), join(project, 'node_modules/tsx'), 'dir');
    symlinkSync(join(root, 'node_modules/@types'), join(project, 'node_modules/@types'), 'dir');
    return project;
  };
  made = { esm: make('esm', 'module'), cjs: make('cjs', 'commonjs') };
  return made;
}

/** What a program printed, and how it ended. */
export interface Outcome {
  stdout: string;
  stderr: string;
  error: Error | null;
}

/** Runs one program in `cwd`: a TypeScript file with tsx, a JavaScript file with node (15 s at most). */
export function runProgram(file: string, cwd: string): Promise<Outcome> {
  const args = /\.[cm]?tsx?$/.test(file) ? ['--import', 'tsx', file] : [file];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, timeout: 15_000, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) =>
      done({ stdout, stderr, error }),
    );
  });
}

/** Runs `tasks` two at a time (the machine is shared). */
export async function pool<T>(tasks: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
