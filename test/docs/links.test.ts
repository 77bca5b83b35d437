/**
 * The links between the documents hold: every relative link of README.md, migration-guide.md and
 * docs/*.md names a file of the repository, and every `#anchor` a heading of the page it points to
 * (anchors as GitHub makes them from a heading's text).
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const documents = [
  'README.md',
  'migration-guide.md',
  ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`),
];

/** A Markdown file's text without its fenced code blocks (a link inside code is not a link). */
function prose(file: string): string {
  return readFileSync(file, 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** The anchors of a file's headings, as GitHub makes them: lower case, punctuation dropped, spaces as hyphens. */
function anchors(file: string): Set<string> {
  const out = new Set<string>();
  for (const [, text] of prose(file).matchAll(/^#{1,6} (.+)$/gm)) {
    out.add(text!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-'));
  }
  return out;
}

describe('links between the documents', () => {
  for (const document of documents) {
    it(`${document}: every relative link names a file, and every anchor a heading`, () => {
      const file = join(root, document);
      const broken: string[] = [];
      let count = 0;
      for (const [, target] of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        count++;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const to = path === '' ? file : resolve(dirname(file), path);
        if (!existsSync(to)) broken.push(`${target}: no file ${relative(root, to)}`);
        else if (anchor !== undefined && !anchors(to).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${relative(root, to)}`);
      }
      expect(broken).to.deep.equal([]);
      if (document === 'README.md') expect(count, 'the README links to its guides').to.be.at.least(10);
    });
  }
});
