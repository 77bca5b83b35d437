/**
 * The codemod as a function: load a project, migrate the files asked for, check that each
 * rewritten file still type-checks (a file that would not is left as it was, its uses listed), and
 * report every change and every use left.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { Project, ts } from 'ts-morph';
import { apiEntry, guideLink, PACKAGE, type RuleId } from './api.js';
import { FileMigration } from './file.js';

/** A rewrite made (or to be made, in a dry run). */
export interface Change {
  /** Relative to the working directory, with `/`. */
  readonly file: string;
  /** Its line before the rewrite. */
  readonly line: number;
  readonly rule: RuleId;
  readonly old: string;
  readonly new: string;
}

/** A deprecated use left for a person. */
export interface Remaining {
  readonly file: string;
  /** Its line in the file as it is on disk after the run (rewritten by `--write`, unchanged by a dry run). */
  readonly line: number;
  /** The API as the report names it: `Enumerator.fromCallback`, `Enumerator#interleave`, `Comet.apply`… */
  readonly api: string;
  /** Why it was not rewritten. */
  readonly reason: string;
  /** The section of migration-guide.md to read: `migration-guide.md#…`. */
  readonly guide: string;
}

/** One file the codemod changes. */
export interface ChangedFile {
  /** Absolute path. */
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

/** The outcome of a run: the changed files, the changes, and the uses left (lines as after `write`). */
export interface Migration {
  readonly files: ChangedFile[];
  readonly changed: Change[];
  /** The uses left, with their lines in the files as they are before the run. */
  readonly remainingBefore: Remaining[];
  /** The same uses, with their lines in the rewritten files. */
  readonly remainingAfter: Remaining[];
}

/** A mistake in how the codemod was called: a bad option, a path that does not exist. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The file extensions the codemod reads. */
const EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);

/** The source files under `paths` (files as given, directories searched, node_modules and dot-folders skipped). */
export function sourceFiles(cwd: string, paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && EXTENSIONS.has(extname(entry.name)) && !/\.d\.[cm]?ts$/.test(entry.name)) out.add(full);
    }
  };
  for (const path of paths) {
    const full = resolve(cwd, path);
    if (!existsSync(full)) throw new UsageError(`${path}: no such file or directory`);
    if (statSync(full).isDirectory()) walk(full);
    else out.add(full);
  }
  return [...out].sort();
}

/** The nearest tsconfig.json at or above `dir`. */
function findTsconfig(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

/** The compiler options used when no tsconfig.json is found: a strict Node project. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
};

/**
 * A ts-morph Project holding `files`, with the compiler options of `project` (a tsconfig.json),
 * else of the nearest tsconfig.json above the first file, else {@link DEFAULT_OPTIONS}. JavaScript
 * files are read too (`allowJs`).
 */
export function loadProject(cwd: string, files: readonly string[], project?: string): Project {
  let tsConfigFilePath: string | undefined;
  if (project !== undefined) {
    tsConfigFilePath = resolve(cwd, project);
    if (!existsSync(tsConfigFilePath)) throw new UsageError(`--project ${project}: no such file`);
  } else tsConfigFilePath = findTsconfig(files[0] === undefined ? cwd : dirname(files[0]));
  let loaded: Project;
  try {
    loaded = tsConfigFilePath === undefined
      ? new Project({ compilerOptions: { ...DEFAULT_OPTIONS, allowJs: true, noEmit: true } })
      : new Project({ tsConfigFilePath, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: true, noEmit: true } });
  } catch (error) {
    throw new UsageError(`${tsConfigFilePath}: ${(error as Error).message}`);
  }
  for (const file of files) loaded.addSourceFileAtPath(file);
  if (tsConfigFilePath !== undefined) {
    // the project's own declaration files (globals, ambient modules) type the code as its build sees it
    const parsed = ts.getParsedCommandLineOfConfigFile(tsConfigFilePath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    for (const file of parsed?.fileNames ?? []) if (/\.d\.[cm]?ts$/.test(file)) loaded.addSourceFileAtPath(file);
  }
  return loaded;
}

/** The error messages of a file, to compare a rewritten file with its original. */
function errorsOf(program: ts.Program, fileName: string): string[] {
  const sf = program.getSourceFile(fileName);
  if (sf === undefined) return [];
  return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const line = d.start === undefined ? 0 : sf.getLineAndCharacterOfPosition(d.start).line + 1;
      return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

/**
 * A program like `program` with some files' texts replaced: every other file, the library files
 * included (ts-morph keeps those in a folder of its own), is taken from `program`; the new texts are
 * parsed as the program asks (its module format for each file).
 */
function programWith(program: ts.Program, texts: ReadonlyMap<string, string>): ts.Program {
  const options = program.getCompilerOptions();
  const host = ts.createCompilerHost(options, true);
  const lib = program.getSourceFiles().find((sf) => program.isSourceFileDefaultLibrary(sf));
  if (lib !== undefined) {
    const libDir = dirname(lib.fileName);
    host.getDefaultLibLocation = () => libDir;
    host.getDefaultLibFileName = (o) => `${libDir}/${ts.getDefaultLibFileName(o)}`;
  }
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const text = texts.get(resolve(fileName));
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersionOrOptions, true);
    return program.getSourceFile(fileName) ?? read(fileName, languageVersionOrOptions, onError, shouldCreate);
  };
  return ts.createProgram({ rootNames: program.getRootFileNames(), options, host, oldProgram: program });
}

/** Relative to `cwd`, with `/`. */
function display(cwd: string, path: string): string {
  return relative(cwd, path).split(sep).join('/');
}

/** The places `sf` names the package (`import … from`, `import … = require`, `require(…)`). */
function packageSpecifiers(sf: ts.SourceFile): ts.StringLiteralLike[] {
  const out: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) && node.text === PACKAGE) {
      const p = node.parent;
      if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isExternalModuleReference(p) ||
        (ts.isCallExpression(p) && ts.isIdentifier(p.expression) && p.expression.text === 'require')) out.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * Migrates `targets` (absolute paths of files in `project`); nothing is written. A UsageError when a
 * file names the package but the package cannot be resolved from it (without its types no use could
 * be found, and the report would wrongly say none is left).
 */
export function migrateProject(project: Project, targets: readonly string[], cwd: string): Migration {
  const program = project.getProgram().compilerObject;
  const checker = program.getTypeChecker();
  const outcomes = new Map<string, ReturnType<FileMigration['run']>>();
  for (const target of targets) {
    const sf = program.getSourceFile(target);
    if (sf === undefined) continue;
    const isTypeScript = !/\.[cm]?jsx?$/.test(target);
    for (const specifier of packageSpecifiers(sf)) {
      const inRequire = ts.isCallExpression(specifier.parent);
      if ((!inRequire || !isTypeScript) && checker.getSymbolAtLocation(specifier) === undefined) {
        throw new UsageError(`${display(cwd, target)}: '${PACKAGE}' cannot be resolved from this file: install it (npm install), or pass --project with the tsconfig.json that resolves it`);
      }
    }
    outcomes.set(target, new FileMigration(sf, checker).run());
  }

  // A rewritten file must type-check as well as it did: one that would not is left as it was.
  const rewritten = new Map([...outcomes].filter(([, o]) => o.after !== o.before).map(([path, o]) => [resolve(path), o.after]));
  const refused = new Map<string, string>();
  if (rewritten.size > 0) {
    const after = programWith(program, rewritten);
    for (const path of rewritten.keys()) {
      const now = errorsOf(after, path);
      if (now.length === 0) continue;
      const was = errorsOf(program, path).map((e) => e.replace(/^line \d+: /, ''));
      const added = now.filter((e) => {
        const i = was.indexOf(e.replace(/^line \d+: /, ''));
        if (i === -1) return true;
        was.splice(i, 1);
        return false;
      });
      if (added.length > 0) refused.set(path, added[0]!);
    }
  }

  const migration: Migration = { files: [], changed: [], remainingBefore: [], remainingAfter: [] };
  for (const [path, outcome] of outcomes) {
    const file = display(cwd, path);
    const failure = refused.get(resolve(path));
    if (outcome.after !== outcome.before && failure === undefined) {
      migration.files.push({ path, before: outcome.before, after: outcome.after });
      for (const c of outcome.changes) migration.changed.push({ file, line: c.line, rule: c.rule, old: c.old, new: c.new });
    }
    const remaining = failure === undefined ? outcome.remaining : outcome.all;
    for (const r of remaining) {
      const entry = apiEntry(r.api);
      const reason = failure !== undefined
        ? `the rewritten file would not type-check (${failure}), so it is left as it was${r.reason ? `; and: ${r.reason}` : ''}`
        : r.reason ?? entry.reason;
      const guide = guideLink(entry.guide);
      migration.remainingBefore.push({ file, line: r.line, api: r.api, reason, guide });
      migration.remainingAfter.push({ file, line: failure === undefined ? r.newLine : r.line, api: r.api, reason, guide });
    }
  }
  return migration;
}

/** Loads the project and migrates the files under `paths`; nothing is written. */
export function migrate(options: { cwd: string; paths: readonly string[]; project?: string }): Migration {
  const files = sourceFiles(options.cwd, options.paths);
  const project = loadProject(options.cwd, files, options.project);
  return migrateProject(project, files, options.cwd);
}
