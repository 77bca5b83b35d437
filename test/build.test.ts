import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as source from '../src/index.js';
import { vectors } from './support/vectors.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const require = createRequire(import.meta.url);

describe('built package (dist/)', () => {
  before(function () {
    if (!existsSync(resolve(root, 'dist/esm/index.js'))) {
      throw new Error('dist/ is missing: `npm test` builds it first (npm run build)');
    }
  });

  it('declares zero runtime dependencies and exactly the Node lines CI tests', () => {
    expect(pkg.dependencies ?? {}).to.deep.equal({});
    const lines = /^node_lines=\(([\d ]+)\)$/m.exec(readFileSync(resolve(root, '.ci/run'), 'utf8'))?.[1]?.split(' ');
    expect(lines, '.ci/run names its Node lines').to.have.length.above(0);
    expect(pkg.engines.node).to.equal(lines!.map((line) => `${line}.x`).join(' || '));
    expect(lines).to.include(process.versions.node.split('.')[0]);
  });

  it('the lockfile records what package.json declares, so a fresh npm install leaves it unchanged', () => {
    const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8'));
    const own = lock.packages[''];
    for (const field of ['engines', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta']) {
      expect(own[field], `package-lock.json's ${field}`).to.deep.equal(pkg[field]);
    }
  });

  it('every file named in the exports map exists', () => {
    const paths = JSON.stringify(pkg.exports).match(/\.\/dist\/[^"]+/g) ?? [];
    expect(paths.length).to.be.greaterThan(3);
    for (const p of paths) expect(existsSync(resolve(root, p)), p).to.equal(true);
  });

  it('the ES module build exports the same names as the sources and encodes the vectors', async () => {
    const esm = await import(pathToFileURL(resolve(root, pkg.exports['.'].import.default)).href);
    expect(Object.keys(esm).sort()).to.deep.equal(Object.keys(source).sort());
    const v = vectors.json[0];
    expect(esm.Comet.encoder('json', v.callback).encode(v.input)).to.equal(v.chunk);
  });

  it('the CommonJS build exports the same names as the sources and encodes the vectors', () => {
    const cjs = require(resolve(root, pkg.exports['.'].require.default));
    expect(Object.keys(cjs).filter((k) => k !== '__esModule').sort()).to.deep.equal(Object.keys(source).sort());
    const v = vectors.string[4];
    expect(cjs.Comet.encoder('string', v.callback).encode(v.input)).to.equal(v.chunk);
    expect(new cjs.CometEncodeError('x', 1)).to.be.instanceOf(Error);
  });
});
