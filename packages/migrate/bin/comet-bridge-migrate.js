#!/usr/bin/env node
// The codemod is written in TypeScript and run through tsx, so it needs no build step. tsx is told
// to ignore the tsconfig.json of the directory it runs in: that one belongs to the project migrated.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../src/cli.ts', { parentURL: import.meta.url, tsconfig: false });
process.exitCode = await main(process.argv.slice(2), { cwd: process.cwd(), out: process.stdout, err: process.stderr });
