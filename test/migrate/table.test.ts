/**
 * The codemod's one table (packages/migrate/src/api.ts) against what it names: the sections of
 * migration-guide.md its reports point to, the modern exports its rewrites write, the deprecated
 * exports it reports; and the small pure parts of the command (arguments, report, import edits).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ts } from 'ts-morph';
import { API, apiEntry, GUIDE_FILE, guideLink, LEGACY_EXPORTS, MODERN, RULES, SECTIONS } from '../../packages/migrate/src/api.js';
import { parseArgs, report } from '../../packages/migrate/src/cli.js';
import { helperText, type HelperId } from '../../packages/migrate/src/helpers.js';
import { applyEdits, importEdits } from '../../packages/migrate/src/imports.js';
import { sourceFiles, UsageError } from '../../packages/migrate/src/migrate.js';
import * as library from '../../src/index.js';
import * as legacy from '../../src/legacy/index.js';
import { fences } from '../support/markdown.js';
import { root } from '../support/packed.js';

/** The anchors GitHub gives the headings of a Markdown text (outside code blocks). */
function anchors(markdown: string): Set<string> {
  const inCode = new Set<number>();
  for (const fence of fences(markdown)) for (let i = fence.line; i <= fence.line + fence.body.split('\n').length + 1; i++) inCode.add(i);
  const out = new Set<string>();
  markdown.split('\n').forEach((line, i) => {
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!heading || inCode.has(i + 1)) return;
    const slug = heading[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');
    let unique = slug;
    for (let n = 1; out.has(unique); n++) unique = `${slug}-${n}`;
    out.add(unique);
  });
  return out;
}

const guide = readFileSync(join(root, GUIDE_FILE), 'utf8');

describe('comet-bridge-migrate: its table', () => {
  it('points every report at a heading of migration-guide.md', () => {
    const headings = anchors(guide);
    expect(headings).to.include('what-replaces-what');
    for (const anchor of Object.values(SECTIONS)) expect(headings, anchor).to.include(anchor);
    for (const [api, entry] of Object.entries(API)) expect(guideLink(entry.guide), api).to.match(new RegExp(`^migration-guide\\.md#${SECTIONS[entry.guide]}$`));
  });

  it('starts migration-guide.md with "Run the codemod", whose links all resolve', () => {
    expect(/^## (.+)$/m.exec(guide)![1]).to.equal('Run the codemod');
    const section = guide.slice(guide.indexOf('## Run the codemod'), guide.indexOf('## What replaces what'));
    const links = [...section.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).to.be.at.least(9);
    for (const link of links) expect(anchors(guide), link).to.include(link);
    for (const rule of Object.keys(RULES)) expect(section, rule).to.include(`| \`${rule}\` |`);
  });

  it('writes only names the package root exports today', () => {
    for (const name of Object.values(MODERN)) {
      const [exported, ...member] = name.split('.');
      const value = (library as Record<string, unknown>)[exported!];
      expect(value, name).to.not.equal(undefined);
      if (member.length > 0) expect((value as Record<string, unknown>)[member[0]!], name).to.be.a('function');
    }
  });

  it('knows every deprecated export, and has an entry for each', () => {
    const runtime = Object.keys(legacy);
    for (const name of runtime) expect(LEGACY_EXPORTS, name).to.include(name);
    for (const name of LEGACY_EXPORTS) expect(apiEntry(name).reason, name).to.not.equal('a deprecated API with no mechanical rewrite');
    expect(Object.keys(library)).to.include.members(runtime);
  });

  it('names a rule for each rewrite and an entry for each rule', () => {
    const used = new Set(Object.values(API).map((e) => e.rule).filter((r) => r !== undefined));
    expect([...used].sort()).to.deep.equal(Object.keys(RULES).sort());
    expect(apiEntry('Enumerator#somethingNew')).to.equal(API['Enumerator']);
    expect(apiEntry('new Iteratee')).to.equal(API['new Iteratee']);
  });
});

describe('comet-bridge-migrate: its parts', () => {
  it('parses its arguments, and refuses unknown ones', () => {
    expect(parseArgs(['--write', '--json', 'src', '--project=tsconfig.app.json'])).to.deep.equal({
      write: true, json: true, force: false, help: false, project: 'tsconfig.app.json', paths: ['src'],
    });
    expect(parseArgs(['--force', '-p', 'a.json', '--', '--odd-name.ts']).paths).to.deep.equal(['--odd-name.ts']);
    expect(parseArgs(['-h']).help).to.equal(true);
    expect(() => parseArgs(['--writ', 'src'])).to.throw(UsageError, 'unknown option --writ');
    expect(() => parseArgs(['--json'])).to.throw(UsageError, 'no paths given');
    expect(() => parseArgs(['--project='])).to.throw(UsageError, '--project needs a tsconfig.json path');
  });

  it('reports rewrites and uses left, one line each plus the reason and the section', () => {
    const text = report(
      [{ file: 'a.ts', line: 3, rule: 'comet-apply', old: 'e.through(\n  Comet.apply(cb))', new: 'Comet.string(cb)(e)' }],
      [{ file: 'b.ts', line: 9, api: 'Enumerator#interleave', reason: 'why', guide: guideLink('table') }],
      true,
    );
    expect(text).to.equal(
      'Rewritten: 1 in 1 file\n  a.ts:3  [comet-apply]  e.through( Comet.apply(cb))  →  Comet.string(cb)(e)\n\n' +
        'Left for you: 1 use of the deprecated API\n  b.ts:9  Enumerator#interleave\n      why: why\n      read: migration-guide.md#what-replaces-what\n',
    );
    expect(report([], [], false)).to.equal('Nothing to rewrite.\n\nLeft for you: nothing.\n');
  });

  it('finds the source files under the paths, skipping node_modules and declarations', () => {
    const files = sourceFiles(root, ['packages/migrate']).map((f) => f.slice(root.length + 1));
    expect(files).to.include.members(['packages/migrate/src/cli.ts', 'packages/migrate/bin/comet-bridge-migrate.js']);
    expect(files.every((f) => !f.includes('node_modules') && !f.endsWith('.d.ts'))).to.equal(true);
    expect(() => sourceFiles(root, ['no/such/dir'])).to.throw(UsageError, 'no/such/dir: no such file or directory');
  });

  it('fixes import lines: drops the deprecated names no longer used, adds the new ones, in order', () => {
    const fix = (name: string, text: string, added: Record<string, string>, helpers: string[] = []): string =>
      applyEdits(text, importEdits(name, text, new Map(Object.entries(added)), helpers)).text;
    expect(fix('a.ts', "import { Comet, Enumerator, sendComet } from 'comet-bridge';\nComet.string('cb');\n", { toSource: 'toSource' }))
      .to.equal("import { Comet, sendComet, toSource } from 'comet-bridge';\nComet.string('cb');\n");
    expect(fix('b.ts', "import { Iteratee, type Enumerator } from 'comet-bridge';\n\nlet e: Enumerator<number>;\n", {}))
      .to.equal("import { type Enumerator } from 'comet-bridge';\n\nlet e: Enumerator<number>;\n");
    expect(fix('c.mts', "import { Iteratee } from 'comet-bridge';\n\nconsole.log(1);\n", {})).to.equal('console.log(1);\n');
    expect(fix('c.ts', "import { Iteratee } from 'comet-bridge';\n\nawait main();\n", {})).to.equal('export {};\nawait main();\n');
    expect(fix('d.cjs', "'use strict';\nconst { Enumerator: E } = require('comet-bridge');\nmain();\n", { createHub: 'createHub' }, ['function f() {}']))
      .to.equal("'use strict';\nconst { createHub } = require('comet-bridge');\n\nfunction f() {}\nmain();\n");
    expect(fix('e.mts', "import http from 'node:http';\nhttp.createServer();\n", { pushQueue: 'pushQueue2' }))
      .to.equal("import http from 'node:http';\nimport { pushQueue as pushQueue2 } from 'comet-bridge';\nhttp.createServer();\n");
  });

  it('maps old positions through its edits', () => {
    const { text, map } = applyEdits('abcdef', [{ start: 1, end: 3, text: 'XYZW' }, { start: 4, end: 4, text: '!' }]);
    expect(text).to.equal('aXYZWd!ef');
    expect([0, 3, 4, 5].map(map)).to.deep.equal([0, 5, 7, 8]);
  });

  it('writes each helper in TypeScript and in JavaScript, as parseable functions of the name given', () => {
    const ids: HelperId[] = ['map', 'mapAsync', 'filter', 'filterAsync', 'mapDefined', 'take', 'drop', 'collect'];
    for (const id of ids) {
      for (const js of [false, true]) {
        const text = helperText(id, `${id}Values`, js);
        const sf = ts.createSourceFile(js ? 'h.js' : 'h.ts', text, ts.ScriptTarget.Latest, true, js ? ts.ScriptKind.JS : ts.ScriptKind.TS);
        const [fn] = sf.statements;
        expect(sf.statements, `${id} ${js ? 'js' : 'ts'}`).to.have.length(1);
        expect(ts.isFunctionDeclaration(fn!) && fn.name?.text, id).to.equal(`${id}Values`);
        expect((sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics, id).to.deep.equal([]);
        expect(/[:<]\s*(T|U)\b/.test(text), `${id}: types only in TypeScript`).to.equal(!js);
      }
    }
  });
});
