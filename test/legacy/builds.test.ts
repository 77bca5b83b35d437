/**
 * Both builds in one process (a CommonJS dependency beside ES module code): `Comet.apply` on each
 * root export gives the vectors' bytes, each deprecation warns once in all, and every error class
 * is one type whichever build threw it. Needs dist/ (`npm test` builds it first).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringInput, vectors } from '../support/vectors.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./fixtures/both-builds.mjs', import.meta.url));

interface Report {
  distinctBuilds: boolean;
  applyIsDeprecatedShim: boolean;
  esm: { wrong: string[]; count: number };
  cjs: { wrong: string[]; count: number };
  warnings: string[];
  thrownByCjs: { name: string; esm: boolean; cjs: boolean; error: boolean; otherType: boolean };
  matrix: Record<string, boolean>;
  userSubclass: { own: boolean; foreign: boolean };
}

describe('legacy: the ES module and CommonJS builds loaded in one process', function () {
  this.timeout(30_000);
  let report: Report;
  let dir: string;

  before(async function () {
    if (!existsSync(join(root, 'dist/esm/index.js')) || !existsSync(join(root, 'dist/cjs/index.js'))) {
      throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    }
    dir = mkdtempSync(join(tmpdir(), 'comet-bridge-builds-'));
    const file = join(dir, 'vectors.json');
    writeFileSync(file, JSON.stringify({ string: vectors.string.map((v) => ({ ...v, input: stringInput(v) })), json: vectors.json }));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [child, file], { cwd: root, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    report = JSON.parse(stdout) as Report;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Comet.apply on each root export gives the bytes of Comet.string / Comet.json on every vector', () => {
    expect(report.distinctBuilds, 'two copies of the library really are loaded').to.equal(true);
    expect(report.applyIsDeprecatedShim).to.equal(true);
    expect(report.esm.count).to.equal(vectors.string.length + vectors.json.length);
    expect(report.esm.wrong).to.deep.equal([]);
    expect(report.cjs.count).to.equal(report.esm.count);
    expect(report.cjs.wrong).to.deep.equal([]);
  });

  it('each deprecation warns once in the process, whichever build is used first', () => {
    const codes = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `COMETBRIDGE_DEP000${n}`);
    expect([...report.warnings].sort()).to.deep.equal(codes);
  });

  it('an error thrown by the CommonJS build is an instance of the ES module build\'s class', () => {
    expect(report.thrownByCjs).to.deep.equal({ name: 'CometEncodeError', esm: true, cjs: true, error: true, otherType: false });
  });

  it('every error class is one type across the builds, subclasses included, and no other type', () => {
    const entries = Object.entries(report.matrix);
    expect(entries).to.have.length(5 * 5 * 2);
    for (const [key, value] of entries) {
      const [, made, , , type] = key.split(' ');
      const expected = made === type || (made === 'SlowConsumerError' && type === 'BufferOverflowError');
      expect(value, key).to.equal(expected);
    }
  });

  it('a subclass written by a user keeps the ordinary instanceof', () => {
    expect(report.userSubclass).to.deep.equal({ own: true, foreign: false });
  });
});
