/**
 * The package's public runtime surface, pinned: every name each entry of the exports map gives at run
 * time, in both builds, against test/fixtures/public-surface.json. A change to the surface shows up
 * as a change to that file in review (`UPDATE_SURFACE=1 npm test` rewrites it).
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const snapshotPath = join(root, 'test/fixtures/public-surface.json');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { import?: { default: string } | string; require?: { default: string } | string; default?: string }>;
};
const require = createRequire(import.meta.url);

type Surface = Record<string, { esm: string[]; cjs: string[] | null }>;

function target(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object' && 'default' in entry) return (entry as { default: string }).default;
  return undefined;
}

/** `name: kind` for every export, sorted: the kind shows a value turning into a class or a function. */
function describeExports(module: Record<string, unknown>): string[] {
  return Object.keys(module)
    .filter((name) => name !== '__esModule' && name !== 'default')
    .sort()
    .map((name) => {
      const value = module[name];
      const kind = typeof value === 'function' ? (/^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function') : typeof value;
      return `${name}: ${kind}`;
    });
}

async function surface(): Promise<Surface> {
  const out: Surface = {};
  for (const [subpath, entry] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue;
    const conditions = typeof entry === 'string' ? { import: entry } : entry;
    const esmFile = target(conditions.import) ?? target(conditions.default);
    const cjsFile = target(conditions.require);
    if (esmFile === undefined) throw new Error(`exports['${subpath}'] has no import target`);
    const esm = (await import(pathToFileURL(join(root, esmFile)).href)) as Record<string, unknown>;
    const cjs = cjsFile === undefined ? null : (require(join(root, cjsFile)) as Record<string, unknown>);
    out[subpath] = { esm: describeExports(esm), cjs: cjs === null ? null : describeExports(cjs) };
  }
  return out;
}

describe('public surface', () => {
  it('every entry of the exports map gives exactly the pinned names, the same in both builds', async () => {
    const actual = await surface();
    if (process.env.UPDATE_SURFACE === '1') writeFileSync(snapshotPath, JSON.stringify(actual, null, 2) + '\n');
    const pinned = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Surface;
    expect(actual).to.deep.equal(pinned);
    for (const [subpath, { esm, cjs }] of Object.entries(actual)) {
      if (cjs !== null) expect(cjs, `${subpath}: CommonJS and ES module builds agree`).to.deep.equal(esm);
    }
  });
});
