/**
 * comet-bridge-migrate on a realistic legacy project (test/migrate/fixtures/project/): several files,
 * ES modules and CommonJS (a `.cts` module and a `.cjs` script), every deprecated API mixed with code
 * that uses the same method names on other types (`Function.prototype.apply`, a `run()` of its own, a
 * class with `through()`). The project is copied to a temporary git repository whose `node_modules` is
 * the packed package's (test/support/packed.ts), and the command is run as a user runs it: its bin,
 * in the project's folder.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { structuredPatch } from 'diff';
import ts from 'typescript';
import { packedProjects, root, runProgram, type Outcome } from '../support/packed.js';

const fixture = join(root, 'test/migrate/fixtures/project');
const bin = join(root, 'packages/migrate/bin/comet-bridge-migrate.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the command's bin in `cwd`. */
function migrate(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** The project's source files and their texts. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const path = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  walk('');
  return files;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=migrate@example.com', '-c', 'user.name=migrate', ...args], { cwd, encoding: 'utf8' });
}

/** The errors of the project's own tsconfig.json (strict). */
function typeErrors(dir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  expect(config.options.strict).to.equal(true);
  const program = ts.createProgram(config.fileNames, config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('comet-bridge-migrate on a legacy project', function () {
  this.timeout(120_000);
  let dir: string;
  let original: Map<string, string>;
  let behaviourBefore: Outcome;
  /** The `--json` report of the dry run. */
  let planned: { changed: { file: string; line: number; rule: string; old: string; new: string }[]; remaining: Record<string, unknown>[] };

  before(async function () {
    const { esm } = packedProjects();
    dir = mkdtempSync(join(tmpdir(), 'comet-bridge-migrate-project-'));
    cpSync(fixture, dir, { recursive: true });
    symlinkSync(join(esm, 'node_modules'), join(dir, 'node_modules'), 'dir');
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'the legacy project');
    original = snapshot(dir);
    behaviourBefore = await runProgram(join(dir, 'behaviour.mts'), dir);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts from a project that type-checks and passes its behaviour tests', () => {
    expect(typeErrors(dir)).to.deep.equal([]);
    if (behaviourBefore.error) throw new Error(`${behaviourBefore.error.message}\n${behaviourBefore.stderr}`);
    expect(behaviourBefore.stdout).to.match(/^behaviour: ok \d+\n$/);
    expect(behaviourBefore.stderr).to.include('COMETBRIDGE_DEP0001');
  });

  it('a dry run prints a unified diff and the report, changes no file, and exits 1', async () => {
    const run = await migrate(dir, '.');
    expect(run.code, run.stderr).to.equal(1);
    for (const file of ['src/feed.ts', 'src/chat.ts', 'src/report.cts', 'src/worker.cjs']) {
      expect(run.stdout).to.include(`--- a/${file}\n+++ b/${file}\n`);
    }
    expect(run.stdout).to.include('-const greetings = Enumerator.of(\'hello\', \'bonjour\', \'hola\');\n+const greetings = [\'hello\', \'bonjour\', \'hola\'];\n');
    expect(run.stdout).to.include('Would rewrite (dry run: nothing written; --write applies it): 14 in 4 files');
    expect(run.stdout).to.include('src/chat.ts:23  Enumerator#interleave\n      why: interleave() becomes one pushQueue');
    expect(snapshot(dir)).to.deep.equal(original);
    expect(git(dir, 'status', '--porcelain')).to.equal('');
  });

  it('--json prints { changed, remaining } with the fields of each entry', async () => {
    const run = await migrate(dir, '--json', 'src');
    expect(run.code, run.stderr).to.equal(1);
    const report = (planned = JSON.parse(run.stdout) as typeof planned);
    expect(Object.keys(report)).to.deep.equal(['changed', 'remaining']);
    expect(report.changed).to.have.length(14);
    for (const c of report.changed) expect(Object.keys(c)).to.deep.equal(['file', 'line', 'rule', 'old', 'new']);
    for (const r of report.remaining) {
      expect(Object.keys(r)).to.deep.equal(['file', 'line', 'api', 'reason', 'guide']);
      expect(r.reason).to.be.a('string').and.not.equal('');
      expect(r.guide).to.match(/^migration-guide\.md#[a-z0-9-]+$/);
    }
    expect(report.remaining.map((r) => `${r.file}:${r.line} ${r.api}`)).to.deep.equal([
      'src/chat.ts:22 Enumerator',
      'src/chat.ts:22 Enumerator',
      'src/chat.ts:22 Enumerator',
      'src/chat.ts:23 Enumerator#interleave',
      'src/chat.ts:27 Iteratee.fold',
      'src/chat.ts:31 Input.EOF',
      'src/chat.ts:35 Enumerator.fromCallback',
    ]);
    expect(report.changed.find((c) => c.file === 'src/feed.ts' && c.rule === 'comet-apply')).to.deep.include({
      line: 9,
      old: "greetings.through(Comet.apply('parent.greet'))",
      new: "Comet.string('parent.greet')(toSource(greetings))",
    });
    expect(snapshot(dir)).to.deep.equal(original);
  });

  it('refuses --write on a work tree with uncommitted changes, writing nothing (exit 2)', async () => {
    writeFileSync(join(dir, 'src/feed.ts'), original.get('src/feed.ts') + '// an edit in progress\n');
    try {
      const run = await migrate(dir, '--write', '.');
      expect(run.code).to.equal(2);
      expect(run.stderr).to.include('uncommitted changes').and.include('src/feed.ts').and.include('--force');
      expect(run.stdout).to.equal('');
      expect(readFileSync(join(dir, 'src/chat.ts'), 'utf8')).to.equal(original.get('src/chat.ts'));
    } finally {
      git(dir, 'checkout', '--', 'src/feed.ts');
    }
  });

  describe('--write', () => {
    let written: Run;
    let after: Map<string, string>;

    before(async () => {
      written = await migrate(dir, '--write', '.');
      after = snapshot(dir);
    });

    it('rewrites the four files that use the deprecated API, and exits 1 for the uses it lists', () => {
      expect(written.code, written.stderr).to.equal(1);
      expect(written.stdout).to.include('Rewritten: 14 in 4 files').and.include('Left for you: 7 uses');
      const changed = [...after].filter(([path, text]) => original.get(path) !== text).map(([path]) => path);
      expect(changed.sort()).to.deep.equal(['src/chat.ts', 'src/feed.ts', 'src/report.cts', 'src/worker.cjs']);
      expect(after.get('src/report.cts')).to.include("import { toSource } from 'comet-bridge';");
      expect(after.get('src/worker.cjs')).to.include("const { toSource } = require('comet-bridge');");
      expect(after.get('src/feed.ts')).to.include("import { Comet, sendComet, toSource } from 'comet-bridge';");
    });

    it('leaves a project that type-checks under strict', () => {
      expect(typeErrors(dir)).to.deep.equal([]);
    });

    it('leaves a project whose behaviour tests pass unchanged', async () => {
      expect(after.get('behaviour.mts')).to.equal(original.get('behaviour.mts'));
      const behaviour = await runProgram(join(dir, 'behaviour.mts'), dir);
      if (behaviour.error) throw new Error(`${behaviour.error.message}\n${behaviour.stderr}`);
      expect(behaviour.stdout).to.equal(behaviourBefore.stdout);
      // what is left in src/chat.ts still warns; nothing else does
      expect(behaviour.stderr).to.not.include('COMETBRIDGE_DEP0003').and.not.include('COMETBRIDGE_DEP0004').and.not.include('COMETBRIDGE_DEP0006');
    });

    it('touches nothing unrelated: every changed part is a rewrite it reports or an import line', async () => {
      const report = JSON.parse((await migrate(dir, '--json', '.')).stdout) as { changed: unknown[] };
      expect(report.changed, 'nothing left to rewrite').to.deep.equal([]);
      const ranges = planned.changed.map((c) => ({ file: c.file, from: c.line, to: c.line + c.old.split('\n').length - 1 }));
      expect(ranges.length).to.equal(14);
      for (const [path, before] of original) {
        const now = after.get(path)!;
        for (const line of before.split('\n').filter((l) => l.includes('// keep'))) expect(now, path).to.include(line);
        if (now === before) continue;
        const patch = structuredPatch(path, path, before, now, '', '', { context: 0 });
        for (const hunk of patch.hunks) {
          const removed = hunk.lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1));
          const explained =
            ranges.some((c) => c.file === path && c.from < hunk.oldStart + Math.max(hunk.oldLines, 1) && c.to >= hunk.oldStart) ||
            (removed.length > 0 && removed.every((l) => /^(import |const \{ .* \} = require\()/.test(l))) ||
            (removed.length === 0 && hunk.lines.some((l) => /^\+(async )?function\*? /.test(l)));
          expect(explained, `${path}: ${hunk.lines.join('\n')}`).to.equal(true);
        }
      }
    });

    it('a second --write changes nothing', async () => {
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', 'migrated');
      const again = await migrate(dir, '--write', '.');
      expect(again.code, again.stderr).to.equal(1);
      expect(again.stdout).to.match(/^Nothing to rewrite\.\n\nLeft for you: 7 uses/);
      expect(snapshot(dir)).to.deep.equal(after);
      expect(git(dir, 'status', '--porcelain')).to.equal('');
    });

    it('--force runs on a work tree with uncommitted changes', async () => {
      writeFileSync(join(dir, 'notes.txt'), 'not committed\n');
      try {
        const forced = await migrate(dir, '--write', '--force', 'src');
        expect(forced.code, forced.stderr).to.equal(1);
        expect(forced.stdout).to.include('Nothing to rewrite.');
      } finally {
        rmSync(join(dir, 'notes.txt'));
      }
    });

    it('exits 0 where nothing deprecated remains', async () => {
      const clean = await migrate(dir, 'src/feed.ts', 'src/report.cts', 'src/worker.cjs');
      expect(clean.code, clean.stdout + clean.stderr).to.equal(0);
      expect(clean.stdout).to.equal('Nothing to rewrite.\n\nLeft for you: nothing.\n');
    });
  });

  describe('usage errors exit 2', () => {
    for (const [args, message] of [
      [['--frobnicate', '.'], 'unknown option --frobnicate'],
      [[], 'no paths given'],
      [['missing/'], 'missing/: no such file or directory'],
      [['--project', 'nope.json', '.'], '--project nope.json: no such file'],
      [['--project'], '--project needs a tsconfig.json path'],
    ] as const) {
      it(`${args.join(' ') || '(no arguments)'}: ${message}`, async () => {
        const run = await migrate(dir, ...args);
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include(`comet-bridge-migrate: ${message}`);
        expect(run.stdout).to.equal('');
      });
    }

    it('a file naming comet-bridge where it cannot be resolved: says so rather than find nothing', async () => {
      const bare = mkdtempSync(join(tmpdir(), 'comet-bridge-migrate-bare-'));
      try {
        writeFileSync(join(bare, 'app.mts'), "import { Enumerator } from 'comet-bridge';\nfor await (const x of Enumerator.of(1)) console.log(x);\n");
        const run = await migrate(bare, 'app.mts');
        expect(run.code).to.equal(2);
        expect(run.stderr).to.include("comet-bridge-migrate: app.mts: 'comet-bridge' cannot be resolved from this file");
      } finally {
        rmSync(bare, { recursive: true, force: true });
      }
    });

    it('--help prints the usage and the rules, and exits 0', async () => {
      const run = await migrate(dir, '--help');
      expect(run.code).to.equal(0);
      expect(run.stdout).to.match(/^Usage: comet-bridge-migrate \[--write\] \[--json\] \[--force\] \[--project tsconfig\.json\] <paths\.\.\.>/);
      expect(run.stdout).to.include('comet-apply:').and.include('iteratee-loop:');
    });
  });
});
