/**
 * The migration of one file: find the deprecated uses, decide which rewrite applies to each (every
 * rule is one step of migration-guide.md, done only where it keeps the types and the behaviour), and
 * write the file anew from its syntax tree, with the rewritten parts replaced and the rest copied
 * byte for byte.
 */
import { ts } from 'ts-morph';
import { API, MODERN, type Modern, type RuleId } from './api.js';
import { helperText, type HelperId } from './helpers.js';
import { applyEdits, importEdits, PackageImports } from './imports.js';
import { isLegacySymbol, isLegacyType, resolveSymbol, siteOf, type Site } from './legacy.js';

/** A rewrite planned for one node: its rule and how to write its new text. */
interface Plan {
  readonly rule: RuleId;
  /** A part of a larger rewrite (a reference to a rewritten variable): not reported on its own. */
  readonly silent?: boolean;
  readonly text: () => string;
}

/** A rewrite made. */
export interface FileChange {
  readonly line: number;
  readonly rule: RuleId;
  readonly old: string;
  readonly new: string;
}

/** A deprecated use left as it is. */
export interface FileRemaining {
  readonly line: number;
  /** Its line in the rewritten file. */
  readonly newLine: number;
  readonly api: string;
  readonly reason?: string;
}

/** What the migration of one file gives. */
export interface FileOutcome {
  readonly before: string;
  readonly after: string;
  readonly changes: FileChange[];
  readonly remaining: FileRemaining[];
  /** Every use, rewritten or not, with the reason recorded for it if any (for a file left as it was). */
  readonly all: FileRemaining[];
}

/** A producer of the Enumerator API, as the rewrites see it. */
interface Producer {
  readonly api: string;
  readonly rule: RuleId;
  /** The whole producer expression (with its `onDoneEnumerating` calls). */
  readonly node: ts.CallExpression;
  /**
   * `array`: an array literal (re-iterable; `toSource(…)` where an AsyncIterable is needed);
   * `iterable`: a sync iterable, likewise; `async`: an AsyncIterable already; `once`: a one-shot
   * iterator made by a modern call; `generator`: the body of an async generator.
   */
  readonly kind: 'array' | 'iterable' | 'async' | 'once' | 'generator';
  /** The value's text (all kinds but `generator`). */
  readonly value?: () => string;
  /** The statements of the generator, one a line, indented by `indent` beyond the first. */
  readonly body?: (indent: string) => string[];
  /** The element type's text, for annotations (TypeScript only). */
  readonly element?: string;
  /** The array needs its element type written (an empty array, explicit type arguments). */
  readonly annotate?: boolean;
  /** `once` producers started at creation (pushQueue, fromPublisher): made where they are used. */
  readonly eager?: boolean;
  /** Registers the rewrites inside the producer (its channel calls): called once it is rewritten. */
  readonly commit?: () => void;
}

/** A function from an AsyncIterable's text to the text of what the enumeratee makes of it. */
interface EnumerateeFn {
  readonly rule: RuleId;
  readonly apply: (source: string) => string;
  /** For `Comet.apply`: the operator alone (`Comet.string(cb)`), for a constant. */
  readonly operator?: () => string;
}

type Declined = { readonly reason: string };
const isDeclined = (value: unknown): value is Declined => typeof value === 'object' && value !== null && 'reason' in value;

/** The iteratees `run` can become a loop for. */
type IterateeKind = 'getChunks' | 'fold' | 'foreach' | 'consume' | 'head' | 'ignore';

interface IterateeInfo {
  readonly kind: IterateeKind;
  readonly call: ts.CallExpression;
}

const PENDING = Symbol('pending');

/** Expression kinds a rewrite may move past without changing what runs first. */
function isPure(node: ts.Node): boolean {
  switch (node.kind) {
    case ts.SyntaxKind.Identifier:
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NumericLiteral:
    case ts.SyntaxKind.BigIntLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
    case ts.SyntaxKind.ThisKeyword:
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.FunctionExpression:
      return true;
  }
  if (ts.isPropertyAccessExpression(node)) return node.questionDotToken === undefined && isPure(node.expression);
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
    return isPure(node.expression);
  }
  if (ts.isTemplateExpression(node)) return node.templateSpans.every((s) => isPure(s.expression));
  if (ts.isArrayLiteralExpression(node)) return node.elements.every((e) => !ts.isSpreadElement(e) && isPure(e));
  if (ts.isObjectLiteralExpression(node)) {
    return node.properties.every((p) => ts.isShorthandPropertyAssignment(p) || (ts.isPropertyAssignment(p) && !ts.isComputedPropertyName(p.name) && isPure(p.initializer)));
  }
  return false;
}

/** A literal, or an array or object literal of literals: the same value whenever it is evaluated. */
function isConstantExpression(node: ts.Expression, checker: ts.TypeChecker): boolean {
  if (ts.isIdentifier(node) && node.text === 'undefined') return true;
  if (ts.isIdentifier(node)) {
    const symbol = checker.getSymbolAtLocation(node);
    const decl = symbol?.valueDeclaration;
    return decl !== undefined && ts.isVariableDeclaration(decl) && (ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) !== 0;
  }
  if (ts.isPrefixUnaryExpression(node)) return ts.isNumericLiteral(node.operand);
  if (ts.isArrayLiteralExpression(node)) return node.elements.every((e) => !ts.isSpreadElement(e) && isConstantExpression(e, checker));
  if (ts.isObjectLiteralExpression(node)) {
    return node.properties.every((p) => ts.isPropertyAssignment(p) && !ts.isComputedPropertyName(p.name) && isConstantExpression(p.initializer, checker));
  }
  return ts.isLiteralExpression(node) || node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword;
}

/** True for the name of a member (`x.name`, `{ name: … }`), which no new binding can collide with. */
function isMemberName(node: ts.Identifier): boolean {
  const p = node.parent;
  return (ts.isPropertyAccessExpression(p) && p.name === node) || (ts.isQualifiedName(p) && p.right === node) ||
    ((ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === node);
}

function skipParens(node: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(node)) node = node.expression;
  return node;
}

/** The node's parent past parentheses, and the child of that parent on the way. */
function parentPastParens(node: ts.Node): { child: ts.Node; parent: ts.Node } {
  let child = node;
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent)) {
    child = parent;
    parent = parent.parent;
  }
  return { child, parent };
}

function isStatementList(node: ts.Node): boolean {
  return ts.isBlock(node) || ts.isSourceFile(node) || ts.isCaseClause(node) || ts.isDefaultClause(node) || ts.isModuleBlock(node);
}

function isLoop(node: ts.Node): boolean {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

/** True when a `return` of `body`'s own function is inside it. */
function hasOwnReturn(body: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node)) found = true;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

function isExported(statement: ts.Statement): boolean {
  return ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** `chunks` → `chunk`; anything else → `value`. */
function singular(name: string | undefined): string {
  if (name !== undefined && name.length > 2 && name.endsWith('s') && !name.endsWith('ss')) return name.slice(0, -1);
  return 'value';
}

/** One file's migration: decisions are made on the original tree, the text is written at the end. */
export class FileMigration {
  readonly #sf: ts.SourceFile;
  readonly #checker: ts.TypeChecker;
  readonly #text: string;
  readonly #js: boolean;
  readonly #imports: PackageImports;
  /** Every identifier text of the file: names a rewrite adds must avoid them. */
  readonly #names = new Set<string>();
  readonly #ids = new Map<string, ts.Identifier[]>();
  readonly #sites: Site[] = [];
  readonly #siteByNode = new Map<ts.Node, Site>();
  readonly #plans = new Map<ts.Node, Plan>();
  /** Nodes with a plan at or below them. */
  readonly #planned = new Set<ts.Node>();
  readonly #reasons = new Map<ts.Node, string>();
  readonly #helpers = new Map<HelperId, string>();
  readonly #emitted = new Map<ts.Node, string>();
  readonly #allocated = new Set<string>();
  readonly #scopeNames = new Map<ts.Node, Set<string>>();
  readonly #memo = new Map<string, Map<ts.Node | ts.Symbol, unknown>>();
  #renames: Map<ts.Symbol, string> | undefined;
  /** Marks the place of each use in the text written (stripped at the end): two characters the file does not hold. */
  #marks: [string, string] = ['\uE000', '\uE001'];
  #siteStarts: number[] = [];

  constructor(sf: ts.SourceFile, checker: ts.TypeChecker) {
    this.#sf = sf;
    this.#checker = checker;
    this.#text = sf.getFullText();
    this.#js = /\.[cm]?jsx?$/.test(sf.fileName);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        if (!isMemberName(node)) this.#names.add(node.text);
        const list = this.#ids.get(node.text);
        if (list) list.push(node);
        else this.#ids.set(node.text, [node]);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    this.#imports = new PackageImports(sf, this.#names);
  }

  // ---------------------------------------------------------------- finding the uses

  /** The deprecated uses in the file. */
  #findSites(): void {
    for (const [name, ids] of this.#ids) {
      if (!CANDIDATE_NAMES.has(name)) continue;
      for (const id of ids) {
        const site = siteOf(this.#checker, id);
        if (site === undefined) continue;
        this.#sites.push(site);
        this.#siteByNode.set(id, site);
      }
    }
    this.#sites.sort((a, b) => a.node.pos - b.node.pos);
  }

  /** The API a member call's name is, if deprecated. */
  #apiOf(node: ts.Node | undefined): string | undefined {
    return node === undefined ? undefined : this.#siteByNode.get(node)?.api;
  }

  /** `receiver.name(...)`'s parts, when `node` is such a call. */
  #member(node: ts.Node): { receiver: ts.Expression; name: ts.Identifier; api: string | undefined } | undefined {
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression) || node.expression.questionDotToken !== undefined) return undefined;
    if (!ts.isIdentifier(node.expression.name)) return undefined;
    return { receiver: node.expression.expression, name: node.expression.name, api: this.#apiOf(node.expression.name) };
  }

  #apiCall(node: ts.Node, ...apis: string[]): boolean {
    const m = this.#member(node);
    return m !== undefined && m.api !== undefined && apis.includes(m.api);
  }

  /** Records why the use at `node` (a call's member name, or the call) stays. The first reason wins. */
  #decline(node: ts.Node, reason: string): null {
    const target = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node;
    if (!this.#reasons.has(target)) this.#reasons.set(target, reason);
    return null;
  }

  #memoized<T>(table: string, key: ts.Node | ts.Symbol, compute: () => T): T | null {
    let map = this.#memo.get(table);
    if (map === undefined) this.#memo.set(table, (map = new Map()));
    if (map.has(key)) {
      const known = map.get(key);
      return known === PENDING ? null : (known as T);
    }
    map.set(key, PENDING);
    const value = compute();
    map.set(key, value);
    return value;
  }

  #setPlan(node: ts.Node, plan: Plan): boolean {
    if (this.#plans.has(node)) return false;
    this.#plans.set(node, plan);
    for (let n: ts.Node | undefined = node; n !== undefined && !this.#planned.has(n); n = n.parent) this.#planned.add(n);
    return true;
  }

  // ---------------------------------------------------------------- types

  #typeOf(node: ts.Node): ts.Type {
    return this.#checker.getTypeAtLocation(node);
  }

  /** `E` of an `Enumerator<E>` expression. */
  #element(node: ts.Expression): ts.Type | undefined {
    const type = this.#typeOf(node);
    if (!isLegacyType(type, 'Enumerator')) return undefined;
    return this.#checker.getTypeArguments(type as ts.TypeReference)[0];
  }

  #typeArgs(type: ts.Type): readonly ts.Type[] {
    return (type.flags & ts.TypeFlags.Object) !== 0 && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) !== 0
      ? this.#checker.getTypeArguments(type as ts.TypeReference)
      : [];
  }

  /** The type as code at `at`, or undefined when it cannot be written there. */
  #printType(type: ts.Type | undefined, at: ts.Node): string | undefined {
    if (type === undefined) return undefined;
    const text = this.#checker.typeToString(type, at, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
    if (/\bimport\(|\.\.\.|__type|\{ \.\.\. \}/.test(text)) return undefined;
    return text;
  }

  /** `T[]`, parenthesised when needed. */
  #arrayOf(type: string): string {
    return /^[\w$.]+(<.*>)?$/.test(type) ? `${type}[]` : `(${type})[]`;
  }

  /** True when a value of this type may be a thenable (a Promise would be awaited by the rewrite). */
  #maybeThenable(type: ts.Type): boolean {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) return true;
    if (type.isUnion() || type.isIntersection()) return type.types.some((t) => this.#maybeThenable(t));
    if (type.flags & ts.TypeFlags.TypeParameter) {
      const constraint = this.#checker.getBaseConstraintOfType(type);
      return constraint === undefined || constraint === type || this.#maybeThenable(constraint);
    }
    if (type.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike |
      ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void | ts.TypeFlags.ESSymbolLike | ts.TypeFlags.Never)) return false;
    return this.#checker.getPropertyOfType(this.#checker.getApparentType(type), 'then') !== undefined;
  }

  #isString(type: ts.Type): boolean {
    if (type.flags & ts.TypeFlags.Any) return true;
    if (type.isUnion()) return type.types.every((t) => this.#isString(t));
    return (type.flags & ts.TypeFlags.StringLike) !== 0;
  }

  #returnsThenable(fn: ts.Expression): boolean {
    const signatures = this.#typeOf(fn).getCallSignatures();
    if (signatures.length === 0) return true;
    return signatures.some((s) => this.#maybeThenable(s.getReturnType()));
  }

  #hasAsyncIterator(type: ts.Type): boolean {
    return this.#checker.getPropertiesOfType(this.#checker.getApparentType(type)).some((p) => String(p.escapedName).startsWith('__@asyncIterator'));
  }

  // ---------------------------------------------------------------- names

  /** The identifier texts inside `node`. */
  #namesIn(node: ts.Node): Set<string> {
    const names = new Set<string>();
    const visit = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) names.add(n.text);
      ts.forEachChild(n, visit);
    };
    visit(node);
    return names;
  }

  /** A new name for a variable declared at `at`: unused in its function and not given before. */
  #fresh(base: string, at: ts.Node): string {
    let scope: ts.Node = at;
    while (!ts.isSourceFile(scope) && !ts.isFunctionLike(scope)) scope = scope.parent;
    let names = this.#scopeNames.get(scope);
    if (names === undefined) this.#scopeNames.set(scope, (names = this.#namesIn(scope)));
    let name = base;
    for (let i = 2; names.has(name) || this.#allocated.has(name); i++) name = `${base}${i}`;
    this.#allocated.add(name);
    return name;
  }

  /** A name not among `avoid`. */
  #pick(base: string, avoid: ReadonlySet<string>): string {
    let name = base;
    for (let i = 2; avoid.has(name); i++) name = `${base}${i}`;
    return name;
  }

  /** The local name of helper `id`, added to the file when the text is written. */
  #helper(id: HelperId): string {
    let name = this.#helpers.get(id);
    if (name === undefined) {
      name = id;
      for (let i = 2; this.#names.has(name) || [...this.#helpers.values()].includes(name); i++) name = `${id}${i}`;
      this.#helpers.set(id, name);
    }
    return name;
  }

  /** The text naming a modern export (`Comet.string`, `toSource`…), importing it when needed. */
  #modern(key: Modern): string {
    const [exported, ...member] = MODERN[key].split('.');
    return [this.#imports.ref(exported!), ...member].join('.');
  }

  #indentOf(node: ts.Node): string {
    const start = node.getStart(this.#sf);
    const lineStart = this.#text.lastIndexOf('\n', start - 1) + 1;
    return /^[ \t]*/.exec(this.#text.slice(lineStart, start))![0];
  }

  /** The statement holding `node`, as a short quote for a reason. */
  #quote(node: ts.Node): string {
    let statement = node;
    while (!ts.isSourceFile(statement.parent) && !ts.isBlock(statement.parent) && !ts.isCaseClause(statement.parent)) statement = statement.parent;
    const text = statement.getText(this.#sf).replace(/\s+/g, ' ');
    return `\`${text.length > 60 ? `${text.slice(0, 59)}…` : text}\``;
  }

  #line(position: number): number {
    return this.#sf.getLineAndCharacterOfPosition(position).line + 1;
  }

  // ---------------------------------------------------------------- writing

  /** The node's new text: its plan's, or its own with the plans below it applied. */
  #emit(node: ts.Node): string {
    const plan = this.#plans.get(node);
    if (plan === undefined) return this.#splice(node);
    let text = this.#emitted.get(node);
    if (text === undefined) {
      text = plan.text();
      this.#emitted.set(node, text);
    }
    return text;
  }

  /** The node's own text from `from`, with what is planned below it applied. */
  #splice(node: ts.Node, from = node.getStart(this.#sf)): string {
    if (ts.isIdentifier(node) && this.#renames !== undefined) {
      const symbol = this.#checker.getSymbolAtLocation(node);
      const renamed = symbol === undefined ? undefined : this.#renames.get(symbol);
      if (renamed !== undefined) {
        const parent = node.parent;
        return ts.isShorthandPropertyAssignment(parent) && parent.name === node ? `${node.text}: ${renamed}` : renamed;
      }
    }
    if (!this.#planned.has(node) && this.#renames === undefined) return this.#keep(from, node.end);
    let out = '';
    let pos = from;
    ts.forEachChild(node, (child) => {
      if (!this.#planned.has(child) && this.#renames === undefined) return;
      const start = child.getStart(this.#sf);
      out += this.#keep(pos, start);
      out += this.#emit(child);
      pos = child.end;
    });
    return out + this.#keep(pos, node.end);
  }

  /** Original text copied as it is; each use inside it is marked, so it is known to stay, and where. */
  #keep(start: number, end: number): string {
    const starts = this.#siteStarts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= starts.length || starts[lo]! >= end) return this.#text.slice(start, end);
    let out = '';
    let at = start;
    for (let i = lo; i < starts.length && starts[i]! < end; i++) {
      out += this.#text.slice(at, starts[i]) + this.#marks[0] + i + this.#marks[1];
      at = starts[i]!;
    }
    return out + this.#text.slice(at, end);
  }

  /** The text without its marks, and where each mark was. */
  #unmark(text: string): { text: string; at: Map<number, number> } {
    const at = new Map<number, number>();
    const [open, close] = this.#marks;
    let out = '';
    let last = 0;
    for (let i = text.indexOf(open); i !== -1; i = text.indexOf(open, last)) {
      const end = text.indexOf(close, i);
      out += text.slice(last, i);
      at.set(Number(text.slice(i + 1, end)), out.length);
      last = end + 1;
    }
    return { text: out + text.slice(last), at };
  }

  /** The node's text with some symbols renamed (an inlined function's parameters). */
  #emitRenamed(node: ts.Node, renames: Map<ts.Symbol, string>): string {
    const outer = this.#renames;
    this.#renames = new Map([...(outer ?? []), ...renames]);
    try {
      return this.#splice(node);
    } finally {
      this.#renames = outer;
    }
  }

  // ---------------------------------------------------------------- where an AsyncIterable may go

  /**
   * True when the value of `node` may be an AsyncIterable instead of an Enumerator: it is iterated
   * by `for await`, passed where an AsyncIterable is taken, or is the receiver of a call that a
   * rewrite turns into something taking an AsyncIterable.
   */
  #acceptsIterable(node: ts.Node): boolean {
    return this.#memoized('accepts', node, () => {
      const { child, parent } = parentPastParens(node);
      if (ts.isForOfStatement(parent)) return parent.awaitModifier !== undefined && parent.expression === child;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === child && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
        return this.#consumesReceiver(parent.parent);
      }
      if (ts.isCallExpression(parent) && parent.arguments.includes(child as ts.Expression)) {
        if (this.#apiCall(parent, 'Streams.enumeratorToSource')) return this.#acceptsIterable(parent);
        return this.#takesAsyncIterable(parent, parent.arguments.indexOf(child as ts.Expression));
      }
      return false;
    }) ?? false;
  }

  /** Whether a call's rewrite takes its receiver as an AsyncIterable. */
  #consumesReceiver(call: ts.CallExpression): boolean {
    const api = this.#member(call)?.api;
    if (api === 'Enumerator#through') return this.#through(call) !== null;
    if (api === 'Enumerator#map') return this.#map(call) !== null;
    if (api === 'Enumerator#run') return this.#run(call) !== null;
    return false;
  }

  /** Whether argument `index` of `call` is declared as an AsyncIterable (and not as an Enumerator). */
  #takesAsyncIterable(call: ts.CallExpression, index: number): boolean {
    const signature = this.#checker.getResolvedSignature(call);
    if (signature === undefined) return false;
    const params = signature.getParameters();
    if (params.length === 0) return false;
    const last = params[params.length - 1]!;
    const decl = last.valueDeclaration;
    const isRest = decl !== undefined && ts.isParameter(decl) && decl.dotDotDotToken !== undefined;
    let type: ts.Type | undefined;
    if (index < params.length - (isRest ? 1 : 0)) type = this.#checker.getTypeOfSymbolAtLocation(params[index]!, call);
    else if (isRest) type = this.#checker.getIndexTypeOfType(this.#checker.getTypeOfSymbolAtLocation(last, call), ts.IndexKind.Number);
    if (type === undefined || type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
    const parts = type.isUnion() ? type.types : [type];
    if (parts.some((t) => isLegacyType(t, 'Enumerator'))) return false;
    return parts.some((t) => this.#hasAsyncIterator(t));
  }

  /** The other uses of a variable: the identifiers referring to `symbol`, but its declaration's name. */
  #references(symbol: ts.Symbol, name: ts.Identifier): ts.Identifier[] {
    return (this.#ids.get(name.text) ?? []).filter((id) => id !== name && resolveSymbol(this.#checker, id) === symbol);
  }

  /** True when `ref` runs at most once after `statement` (no function or loop between them). */
  #runsOnceAfter(statement: ts.Statement, ref: ts.Node): boolean {
    if (ref.pos < statement.end) return false;
    let child: ts.Node = ref;
    for (let n: ts.Node = ref.parent; n !== statement.parent; child = n, n = n.parent) {
      if (n === undefined || ts.isFunctionLike(n)) return false;
      const onceInLoop = ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && n.expression === child) || (ts.isForStatement(n) && n.initializer === child);
      if (isLoop(n) && !onceInLoop) return false;
    }
    return true;
  }

  /** A `const` declaration of one name in a statement list, not exported. */
  #localConst(decl: ts.VariableDeclaration): ts.VariableStatement | Declined {
    const list = decl.parent;
    if (!ts.isVariableDeclarationList(list) || !ts.isVariableStatement(list.parent)) return { reason: 'declared other than in a variable statement' };
    const statement = list.parent;
    if ((list.flags & ts.NodeFlags.Const) === 0) return { reason: 'the variable holding it is not a const' };
    if (list.declarations.length !== 1) return { reason: 'declared beside other variables in one statement' };
    if (isExported(statement)) return { reason: 'exported: the modules importing it may use it as an Enumerator' };
    if (!isStatementList(statement.parent)) return { reason: 'declared where a statement cannot be replaced' };
    return statement;
  }

  // ---------------------------------------------------------------- enumeratees

  /** What an enumeratee expression becomes: a function of the source's text. */
  #enumeratee(node: ts.Expression, element: ts.Type | undefined): EnumerateeFn | Declined {
    const expr = skipParens(node);
    const m = this.#member(expr);
    const call = expr as ts.CallExpression;
    const api = m?.api;
    if (api === 'Comet.apply' || api === 'LegacyComet.apply') return this.#comet(call, element);
    if (api === 'Enumeratee#compose') {
      if (call.arguments.length !== 1) return { reason: 'compose() with other than one argument' };
      const inner = this.#enumeratee(m!.receiver, element);
      if (isDeclined(inner)) return inner;
      const middle = this.#typeArgs(this.#typeOf(m!.receiver))[1];
      const outer = this.#enumeratee(call.arguments[0]!, middle);
      if (isDeclined(outer)) return outer;
      return { rule: outer.rule === 'comet-apply' ? 'comet-apply' : inner.rule, apply: (source) => outer.apply(inner.apply(source)) };
    }
    if (api === 'Enumeratee.map' || api === 'Enumeratee.mapM' || api === 'Enumeratee.filter' || api === 'Enumeratee.collect') {
      const fn = call.arguments[0];
      if (fn === undefined || call.arguments.length !== 1) return { reason: `${api} with other than one argument` };
      let helper: HelperId;
      if (api === 'Enumeratee.mapM') helper = 'mapAsync';
      else if (api === 'Enumeratee.filter') helper = this.#returnsThenable(fn) ? 'filterAsync' : 'filter';
      else {
        if (this.#returnsThenable(fn)) {
          return { reason: `the function may return Promises, which ${api} passes on as elements and an async generator would wait for (mapM waits for them)` };
        }
        helper = api === 'Enumeratee.map' ? 'map' : 'mapDefined';
      }
      return { rule: 'enumeratee-generator', apply: (source) => `${this.#helper(helper)}(${source}, ${this.#emit(fn)})` };
    }
    if (api === 'Enumeratee.take' || api === 'Enumeratee.drop') {
      const count = call.arguments[0];
      if (count === undefined || !ts.isNumericLiteral(count) || !Number.isInteger(Number(count.text))) {
        return { reason: `${api} is rewritten with a count written as a whole number: it throws a RangeError for a bad count, the generator would not` };
      }
      const helper: HelperId = api === 'Enumeratee.take' ? 'take' : 'drop';
      return { rule: 'enumeratee-generator', apply: (source) => `${this.#helper(helper)}(${source}, ${this.#emit(count)})` };
    }
    if (ts.isIdentifier(expr)) {
      const constant = this.#enumerateeConst(expr);
      if (isDeclined(constant)) return constant;
      return { rule: constant.rule, apply: (source) => `${this.#emit(expr)}(${source})` };
    }
    if (api !== undefined) return { reason: `${api} has no function form the codemod writes` };
    return { reason: 'an enumeratee the codemod cannot follow (not written in place, nor in a local constant)' };
  }

  /** `Comet.apply(cb, options)` as `Comet.string(cb, options)` or `Comet.json(cb, options)`. */
  #comet(call: ts.CallExpression, element: ts.Type | undefined): EnumerateeFn | Declined {
    const [callback, options] = call.arguments;
    if (callback === undefined || call.arguments.length > 2) return { reason: 'Comet.apply with other than a callback and options' };
    let kind: 'string' | 'json' = 'string';
    const rest: ts.ObjectLiteralElementLike[] = [];
    if (options !== undefined) {
      if (!ts.isObjectLiteralExpression(options)) return { reason: 'the options are not an object literal written in place: their message kind cannot be read' };
      for (const property of options.properties) {
        if (!ts.isPropertyAssignment(property) && !ts.isShorthandPropertyAssignment(property)) {
          return { reason: 'the options hold a spread or a method: their message kind cannot be read' };
        }
        const name = property.name;
        if (ts.isComputedPropertyName(name)) return { reason: 'the options hold a computed key' };
        if (name.text !== 'message') {
          rest.push(property);
          continue;
        }
        const value = ts.isPropertyAssignment(property) ? skipParens(property.initializer) : undefined;
        if (value !== undefined && ts.isStringLiteralLike(value) && (value.text === 'json' || value.text === 'string')) kind = value.text;
        else {
          return {
            reason: 'message is a function (or not written as \'string\' or \'json\'): map the values with it and use Comet.flow(cb) by hand; an error it throws then fails the stream as it is, not as a CometEncodeError',
          };
        }
      }
    }
    if (kind === 'string' && element !== undefined && !this.#isString(element)) {
      return {
        reason: `the elements (${this.#checker.typeToString(element)}) are not strings: Comet.string takes strings; pass message: 'json' for Comet.json, or make them strings first`,
      };
    }
    const operator = (): string => {
      const args = [this.#emit(callback)];
      if (rest.length > 0) args.push(`{ ${rest.map((p) => this.#emit(p)).join(', ')} }`);
      return `${this.#modern(kind === 'json' ? 'cometJson' : 'cometString')}(${args.join(', ')})`;
    };
    return { rule: 'comet-apply', operator, apply: (source) => `${operator()}(${source})` };
  }

  /** A local constant holding an enumeratee, rewritten as a function when every use of it is. */
  #enumerateeConst(id: ts.Identifier): EnumerateeFn | Declined {
    const symbol = resolveSymbol(this.#checker, id);
    const decl = symbol?.valueDeclaration;
    if (symbol === undefined || decl === undefined || !ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name) || decl.getSourceFile() !== this.#sf || decl.initializer === undefined) {
      return { reason: 'the enumeratee is not a constant of this file' };
    }
    const result = this.#memoized('enumerateeConst', symbol, (): EnumerateeFn | Declined => {
      const statement = this.#localConst(decl);
      if (isDeclined(statement)) return statement;
      const init = decl.initializer!;
      const from = this.#typeArgs(this.#typeOf(init))[0];
      const fn = this.#enumeratee(init, from);
      if (isDeclined(fn)) return fn;
      for (const ref of this.#references(symbol, decl.name as ts.Identifier)) {
        const { child, parent } = parentPastParens(ref);
        if (!(ts.isCallExpression(parent) && parent.arguments[0] === child && this.#apiCall(parent, 'Enumerator#through'))) {
          return { reason: `${(decl.name as ts.Identifier).text} is also used other than as through(${(decl.name as ts.Identifier).text}) (in ${this.#quote(ref)})` };
        }
        if (!this.#acceptsIterable(parent)) {
          return { reason: `the result of through(${(decl.name as ts.Identifier).text}) in ${this.#quote(ref)} is used as an Enumerator` };
        }
      }
      let text: () => string;
      if (fn.operator !== undefined) text = fn.operator;
      else {
        const fromText = this.#js ? '' : this.#printType(from, decl);
        if (fromText === undefined) return { reason: 'its element type cannot be written here' };
        const source = this.#pick('source', this.#namesIn(init));
        text = () => `(${source}${this.#js ? '' : `: AsyncIterable<${fromText}>`}) => ${fn.apply(source)}`;
      }
      this.#setPlan(init, { rule: fn.rule, text });
      return fn;
    });
    return result ?? { reason: 'the enumeratee is used inside its own uses' };
  }

  // ---------------------------------------------------------------- through, map, run

  /** `enumerator.through(enumeratee)` → the enumeratee's function applied to the enumerator. */
  #through(call: ts.CallExpression): Plan | null {
    return this.#memoized('through', call, () => {
      const m = this.#member(call)!;
      if (call.arguments.length !== 1) return this.#decline(call, 'through() with other than one argument');
      const fn = this.#enumeratee(call.arguments[0]!, this.#element(m.receiver));
      if (isDeclined(fn)) {
        const arg = skipParens(call.arguments[0]!);
        if (this.#apiCall(arg, 'Comet.apply', 'LegacyComet.apply')) this.#decline(arg, fn.reason);
        return this.#decline(call, fn.reason);
      }
      if (!this.#acceptsIterable(call)) {
        const reason = 'its result is used where an Enumerator, not an AsyncIterable, is needed (or kept in a variable used so)';
        const arg = skipParens(call.arguments[0]!);
        if (this.#apiCall(arg, 'Comet.apply', 'LegacyComet.apply')) this.#decline(arg, reason);
        return this.#decline(call, reason);
      }
      const plan: Plan = { rule: fn.rule, text: () => fn.apply(this.#emit(m.receiver)) };
      this.#setPlan(call, plan);
      return plan;
    });
  }

  /** `enumerator.map(fn)` → `map(enumerator, fn)`. */
  #map(call: ts.CallExpression): Plan | null {
    return this.#memoized('map', call, () => {
      const m = this.#member(call)!;
      const fn = call.arguments[0];
      if (fn === undefined || call.arguments.length !== 1) return this.#decline(call, 'map() with other than one argument');
      if (this.#returnsThenable(fn)) return this.#decline(call, 'the function may return Promises, which map() passes on as elements and an async generator would wait for');
      if (!this.#acceptsIterable(call)) return this.#decline(call, 'its result is used where an Enumerator, not an AsyncIterable, is needed');
      const plan: Plan = { rule: 'enumeratee-generator', text: () => `${this.#helper('map')}(${this.#emit(m.receiver)}, ${this.#emit(fn)})` };
      this.#setPlan(call, plan);
      return plan;
    });
  }

  /** The iteratee `run` is given, if it is one a loop can replace. */
  #iteratee(node: ts.Expression, element: ts.Type | undefined): IterateeInfo | Declined {
    const expr = skipParens(node);
    const api = this.#member(expr)?.api;
    const call = expr as ts.CallExpression;
    const kinds: Record<string, IterateeKind> = {
      'Iteratee.getChunks': 'getChunks', 'Iteratee.fold': 'fold', 'Iteratee.foreach': 'foreach',
      'Iteratee.consume': 'consume', 'Iteratee.head': 'head', 'Iteratee.ignore': 'ignore',
    };
    const kind = api === undefined ? undefined : kinds[api];
    if (kind === undefined) return { reason: 'the iteratee is not Iteratee.getChunks/fold/foreach/consume/head/ignore(...) written in place' };
    const arity = kind === 'fold' ? 2 : kind === 'foreach' ? 1 : 0;
    if (call.arguments.length !== arity) return { reason: `${api} with ${call.arguments.length} arguments` };
    if (kind === 'consume' && (element === undefined || !this.#isString(element))) {
      return { reason: 'consume() over chunks that are not strings: it concatenates bytes into a Buffer but gives \'\' for an empty stream; write the loop by hand (Buffer.concat)' };
    }
    return { kind, call };
  }

  /** `enumerator.run(iteratee)` → a `for await` loop, where the statement allows, or an async function. */
  #run(call: ts.CallExpression): Plan | null {
    return this.#memoized('run', call, () => {
      const m = this.#member(call)!;
      if (call.arguments.length !== 1) return this.#decline(call, 'run() with other than one argument');
      const element = this.#element(m.receiver);
      const it = this.#iteratee(call.arguments[0]!, element);
      if (isDeclined(it)) return this.#decline(call, it.reason);
      const { child, parent } = parentPastParens(call);
      const awaited = ts.isAwaitExpression(parent) && parent.expression === child ? parent : undefined;
      if (awaited !== undefined) {
        const plan = this.#runStatement(call, m.receiver, it, element, awaited);
        if (plan !== null) return plan;
      }
      const plan: Plan = { rule: 'iteratee-loop', text: () => this.#runExpression(call, m.receiver, it, element) };
      this.#setPlan(call, plan);
      return plan;
    });
  }

  /** The run as statements before (or instead of) the statement holding `await run(...)`. */
  #runStatement(call: ts.CallExpression, receiver: ts.Expression, it: IterateeInfo, element: ts.Type | undefined, awaited: ts.AwaitExpression): Plan | null {
    const { child, parent } = parentPastParens(awaited);
    // const v = await e.run(it);
    if (ts.isVariableDeclaration(parent) && parent.initializer === child && ts.isIdentifier(parent.name) && it.kind !== 'foreach' && it.kind !== 'ignore') {
      const list = parent.parent;
      const statement = list.parent;
      if (ts.isVariableDeclarationList(list) && list.declarations.length === 1 && ts.isVariableStatement(statement) && isStatementList(statement.parent) && !isExported(statement) && !this.#plans.has(statement)) {
        const name = parent.name.text;
        const keyword = (list.flags & ts.NodeFlags.Const) !== 0 ? 'const' : (list.flags & ts.NodeFlags.Let) !== 0 ? 'let' : 'var';
        const annotation = parent.type === undefined ? undefined : parent.type.getText(this.#sf);
        const plan: Plan = {
          rule: 'iteratee-loop',
          text: () => this.#loop(it, receiver, element, { name, keyword, annotation }, this.#indentOf(statement), statement).join(`\n${this.#indentOf(statement)}`),
        };
        this.#setPlan(statement, plan);
        return plan;
      }
    }
    // await e.run(it);
    if (ts.isExpressionStatement(parent) && isStatementList(parent.parent) && !this.#plans.has(parent)) {
      const statement = parent;
      const plan: Plan = {
        rule: 'iteratee-loop',
        text: () => this.#loop(it, receiver, element, undefined, this.#indentOf(statement), statement).join(`\n${this.#indentOf(statement)}`),
      };
      this.#setPlan(statement, plan);
      return plan;
    }
    // f(await e.run(it)): the loop goes before the statement, a variable takes the await's place
    const statement = this.#hoistTarget(awaited);
    if (statement === undefined || it.kind === 'foreach' || it.kind === 'ignore') return null;
    const base = { getChunks: 'chunks', fold: 'result', consume: 'text', head: 'first' }[it.kind]!;
    const name = this.#fresh(base, statement);
    const indent = this.#indentOf(statement);
    const plan: Plan = {
      rule: 'iteratee-loop',
      text: () => [...this.#loop(it, receiver, element, { name, keyword: 'const' }, indent, statement), this.#splice(statement)].join(`\n${indent}`),
    };
    this.#setPlan(statement, plan);
    let replaced: ts.Node = awaited;
    while (ts.isParenthesizedExpression(replaced.parent)) replaced = replaced.parent;
    this.#setPlan(replaced, { rule: 'iteratee-loop', silent: true, text: () => name });
    return plan;
  }

  /** The statement `awaited` can be moved before: it is evaluated first there, and only once. */
  #hoistTarget(awaited: ts.AwaitExpression): ts.Statement | undefined {
    let child: ts.Node = awaited;
    for (let parent: ts.Node = awaited.parent; ; child = parent, parent = parent.parent) {
      if (ts.isExpressionStatement(parent) || ts.isVariableStatement(parent) || ts.isReturnStatement(parent) || ts.isThrowStatement(parent)) {
        return isStatementList(parent.parent) && !this.#plans.has(parent) && !isExported(parent) ? parent : undefined;
      }
      if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent) || ts.isSatisfiesExpression(parent) ||
        ts.isAwaitExpression(parent) || ts.isVoidExpression(parent) || ts.isTypeOfExpression(parent) || ts.isPrefixUnaryExpression(parent) ||
        ts.isVariableDeclarationList(parent) && parent.declarations[0] === child || ts.isTemplateSpan(parent) && parent.expression === child) {
        if (ts.isVariableDeclarationList(parent)) continue;
        continue;
      }
      if (ts.isVariableDeclaration(parent)) {
        if (parent.initializer !== child) return undefined;
        continue;
      }
      if (ts.isCallExpression(parent)) {
        if (parent.questionDotToken !== undefined) return undefined;
        if (parent.expression === child) continue;
        if (!isPure(parent.expression)) return undefined;
        const at = parent.arguments.indexOf(child as ts.Expression);
        if (parent.arguments.slice(0, at).some((a) => !isPure(a))) return undefined;
        continue;
      }
      if (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) {
        if (parent.questionDotToken !== undefined || parent.expression !== child) return undefined;
        continue;
      }
      if (ts.isBinaryExpression(parent)) {
        const op = parent.operatorToken.kind;
        if (parent.left === child) continue;
        if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken ||
          op === ts.SyntaxKind.AmpersandAmpersandEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken) return undefined;
        if (!isPure(parent.left)) return undefined;
        continue;
      }
      if (ts.isTemplateExpression(parent)) {
        const at = parent.templateSpans.indexOf(child as ts.TemplateSpan);
        if (parent.templateSpans.slice(0, at).some((s) => !isPure(s.expression))) return undefined;
        continue;
      }
      if (ts.isArrayLiteralExpression(parent)) {
        const at = parent.elements.indexOf(child as ts.Expression);
        if (parent.elements.slice(0, at).some((e) => !isPure(e))) return undefined;
        continue;
      }
      if (ts.isPropertyAssignment(parent) && parent.initializer === child && !ts.isComputedPropertyName(parent.name)) continue;
      if (ts.isObjectLiteralExpression(parent)) {
        const at = parent.properties.indexOf(child as ts.ObjectLiteralElementLike);
        if (parent.properties.slice(0, at).some((p) => !isPure(ts.isPropertyAssignment(p) ? p.initializer : p))) return undefined;
        continue;
      }
      return undefined;
    }
  }

  /** The run where a statement cannot hold the loop: `collect(source)`, or an async function called at once. */
  #runExpression(call: ts.CallExpression, receiver: ts.Expression, it: IterateeInfo, element: ts.Type | undefined): string {
    if (it.kind === 'getChunks') return `${this.#helper('collect')}(${this.#emit(receiver)})`;
    const indent = this.#indentOf(call);
    const inner = `${indent}  `;
    const target = it.kind === 'foreach' || it.kind === 'ignore' ? undefined : { name: { fold: 'result', consume: 'text', head: 'first' }[it.kind]!, keyword: 'let' };
    const lines = this.#loop(it, receiver, element, target, inner, call);
    if (target !== undefined) lines.push(`return ${target.name};`);
    return `(async () => {\n${inner}${lines.join(`\n${inner}`)}\n${indent}})()`;
  }

  /**
   * The statements of the loop that replaces running `it` over `receiver`, one a line (lines after
   * the first of a multi-line statement carry `indent`). `target` names the variable that gets the
   * result; without it the result is dropped.
   */
  #loop(
    it: IterateeInfo,
    receiver: ts.Expression,
    element: ts.Type | undefined,
    target: { name: string; keyword: string; annotation?: string } | undefined,
    indent: string,
    at: ts.Node,
  ): string[] {
    const source = this.#emit(receiver);
    const avoid = this.#namesIn(receiver);
    if (target) avoid.add(target.name);
    const elementText = this.#js ? undefined : this.#printType(element, at);
    const annotate = (type: string | undefined): string => (this.#js ? '' : target?.annotation !== undefined ? `: ${target.annotation}` : type === undefined ? '' : `: ${type}`);
    const call = it.call;
    switch (it.kind) {
      case 'getChunks': {
        if (target === undefined) return [`for await (const ${this.#pick('_', avoid)} of ${source}) {}`];
        const x = this.#pick(singular(target.name), avoid);
        return [
          `${target.keyword} ${target.name}${annotate(elementText === undefined ? undefined : this.#arrayOf(elementText))} = [];`,
          `for await (const ${x} of ${source}) ${target.name}.push(${x});`,
        ];
      }
      case 'consume': {
        const name = target?.name;
        if (name === undefined) return [`for await (const ${this.#pick('_', avoid)} of ${source}) {}`];
        const x = this.#pick(singular(name), avoid);
        return [`let ${name}${annotate('string')} = '';`, `for await (const ${x} of ${source}) ${name} += ${x};`];
      }
      case 'ignore':
        return [`for await (const ${this.#pick('_', avoid)} of ${source}) {}`];
      case 'head': {
        if (target === undefined) return [`for await (const ${this.#pick('_', avoid)} of ${source}) break;`];
        const x = this.#pick(singular(target.name), avoid);
        const type = elementText === undefined ? undefined : `${elementText} | undefined`;
        return [`let ${target.name}${annotate(type)};`, `for await (const ${x} of ${source}) {`, `  ${target.name} = ${x};`, `  break;`, `}`];
      }
      case 'fold': {
        const [initial, fn] = call.arguments as unknown as [ts.Expression, ts.Expression];
        const name = target?.name ?? this.#fresh('result', at);
        const state = this.#typeArgs(this.#typeOf(call))[1];
        const stateText = this.#js ? undefined : this.#printType(state, at);
        const inline = this.#inlineFunction(fn, 2);
        const renames = new Map<ts.Symbol, string>();
        let x: string;
        let step: string;
        const bodyNames = inline === undefined ? undefined : this.#namesIn(inline.body);
        if (inline !== undefined && !inline.block && !(bodyNames!.has(name) && inline.params[0]?.text !== name)) {
          const [stateParam, elementParam] = inline.params;
          for (const n of this.#namesIn(inline.body)) if (n !== stateParam?.text && n !== elementParam?.text) avoid.add(n);
          x = elementParam !== undefined && !avoid.has(elementParam.text) ? elementParam.text : this.#pick('value', avoid);
          if (stateParam) renames.set(this.#checker.getSymbolAtLocation(stateParam)!, name);
          if (elementParam) renames.set(this.#checker.getSymbolAtLocation(elementParam)!, x);
          const body = this.#emitRenamed(inline.body, renames);
          step = this.#maybeThenable(this.#typeOf(inline.body)) ? `await ${body}` : body;
        } else {
          for (const n of this.#namesIn(fn)) avoid.add(n);
          x = this.#pick('value', avoid);
          const fnText = ts.isIdentifier(skipParens(fn)) || ts.isPropertyAccessExpression(skipParens(fn)) ? this.#emit(fn) : `(${this.#emit(fn)})`;
          step = `${this.#returnsThenable(fn) ? 'await ' : ''}${fnText}(${name}, ${x})`;
        }
        return [`let ${name}${annotate(stateText)} = ${this.#emit(initial)};`, `for await (const ${x} of ${source}) ${name} = ${step};`];
      }
      case 'foreach': {
        const fn = call.arguments[0]!;
        const inline = this.#inlineFunction(fn, 1);
        if (inline !== undefined) {
          const [param] = inline.params;
          for (const n of this.#namesIn(inline.body)) if (n !== param?.text) avoid.add(n);
          const x = param !== undefined && !avoid.has(param.text) ? param.text : this.#pick('value', avoid);
          const renames = new Map<ts.Symbol, string>();
          if (param) renames.set(this.#checker.getSymbolAtLocation(param)!, x);
          const body = this.#emitRenamed(inline.body, renames);
          if (inline.block) return [`for await (const ${x} of ${source}) ${body}`];
          return [`for await (const ${x} of ${source}) ${this.#maybeThenable(this.#typeOf(inline.body)) ? 'await ' : ''}${body};`];
        }
        for (const n of this.#namesIn(fn)) avoid.add(n);
        const x = this.#pick('value', avoid);
        const fnText = ts.isIdentifier(skipParens(fn)) || ts.isPropertyAccessExpression(skipParens(fn)) ? this.#emit(fn) : `(${this.#emit(fn)})`;
        return [`for await (const ${x} of ${source}) ${this.#returnsThenable(fn) ? 'await ' : ''}${fnText}(${x});`];
      }
    }
  }

  /** An arrow function whose body can be written into a loop: simple parameters, no `return` in a block body. */
  #inlineFunction(node: ts.Expression, maxParams: number): { params: ts.Identifier[]; body: ts.Node; block: boolean } | undefined {
    const fn = skipParens(node);
    if (!ts.isArrowFunction(fn) || fn.parameters.length > maxParams || fn.typeParameters !== undefined) return undefined;
    const params: ts.Identifier[] = [];
    for (const p of fn.parameters) {
      if (!ts.isIdentifier(p.name) || p.initializer !== undefined || p.dotDotDotToken !== undefined) return undefined;
      params.push(p.name);
    }
    if (ts.isBlock(fn.body)) {
      if (hasOwnReturn(fn.body) || maxParams !== 1) return undefined;
      return { params, body: fn.body, block: true };
    }
    if (ts.isObjectLiteralExpression(fn.body)) return undefined;
    return { params, body: fn.body, block: false };
  }

  // ---------------------------------------------------------------- producers

  /** What a producer expression is, when it is one the rewrites know. */
  #producer(node: ts.Expression): Producer | Declined | undefined {
    const expr = skipParens(node);
    const m = this.#member(expr);
    const api = m?.api;
    if (api === undefined) return undefined;
    const call = expr as ts.CallExpression;
    const element = this.#element(call);
    const elementText = this.#js ? undefined : this.#printType(element, call);
    const explicit = call.typeArguments?.map((t) => t.getText(this.#sf));
    const thenable = element === undefined || this.#maybeThenable(element);
    switch (api) {
      case 'Enumerator.of':
      case 'Enumerator.empty': {
        if (thenable) return { reason: 'its elements may be Promises: toSource and for await wait for them, the Enumerator passed them on as they were' };
        const annotate = api === 'Enumerator.empty' || explicit !== undefined;
        if (annotate && !this.#js && elementText === undefined) return { reason: 'its element type cannot be written here' };
        return {
          api, rule: 'enumerator-values', node: call, kind: 'array', element: elementText, annotate,
          value: () => `[${call.arguments.map((a) => this.#emit(a)).join(', ')}]`,
        };
      }
      case 'Enumerator.enumerate': {
        if (thenable) return { reason: 'its elements may be Promises: toSource and for await wait for them, the Enumerator passed them on as they were' };
        const iterable = call.arguments[0];
        if (iterable === undefined || call.arguments.length !== 1) return { reason: 'enumerate() with other than one argument' };
        return { api, rule: 'enumerator-values', node: call, kind: 'iterable', element: elementText, value: () => this.#emit(iterable) };
      }
      case 'Enumerator.generateM':
      case 'Enumerator.repeatM':
      case 'Enumerator.fromCallback': {
        const fn = call.arguments[0];
        if (fn === undefined) return { reason: `${api} without a function` };
        if (call.arguments.length > 1) {
          return { reason: 'fromCallback with onComplete or onError: they run on conditions (the end without a failure, an iteratee in Error) a generator\'s finally does not tell apart' };
        }
        if (api === 'Enumerator.fromCallback' && !this.#noParameters(fn)) {
          return { reason: 'a Node-style retriever (a callback parameter): wrap it in a Promise-returning function by hand' };
        }
        const callee = this.#calleeText(fn);
        if (isDeclined(callee)) return callee;
        const taken = this.#namesIn(fn);
        const body = (indent: string): string[] => {
          const { setup, name } = callee(indent);
          if (api === 'Enumerator.repeatM') return [...setup, `for (;;) yield await ${name}();`];
          const value = this.#pick('value', new Set([...taken, name]));
          return [...setup, `for (let ${value} = await ${name}(); ${value} !== undefined; ${value} = await ${name}()) yield ${value};`];
        };
        return { api, rule: 'enumerator-generator', node: call, kind: 'generator', element: elementText, body };
      }
      case 'Enumerator.unfoldM': {
        const [initial, fn] = call.arguments;
        if (initial === undefined || fn === undefined || call.arguments.length !== 2) return { reason: 'unfoldM with other than a state and a function' };
        if (!isConstantExpression(initial, this.#checker)) {
          return { reason: 'the initial state is not a constant: unfoldM evaluated it once, a generator would evaluate it on every call' };
        }
        const callee = this.#calleeText(fn);
        if (isDeclined(callee)) return callee;
        const signature = this.#checker.getResolvedSignature(call);
        const stateType = signature === undefined ? undefined : this.#checker.getTypeOfSymbolAtLocation(signature.getParameters()[0]!, call);
        const stateText = this.#js ? undefined : this.#printType(stateType, call);
        const taken = new Set([...this.#namesIn(fn), ...this.#namesIn(initial)]);
        const state = this.#pick('state', taken);
        const pair = this.#pick('pair', taken);
        const body = (indent: string): string[] => {
          const { setup, name } = callee(indent);
          return [
            ...setup,
            `let ${state}${stateText === undefined ? '' : `: ${stateText}`} = ${this.#emit(initial)};`,
            `for (let ${pair} = await ${name}(${state}); ${pair} !== undefined; ${pair} = await ${name}(${state})) {`,
            `  ${state} = ${pair}[0];`,
            `  yield ${pair}[1];`,
            `}`,
          ];
        };
        return { api, rule: 'enumerator-generator', node: call, kind: 'generator', element: elementText, body };
      }
      case 'Enumerator.fromStream': {
        const readable = call.arguments[0];
        if (readable === undefined || call.arguments.length !== 1) return { reason: 'fromStream with other than one argument' };
        const typeArg = this.#js || elementText === undefined ? '' : `<${elementText}>`;
        return { api, rule: 'enumerator-from-stream', node: call, kind: 'once', element: elementText, value: () => `${this.#modern('fromReadable')}${typeArg}(${this.#emit(readable)})` };
      }
      case 'Streams.sourceToEnumerator': {
        const source = call.arguments[0];
        if (source === undefined || call.arguments.length !== 1) return { reason: 'sourceToEnumerator with other than one argument' };
        return { api, rule: 'streams-bridge', node: call, kind: 'async', element: elementText, value: () => this.#emit(source) };
      }
      case 'Streams.publisherToEnumerator': {
        const [publisher, options] = call.arguments;
        if (publisher === undefined || call.arguments.length > 2) return { reason: 'publisherToEnumerator with other than a publisher and options' };
        return {
          api, rule: 'streams-bridge', node: call, kind: 'once', eager: true, element: elementText,
          value: () => `${this.#modern('fromPublisher')}(${[publisher, ...(options ? [options] : [])].map((a) => this.#emit(a)).join(', ')})`,
        };
      }
      case 'Concurrent.unicast':
        return this.#unicast(call, elementText, explicit);
      case 'Enumerator#onDoneEnumerating': {
        const callback = call.arguments[0];
        if (callback === undefined || call.arguments.length !== 1) return { reason: 'onDoneEnumerating with other than one callback' };
        const inner = this.#producer(m!.receiver);
        if (inner === undefined) return { reason: 'onDoneEnumerating on an enumerator the codemod does not rewrite' };
        if (isDeclined(inner)) return inner;
        const cleanup = this.#callbackStatements(callback);
        const body = (indent: string): string[] => {
          const lines = inner.body !== undefined ? inner.body(`${indent}  `) : [`yield* ${inner.value!()};`];
          return ['try {', ...lines.map((l) => `  ${l}`), '} finally {', ...cleanup(`${indent}  `).map((l) => `  ${l}`), '}'];
        };
        return { api: inner.api, rule: inner.rule, node: call, kind: 'generator', element: inner.element ?? elementText, body, commit: inner.commit };
      }
    }
    return undefined;
  }

  /** True when the function declares no parameter (a retriever that returns its value). */
  #noParameters(fn: ts.Expression): boolean {
    const f = skipParens(fn);
    if (ts.isArrowFunction(f) || ts.isFunctionExpression(f)) return f.parameters.length === 0;
    const signatures = this.#typeOf(f).getCallSignatures();
    return signatures.length > 0 && signatures.every((s) => s.getParameters().length === 0);
  }

  /** How a generator calls a function argument: by its name, or after declaring it. */
  #calleeText(fn: ts.Expression): ((indent: string) => { setup: string[]; name: string }) | Declined {
    const f = skipParens(fn);
    if (ts.isIdentifier(f) || (ts.isPropertyAccessExpression(f) && isPure(f))) return () => ({ setup: [], name: this.#emit(f) });
    if (ts.isArrowFunction(f) || ts.isFunctionExpression(f)) {
      const name = this.#pick('next', this.#namesIn(f));
      return (indent) => ({ setup: this.#reindent(`const ${name} = ${this.#emit(f)};`, f, indent), name });
    }
    return { reason: 'the function is computed by an expression evaluated once; give it a name first' };
  }

  /** A text from the original (whose later lines carry the indentation of `node`'s line) as lines re-indented for `indent`. */
  #reindent(text: string, node: ts.Node, indent: string): string[] {
    const from = this.#indentOf(node);
    return [text.split('\n').map((line, i) => (i === 0 ? line : line.startsWith(from) ? indent + line.slice(from.length) : line)).join('\n')];
  }

  /** The statements that call a cleanup callback: its body when it is an arrow function of no parameter. */
  #callbackStatements(callback: ts.Expression): (indent: string) => string[] {
    const f = skipParens(callback);
    if (ts.isArrowFunction(f) && f.parameters.length === 0 && !f.modifiers?.length) {
      if (!ts.isBlock(f.body)) {
        const body = f.body;
        return (indent) => this.#reindent(`${this.#emit(body)};`, body, indent);
      }
      if (!hasOwnReturn(f.body)) {
        const statements = f.body.statements;
        return (indent) => statements.flatMap((s) => this.#reindent(this.#emit(s), s, indent));
      }
    }
    const text = ts.isIdentifier(f) || ts.isPropertyAccessExpression(f) ? () => this.#emit(f) : () => `(${this.#emit(f)})`;
    return () => [`${text()}();`];
  }

  /** `Concurrent.unicast(onStart, onComplete)` → `pushQueue(start)`, onComplete returned as its teardown. */
  #unicast(call: ts.CallExpression, elementText: string | undefined, explicit: string[] | undefined): Producer | Declined {
    const [onStart, onComplete] = call.arguments;
    if (onStart === undefined || call.arguments.length > 2) return { reason: 'unicast with onError or options: the queue\'s overflow and failure differ; rewrite by hand' };
    const start = skipParens(onStart);
    if (!(ts.isArrowFunction(start) || ts.isFunctionExpression(start)) || start.parameters.length !== 1 || !ts.isIdentifier(start.parameters[0]!.name)) {
      return { reason: 'onStart is not a function of one parameter written in place' };
    }
    const param = start.parameters[0]!;
    const symbol = this.#checker.getSymbolAtLocation(param.name)!;
    let ends = false;
    const edits: [ts.Node, Plan][] = [];
    for (const ref of this.#references(symbol, param.name as ts.Identifier)) {
      const p = ref.parent;
      const use = ts.isPropertyAccessExpression(p) && p.expression === ref && ts.isCallExpression(p.parent) && p.parent.expression === p ? p.parent : undefined;
      const api = use === undefined ? undefined : this.#apiOf((p as ts.PropertyAccessExpression).name);
      if (use === undefined || api === undefined) return { reason: `the channel is used other than by push/end/eofAndEnd calls (in ${this.#quote(ref)}): it would become a PushController` };
      const member = p as ts.PropertyAccessExpression;
      if (api === 'Channel#push') {
        const value = use.arguments[0];
        if (value === undefined || this.#isInput(value)) return { reason: 'the channel is pushed an Input: push the value itself, ctl.end() for Input.EOF' };
        edits.push([member, { rule: 'unicast-queue', silent: true, text: () => `${this.#emit(ref)}.push` }]);
      } else if (api === 'Channel#end') {
        ends = true;
        if (use.arguments.length === 1) {
          const error = use.arguments[0]!;
          edits.push([use, { rule: 'unicast-queue', silent: true, text: () => `${this.#emit(ref)}.fail(${this.#emit(error)})` }]);
        } else edits.push([member, { rule: 'unicast-queue', silent: true, text: () => `${this.#emit(ref)}.end` }]);
      } else if (api === 'Channel#eofAndEnd') {
        ends = true;
        edits.push([use, { rule: 'unicast-queue', silent: true, text: () => `${this.#emit(ref)}.end()` }]);
      } else return { reason: `the channel is used by ${api}` };
    }
    if (onComplete !== undefined && ends) {
      return { reason: 'onComplete with a channel that ends: pushQueue calls its teardown as soon as the producer ends, unicast called onComplete only once the consumer had taken everything' };
    }
    if (ts.isBlock(start.body) && hasOwnReturn(start.body)) return { reason: 'onStart returns: pushQueue would take what it returns for a teardown' };
    const typeArg = this.#js ? '' : explicit !== undefined ? `<${explicit.join(', ')}>` : elementText !== undefined ? `<${elementText}>` : undefined;
    if (typeArg === undefined) return { reason: 'its element type cannot be written here' };
    const body = start.body;
    const teardown = onComplete === undefined ? undefined : () => `return ${this.#emit(onComplete)};`;
    const commit = (): void => {
      for (const [node, plan] of edits) this.#setPlan(node, plan);
      if (param.type !== undefined) this.#setPlan(param, { rule: 'unicast-queue', silent: true, text: () => (param.name as ts.Identifier).text });
      if (ts.isBlock(body)) {
        if (teardown !== undefined) {
          this.#setPlan(body, {
            rule: 'unicast-queue', silent: true,
            text: () => {
              const inner = this.#splice(body);
              const close = inner.lastIndexOf('}');
              const indent = this.#indentOf(body);
              return `${inner.slice(0, close).trimEnd()}\n${indent}  ${teardown()}\n${indent}}`;
            },
          });
        }
      } else {
        this.#setPlan(body, {
          rule: 'unicast-queue', silent: true,
          text: () => {
            const indent = this.#indentOf(body);
            return `{\n${indent}  ${this.#splice(body)};${teardown === undefined ? '' : `\n${indent}  ${teardown()}`}\n${indent}}`;
          },
        });
      }
    };
    return {
      api: 'Concurrent.unicast', rule: 'unicast-queue', node: call, kind: 'once', eager: true, element: elementText, commit,
      value: () => `${this.#modern('pushQueue')}${typeArg}(${this.#reindent(this.#emit(onStart), onStart, this.#indentOf(call)).join('')})`,
    };
  }

  /** True when the value's type is an `Input` of the deprecated API. */
  #isInput(node: ts.Expression): boolean {
    const type = this.#typeOf(node);
    const parts = type.isUnion() ? type.types : [type];
    return parts.some((t) => ['InputEl', 'InputEmpty', 'InputEOF', 'Input'].some((n) => isLegacyType(t, n))) || (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  }

  /** How a rewritten producer is written where its value is used. */
  #useText(producer: Producer, node: ts.Node, value: () => string): string {
    const { child, parent } = parentPastParens(node);
    const forAwait = ts.isForOfStatement(parent) && parent.expression === child;
    switch (producer.kind) {
      case 'array':
      case 'iterable': {
        if (forAwait) return value();
        const typeArg = producer.annotate && !this.#js && producer.element !== undefined && producer.kind === 'array' && !ts.isIdentifier(node) ? `<${producer.element}>` : '';
        return `${this.#modern('toSource')}${typeArg}(${value()})`;
      }
      default:
        return value();
    }
  }

  /** The return type of a generator made from a producer, when it can be written plainly. */
  #generatorType(producer: Producer): string {
    if (this.#js || producer.element === undefined || /[`\\]/.test(producer.element)) return '';
    return `: AsyncGenerator<${producer.element}>`;
  }

  /** A producer written in place, where an AsyncIterable may go. */
  #inlineProducer(call: ts.CallExpression): void {
    const producer = this.#producer(call);
    if (producer === undefined) return;
    if (isDeclined(producer)) return void this.#decline(this.#siteCall(call), producer.reason);
    if (!this.#acceptsIterable(call)) {
      return void this.#decline(this.#siteCall(call), 'the enumerator is used where an Enumerator, not an AsyncIterable, is needed');
    }
    producer.commit?.();
    if (producer.kind === 'generator') {
      const ret = this.#generatorType(producer);
      const indent = this.#indentOf(call);
      this.#setPlan(call, {
        rule: producer.rule,
        text: () => `(async function* ()${ret} {\n${producer.body!(`${indent}  `).map((l) => `${indent}  ${l}`).join('\n')}\n${indent}})()`,
      });
      return;
    }
    this.#setPlan(call, { rule: producer.rule, text: () => this.#useText(producer, call, producer.value!) });
  }

  /** The call whose member name carries the producer's API (under its onDoneEnumerating calls). */
  #siteCall(call: ts.CallExpression): ts.CallExpression {
    let c = call;
    while (this.#apiCall(c, 'Enumerator#onDoneEnumerating') && ts.isCallExpression(skipParens(this.#member(c)!.receiver))) {
      c = skipParens(this.#member(c)!.receiver) as ts.CallExpression;
    }
    return c;
  }

  /** `const v = producer`: the declaration and every use, when every use takes an AsyncIterable. */
  #producerConst(decl: ts.VariableDeclaration, producer: Producer): void {
    const site = this.#siteCall(producer.node);
    const statement = this.#localConst(decl);
    if (isDeclined(statement)) return void this.#decline(site, statement.reason);
    const name = (decl.name as ts.Identifier).text;
    const symbol = this.#checker.getSymbolAtLocation(decl.name)!;
    const refs = this.#references(symbol, decl.name as ts.Identifier);
    for (const ref of refs) {
      if (!this.#acceptsIterable(ref)) {
        return void this.#decline(site, `${name} is used where an Enumerator, not an AsyncIterable, is needed (in ${this.#quote(ref)})`);
      }
    }
    const indent = this.#indentOf(statement);
    let declaration: () => string;
    let use: (ref: ts.Identifier) => string;
    if (producer.kind === 'generator') {
      const ret = this.#generatorType(producer);
      declaration = () => `async function* ${name}()${ret} {\n${producer.body!(`${indent}  `).map((l) => `${indent}  ${l}`).join('\n')}\n${indent}}`;
      use = () => `${name}()`;
    } else if (producer.kind === 'once') {
      const next = statement.parent.kind === ts.SyntaxKind.SourceFile || ts.isBlock(statement.parent) ? (statement.parent as ts.Block).statements[(statement.parent as ts.Block).statements.indexOf(statement) + 1] : undefined;
      const single = refs.length === 1 && this.#runsOnceAfter(statement, refs[0]!) && (!producer.eager || (next !== undefined && refs[0]!.pos >= next.pos && refs[0]!.end <= next.end));
      if (single) {
        declaration = () => `const ${name} = ${producer.value!()};`;
        use = () => name;
      } else if (producer.api === 'Enumerator.fromStream') {
        return void this.#decline(site, `${name} is read more than once (or in a loop or a function): a Readable is read once`);
      } else {
        declaration = () => `const ${name} = () => ${producer.value!()};`;
        use = () => `${name}()`;
      }
    } else {
      const annotation = producer.kind === 'array' && producer.annotate && !this.#js && producer.element !== undefined ? `: ${this.#arrayOf(producer.element)}` : '';
      declaration = () => `const ${name}${annotation} = ${producer.value!()};`;
      use = (ref) => this.#useText(producer, ref, () => name);
    }
    producer.commit?.();
    this.#setPlan(statement, { rule: producer.rule, text: declaration });
    for (const ref of refs) this.#setPlan(ref, { rule: producer.rule, silent: true, text: () => use(ref) });
  }

  /** `const [e, channel] = Concurrent.broadcast<T>()` → `const e = createHub<T>()`. */
  #broadcast(decl: ts.VariableDeclaration, call: ts.CallExpression): void {
    const pattern = decl.name;
    if (call.arguments.length > 0) {
      return void this.#decline(call, 'options: a hub has its own per-subscriber limit and slow-consumer policy (\'disconnect\' by default); choose them by hand');
    }
    if (!ts.isArrayBindingPattern(pattern) || pattern.elements.length !== 2 || !pattern.elements.every((e) => ts.isBindingElement(e) && ts.isIdentifier(e.name) && e.initializer === undefined && e.dotDotDotToken === undefined)) {
      return void this.#decline(call, 'not destructured as const [enumerator, channel]');
    }
    const statement = this.#localConst(decl);
    if (isDeclined(statement)) return void this.#decline(call, statement.reason);
    const [enumName, channelName] = pattern.elements.map((e) => (e as ts.BindingElement).name as ts.Identifier) as [ts.Identifier, ts.Identifier];
    const enumSymbol = this.#checker.getSymbolAtLocation(enumName)!;
    const channelSymbol = this.#checker.getSymbolAtLocation(channelName)!;
    for (const ref of this.#references(enumSymbol, enumName)) {
      if (!this.#acceptsIterable(ref)) {
        return void this.#decline(call, `${enumName.text} is used where an Enumerator, not an AsyncIterable, is needed (in ${this.#quote(ref)})`);
      }
    }
    const edits: [ts.Node, Plan][] = [];
    for (const ref of this.#references(channelSymbol, channelName)) {
      const p = ref.parent;
      const use = ts.isPropertyAccessExpression(p) && p.expression === ref && ts.isCallExpression(p.parent) && p.parent.expression === p ? p.parent : undefined;
      const api = use === undefined ? undefined : this.#apiOf((p as ts.PropertyAccessExpression).name);
      const line = this.#quote(ref);
      if (use === undefined || api === undefined) return void this.#decline(call, `the channel is used other than by push/end/eofAndEnd calls (in ${line})`);
      const visible = this.#checker.getSymbolsInScope(ref, ts.SymbolFlags.Value).find((s) => s.name === enumName.text);
      if (visible !== enumSymbol) return void this.#decline(call, `${enumName.text} is hidden by another declaration where the channel is used (in ${line})`);
      if (api === 'Channel#push') {
        const value = use.arguments[0];
        if (value === undefined || this.#isInput(value)) return void this.#decline(call, `the channel is pushed an Input (in ${line}): publish the value itself, close() for Input.EOF`);
        edits.push([use, { rule: 'broadcast-hub', silent: true, text: () => `${enumName.text}.publish(${this.#emit(value)})` }]);
      } else if ((api === 'Channel#end' || api === 'Channel#eofAndEnd') && use.arguments.length === 0) {
        edits.push([use, { rule: 'broadcast-hub', silent: true, text: () => `${enumName.text}.close()` }]);
      } else {
        return void this.#decline(call, `the channel is ended with an error (in ${line}): a hub has no way to fail its subscribers; rewrite by hand`);
      }
    }
    const explicit = call.typeArguments?.map((t) => t.getText(this.#sf)).join(', ');
    const enumType = this.#typeArgs(this.#typeOf(call))[0];
    const typeText = this.#js ? '' : explicit ?? this.#printType(enumType === undefined ? undefined : this.#typeArgs(enumType)[0], call);
    if (typeText === undefined) return void this.#decline(call, 'its element type cannot be written here');
    this.#setPlan(statement, { rule: 'broadcast-hub', text: () => `const ${enumName.text} = ${this.#modern('createHub')}${this.#js ? '' : `<${typeText}>`}();` });
    for (const ref of this.#references(enumSymbol, enumName)) {
      this.#setPlan(ref, { rule: 'broadcast-hub', silent: true, text: () => `${enumName.text}.subscribe()` });
    }
    for (const [node, plan] of edits) this.#setPlan(node, plan);
  }

  // ---------------------------------------------------------------- the run

  /** Decides every rewrite, writes the new text, and lists the changes and the uses left. */
  run(): FileOutcome {
    this.#findSites();
    const before = this.#text;
    if (this.#sites.length === 0) return { before, after: before, changes: [], remaining: [], all: [] };

    // Variable declarations first: a producer or a channel held in a constant is rewritten with its uses.
    const declared = new Set<ts.Node>();
    for (const site of this.#sites) {
      const call = site.node.parent.parent;
      if (!ts.isPropertyAccessExpression(site.node.parent) || site.node.parent.name !== site.node || !ts.isCallExpression(call)) continue;
      let top: ts.Node = call;
      while (ts.isPropertyAccessExpression(top.parent) && ts.isCallExpression(top.parent.parent) && this.#apiOf(top.parent.name) === 'Enumerator#onDoneEnumerating') top = top.parent.parent;
      const { child, parent } = parentPastParens(top);
      if (!ts.isVariableDeclaration(parent) || parent.initializer !== child || declared.has(top)) continue;
      if (site.api === 'Concurrent.broadcast') {
        declared.add(call);
        this.#broadcast(parent, call);
        continue;
      }
      const producer = this.#producer(top as ts.Expression);
      if (producer === undefined) continue;
      declared.add(top);
      if (isDeclined(producer)) this.#decline(this.#siteCall(top as ts.CallExpression), producer.reason);
      else if (ts.isIdentifier(parent.name)) this.#producerConst(parent, producer);
      else this.#decline(call, 'not held in a variable of its own');
    }

    for (const site of this.#sites) {
      const call = site.node.parent.parent;
      if (!ts.isPropertyAccessExpression(site.node.parent) || site.node.parent.name !== site.node || !ts.isCallExpression(call) || call.expression !== site.node.parent) continue;
      switch (site.api) {
        case 'Enumerator#through':
          this.#through(call);
          break;
        case 'Enumerator#map':
          this.#map(call);
          break;
        case 'Enumerator#run':
          this.#run(call);
          break;
        case 'Streams.enumeratorToSource': {
          const source = call.arguments[0];
          if (source === undefined || call.arguments.length !== 1) break;
          const direct = this.#acceptsIterable(call);
          this.#setPlan(call, { rule: 'streams-bridge', text: () => (direct ? this.#emit(source) : `${this.#emit(source)}[Symbol.asyncIterator]()`) });
          break;
        }
        case 'Streams.enumeratorToPublisher': {
          const source = call.arguments[0];
          if (source === undefined || call.arguments.length !== 1) break;
          this.#setPlan(call, { rule: 'streams-bridge', text: () => `${this.#modern('toPublisher')}(${this.#emit(source)})` });
          break;
        }
        default: {
          let top: ts.Node = call;
          while (ts.isPropertyAccessExpression(top.parent) && ts.isCallExpression(top.parent.parent) && this.#apiOf(top.parent.name) === 'Enumerator#onDoneEnumerating') top = top.parent.parent;
          if (!declared.has(top) && !this.#plans.has(top)) this.#inlineProducer(top as ts.CallExpression);
        }
      }
    }

    if (this.#plans.size === 0) return { before, after: before, changes: [], remaining: this.#remaining(undefined), all: this.#remaining(undefined) };

    for (const candidate of ['\uE000\uE001', '\uF8F0\uF8F1', '\u0001\u0002']) {
      if (!before.includes(candidate[0]!) && !before.includes(candidate[1]!)) {
        this.#marks = [candidate[0]!, candidate[1]!];
        break;
      }
    }
    this.#siteStarts = this.#sites.map((s) => s.node.getStart(this.#sf));
    const marked = this.#splice(this.#sf, 0);
    const { text: written, at: marks } = this.#unmark(marked);
    const helpers = [...this.#helpers].map(([id, name]) => helperText(id, name, this.#js));
    const edits = importEdits(this.#sf.fileName, written, this.#imports.added, helpers);
    const final = applyEdits(written, edits);
    const changes: FileChange[] = [];
    for (const [node, plan] of this.#plans) {
      const text = this.#emitted.get(node);
      if (plan.silent || text === undefined) continue;
      const old = node.getText(this.#sf);
      const now = this.#unmark(text).text;
      if (old === now) continue;
      changes.push({ line: this.#line(node.getStart(this.#sf)), rule: plan.rule, old, new: now });
    }
    changes.sort((a, b) => a.line - b.line);
    const lineStarts = [0];
    for (let i = final.text.indexOf('\n'); i !== -1; i = final.text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    const newLine = (site: number): number | undefined => {
      const position = marks.get(site);
      if (position === undefined) return undefined;
      const mapped = final.map(position);
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid]! <= mapped) lo = mid;
        else hi = mid - 1;
      }
      return lo + 1;
    };
    return { before, after: final.text, changes, remaining: this.#remaining(newLine), all: this.#remaining(undefined) };
  }

  /** The uses not rewritten (marked in a part of the text copied as it was), with their reasons. */
  #remaining(newLine: ((site: number) => number | undefined) | undefined): FileRemaining[] {
    const out: FileRemaining[] = [];
    this.#sites.forEach((site, i) => {
      const line = this.#line(site.node.getStart(this.#sf));
      const now = newLine === undefined ? line : newLine(i);
      if (now === undefined) return;
      out.push({ line, newLine: now, api: site.api, reason: this.#reasons.get(site.node) });
    });
    return out;
  }
}

/** Names worth asking the type checker about: the deprecated exports and every member of the deprecated API. */
const CANDIDATE_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(API).flatMap((api) => api.replace(/^new /, '').split(/[.#]/)),
  'Enumerator', 'Enumeratee', 'Iteratee', 'Concurrent', 'Streams', 'LegacyComet', 'Input',
  'Channel', 'ChannelOptions', 'Step', 'Retriever', 'InputEl', 'InputEmpty', 'InputEOF', 'LegacyCometOptions', 'PublisherToEnumeratorOptions',
]);

