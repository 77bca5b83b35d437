/**
 * Each rewrite rule of comet-bridge-migrate on its own fixture (test/migrate/fixtures/rules/RULE/): the
 * codemod turns `before.*` into exactly `after.*`, which type-checks under `strict` and prints what
 * `before.*` prints. The fixtures run in the packed package's ES-module project (test/support/packed.ts),
 * importing it as `comet-bridge`; one ts-morph Project holds them all. `commonjs/` is a CommonJS
 * JavaScript file (`require`), for the import fix-up and the rewrites without type annotations.
 * After a deliberate change of a rule, `UPDATE_FIXTURES=1 npx mocha test/migrate/rules.test.ts` writes
 * the codemod's output to the `after.*` files: read their diff before committing it.
 */
import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { RULES } from '../../packages/migrate/src/api.js';
import { loadProject, migrateProject, type Migration } from '../../packages/migrate/src/migrate.js';
import { packedProjects, pool, root, runProgram, type Outcome } from '../support/packed.js';
import { strictNodeNext } from '../support/typescript.js';

const fixtures = join(root, 'test/migrate/fixtures/rules');

interface Fixture {
  /** The folder's name: a rule's, or `commonjs`. */
  readonly name: string;
  /** The extension of its files: `mts`, `cjs`… */
  readonly ext: string;
}

const list: Fixture[] = readdirSync(fixtures).sort().map((name) => {
  const before = readdirSync(join(fixtures, name)).find((f) => f.startsWith('before.'));
  if (before === undefined) throw new Error(`${name}/ has no before file`);
  return { name, ext: before.slice('before.'.length) };
});

describe('comet-bridge-migrate: each rewrite rule on its fixture', function () {
  this.timeout(120_000);
  let dir: string;
  let migration: Migration;
  const written = new Map<string, string>();
  const errors = new Map<string, string[]>();
  const runs = new Map<string, { before: Outcome; after: Outcome }>();

  const beforeFile = (f: Fixture): string => join(dir, 'before', `${f.name}.${f.ext}`);
  const afterFile = (f: Fixture): string => join(dir, 'after', `${f.name}.${f.ext}`);

  before(async function () {
    dir = mkdtempSync(join(packedProjects().esm, 'rules-'));
    mkdirSync(join(dir, 'before'));
    mkdirSync(join(dir, 'after'));
    for (const f of list) copyFileSync(join(fixtures, f.name, `before.${f.ext}`), beforeFile(f));
    const files = list.map(beforeFile);
    migration = migrateProject(loadProject(dir, files), files, dir);
    for (const f of list) {
      const changed = migration.files.find((c) => c.path === beforeFile(f));
      const text = changed?.after ?? readFileSync(beforeFile(f), 'utf8');
      written.set(f.name, text);
      writeFileSync(afterFile(f), text);
      if (process.env.UPDATE_FIXTURES === '1') writeFileSync(join(fixtures, f.name, `after.${f.ext}`), text);
    }
    const program = ts.createProgram(list.map(afterFile), { ...strictNodeNext, allowJs: true, checkJs: true });
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const name = d.file ? basename(d.file.fileName).replace(/\.\w+$/, '') : 'options';
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      errors.set(name, [...(errors.get(name) ?? []), `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`]);
    }
    const outcomes = await pool(list.flatMap((f) => [() => runProgram(beforeFile(f), dir), () => runProgram(afterFile(f), dir)]));
    list.forEach((f, i) => runs.set(f.name, { before: outcomes[2 * i]!, after: outcomes[2 * i + 1]! }));
  });

  it('has a fixture for every rule, and nothing but rules and the CommonJS one', () => {
    expect(list.map((f) => f.name).filter((n) => n !== 'commonjs')).to.have.members(Object.keys(RULES));
    expect(list.find((f) => f.name === 'commonjs')?.ext).to.equal('cjs');
  });

  for (const f of list) {
    describe(f.name, () => {
      it(`rewrites before.${f.ext} into after.${f.ext}`, () => {
        const expected = readFileSync(join(fixtures, f.name, `after.${f.ext}`), 'utf8');
        expect(written.get(f.name)).to.equal(expected);
        expect(expected).to.not.equal(readFileSync(join(fixtures, f.name, `before.${f.ext}`), 'utf8'));
      });

      it('reports each rewrite with its rule', () => {
        const rules = new Set(migration.changed.filter((c) => c.file === `before/${f.name}.${f.ext}`).map((c) => c.rule));
        if (f.name !== 'commonjs') expect([...rules]).to.include(f.name);
        else expect([...rules]).to.include.members(['comet-apply', 'enumerator-values', 'iteratee-loop']);
      });

      it('writes code that type-checks under strict', () => {
        expect(errors.get(f.name) ?? [], `after/${f.name}.${f.ext}`).to.deep.equal([]);
      });

      it('writes code that prints what the old code printed', () => {
        const { before, after } = runs.get(f.name)!;
        if (before.error) throw new Error(`before/${f.name} failed: ${before.error.message}\n${before.stderr}`);
        if (after.error) throw new Error(`after/${f.name} failed: ${after.error.message}\n${after.stderr}`);
        expect(before.stdout).to.not.equal('');
        expect(after.stdout).to.equal(before.stdout);
      });
    });
  }

  it('no longer warns where everything was rewritten', () => {
    for (const f of list) {
      const left = migration.remainingAfter.filter((r) => r.file === `before/${f.name}.${f.ext}`);
      const { after } = runs.get(f.name)!;
      if (left.length === 0) expect(after.stderr, f.name).to.not.include('COMETBRIDGE_DEP');
    }
  });

  it('lists the uses it leaves, each with the API, a reason and a section of the guide', () => {
    const left = migration.remainingAfter.map((r) => `${r.file}:${r.line} ${r.api}`);
    expect(left).to.deep.equal([
      'before/streams-bridge.mts:14 Enumerator.of',
      'before/unicast-queue.mts:26 Concurrent.unicast',
      'before/unicast-queue.mts:26 Channel#push',
    ]);
    const [enumerator, unicast] = migration.remainingAfter;
    expect(enumerator!.reason).to.include('where an Enumerator, not an AsyncIterable, is needed');
    expect(unicast!.reason).to.equal('letters is used where an Enumerator, not an AsyncIterable, is needed (in `const later = letters;`)');
    for (const r of migration.remainingAfter) expect(r.guide).to.match(/^migration-guide\.md#[a-z0-9-]+$/);
  });
});
