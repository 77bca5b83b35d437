/**
 * Runs every block of migration-guide.md as copied, as its own program, against the packed package:
 * `npm pack` makes the tarball, which is installed (offline: it has no runtime dependencies) in a fresh
 * `"type": "module"` project for the `ts` blocks (run with tsx) and a fresh `"type": "commonjs"` project
 * for the `js` blocks (run with node). Each block's output is checked against the `// prints` block that
 * follows it; blocks tagged `before:NAME` and `after:NAME` must all print the same bytes. Needs dist/
 * (`npm test` builds it first).
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fences } from '../support/markdown.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
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

interface Outcome {
  stdout: string;
  stderr: string;
  error: Error | null;
}

interface Projects {
  esm: string;
  cjs: string;
}

/** Packs the package and installs the tarball in a fresh ES-module and a fresh CommonJS project. */
function makeProjects(dir: string): Projects {
  const npm = (args: string[], cwd: string): string =>
    execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', npm_config_update_notifier: 'false' } });
  npm(['pack', '--silent', '--pack-destination', dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack made no tarball');
  const make = (name: string, type: string): string => {
    const project = join(dir, name);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `guide-${name}`, private: true, type }) + '\n');
    npm(['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--silent', join(dir, tarball)], project);
    symlinkSync(join(root, 'node_modules/tsx'), join(project, 'node_modules/tsx'), 'dir');
    return project;
  };
  return { esm: make('esm', 'module'), cjs: make('cjs', 'commonjs') };
}

/** Runs one block unchanged in its project: a `ts` block with tsx, a `js` block with node. */
function runBlock(projects: Projects, example: Example): Promise<Outcome> {
  const cwd = example.lang === 'ts' ? projects.esm : projects.cjs;
  const file = join(cwd, `block-${example.line}.${example.lang}`);
  writeFileSync(file, example.code);
  const args = example.lang === 'ts' ? ['--import', 'tsx', file] : [file];
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, timeout: 15_000, env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout, stderr) =>
      done({ stdout, stderr, error }),
    );
  });
}

/** Runs `tasks` two at a time (the machine is shared). */
async function pool<T>(tasks: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

const list = examples(readFileSync(guidePath, 'utf8'));

describe('migration-guide.md', function () {
  this.timeout(60_000);
  const outcomes = new Map<Example, Outcome>();
  let dir: string;

  before(async function () {
    if (!existsSync(join(root, 'dist/esm/index.js'))) throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    dir = mkdtempSync(join(tmpdir(), 'comet-bridge-guide-'));
    const projects = makeProjects(dir);
    const results = await pool(list.map((example) => () => runBlock(projects, example)));
    list.forEach((example, i) => outcomes.set(example, results[i]!));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
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
