/** The client module as shipped: self-contained, servable as it is, and small. */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';
import { clientModule } from './module-source.js';

const root = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

describe('comet-bridge/client module', () => {
  const { code, from } = clientModule();

  it('has no import, require or dynamic import', () => {
    const min = transformSync(code, { minify: true, format: 'esm' }).code;
    expect(min).to.not.match(/(^|[;}])import[\s{*]|\bimport\(|\brequire\(/);
    expect(code).to.match(/export function connectComet\(/);
  });

  it('is at most 3 KB minified and gzipped (prints the figure)', () => {
    const min = transformSync(code, { minify: true, format: 'esm' }).code;
    const gz = gzipSync(min, { level: 9 }).length;
    console.log(`      client (${from}): ${code.length} B, ${min.length} B minified, ${gz} B minified+gzipped`);
    expect(gz).to.be.at.most(3 * 1024);
  });

  it('is the package subpath comet-bridge/client, built into dist/esm/client', () => {
    expect(pkg.exports['./client']).to.deep.equal({ types: './dist/esm/client/index.d.ts', default: './dist/esm/client/index.js' });
    if (existsSync(resolve(root, 'dist/esm/index.js'))) {
      expect(existsSync(resolve(root, 'dist/esm/client/index.js')), 'built client').to.equal(true);
      expect(readFileSync(resolve(root, 'dist/esm/client/index.d.ts'), 'utf8')).to.match(/export declare function connectComet/);
    }
  });
});
