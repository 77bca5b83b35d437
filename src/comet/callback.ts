/**
 * Validation of the JavaScript callback name and the CSP nonce written into every chunk.
 */

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined NaN Infinity')
    .split(' '),
);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Names that run or write markup from a string: never a Comet callback, anywhere in its path. */
const SINKS = new Set(
  ('eval Function setTimeout setInterval setImmediate execScript importScripts write writeln assign ' +
    'insertAdjacentHTML globalEval html $ jQuery').split(' '),
);

/**
 * Checks that `name` is a dotted path of ASCII JavaScript identifiers with no reserved word
 * (e.g. `parent.cometMessage`, `window.top.cb`) and no name that runs or writes markup from a string
 * (`eval`, `Function`, `setTimeout`, `write`, `insertAdjacentHTML`, `$`, `jQuery`, …), and returns it.
 * @throws TypeError quoting the bad name when it is anything else.
 */
export function validateCallback(name: string): string {
  if (typeof name !== 'string') {
    throw new TypeError(`Comet callback must be a string, got ${name === null ? 'null' : typeof name}`);
  }
  const parts = name.split('.');
  for (const part of parts) {
    if (!IDENTIFIER.test(part)) {
      throw new TypeError(
        `Invalid Comet callback ${JSON.stringify(name)}: expected a dotted path of JavaScript identifiers such as "parent.cometMessage"`,
      );
    }
    if (RESERVED.has(part)) {
      throw new TypeError(`Invalid Comet callback ${JSON.stringify(name)}: "${part}" is a reserved word`);
    }
    if (SINKS.has(part)) {
      throw new TypeError(`Invalid Comet callback ${JSON.stringify(name)}: "${part}" runs or writes code from a string`);
    }
  }
  return name;
}

const NONCE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Checks that `nonce` is a CSP nonce value (base64 or base64url characters, optional `=` padding)
 * and returns it.
 * @throws TypeError quoting the bad nonce when it holds anything else.
 */
export function validateNonce(nonce: string): string {
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) {
    throw new TypeError(
      `Invalid CSP nonce ${typeof nonce === 'string' ? JSON.stringify(nonce) : String(nonce)}: expected base64 characters only`,
    );
  }
  return nonce;
}
