/**
 * README.md and the guides in docs/ are executed: every TypeScript block is type-checked under
 * `strict` and `exactOptionalPropertyTypes` against the built package (imported by its own name, as
 * a user would), and every block whose fence says `run` is run as a program.
 *
 * Blocks that are fragments of a larger program use a few names the documents leave to the reader
 * (`res`, `app`, `clock`, …); they are declared, with their types, in the prelude below, and nothing else is.
 * A `run` block that starts a server names its check in the fence: `run get=/path expect=TEXT` means
 * the program's `listen(PORT)` is given a free port, `/path` is requested, and `TEXT` must arrive.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { fences, infoWords, type Fence } from '../support/markdown.js';
import { strictNodeNext } from '../support/typescript.js';

const root = resolve(import.meta.dirname, '../..');

/** The documents whose blocks are checked: the README, then every guide in docs/. */
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

/** A TypeScript block and the document it is in. */
interface Block extends Fence {
  document: string;
}

const blocks: Block[] = documents.flatMap((document) =>
  fences(readFileSync(join(root, document), 'utf8'))
    .filter((f) => f.lang === 'ts')
    .map((f) => ({ ...f, document })),
);
const readmeBlocks = blocks.filter((b) => b.document === 'README.md');

/** The names fragments may use without defining them. */
const prelude = `
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request } from 'express';
import type { FastifyInstance } from 'fastify';
declare global {
  const req: IncomingMessage;
  const res: ServerResponse;
  const app: Express;
  const fastify: FastifyInstance;
  const clock: EventEmitter;
  const feed: EventEmitter;
  const request: Request;
}
export {};
`;

/** The block's own file: named for its document and line (`docs/hub.md` line 3: `docs-hub-3.mts`). */
function fileName(block: Block): string {
  return `${block.document.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${block.line}.mts`;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** GETs `path` until `text` has arrived (the stream stays open) or `ms` pass. */
function fetchUntil(port: number, path: string, text: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  return new Promise((done, fail) => {
    const attempt = (): void => {
      let body = '';
      const req = http.get({ host: '127.0.0.1', port, path }, (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
          if (body.includes(text)) {
            req.destroy();
            done(body);
          }
        });
        response.on('end', () => fail(new Error(`the response ended without ${JSON.stringify(text)}: ${body.slice(-200)}`)));
      });
      req.setTimeout(Math.max(1, deadline - Date.now()), () => {
        req.destroy();
        fail(new Error(`no ${JSON.stringify(text)} within ${ms} ms: ${body.slice(-200)}`));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' && Date.now() < deadline) setTimeout(attempt, 100);
        else if (!req.destroyed || error.code !== 'ECONNRESET') fail(error);
      });
    };
    attempt();
  });
}

describe('README.md and docs/*.md', function () {
  this.timeout(60_000);
  let dir: string;
  let diagnostics: Map<string, string[]>;

  before(() => {
    // Inside the package folder, so `import … from 'comet-bridge'` resolves to the build by the package's own name.
    dir = mkdtempSync(join(root, '.readme-blocks-'));
    writeFileSync(join(dir, 'prelude.d.mts'), prelude);
    for (const block of blocks) writeFileSync(join(dir, fileName(block)), block.body + '\nexport {};\n');
    const program = ts.createProgram(
      [join(dir, 'prelude.d.mts'), ...blocks.map((b) => join(dir, fileName(b)))],
      { ...strictNodeNext, exactOptionalPropertyTypes: true },
    );
    diagnostics = new Map();
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const name = d.file ? d.file.fileName.slice(dir.length + 1) : 'options';
      const { line } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0 };
      const list = diagnostics.get(name) ?? [];
      list.push(`line ${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      diagnostics.set(name, list);
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the README has TypeScript blocks, the first of them run as a program, and the guides have more', () => {
    expect(readmeBlocks.length).to.be.at.least(2);
    expect(infoWords(readmeBlocks[0]!.info).has('run'), 'the first example is run').to.equal(true);
    expect(blocks.length - readmeBlocks.length, 'blocks in docs/').to.be.at.least(6);
  });

  it('the prelude itself type-checks', () => {
    expect(diagnostics.get('prelude.d.mts') ?? []).to.deep.equal([]);
  });

  for (const block of blocks) {
    const where = `${block.document} line ${block.line}`;
    it(`${where}: the block type-checks under strict and exactOptionalPropertyTypes`, () => {
      expect(diagnostics.get(fileName(block)) ?? [], where).to.deep.equal([]);
    });

    const words = infoWords(block.info);
    if (!words.has('run')) continue;
    it(`${where}: the block runs${words.has('get') ? ` and serves ${words.get('expect')}` : ''}`, async () => {
      const port = await freePort();
      const file = join(dir, `run-${fileName(block)}`);
      writeFileSync(file, block.body.replace(/\.listen\(\d+\)/g, `.listen(${port}, '127.0.0.1')`));
      const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      try {
        if (words.has('get')) {
          const path = words.get('get')!;
          const text = words.get('expect')!;
          const died = exited.then((code) => {
            throw new Error(`the program exited (${code}) before serving: ${stderr}`);
          });
          const body = await Promise.race([fetchUntil(port, path, text, 15_000), died]);
          expect(body).to.include(text);
        } else {
          const timer = setTimeout(() => child.kill(), 15_000);
          const code = await exited;
          clearTimeout(timer);
          expect(code, stderr).to.equal(0);
        }
        expect(stderr).to.equal('');
      } finally {
        child.kill();
        await exited;
      }
    });
  }
});
