/**
 * The client module as a browser receives it: the built file when `npm run build` has made one at least
 * as new as the source, otherwise the source compiled the same way (TypeScript, ES2022, no bundling).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../..');
export const CLIENT_SOURCE = resolve(root, 'src/client/index.ts');
export const CLIENT_BUILT = resolve(root, 'dist/esm/client/index.js');

/** The JavaScript of `comet-bridge/client`, and where it came from. */
export function clientModule(): { code: string; from: string } {
  if (existsSync(CLIENT_BUILT) && statSync(CLIENT_BUILT).mtimeMs >= statSync(CLIENT_SOURCE).mtimeMs) {
    return { code: readFileSync(CLIENT_BUILT, 'utf8'), from: 'dist/esm/client/index.js' };
  }
  const { outputText } = ts.transpileModule(readFileSync(CLIENT_SOURCE, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
  });
  return { code: outputText, from: 'src/client/index.ts (compiled)' };
}

/** The JavaScript of `comet-bridge/client`. */
export const clientModuleSource = (): string => clientModule().code;
