/**
 * What editors show for the emitted declarations (dist/esm/index.d.ts, dist/cjs/index.d.ts):
 * `Comet.apply` carries the `@deprecated` tag, so it is struck through, and `Comet.string` and the
 * other encoders are not. Needs dist/ (`npm test` builds it first).
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { strictNodeNext } from '../support/typescript.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The deprecation suggestions (the strike-through) a language service gives for `code` using `entry`. */
function deprecatedUses(entry: string, code: string): string[] {
  const file = join(root, 'dist', '__usage__.ts');
  const text = code.replaceAll('ENTRY', entry);
  const options: ts.CompilerOptions = { ...strictNodeNext };
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [file],
    getScriptVersion: () => '1',
    getScriptSnapshot: (name) => {
      if (name === file) return ts.ScriptSnapshot.fromString(text);
      return existsSync(name) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(name) ?? '') : undefined;
    },
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (name) => name === file || ts.sys.fileExists(name),
    readFile: (name) => (name === file ? text : ts.sys.readFile(name)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const service = ts.createLanguageService(host);
  const errors = service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(errors, 'the usage type-checks').to.deep.equal([]);
  return service
    .getSuggestionDiagnostics(file)
    .filter((d) => d.reportsDeprecated)
    .map((d) => text.slice(d.start, d.start! + d.length!));
}

const usage = `import { Comet } from 'ENTRY';
Comet.string('cb');
Comet.json('cb');
Comet.flow('cb');
Comet.encoder('json', 'cb');
void Comet.initialHtmlChunk;
Comet.apply('cb');
`;

describe('legacy: Comet.apply in the emitted declarations', function () {
  this.timeout(60_000);

  before(function () {
    if (!existsSync(join(root, 'dist/esm/index.d.ts'))) throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
  });

  for (const build of ['esm', 'cjs']) {
    it(`dist/${build}/index.d.ts: the @deprecated tag strikes Comet.apply through and leaves the encoders alone`, () => {
      expect(deprecatedUses(`./${build}/index.js`, usage)).to.deep.equal(['apply']);
    });
  }

  it('the tag is on the apply member itself in the emitted .d.ts', () => {
    const program = ts.createProgram([join(root, 'dist/esm/index.d.ts')], { skipLibCheck: true, types: ['node'] });
    const checker = program.getTypeChecker();
    const index = program.getSourceFile(join(root, 'dist/esm/index.d.ts'))!;
    const comet = checker.getExportsOfModule(checker.getSymbolAtLocation(index)!).find((s) => s.name === 'Comet')!;
    const type = checker.getTypeOfSymbol(comet);
    const tags = (name: string): string[] =>
      checker.getPropertyOfType(type, name)!.getJsDocTags(checker).map((t) => t.name);
    expect(tags('apply')).to.include('deprecated');
    for (const name of ['string', 'json', 'flow', 'encoder', 'initialHtmlChunk']) expect(tags(name), name).to.not.include('deprecated');
  });
});
