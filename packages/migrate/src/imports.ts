/**
 * The import lines of a migrated file: how its code reaches the package (named imports, a
 * namespace, `require` destructuring), and, after the rewrites, the fix-up: deprecated names no
 * longer used are dropped, the modern names the rewrites wrote are added, in ES modules and
 * CommonJS alike.
 */
import { ts } from 'ts-morph';
import { LEGACY_EXPORTS, PACKAGE } from './api.js';

/** A replacement of the text between `start` and `end`. */
export interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** One name brought in from the package by an import or a `require` pattern. */
interface Binding {
  readonly imported: string;
  readonly local: string;
  readonly typeOnly: boolean;
}

/** An import declaration or `const { … } = require(…)` of the package, with its names. */
interface PackageStatement {
  readonly statement: ts.Statement;
  /** The `{ … }` node: NamedImports or an ObjectBindingPattern. */
  readonly braces: ts.NamedImports | ts.ObjectBindingPattern;
  readonly bindings: Binding[];
  readonly kind: 'import' | 'require';
  /** `import type { … }`: cannot take value names. */
  readonly typeOnly: boolean;
  /** A default import beside the braces (`import x, { … }`): the statement stays when the braces empty. */
  readonly hasDefault: boolean;
}

function isRequireOf(node: ts.Expression | undefined, module?: string): node is ts.CallExpression {
  return (
    node !== undefined &&
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'require' &&
    node.arguments.length === 1 &&
    ts.isStringLiteralLike(node.arguments[0]!) &&
    (module === undefined || node.arguments[0].text === module)
  );
}

/** The statements of `sf` that bring in the package, with their names. */
function packageStatements(sf: ts.SourceFile): { statements: PackageStatement[]; namespace?: string } {
  const statements: PackageStatement[] = [];
  let namespace: string | undefined;
  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text === PACKAGE) {
      const clause = statement.importClause;
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) namespace ??= bindings.name.text;
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        statements.push({
          statement,
          braces: bindings,
          kind: 'import',
          typeOnly: clause!.isTypeOnly,
          hasDefault: clause!.name !== undefined,
          bindings: bindings.elements.map((e) => ({
            imported: (e.propertyName ?? e.name).text,
            local: e.name.text,
            typeOnly: clause!.isTypeOnly || e.isTypeOnly,
          })),
        });
      }
    } else if (ts.isImportEqualsDeclaration(statement)) {
      const ref = statement.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression) && ref.expression.text === PACKAGE) {
        namespace ??= statement.name.text;
      }
    } else if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) {
        if (!isRequireOf(decl.initializer, PACKAGE)) continue;
        if (ts.isIdentifier(decl.name)) namespace ??= decl.name.text;
        else if (ts.isObjectBindingPattern(decl.name) && statement.declarationList.declarations.length === 1) {
          const simple = decl.name.elements.every(
            (e) => ts.isIdentifier(e.name) && e.dotDotDotToken === undefined && e.initializer === undefined &&
              (e.propertyName === undefined || ts.isIdentifier(e.propertyName)),
          );
          if (!simple) continue;
          statements.push({
            statement,
            braces: decl.name,
            kind: 'require',
            typeOnly: false,
            hasDefault: false,
            bindings: decl.name.elements.map((e) => ({
              imported: ((e.propertyName ?? e.name) as ts.Identifier).text,
              local: (e.name as ts.Identifier).text,
              typeOnly: false,
            })),
          });
        }
      }
    }
  }
  return { statements, namespace };
}

/**
 * How one file names the package's exports, and which ones the rewrites add. `taken` holds every
 * name the file already uses, so an added import never collides with one.
 */
export class PackageImports {
  readonly #named = new Map<string, string>();
  readonly #namespace: string | undefined;
  /** Export name → local name, for the names to add. */
  readonly added = new Map<string, string>();

  constructor(sf: ts.SourceFile, private readonly taken: Set<string>) {
    const { statements, namespace } = packageStatements(sf);
    for (const s of statements) for (const b of s.bindings) if (!b.typeOnly && !this.#named.has(b.imported)) this.#named.set(b.imported, b.local);
    this.#namespace = namespace;
  }

  /** The expression that names export `name` in this file, importing it if needed. */
  ref(name: string): string {
    const local = this.#named.get(name) ?? this.added.get(name);
    if (local !== undefined) return local;
    if (this.#namespace !== undefined) return `${this.#namespace}.${name}`;
    let chosen = name;
    for (let i = 2; this.taken.has(chosen); i++) chosen = `${name}${i}`;
    this.taken.add(chosen);
    this.added.set(name, chosen);
    return chosen;
  }
}

/** The identifier texts `sf` uses, outside its imports of the package and outside member names. */
function usedNames(sf: ts.SourceFile, skip: ReadonlySet<ts.Node>): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (skip.has(node)) return;
    if (ts.isIdentifier(node)) {
      const p = node.parent;
      const member =
        (ts.isPropertyAccessExpression(p) && p.name === node) ||
        (ts.isQualifiedName(p) && p.right === node) ||
        ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === node);
      if (!member) names.add(node.text);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}

const isSorted = (names: readonly string[]): boolean =>
  names.every((n, i) => i === 0 || names[i - 1]!.toLowerCase() <= n.toLowerCase());

function bindingText(b: { imported: string; local: string; typeOnly: boolean }, kind: 'import' | 'require', statementTypeOnly: boolean): string {
  const prefix = kind === 'import' && b.typeOnly && !statementTypeOnly ? 'type ' : '';
  if (b.imported === b.local) return prefix + b.imported;
  return prefix + (kind === 'import' ? `${b.imported} as ${b.local}` : `${b.imported}: ${b.local}`);
}

/** `{ a, b }` on one line, or one name a line as the braces were. */
function bracesText(original: string, items: string[], indent: string): string {
  if (!original.includes('\n')) return `{ ${items.join(', ')} }`;
  const close = indent.slice(0, Math.max(0, indent.length - 2));
  return `{\n${items.map((i) => `${indent}${i},`).join('\n')}\n${close}}`;
}

/** The end of `statement` with the line break after it, for removing the whole line. */
function lineEnd(text: string, end: number): number {
  let i = end;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] === '\r') i++;
  if (text[i] === '\n') i++;
  return i;
}

/** Whether the file reads as CommonJS: a `.cjs`/`.cts` file, or a script that `require`s and imports nothing. */
function isCommonJs(sf: ts.SourceFile): boolean {
  if (/\.c[jt]s$/.test(sf.fileName)) return !sf.statements.some(ts.isImportDeclaration);
  if (/\.m[jt]s$/.test(sf.fileName)) return false;
  const imports = sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s));
  const requires = sf.statements.some((s) => ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => isRequireOf(d.initializer)));
  return requires && !imports;
}

/**
 * The edits that fix the package's import lines of `text` (the file after its rewrites): every
 * deprecated name no longer used is dropped (a statement left empty goes), each name of `added` is
 * imported, and `helpers` (function declarations) go after the last import.
 */
export function importEdits(fileName: string, text: string, added: ReadonlyMap<string, string>, helpers: readonly string[]): Edit[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const { statements } = packageStatements(sf);
  const used = usedNames(sf, new Set(statements.map((s) => s.braces)));
  const edits: Edit[] = [];
  const removed = new Set<ts.Statement>();
  const toAdd = [...added].map(([imported, local]) => ({ imported, local, typeOnly: false }));
  const host = statements.find((s) => !s.typeOnly);

  for (const s of statements) {
    const kept = s.bindings.filter((b) => !(LEGACY_EXPORTS.has(b.imported) && !used.has(b.local)));
    const adding = s === host ? toAdd : [];
    if (kept.length === s.bindings.length && adding.length === 0) continue;
    if (kept.length === 0 && adding.length === 0 && !s.hasDefault) {
      const start = s.statement.getStart(sf);
      let end = lineEnd(text, s.statement.end);
      // the blank line after an import block that is gone goes with it
      const atTop = text.slice(0, start).trim() === '' || text.slice(0, start).endsWith('\n\n');
      if (atTop && (text[end] === '\n' || text.startsWith('\r\n', end))) end = lineEnd(text, end);
      edits.push({ start, end, text: '' });
      removed.add(s.statement);
      continue;
    }
    let all = kept;
    if (adding.length > 0) {
      const names = kept.map((b) => b.local);
      if (isSorted(names)) {
        all = [...kept];
        for (const b of adding) {
          const at = all.findIndex((k) => k.local.toLowerCase() > b.local.toLowerCase());
          all.splice(at === -1 ? all.length : at, 0, b);
        }
      } else all = [...kept, ...adding];
    }
    const first = s.braces.elements[0];
    const indent = first ? ' '.repeat(sf.getLineAndCharacterOfPosition(first.getStart(sf)).character) : '  ';
    const items = all.map((b) => bindingText(b, s.kind, s.typeOnly));
    edits.push({ start: s.braces.getStart(sf), end: s.braces.end, text: bracesText(s.braces.getText(sf), items, indent) });
  }

  // a file whose last import went would read as a script where its extension does not make it a module
  const isModuleSyntax = (st: ts.Statement): boolean =>
    ts.isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st) || ts.isImportEqualsDeclaration(st) ||
    (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword));
  if (removed.size > 0 && sf.statements.some(isModuleSyntax) && !/\.m[jt]sx?$/.test(fileName) && !isCommonJs(sf) && !sf.statements.some((st) => !removed.has(st) && isModuleSyntax(st)) && toAdd.length === 0) {
    const first = [...removed][0]!;
    edits.push({ start: first.getStart(sf), end: first.getStart(sf), text: 'export {};\n' });
  }

  const anchor = [...sf.statements].reverse().find(
    (s) => !removed.has(s) && (ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) ||
      (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => isRequireOf(d.initializer)))),
  );
  const inserts: string[] = [];
  if (host === undefined && toAdd.length > 0) {
    const items = toAdd.map((b) => bindingText(b, isCommonJs(sf) ? 'require' : 'import', false));
    inserts.push(isCommonJs(sf) ? `const { ${items.join(', ')} } = require('${PACKAGE}');` : `import { ${items.join(', ')} } from '${PACKAGE}';`);
  }
  if (inserts.length > 0 || helpers.length > 0) {
    if (anchor !== undefined) {
      const imports = inserts.map((i) => `\n${i}`).join('');
      const fns = helpers.map((h) => `\n\n${h}`).join('');
      edits.push({ start: anchor.end, end: anchor.end, text: imports + fns });
    } else {
      // before the first statement that is not a directive ('use strict'), after a #! line
      const first = sf.statements.find((s) => !removed.has(s) && !(ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression)));
      const at = first ? first.getStart(sf) : text.length;
      const parts = [...inserts.map((i) => `${i}\n`), ...helpers.map((h) => `${h}\n`)];
      edits.push({ start: at, end: at, text: parts.join(inserts.length > 0 && helpers.length > 0 ? '\n' : '') + '\n' });
    }
  }
  return edits;
}

/** `text` with `edits` (which do not overlap) applied, and where an old position lands. */
export function applyEdits(text: string, edits: readonly Edit[]): { text: string; map: (position: number) => number } {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  out += text.slice(at);
  const map = (position: number): number => {
    let delta = 0;
    for (const e of sorted) {
      if (e.end <= position) delta += e.text.length - (e.end - e.start);
      else if (e.start < position) return e.start + delta; // inside a replaced range: its start
    }
    return position + delta;
  };
  return { text: out, map };
}
