/**
 * `npm run bench`: runs every benchmark in order, prints its table, and writes them all to
 * BENCHMARKS.md with the command, the date and the machine.
 *
 *   npm run bench                       # everything (about 5–10 minutes), writes BENCHMARKS.md
 *   npm run bench -- scale              # those benchmarks only, their sections of BENCHMARKS.md rewritten
 *   npm run bench -- scale --clients 50000
 *   npm run bench -- --quick            # fewer rounds, smaller sizes; prints only
 *   npm run bench -- --only encoder,scale
 *   npm run bench -- sse --quick         # the SSE broadcast only, printed
 *   npm run bench -- --quick --write    # also write BENCHMARKS.md
 *   npm run bench -- migrate            # the codemod's dry run on a generated 500-file project
 *   npm run bench -- topics             # 100,000 topics: memory, publish among them, fan-out to one topic
 *   npm run bench -- fetch              # hub.fetch against hub.serve at 1,000 clients: Node, Bun, Deno
 *   npm run bench -- redis-topics       # topics over Redis: 1,000 topics on 2 processes, the idempotency key, one Redis's ceiling
 *
 * Every figure is a ratio against a baseline measured side by side in the same run. The charts in
 * bench/charts/ are redrawn after every run from the points each benchmark stores. Never part of
 * `npm test`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drawCharts } from './charts.js';
import { buildLibrary, libraryOrigin } from './lib/library.js';
import { machineLine } from './lib/machine.js';
import { ensureBenchProcess } from './lib/respawn.js';
import { renderTable } from './lib/table.js';
import { settingsFromArgv, type BenchTable } from './lib/types.js';

await ensureBenchProcess(import.meta.url);

const BENCHMARKS = ['encoder', 'transport', 'adapters', 'hub', 'sse', 'metrics', 'fetch', 'redis-streams', 'fanout', 'pipeline', 'scale', 'growth', 'cluster', 'topics', 'redis-topics', 'migrate'] as const;

const argv = process.argv.slice(2);
const settings = settingsFromArgv(argv);
const onlyAt = argv.indexOf('--only');
const named = argv.filter((a) => (BENCHMARKS as readonly string[]).includes(a));
const only = onlyAt !== -1 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : named.length > 0 ? new Set(named) : null;
const selected = BENCHMARKS.filter((name) => only === null || only.has(name));
const write = argv.includes('--write') || (!settings.quick && onlyAt === -1);
const command = `npm run bench${argv.length > 0 ? ' -- ' + argv.join(' ') : ''}`;

const machine = machineLine();
const started = new Date();
console.log(`comet-bridge benchmarks: ${command}`);
console.log(`machine: ${machine}`);
console.log(`node: ${process.version}`);
console.log(`date: ${started.toISOString()}`);

const buildProblem = await buildLibrary();
if (buildProblem) console.log(`library: ${buildProblem}; measuring the sources through tsx instead`);
console.log(`library: ${libraryOrigin()}\n`);

/** Each benchmark's section, between markers, so a run of some of them can replace just theirs. */
const sections = new Map<string, string>();
const mark = (name: string, text: string): string => `<!-- bench:${name} -->\n${text}<!-- /bench:${name} -->\n`;
for (const name of selected) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    const line = `bench/${name}.ts is missing: skipped.`;
    console.log(line + '\n');
    sections.set(name, `## ${name}\n\n${line}\n`);
    continue;
  }
  const t0 = performance.now();
  try {
    const mod = (await import(`./${name}.js`)) as { run(settings?: unknown): Promise<BenchTable> };
    const table = await mod.run(settings);
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    const text = renderTable(table, 2);
    console.log(text);
    console.log(`(bench/${name}.ts: ${seconds} s)\n`);
    sections.set(name, text);
  } catch (error) {
    const line = `bench/${name}.ts failed: ${(error as Error)?.stack ?? String(error)}`;
    console.log(line + '\n');
    sections.set(name, `## ${name}\n\nFailed: \`${String((error as Error)?.message ?? error).split('\n')[0]}\`\n`);
    process.exitCode = 1;
  }
}

try {
  for (const file of drawCharts()) console.log(`chart: ${file}`);
} catch (error) {
  console.log(`charts: ${(error as Error).message}`);
}

const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
console.log(`done in ${minutes} min`);
const out = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const NOTES = '<!-- notes -->';
const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
if (write && only !== null && previous.includes('<!-- bench:')) {
  let text = previous;
  for (const [name, section] of sections) {
    const re = new RegExp(`<!-- bench:${name} -->\\n[\\s\\S]*?<!-- /bench:${name} -->\\n`);
    const block = mark(name, section);
    text = re.test(text) ? text.replace(re, () => block) : text.replace(NOTES, () => block + '\n' + NOTES);
  }
  writeFileSync(out, text);
  console.log(`updated ${[...sections.keys()].join(', ')} in ${out}`);
} else if (write) {
  const header = [
    '# Benchmarks',
    '',
    `Generated by \`${command}\` on ${started.toISOString().slice(0, 10)} (${minutes} min).`,
    '',
    `Machine: ${machine}. Library: ${libraryOrigin()}.`,
    '',
    'Charts (drawn by the benchmarks): [cost growth, deliveries/s](bench/charts/growth-deliveries.svg),',
    '[cost growth, heap per client](bench/charts/growth-heap.svg), [fan-out p99](bench/charts/fanout.svg),',
    '[topics: fan-out p99](bench/charts/topics.svg).',
    '',
    'Each figure is measured side by side with its baseline in the same run (interleaved rounds, medians), on a',
    'machine shared with other work, so compare ratios rather than absolute numbers across machines.',
    settings.quick ? '\nThis was a `--quick` run: fewer rounds and smaller sizes.\n' : '',
  ].join('\n');
  // the hand-written notes at the end (from the NOTES marker on) are kept
  const notes = previous.includes(NOTES) ? previous.slice(previous.indexOf(NOTES)) : NOTES + '\n';
  const body = [...sections].map(([name, text]) => mark(name, text)).join('\n');
  writeFileSync(out, header + '\n' + body + '\n' + notes);
  console.log(`wrote ${out}`);
}
