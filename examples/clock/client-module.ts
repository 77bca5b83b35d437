/**
 * `comet-bridge/client` as the demo serves it: `src/client/index.ts` compiled by esbuild's `transform`
 * when the server starts (esbuild comes with tsx, which runs `npm start`), so the demo needs no build.
 */
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

const SOURCE = new URL('../../src/client/index.ts', import.meta.url);

/**
 * Compiles the client module's source to one minified ES2022 module.
 * @returns the JavaScript to serve as `text/javascript`
 */
export async function compileClient(): Promise<string> {
  const { code } = await transform(await readFile(SOURCE, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022', minify: true });
  return code;
}
