/**
 * comet-bridge-migrate on a generated legacy project of 500 files and 20,000 lines (50 files with
 * `--quick`): the time of a dry run (the command's bin, as a user runs it, `--json` so the output is
 * data), beside `tsc --noEmit` of the same project, the floor of any tool that needs its types.
 * Each file mixes deprecated uses the codemod rewrites, uses it leaves, and ordinary code.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatRatio, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

const run$ = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'packages/migrate/bin/comet-bridge-migrate.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const LINES_PER_FILE = 40;
const TARGET_SECONDS = 30;

/** One generated module of exactly {@link LINES_PER_FILE} lines. */
function moduleText(i: number): string {
  const lines = [
    `import type { ServerResponse } from 'node:http';`,
    `import { Comet, Enumeratee, Enumerator, Iteratee, sendComet } from 'comet-bridge';`,
    ``,
    `export interface Row${i} {`,
    `  id: number;`,
    `  name: string;`,
    `  score: number;`,
    `}`,
    ``,
    `const rows: Row${i}[] = Array.from({ length: 10 }, (_, id) => ({ id, name: \`row-\${id}\`, score: (id * ${i}) % 7 }));`,
    `const names = Enumerator.of('a${i}', 'b${i}', 'c${i}');`,
    ``,
    `export function serve${i}(res: ServerResponse): Promise<unknown> {`,
    `  return sendComet(res, names.through(Comet.apply('parent.cb${i}')));`,
    `}`,
    ``,
    `export async function total${i}(): Promise<number> {`,
    `  const sum = await Enumerator.enumerate(rows).run(Iteratee.fold(0, (acc: number, row: Row${i}) => acc + row.score));`,
    `  return sum;`,
    `}`,
    ``,
    `export async function shout${i}(words: string[]): Promise<string[]> {`,
    `  const upper = Enumeratee.map((word: string) => word.toUpperCase());`,
    `  return await Enumerator.enumerate(words).through(upper).run(Iteratee.getChunks());`,
    `}`,
    ``,
    `export function merged${i}(a: Enumerator<number>, b: Enumerator<number>): Enumerator<number> {`,
    `  return a.interleave(b);`,
    `}`,
    ``,
    `export function best${i}(values: number[]): number {`,
    `  let best = -Infinity;`,
    `  for (const value of values) if (value > best) best = value;`,
    `  return Math.max.apply(null, [best, ...values]);`,
    `}`,
    ``,
    `export function label${i}(row: Row${i}): string {`,
    `  return [row.id, row.name, row.score].map(String).join(' / ');`,
    `}`,
    ``,
  ];
  if (lines.length !== LINES_PER_FILE) throw new Error(`a generated module has ${lines.length} lines`);
  return lines.join('\n');
}

/** Writes the project: `files` modules under src/, a strict tsconfig.json resolving the package to its sources. */
function generate(dir: string, files: number): void {
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'generated-legacy', private: true, type: 'module' }) + '\n');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: true, noEmit: true,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], paths: { 'comet-bridge': [join(ROOT, 'src/index.ts')] },
      },
      include: ['src'],
    }, null, 2) + '\n',
  );
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'src', `module${String(i).padStart(3, '0')}.ts`), moduleText(i));
}

async function seconds(task: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await task();
  return (performance.now() - t0) / 1000;
}

/** Runs the benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const files = settings.quick ? 50 : 500;
  const dir = mkdtempSync(join(tmpdir(), 'comet-bridge-migrate-bench-'));
  try {
    generate(dir, files);
    const env = { ...process.env, NODE_OPTIONS: '' };
    let report: { changed: unknown[]; remaining: unknown[] } = { changed: [], remaining: [] };
    const dryRun = await seconds(async () => {
      try {
        await run$(process.execPath, [BIN, '--json', 'src'], { cwd: dir, env, maxBuffer: 1 << 30 });
      } catch (error) {
        // exit code 1: uses remain, as they do here
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        if (failed.code !== 1) throw new Error(`comet-bridge-migrate failed: ${failed.stderr ?? String(error)}`);
        report = JSON.parse(failed.stdout!) as typeof report;
      }
    });
    const tsc = await seconds(() => run$(process.execPath, [TSC, '-p', dir], { cwd: dir, env }));
    const lines = files * LINES_PER_FILE;
    return {
      title: 'comet-bridge-migrate: a dry run on a generated legacy project',
      columns: ['project', 'rewrites', 'uses left', 'dry run', 'tsc --noEmit', 'ratio', `under ${TARGET_SECONDS} s`],
      rows: [[
        `${files} files, ${lines.toLocaleString('en-US')} lines`,
        report.changed.length,
        report.remaining.length,
        `${dryRun.toFixed(1)} s`,
        `${tsc.toFixed(1)} s`,
        formatRatio(dryRun / tsc),
        verdict(dryRun < TARGET_SECONDS),
      ]],
      notes: [
        '`npx comet-bridge-migrate --json src` in the generated project, timed from the start of the process to its exit: loading TypeScript, type-checking, deciding every rewrite, type-checking the rewritten files again, printing the report. `tsc --noEmit` type-checks the same project once. Both resolve `comet-bridge` to its sources (a `paths` entry), so both check the library too.',
        'Each module mixes rewritable uses (Comet.apply over an Enumerator.of, fold, getChunks, an Enumeratee.map constant), uses left for a person (interleave, Enumerator types in a signature) and ordinary code with look-alike names (Function.prototype.apply, Array.prototype.map).',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
