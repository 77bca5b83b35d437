import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { strictNodeNext } from './support/typescript.js';

const root = resolve(import.meta.dirname, '..');

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('public API', function () {
  this.timeout(60_000);
  let exports: { name: string; isValue: boolean; documented: boolean; deprecated: boolean; legacy: boolean }[];

  before(() => {
    const program = ts.createProgram([resolve(root, 'src/index.ts')], { ...strictNodeNext });
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(resolve(root, 'src/index.ts'));
    const moduleSymbol = checker.getSymbolAtLocation(index!)!;
    exports = checker.getExportsOfModule(moduleSymbol).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declarations = target.declarations ?? [];
      const docs = declarations.flatMap((d) => ts.getJSDocCommentsAndTags(d));
      return {
        name: symbol.name,
        isValue: (target.flags & ts.SymbolFlags.Value) !== 0,
        documented: target.getDocumentationComment(checker).length > 0 || docs.length > 0,
        // an overloaded function is deprecated when its first signature is (one deprecated overload is not)
        deprecated: declarations.length > 0 && ts.getJSDocDeprecatedTag(declarations[0]!) !== undefined,
        legacy: declarations.some((d) => /\/src\/(legacy\/|deprecated\.ts$)/.test(d.getSourceFile().fileName)),
      };
    });
  });

  it('exports the names other code builds on', () => {
    const names = exports.map((e) => e.name);
    for (const name of ['Comet', 'SSE', 'sendComet', 'cometResponse', 'toNodeReadable', 'stopComet', 'stopSSE', 'pushQueue', 'fromEventEmitter',
      'fromReadable', 'fromHighland', 'fromObservable', 'fromPublisher', 'toPublisher', 'toObservable', 'toSource',
      'createHub', 'cometHub', 'createRedisHub', 'Enumerator', 'Iteratee', 'Enumeratee', 'Concurrent', 'LegacyComet',
      'Streams', 'Input', 'CometEncodeError', 'BufferOverflowError']) {
      expect(names, name).to.include(name);
    }
  });

  it('every export has TSDoc', () => {
    const undocumented = exports.filter((e) => !e.documented).map((e) => e.name);
    expect(undocumented).to.deep.equal([]);
  });

  it('every legacy export and old name (src/legacy/, src/deprecated.ts) is @deprecated, and nothing else is', () => {
    expect(exports.filter((e) => e.legacy && !e.deprecated).map((e) => e.name)).to.deep.equal([]);
    expect(exports.filter((e) => !e.legacy && e.deprecated).map((e) => e.name)).to.deep.equal([]);
  });

  it('every exported function, class and constant is used by a test', () => {
    const tests = listTs(resolve(root, 'test'))
      .filter((f) => !f.endsWith('api.test.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const untested = exports.filter((e) => e.isValue && !new RegExp(`\\b${e.name}\\b`).test(tests)).map((e) => e.name);
    expect(untested).to.deep.equal([]);
  });
});
