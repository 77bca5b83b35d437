/**
 * The package's public surface, types included: every name each entry point exports, with its kind
 * (class, function, variable, interface, type), read by the type checker from the sources, against
 * test/fixtures/public-types.json (`UPDATE_SURFACE=1 npm test` rewrites it). And the root's size:
 * at most 30 values besides the deprecated ones, each deprecated value tagged `@deprecated`.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { strictNodeNext } from './support/typescript.js';

const root = resolve(import.meta.dirname, '..');
const snapshotPath = join(root, 'test/fixtures/public-types.json');
/** The entry points of the exports map, as sources. */
const ENTRIES: Record<string, string> = {
  '.': 'src/index.ts',
  './fastify': 'src/fastify.ts',
  './debug': 'src/debug/index.ts',
  './metrics': 'src/metrics/index.ts',
  './client': 'src/client/index.ts',
};

interface Exported {
  readonly name: string;
  readonly kind: string;
  readonly deprecated: boolean;
}

function kindOf(symbol: ts.Symbol): string {
  const f = symbol.flags;
  const kinds: string[] = [];
  if (f & ts.SymbolFlags.Class) kinds.push('class');
  else if (f & ts.SymbolFlags.Function) kinds.push('function');
  else if (f & ts.SymbolFlags.Variable) kinds.push('variable');
  if (f & ts.SymbolFlags.Interface && !(f & ts.SymbolFlags.Class)) kinds.push('interface');
  if (f & ts.SymbolFlags.TypeAlias) kinds.push('type');
  if (f & ts.SymbolFlags.Enum) kinds.push('enum');
  return kinds.join('+') || 'other';
}

function exportsOf(): Record<string, Exported[]> {
  const files = Object.values(ENTRIES).map((f) => join(root, f));
  const program = ts.createProgram(files, { ...strictNodeNext, lib: ['lib.es2022.full.d.ts', 'lib.esnext.disposable.d.ts'] });
  const checker = program.getTypeChecker();
  const out: Record<string, Exported[]> = {};
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(join(root, file))!;
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    out[entry] = checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        // an overloaded function is deprecated when its first signature is (one deprecated overload is not)
        const first = target.declarations?.[0];
        const deprecated = first !== undefined && ts.getJSDocTags(first).some((t) => t.tagName.text === 'deprecated');
        return { name: s.name, kind: kindOf(target), deprecated };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return out;
}

describe('public surface: values and types', function () {
  this.timeout(60_000);
  const actual = exportsOf();

  it('every entry point exports exactly the pinned names, with their kinds', () => {
    const lines = Object.fromEntries(
      Object.entries(actual).map(([entry, list]) => [entry, list.map((e) => `${e.name}: ${e.kind}${e.deprecated ? ' (deprecated)' : ''}`)]),
    );
    if (process.env.UPDATE_SURFACE === '1') writeFileSync(snapshotPath, JSON.stringify(lines, null, 2) + '\n');
    const pinned = JSON.parse(readFileSync(snapshotPath, 'utf8')) as Record<string, string[]>;
    expect(lines).to.deep.equal(pinned);
  });

  it('the root has at most 30 values besides the deprecated ones', () => {
    const values = actual['.']!.filter((e) => /class|function|variable/.test(e.kind));
    const current = values.filter((e) => !e.deprecated).map((e) => e.name);
    expect(current.length, current.join(', ')).to.be.at.most(30);
    // the deprecated legacy API is still there, where old code imports it
    const deprecated = values.filter((e) => e.deprecated).map((e) => e.name);
    expect(deprecated).to.include.members(['Enumerator', 'Iteratee', 'Enumeratee', 'Concurrent', 'Streams', 'LegacyComet', 'Input']);
  });
});
