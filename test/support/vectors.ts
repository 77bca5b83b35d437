/**
 * The Comet conformance vectors: from ../shared/comet-vectors.json beside the checkout when present,
 * else the copy in test/fixtures/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export interface StringVector { callback: string; input: string | null; input_utf16?: number[]; chunk: string }
export interface JsonVector { callback: string; input: unknown; chunk: string }
export interface CometVectors {
  initialHtmlChunk: string;
  string: StringVector[];
  json: JsonVector[];
  stream: { callback: string; kind: 'string' | 'json'; inputs: unknown[]; output: string };
  nonce: { callback: string; nonce: string; input: string; chunk: string };
  validCallbacks: string[];
  invalidCallbacks: string[];
}

const root = resolve(fileURLToPath(import.meta.url), '../../..');
export const sharedVectorsPath = resolve(root, '../shared/comet-vectors.json');
export const fixtureVectorsPath = resolve(root, 'test/fixtures/comet-vectors.json');

const loaded: CometVectors = JSON.parse(
  readFileSync(existsSync(sharedVectorsPath) ? sharedVectorsPath : fixtureVectorsPath, 'utf8'),
);

/**
 * Callback names the vectors list as valid that the library refuses on purpose: a bare `$` (jQuery)
 * writes its string argument into the page as HTML, so every message would run as script.
 */
export const refusedOnPurpose: readonly string[] = ['$'];

/** The vectors, with {@link refusedOnPurpose} moved from the valid names to the invalid ones. */
export const vectors: CometVectors = {
  ...loaded,
  validCallbacks: loaded.validCallbacks.filter((name) => !refusedOnPurpose.includes(name)),
  invalidCallbacks: [...new Set([...loaded.invalidCallbacks, ...refusedOnPurpose])],
};

/** The input of a string vector, rebuilt from its UTF-16 units where it holds lone surrogates. */
export function stringInput(v: StringVector): string {
  return v.input_utf16 ? String.fromCharCode(...v.input_utf16) : (v.input as string);
}
