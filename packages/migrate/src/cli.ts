/**
 * `comet-bridge-migrate [--write] [--json] [--force] [--project tsconfig.json] <paths...>`: a dry run
 * by default (a unified diff and a report; nothing written), `--write` to apply. Exit code 0 when
 * nothing deprecated remains, 1 when uses remain (listed), 2 for a usage error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { RULES } from './api.js';
import { migrate, UsageError, type Change, type Remaining } from './migrate.js';

/** Where the command runs and writes. */
export interface Io {
  readonly cwd: string;
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/** The options of one run. */
export interface CliOptions {
  readonly write: boolean;
  readonly json: boolean;
  readonly force: boolean;
  readonly help: boolean;
  readonly project?: string;
  readonly paths: string[];
}

export const USAGE = `Usage: comet-bridge-migrate [--write] [--json] [--force] [--project tsconfig.json] <paths...>

Rewrites uses of comet-bridge's deprecated Enumerator API (Enumerator, Enumeratee, Iteratee,
Concurrent, Streams, Comet.apply) into async iterables, as migration-guide.md teaches, and lists the
uses it cannot rewrite without changing what the code does.

  <paths...>         files and directories to migrate (directories are searched; node_modules skipped)
  --write            apply the changes (refused on a git work tree with uncommitted changes)
  --force            with --write: run even on a work tree with uncommitted changes
  --json             print { "changed": [...], "remaining": [...] } instead of the diff and the report
  --project <file>   the tsconfig.json to type-check with (default: the nearest one above the paths)
  -h, --help         this text

Without --write nothing is written: it prints a unified diff of what it would change, then the report.
Exit code: 0 when no deprecated use remains, 1 when some remain (a dry run leaves them all), 2 for a
usage error.
`;

/** The options in `argv`; a UsageError for a bad one. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const options = { write: false, json: false, force: false, help: false, project: undefined as string | undefined, paths: [] as string[] };
  let onlyPaths = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPaths || !arg.startsWith('-') || arg === '-') options.paths.push(arg);
    else if (arg === '--') onlyPaths = true;
    else if (arg === '--write') options.write = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--force') options.force = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--project' || arg === '-p') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${arg} needs a tsconfig.json path`);
      options.project = value;
    } else if (arg.startsWith('--project=')) {
      options.project = arg.slice('--project='.length);
      if (options.project === '') throw new UsageError('--project needs a tsconfig.json path');
    } else throw new UsageError(`unknown option ${arg}`);
  }
  if (!options.help && options.paths.length === 0) throw new UsageError('no paths given');
  return options;
}

/** The uncommitted changes (`git status --porcelain` lines) of the work trees holding `paths`. */
export function uncommitted(cwd: string, paths: readonly string[]): string[] {
  const tops = new Set<string>();
  for (const path of paths) {
    const full = resolve(cwd, path);
    const dir = existsSync(full) && statSync(full).isDirectory() ? full : dirname(full);
    try {
      tops.add(execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      // not in a git work tree (or no git): nothing to protect
    }
  }
  const lines: string[] = [];
  for (const top of tops) {
    const status = execFileSync('git', ['-C', top, 'status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const line of status.split('\n')) if (line.trim() !== '') lines.push(`${relative(cwd, top).split(sep).join('/') || '.'}: ${line}`);
  }
  return lines;
}

/** One line of a text: the first, its spaces squeezed, cut at `max`. */
function short(text: string, max = 100): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The human report: the changes, then the uses left, each with its reason and the guide's section. */
export function report(changed: readonly Change[], remaining: readonly Remaining[], written: boolean): string {
  const lines: string[] = [];
  const files = new Set(changed.map((c) => c.file)).size;
  const verb = written ? 'Rewritten' : 'Would rewrite (dry run: nothing written; --write applies it)';
  lines.push(changed.length === 0 ? 'Nothing to rewrite.' : `${verb}: ${changed.length} in ${files} file${files === 1 ? '' : 's'}`);
  for (const c of changed) lines.push(`  ${c.file}:${c.line}  [${c.rule}]  ${short(c.old)}  →  ${short(c.new)}`);
  lines.push('');
  if (remaining.length === 0) lines.push('Left for you: nothing.');
  else {
    lines.push(`Left for you: ${remaining.length} use${remaining.length === 1 ? '' : 's'} of the deprecated API`);
    for (const r of remaining) {
      lines.push(`  ${r.file}:${r.line}  ${r.api}`);
      lines.push(`      why: ${r.reason}`);
      lines.push(`      read: ${r.guide}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Runs the command; resolves with its exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`comet-bridge-migrate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.out.write(USAGE + `\nRewrite rules:\n${Object.entries(RULES).map(([id, text]) => `  ${id}: ${text}`).join('\n')}\n`);
    return 0;
  }
  try {
    if (options.write && !options.force) {
      const dirty = uncommitted(io.cwd, options.paths);
      if (dirty.length > 0) {
        io.err.write(
          'comet-bridge-migrate: the git work tree has uncommitted changes; commit or stash them first (so the rewrite is a diff of its own), or pass --force:\n' +
            dirty.slice(0, 10).map((l) => `  ${l}\n`).join('') + (dirty.length > 10 ? `  … and ${dirty.length - 10} more\n` : ''),
        );
        return 2;
      }
    }
    const migration = migrate({ cwd: io.cwd, paths: options.paths, project: options.project });
    const remaining = options.write ? migration.remainingAfter : migration.remainingBefore;
    if (options.write) for (const file of migration.files) writeFileSync(file.path, file.after);
    if (options.json) {
      io.out.write(JSON.stringify({ changed: migration.changed, remaining }, null, 2) + '\n');
    } else {
      if (!options.write) {
        for (const file of migration.files) {
          const name = relative(io.cwd, file.path).split(sep).join('/');
          io.out.write(createTwoFilesPatch(`a/${name}`, `b/${name}`, file.before, file.after, undefined, undefined, { context: 3 }));
        }
        if (migration.files.length > 0) io.out.write('\n');
      }
      io.out.write(report(migration.changed, remaining, options.write));
    }
    const left = options.write ? remaining.length : remaining.length + migration.changed.length;
    return left > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`comet-bridge-migrate: ${error.message}\n`);
    return 2;
  }
}
