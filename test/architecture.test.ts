/**
 * The shape of src/, enforced: the rooms and what each may import, and no import cycle anywhere
 * (type-only imports included). The rules are those of /DESIGN.md's layout:
 * - src/util/ is the floor: it imports no other room;
 * - src/comet/ and src/sse/ know no HTTP, no hub, no legacy layer;
 * - nothing outside src/legacy/ imports it, but the package root;
 * - src/hub/core/ imports neither src/hub/protocol/ nor src/hub/redis/ nor the hubs built on it;
 * - src/hub/protocol/ never imports src/hub/redis/;
 * - src/hub/redis/ imports only src/hub/core/, src/hub/protocol/framing, the shared types and errors,
 *   and src/util/;
 * - src/client/ is one self-contained module: it imports nothing;
 * - src/metrics/ reads hubs through their observer port and stats alone, imports no package (not even
 *   `@opentelemetry/api`, whose meter it recognises by shape), and nothing in src/ imports it;
 * - bench/baseline/ imports only the public package or its own files.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...filesUnder(path));
    else if (/\.ts$/.test(name) && !/\.d\.ts$/.test(name)) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static, dynamic and type-only). */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** The files of src/ a file imports, as paths from the root (`.js` specifiers name `.ts` sources). */
function localImports(file: string): string[] {
  return specifiers(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const graph = new Map<string, string[]>(filesUnder('src').map((f) => [f, localImports(f)]));

/** Strongly connected components of more than one file, or a file importing itself. */
function cycles(): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** `file → import` pairs of `from` files whose import matches `banned` and not `allowed`. */
function violations(from: RegExp, allowed: (target: string, file: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    if (!from.test(file)) continue;
    for (const target of imports) if (!allowed(target, file)) out.push(`${file} → ${target}`);
  }
  return out;
}

const inRoom = (room: string) => (target: string): boolean => target.startsWith(room);

describe('architecture: the rooms of src/ and what they import', () => {
  it('the graph is read: every room has files and imports', () => {
    for (const room of ['src/util/', 'src/source/', 'src/comet/', 'src/sse/', 'src/http/', 'src/hub/core/', 'src/hub/protocol/', 'src/hub/redis/', 'src/legacy/']) {
      expect([...graph.keys()].some((f) => f.startsWith(room)), room).to.equal(true);
    }
    expect(graph.get('src/hub/core/core.ts')).to.include('src/hub/core/epoch.ts');
  });

  it('has no import cycle', () => {
    expect(cycles()).to.deep.equal([]);
  });

  it('src/util/ imports no other room', () => {
    expect(violations(/^src\/util\//, inRoom('src/util/'))).to.deep.equal([]);
  });

  it('src/comet/ and src/sse/ know no HTTP, hub or legacy layer', () => {
    const ok = (t: string): boolean => /^src\/(comet|sse|util)\//.test(t) || t === 'src/errors.ts';
    expect(violations(/^src\/(comet|sse)\//, ok)).to.deep.equal([]);
  });

  it('nothing outside src/legacy/ imports it but the package root', () => {
    expect(violations(/^src\/(?!legacy\/|index\.ts$)/, (t) => !t.startsWith('src/legacy/'))).to.deep.equal([]);
  });

  it('src/hub/core/ imports neither protocol/ nor redis/ nor the hubs built on it', () => {
    const ok = (t: string): boolean => !t.startsWith('src/hub/') || t.startsWith('src/hub/core/') || t === 'src/hub/types.ts' || t === 'src/hub/errors.ts';
    expect(violations(/^src\/hub\/core\//, ok)).to.deep.equal([]);
  });

  it('src/hub/protocol/ never imports src/hub/redis/', () => {
    expect(violations(/^src\/hub\/protocol\//, (t) => !t.startsWith('src/hub/redis/'))).to.deep.equal([]);
  });

  it('src/hub/redis/ imports only core/, protocol/framing, the shared types and errors, and src/util/', () => {
    const ok = (t: string): boolean =>
      /^src\/hub\/(core|redis)\//.test(t) ||
      ['src/hub/protocol/framing.ts', 'src/hub/types.ts', 'src/hub/errors.ts', 'src/errors.ts'].includes(t) ||
      t.startsWith('src/util/');
    expect(violations(/^src\/hub\/redis\//, ok)).to.deep.equal([]);
  });

  it('src/client/ imports nothing at run time (one self-contained module)', () => {
    const runtime = (file: string): string[] =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    expect(runtime('src/client/index.ts')).to.deep.equal([]);
  });

  it('src/metrics/ imports only the observer port, the hub types, src/util/ and its own files; no package; nothing imports it', () => {
    const ok = (t: string): boolean =>
      t.startsWith('src/metrics/') || t.startsWith('src/util/') || ['src/hub/core/observe.ts', 'src/hub/types.ts', 'src/hub/redis/types.ts'].includes(t);
    expect(violations(/^src\/metrics\//, ok)).to.deep.equal([]);
    expect(violations(/^src\/(?!metrics\/)/, (t) => !t.startsWith('src/metrics/'))).to.deep.equal([]);
    const packages = filesUnder('src/metrics').flatMap((file) => specifiers(file).filter((s) => !s.startsWith('.')).map((s) => `${file} → ${s}`));
    expect(packages).to.deep.equal([]);
    expect(graph.get('src/metrics/observe.ts')).to.include('src/hub/core/observe.ts');
  });

  it('bench/baseline/ imports only the public package, Node and its own files', () => {
    const bad: string[] = [];
    for (const file of filesUnder('bench/baseline')) {
      for (const s of specifiers(file)) {
        const local = s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)) : null;
        if (local !== null && !local.startsWith('bench/baseline/') && local !== 'src/index.js') bad.push(`${file} → ${s}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });
});
