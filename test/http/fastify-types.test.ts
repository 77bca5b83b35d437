/**
 * The packed package (built first unless dist/ is newer than src/), installed in a fresh ES-module project without network: `comet-bridge/fastify`
 * loads without Fastify installed (import and require), and the Fastify route of docs/transports.md type-checks
 * under strict `nodenext` with `reply.comet` typed by that entry alone.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fences } from '../support/markdown.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const modules = realpathSync(join(root, 'node_modules'));
const exec = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command; resolves with its output, or rejects with the output in the message. */
async function run(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** True when dist/ was built after the last change to src/ (as `npm test` does before the tests). */
function builtFromSources(): boolean {
  const built = join(root, 'dist/esm/fastify.d.ts');
  if (!existsSync(built)) return false;
  const newest = (dir: string): number =>
    Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return statSync(built).mtimeMs > newest(join(root, 'src'));
}

/** The first TypeScript block of docs/transports.md that imports `comet-bridge/fastify`. */
function guideFastifyRoute(): string {
  const blocks = fences(readFileSync(join(root, 'docs/transports.md'), 'utf8')).filter((f) => f.lang === 'ts').map((f) => f.body);
  const route = blocks.find((block) => block.includes("from 'comet-bridge/fastify'"));
  if (route === undefined) throw new Error('docs/transports.md has no TypeScript block importing comet-bridge/fastify');
  return route;
}

/** A CommonJS consumer: the require types, and a misuse that must be an error (so `comet` is not `any`). */
const CJS_CHECK = `import bridge = require('comet-bridge/fastify');
import type { FastifyReply } from 'fastify';
export const plugin: typeof bridge.cometFastify = bridge.cometFastify;
export function route(reply: FastifyReply, chunks: AsyncIterable<string>): Promise<bridge.ReplyCometResult> {
  return reply.comet(chunks, { heartbeatMs: 15_000, maxBytes: 1 << 20 });
}
// @ts-expect-error an unknown option is a type error too
export const misspelt = (reply: FastifyReply, chunks: AsyncIterable<string>) => reply.comet(chunks, { heartbeatMS: 1 });
`;

describe('comet-bridge/fastify from the packed package', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'comet-bridge-consumer-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs offline, loads without Fastify, and type-checks the route of docs/transports.md under strict nodenext', async () => {
    const t0 = performance.now();
    if (!builtFromSources()) await run(npm, ['run', 'build'], root);
    const packed = JSON.parse(await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root).then((out) => out.slice(out.indexOf('[')))) as { filename: string }[];
    const tarball = join(dir, packed[0]!.filename);

    const project = join(dir, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], project);

    // at run time the entry needs nothing from Fastify, which is not installed yet
    const esm = await run(process.execPath, ['--input-type=module', '-e', "import('comet-bridge/fastify').then((m) => console.log(typeof m.cometFastify))"], project);
    const cjs = await run(process.execPath, ['-e', "console.log(typeof require('comet-bridge/fastify').cometFastify)"], project);
    expect([esm.trim(), cjs.trim()]).to.deep.equal(['function', 'function']);

    for (const name of ['fastify', 'typescript', '@types/node']) {
      mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(join(modules, name), join(project, 'node_modules', name), 'dir');
    }
    writeFileSync(join(project, 'route.ts'), guideFastifyRoute());
    writeFileSync(join(project, 'check.cts'), CJS_CHECK);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], noEmit: true, skipLibCheck: true },
        files: ['route.ts', 'check.cts'],
      }),
    );
    const out = await run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], project);
    expect(out).to.equal('');
    console.log(`      (pack, offline install and type-check: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  });
});
