/**
 * comet-bridge-migrate where it must not rewrite, or must write differently: uses it leaves (with the
 * reason), look-alike method names it leaves alone, a namespace import, a name already taken, and a
 * rewrite that would not type-check (the file is left as it was). One ts-morph Project holds every
 * snippet, in the packed package's ES-module project (test/support/packed.ts).
 */
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject, migrateProject, type Migration } from '../../packages/migrate/src/migrate.js';
import { packedProjects } from '../support/packed.js';

const snippets: Record<string, string> = {
  'exported.mts': `import { Enumerator } from 'comet-bridge';
export const letters = Enumerator.of('a', 'b');
for await (const letter of letters) console.log(letter);
`,
  'message-function.mts': `import { Comet, Enumerator } from 'comet-bridge';
for await (const chunk of Enumerator.of('a').through(Comet.apply('cb', { message: (s: string) => JSON.stringify(s) }))) console.log(chunk);
`,
  'not-strings.mts': `import { Comet, Enumerator } from 'comet-bridge';
for await (const chunk of Enumerator.of(1, 2).through(Comet.apply('cb'))) console.log(chunk);
`,
  'count.mts': `import { Enumeratee, Enumerator } from 'comet-bridge';
const n = 2;
for await (const x of Enumerator.of(1, 2, 3).through(Enumeratee.take<number>(n))) console.log(x);
`,
  'promises.mts': `import { Enumeratee, Enumerator } from 'comet-bridge';
for await (const p of Enumerator.of(1).through(Enumeratee.map((n: number) => Promise.resolve(n)))) console.log(await p);
`,
  'lookalikes.mts': `class Flow {
  through(step: string): this {
    console.log(step);
    return this;
  }
  run(): number {
    return Math.max.apply(null, [1, 2]);
  }
}
new Flow().through('a').run();
`,
  'namespace.mts': `import * as cb from 'comet-bridge';
for await (const chunk of cb.Enumerator.of('a').through(cb.Comet.apply('parent.cb', { initialChunk: null }))) console.log(chunk);
`,
  'taken.mts': `import { Enumerator as Old, Iteratee } from 'comet-bridge';
const toSource = 'mine';
let kept: Old<string> | undefined;
console.log(toSource, kept, await Old.of('x').run(Iteratee.getChunks()));
`,
  'unsafe.mts': `import { Enumerator } from 'comet-bridge';
function both(source: AsyncIterable<number> & Enumerator<number>): void {
  void source;
}
const numbers = Enumerator.of(1, 2);
both(numbers);
`,
  'apply-left.mts': `import { Enumerator, Iteratee } from 'comet-bridge';
const it = await Enumerator.of(1).apply(Iteratee.getChunks());
console.log(await it.run());
`,
};

describe('comet-bridge-migrate: what it leaves, and how it writes around your names', function () {
  this.timeout(60_000);
  let dir: string;
  let migration: Migration;

  const after = (name: string): string | undefined => migration.files.find((f) => f.path === join(dir, name))?.after;
  const left = (name: string): string[] => migration.remainingBefore.filter((r) => r.file === name).map((r) => `${r.line} ${r.api}: ${r.reason}`);

  before(() => {
    dir = mkdtempSync(join(packedProjects().esm, 'edges-'));
    for (const [name, text] of Object.entries(snippets)) writeFileSync(join(dir, name), text);
    const files = Object.keys(snippets).map((n) => join(dir, n));
    migration = migrateProject(loadProject(dir, files), files, dir);
  });

  it('leaves an exported enumerator: its importers may use it as one', () => {
    expect(after('exported.mts')).to.equal(undefined);
    expect(left('exported.mts')).to.deep.equal(['2 Enumerator.of: exported: the modules importing it may use it as an Enumerator']);
  });

  it('leaves Comet.apply with a message function, and the enumerator under it', () => {
    expect(after('message-function.mts')).to.equal(undefined);
    const [enumerator, through, comet] = left('message-function.mts');
    expect(enumerator).to.match(/^2 Enumerator\.of: the enumerator is used where an Enumerator/);
    expect(through).to.match(/^2 Enumerator#through: message is a function/);
    expect(comet).to.match(/^2 Comet\.apply: message is a function .*CometEncodeError/);
  });

  it('leaves Comet.apply over elements that are not strings', () => {
    expect(left('not-strings.mts')[2]).to.equal(
      "2 Comet.apply: the elements (number) are not strings: Comet.string takes strings; pass message: 'json' for Comet.json, or make them strings first",
    );
  });

  it('leaves take(n) with a count that is not written as a whole number', () => {
    expect(after('count.mts')).to.equal(undefined);
    expect(left('count.mts')).to.include('3 Enumeratee.take: the enumeratee is not applied in place by through() (or kept in a constant used only so)');
    expect(left('count.mts').find((l) => l.startsWith('3 Enumerator#through'))).to.include('it throws a RangeError for a bad count');
  });

  it('leaves map() over a function returning Promises, which a generator would wait for', () => {
    expect(after('promises.mts')).to.equal(undefined);
    expect(left('promises.mts').find((l) => l.includes('#through'))).to.include('may return Promises');
  });

  it('leaves look-alike methods (through, run, Function.prototype.apply) of other types alone', () => {
    expect(after('lookalikes.mts')).to.equal(undefined);
    expect(left('lookalikes.mts')).to.deep.equal([]);
  });

  it('writes through a namespace import', () => {
    expect(after('namespace.mts')).to.equal(`import * as cb from 'comet-bridge';
for await (const chunk of cb.Comet.string('parent.cb', { initialChunk: null })(cb.toSource(['a']))) console.log(chunk);
`);
  });

  it('imports a new name under an alias when the file has the name already, and keeps the aliases it has', () => {
    expect(after('taken.mts')).to.equal(`import { Enumerator as Old, toSource as toSource2 } from 'comet-bridge';
const toSource = 'mine';
let kept: Old<string> | undefined;
const chunks: string[] = [];
for await (const chunk of toSource2(['x'])) chunks.push(chunk);
console.log(toSource, kept, chunks);
`);
  });

  it('leaves a file as it was when its rewrite would not type-check, and says so', () => {
    expect(after('unsafe.mts')).to.equal(undefined);
    expect(left('unsafe.mts').map((l) => l.slice(0, l.indexOf(':')))).to.deep.equal(['2 Enumerator', '5 Enumerator.of']);
    for (const line of left('unsafe.mts')) {
      expect(line).to.include("the rewritten file would not type-check (line 6: Argument of type 'SourceIterator<number>' is not assignable");
    }
  });

  it('leaves enumerator.apply(iteratee), which feeds no EOF', () => {
    expect(left('apply-left.mts')).to.deep.include.members([
      '2 Enumerator#apply: apply() leaves the iteratee able to take more input (no EOF): there is no loop equivalent to write mechanically',
      '3 Iteratee#run: running an iteratee by hand: the loop that feeds it is yours to write',
    ]);
  });
});
