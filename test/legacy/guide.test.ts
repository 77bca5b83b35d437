/**
 * Runs every TypeScript block of migration-guide.md as its own program and checks what it prints
 * against the `// prints` block that follows it. Blocks tagged `before:NAME` and `after:NAME` must
 * print the same bytes.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const guidePath = join(root, 'migration-guide.md');
const packageEntry = pathToFileURL(join(root, 'src/index.ts')).href;

interface Example {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  expected: string;
  pair?: { side: 'before' | 'after'; name: string };
}

interface Fence {
  line: number;
  lang: string;
  info: string;
  body: string;
}

/** Every fenced block of the guide, in order. */
function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`unclosed code block at line ${start + 1}`);
    out.push({ line: start + 1, lang: open[1]!, info: open[2]!.trim(), body: body.join('\n') });
  }
  return out;
}

/** The ts blocks, each with the `// prints` block after it. */
function examples(markdown: string): Example[] {
  const all = fences(markdown);
  const out: Example[] = [];
  all.forEach((fence, i) => {
    if (fence.lang !== 'ts') return;
    const next = all[i + 1];
    if (next?.lang !== 'text' || !next.body.startsWith('// prints')) {
      throw new Error(`the ts block at line ${fence.line} is not followed by a \`// prints\` text block`);
    }
    const tag = /^(before|after):([\w-]+)$/.exec(fence.info);
    out.push({
      line: fence.line,
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

/** Runs one block with tsx in a child process, `'comet-bridge'` resolved to the package source. */
function runBlock(dir: string, example: Example): Promise<Outcome> {
  const file = join(dir, `block-${example.line}.mts`);
  writeFileSync(file, example.code.replaceAll(`from 'comet-bridge'`, `from '${packageEntry}'`));
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd: root, timeout: 15_000, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => done({ stdout, stderr, error }),
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

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'comet-bridge-guide-'));
    const results = await pool(list.map((example) => () => runBlock(dir, example)));
    list.forEach((example, i) => outcomes.set(example, results[i]!));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has runnable examples, each followed by its output, covering every step', () => {
    expect(list.length).to.be.at.least(12);
    const pairs = list.filter((e) => e.pair).map((e) => `${e.pair!.side}:${e.pair!.name}`);
    for (const name of ['serve', 'json', 'producer', 'broadcast', 'unicast', 'pipeline']) {
      expect(pairs, name).to.include.members([`before:${name}`, `after:${name}`]);
    }
  });

  for (const example of list) {
    const title = example.pair ? `${example.pair.side} ${example.pair.name}` : 'example';
    it(`the ${title} block at line ${example.line} prints what the guide says`, () => {
      const outcome = outcomes.get(example)!;
      if (outcome.error) throw new Error(`block at line ${example.line} failed: ${outcome.error.message}\n${outcome.stderr}`);
      expect(outcome.stdout.trimEnd()).to.equal(example.expected.trimEnd());
    });
  }

  it('each before/after pair prints the same bytes', () => {
    const byName = new Map<string, Partial<Record<'before' | 'after', string>>>();
    for (const example of list) {
      if (!example.pair) continue;
      const entry = byName.get(example.pair.name) ?? {};
      entry[example.pair.side] = outcomes.get(example)!.stdout;
      byName.set(example.pair.name, entry);
    }
    expect(byName.size).to.be.at.least(6);
    for (const [name, { before, after }] of byName) {
      expect(before, `before:${name}`).to.be.a('string').and.not.equal('');
      expect(after, `after:${name} prints what before:${name} prints`).to.equal(before);
    }
  });
});
