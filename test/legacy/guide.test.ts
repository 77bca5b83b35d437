/**
 * Runs every block of migration-guide.md as copied, as its own program, against the packed package
 * (test/support/packed.ts): in the `"type": "module"` project for the `ts` blocks (run with tsx) and the
 * `"type": "commonjs"` project for the `js` blocks (run with node). Each block's output is checked
 * against the `// prints` block that follows it; blocks tagged `before:NAME` and `after:NAME` must all
 * print the same bytes; and each `before:NAME` block, rewritten by comet-bridge-migrate, prints the same
 * with no deprecated use left. Needs dist/ (`npm test` builds it first).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, migrateProject, type Migration } from '../../packages/migrate/src/migrate.js';
import { fences } from '../support/markdown.js';
import { packedProjects, pool, root, runProgram, type Outcome, type Projects } from '../support/packed.js';

const guidePath = join(root, 'migration-guide.md');

interface Example {
  /** 1-based line of the opening fence. */
  line: number;
  /** `ts`: an ES module run with tsx; `js`: a CommonJS program run with node. */
  lang: 'ts' | 'js';
  code: string;
  expected: string;
  pair?: { side: 'before' | 'after'; name: string };
}

/** The ts and js blocks, each with the `// prints` block after it. */
function examples(markdown: string): Example[] {
  const all = fences(markdown);
  const out: Example[] = [];
  all.forEach((fence, i) => {
    if (fence.lang !== 'ts' && fence.lang !== 'js') return;
    const next = all[i + 1];
    if (next?.lang !== 'text' || !next.body.startsWith('// prints')) {
      throw new Error(`the ${fence.lang} block at line ${fence.line} is not followed by a \`// prints\` text block`);
    }
    const tag = /^(before|after):([\w-]+)$/.exec(fence.info);
    out.push({
      line: fence.line,
      lang: fence.lang,
      code: fence.body,
      expected: next.body.split('\n').slice(1).join('\n'),
      pair: tag ? { side: tag[1] as 'before' | 'after', name: tag[2]! } : undefined,
    });
  });
  return out;
}

/** Runs one block unchanged in its project: a `ts` block with tsx, a `js` block with node. */
function runBlock(projects: Projects, example: Example): Promise<Outcome> {
  const cwd = example.lang === 'ts' ? projects.esm : projects.cjs;
  const file = join(cwd, `block-${example.line}.${example.lang}`);
  writeFileSync(file, example.code);
  return runProgram(file, cwd);
}

const list = examples(readFileSync(guidePath, 'utf8'));

describe('migration-guide.md', function () {
  this.timeout(60_000);
  const outcomes = new Map<Example, Outcome>();

  before(async function () {
    const projects = packedProjects();
    const results = await pool(list.map((example) => () => runBlock(projects, example)));
    list.forEach((example, i) => outcomes.set(example, results[i]!));
  });

  it('has runnable examples, each followed by its output, covering every step, one of them CommonJS', () => {
    expect(list.length).to.be.at.least(12);
    expect(list.filter((e) => e.lang === 'js').map((e) => e.pair && `${e.pair.side}:${e.pair.name}`)).to.deep.equal(['after:serve']);
    const serve = list.filter((e) => e.pair?.name === 'serve');
    expect(serve.map((e) => e.code.includes('Comet.apply(')), 'the first example ports Comet(cb) to Comet.apply(cb)').to.deep.equal([true, true, false, false]);
    const pairs = list.filter((e) => e.pair).map((e) => `${e.pair!.side}:${e.pair!.name}`);
    for (const name of ['serve', 'json', 'producer', 'broadcast', 'unicast', 'pipeline']) {
      expect(pairs, name).to.include.members([`before:${name}`, `after:${name}`]);
    }
  });

  for (const example of list) {
    const title = `${example.lang === 'js' ? 'CommonJS ' : ''}${example.pair ? `${example.pair.side} ${example.pair.name}` : 'example'}`;
    it(`the ${title} block at line ${example.line} prints what the guide says`, () => {
      const outcome = outcomes.get(example)!;
      if (outcome.error) throw new Error(`block at line ${example.line} failed: ${outcome.error.message}\n${outcome.stderr}`);
      expect(outcome.stdout.trimEnd()).to.equal(example.expected.trimEnd());
    });
  }

  it('each before block and all its after blocks print the same bytes', () => {
    const byName = new Map<string, { before?: string; after: string[] }>();
    for (const example of list) {
      if (!example.pair) continue;
      const entry = byName.get(example.pair.name) ?? { after: [] };
      const stdout = outcomes.get(example)!.stdout;
      if (example.pair.side === 'before') {
        expect(entry.before, `one before:${example.pair.name}`).to.equal(undefined);
        entry.before = stdout;
      } else entry.after.push(stdout);
      byName.set(example.pair.name, entry);
    }
    expect(byName.size).to.be.at.least(6);
    expect(byName.get('serve')!.after).to.have.length(3);
    for (const [name, { before, after }] of byName) {
      expect(before, `before:${name}`).to.be.a('string').and.not.equal('');
      expect(after, `after:${name}`).to.not.be.empty;
      for (const out of after) expect(out, `after:${name} prints what before:${name} prints`).to.equal(before);
    }
  });
});

describe('migration-guide.md, each before block rewritten by comet-bridge-migrate', function () {
  this.timeout(60_000);
  const befores = list.filter((e) => e.pair?.side === 'before');
  let migration: Migration;
  let dir: string;
  const runs = new Map<Example, Outcome>();

  before(async function () {
    dir = mkdtempSync(join(packedProjects().esm, 'codemod-'));
    const files = befores.map((e) => join(dir, `before-${e.pair!.name}.${e.lang === 'ts' ? 'mts' : 'cjs'}`));
    befores.forEach((e, i) => writeFileSync(files[i]!, e.code));
    migration = migrateProject(loadProject(dir, files), files, dir);
    const results = await pool(befores.map((e, i) => () => {
      const after = join(dir, `after-${e.pair!.name}.${e.lang === 'ts' ? 'mts' : 'cjs'}`);
      writeFileSync(after, migration.files.find((f) => f.path === files[i])?.after ?? e.code);
      return runProgram(after, dir);
    }));
    befores.forEach((e, i) => runs.set(e, results[i]!));
  });

  it('rewrites every deprecated use of every before block, leaving none', () => {
    expect(befores.map((e) => e.pair!.name)).to.have.members(['serve', 'json', 'producer', 'broadcast', 'unicast', 'pipeline']);
    expect(migration.files).to.have.length(befores.length);
    expect(migration.remainingAfter).to.deep.equal([]);
  });

  for (const example of befores) {
    it(`the rewritten before:${example.pair!.name} block prints what the guide says, without a warning`, () => {
      const outcome = runs.get(example)!;
      if (outcome.error) throw new Error(`rewritten block failed: ${outcome.error.message}\n${outcome.stderr}`);
      expect(outcome.stdout.trimEnd()).to.equal(example.expected.trimEnd());
      expect(outcome.stderr).to.not.include('COMETBRIDGE_DEP');
    });
  }
});
