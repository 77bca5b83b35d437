// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with declarations.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run('-p', 'tsconfig.build.json');
run('-p', 'tsconfig.build.json', '--module', 'CommonJS', '--moduleResolution', 'Node10', '--outDir', 'dist/cjs');
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
