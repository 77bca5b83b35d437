/**
 * Telling the deprecated API from everything else: a symbol is deprecated when it is declared in
 * the `legacy/` folder of the package (its sources, or the ES-module or CommonJS declarations of
 * its build). Only the type checker can say so: `.apply`, `.run` and `.through` are common names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ts } from 'ts-morph';
import { PACKAGE } from './api.js';

const packageNames = new Map<string, string | null>();

/** The `name` of the nearest package.json above `dir` that has one (a build folder's may hold only its `type`), or null. */
function packageNameAt(dir: string): string | null {
  const known = packageNames.get(dir);
  if (known !== undefined) return known;
  let name: string | null = null;
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    try {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      name = typeof parsed.name === 'string' ? parsed.name : null;
    } catch {
      name = null;
    }
  }
  if (name === null) {
    const parent = dirname(dir);
    name = parent === dir ? null : packageNameAt(parent);
  }
  packageNames.set(dir, name);
  return name;
}

const legacyFiles = new Map<string, boolean>();

/** True for a file of the package's deprecated layer. */
export function isLegacyFile(fileName: string): boolean {
  let known = legacyFiles.get(fileName);
  if (known === undefined) {
    known = /\/legacy\/[^/]+\.(d\.)?[cm]?[jt]s$/.test(fileName) && packageNameAt(dirname(fileName)) === PACKAGE;
    legacyFiles.set(fileName, known);
  }
  return known;
}

/** True when `symbol` is declared in the deprecated layer. */
export function isLegacySymbol(symbol: ts.Symbol | undefined): boolean {
  return symbol?.declarations?.some((d) => isLegacyFile(d.getSourceFile().fileName)) ?? false;
}

/** The symbol an identifier refers to, through import aliases. */
export function resolveSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  let symbol: ts.Symbol | undefined;
  const parent = node.parent;
  if (ts.isShorthandPropertyAssignment(parent) && parent.name === node) symbol = checker.getShorthandAssignmentValueSymbol(parent);
  else if (ts.isExportSpecifier(parent)) symbol = checker.getExportSpecifierLocalTargetSymbol(parent);
  else symbol = checker.getSymbolAtLocation(node);
  if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      symbol = checker.getAliasedSymbol(symbol);
    } catch {
      return symbol;
    }
  }
  return symbol;
}

/** True for a type whose symbol is the deprecated class or interface `name` (`Enumerator`, `Channel`…). */
export function isLegacyType(type: ts.Type, name: string): boolean {
  const symbol = type.aliasSymbol?.escapedName === name ? type.aliasSymbol : type.getSymbol();
  return symbol !== undefined && symbol.escapedName === name && isLegacySymbol(symbol);
}

/** True when an identifier sits in an import or `require` binding (plumbing, not a use). */
function inImportBinding(node: ts.Identifier): boolean {
  for (let p: ts.Node = node.parent; p !== undefined; p = p.parent) {
    if (ts.isImportDeclaration(p) || ts.isImportEqualsDeclaration(p)) return true;
    if (ts.isVariableDeclaration(p)) {
      const init = p.initializer;
      return init !== undefined && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require' && !isWithin(node, init);
    }
    if (ts.isStatement(p) || ts.isSourceFile(p)) return false;
  }
  return false;
}

function isWithin(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

/** The name the report gives a deprecated member declared at `decl`, reached through `receiver`. */
function memberName(checker: ts.TypeChecker, decl: ts.Declaration, member: string, receiver: ts.Expression): string {
  const owner = decl.parent;
  if (ts.isClassDeclaration(owner) && owner.name) {
    const isStatic = ts.canHaveModifiers(decl) && (ts.getModifiers(decl) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
    return `${owner.name.text}${isStatic ? '.' : '#'}${member}`;
  }
  if (ts.isInterfaceDeclaration(owner)) {
    if (owner.name.text === 'CometApply') {
      const target = resolveSymbol(checker, ts.isPropertyAccessExpression(receiver) ? receiver.name : receiver);
      return `${target?.escapedName === 'LegacyComet' ? 'LegacyComet' : 'Comet'}.${member}`;
    }
    return `${owner.name.text}#${member}`;
  }
  if (ts.isTypeLiteralNode(owner) && ts.isVariableDeclaration(owner.parent) && ts.isIdentifier(owner.parent.name)) {
    return `${owner.parent.name.text}.${member}`;
  }
  if (ts.isObjectLiteralExpression(owner) && ts.isVariableDeclaration(owner.parent) && ts.isIdentifier(owner.parent.name)) {
    return `${owner.parent.name.text}.${member}`;
  }
  return member;
}

/** A use of the deprecated API: the identifier, and the API as the report names it. */
export interface Site {
  readonly node: ts.Identifier;
  readonly api: string;
}

/**
 * The deprecated use `node` is, if it is one: a member (`Enumerator.of`, `Enumerator#run`,
 * `Channel#push`, `Comet.apply`), or an export itself (`new Enumerator`, the type `Enumerator`). The
 * object of a deprecated member access is not a use of its own (the member is); neither are the
 * names of import lines.
 */
export function siteOf(checker: ts.TypeChecker, node: ts.Identifier): Site | undefined {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node && isLegacySymbol(checker.getSymbolAtLocation(parent.name))) return undefined;
  if (ts.isQualifiedName(parent) && parent.left === node && isLegacySymbol(checker.getSymbolAtLocation(parent.right))) return undefined;
  const symbol = resolveSymbol(checker, node);
  if (!isLegacySymbol(symbol) || inImportBinding(node)) return undefined;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return { node, api: memberName(checker, symbol!.declarations![0]!, node.text, parent.expression) };
  }
  const decl = symbol!.declarations![0]!;
  const owner = decl.parent;
  const name = ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner) || ts.isTypeLiteralNode(owner)
    ? memberName(checker, decl, node.text, node)
    : String(symbol!.escapedName);
  if (ts.isNewExpression(parent) && parent.expression === node) return { node, api: `new ${name}` };
  return { node, api: name };
}
