/**
 * Validation of the JavaScript callback name and the CSP nonce written into every chunk.
 */
import { describe } from '../util/args.js';

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined NaN Infinity')
    .split(' '),
);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const RUNS_CODE = 'runs a string argument as code';
const WRITES_HTML = 'writes a string argument into the page as HTML, whose scripts and event handlers run';
const NAVIGATES = 'navigates to a string argument, and runs a javascript: URL as code';

/**
 * Functions that turn a string argument into code, by the last segment of the callback's path.
 * A name cannot tell a DOM method from a jQuery one, so the jQuery methods that take HTML are in,
 * although DOM's `append` and friends take text. Not here, because a call with one string argument
 * runs nothing: `call`, `apply` and `bind` (on a sink they pass it no string: `setTimeout.call(s)`
 * calls `setTimeout()` with `this` = s), `Reflect.apply` (throws), `postMessage` (data, not code),
 * and property setters such as `innerHTML`, `outerHTML` and `srcdoc` (a callback is called, never
 * assigned).
 */
const SINKS: ReadonlyMap<string, string> = new Map([
  ...['eval', 'Function', 'setTimeout', 'setInterval', 'setImmediate', 'execScript', 'globalEval', 'importScripts']
    .map((name) => [name, RUNS_CODE] as const),
  ['constructor', 'is Function on any function (`cb.constructor`), which compiles a string argument into code'],
  ...['write', 'writeln', 'insertAdjacentHTML', 'html', 'setHTMLUnsafe', 'parseHTML', 'parseHTMLUnsafe', 'append',
    'prepend', 'after', 'before', 'replaceWith', 'wrap', 'wrapAll', 'wrapInner', '$', 'jQuery']
    .map((name) => [name, WRITES_HTML] as const),
  ...['assign', 'replace', 'open'].map((name) => [name, NAVIGATES] as const),
]);

/** {@link validateCallback} for a caller that names itself in the message. @internal */
export function checkCallback(name: string, where: string): string {
  if (typeof name !== 'string') throw new TypeError(`${where}: callback must be a string, got ${describe(name)}`);
  const parts = name.split('.');
  for (const [at, part] of parts.entries()) {
    if (!IDENTIFIER.test(part)) {
      throw new TypeError(
        `${where}: callback must be a dotted path of JavaScript identifiers such as "parent.cometMessage", got ${JSON.stringify(name)}`,
      );
    }
    const sink = at === parts.length - 1 || part === 'constructor' ? SINKS.get(part) : undefined;
    if (sink !== undefined) {
      throw new TypeError(
        `${where}: callback ${JSON.stringify(name)} is refused: ${part} ${sink}, so every message would run as script in the page`,
      );
    }
    if (RESERVED.has(part)) throw new TypeError(`${where}: callback ${JSON.stringify(name)} holds the reserved word "${part}"`);
  }
  return name;
}

/**
 * Checks that `name` is a dotted path of ASCII JavaScript identifiers with no reserved word
 * (e.g. `parent.cometMessage`, `window.top.cb`) and returns it.
 *
 * A path that would run each message as code is refused: a last segment naming a function that
 * runs a string as code (`eval`, `Function`, `setTimeout`, `setInterval`, `setImmediate`,
 * `execScript`, `globalEval`, `importScripts`), writes it into the page as HTML (`write`,
 * `writeln`, `insertAdjacentHTML`, `setHTMLUnsafe`, `parseHTMLUnsafe`, and jQuery's `html`,
 * `parseHTML`, `append`, `prepend`, `after`, `before`, `replaceWith`, `wrap`, `wrapAll`,
 * `wrapInner`, `$` and `jQuery` themselves), or navigates to it as a URL (`assign`, `replace`,
 * `open`: a `javascript:` URL runs), and a `constructor` anywhere in the path (on a function it
 * is `Function`).
 * @throws TypeError quoting the bad name and saying why, when it is anything else
 */
export function validateCallback(name: string): string {
  return checkCallback(name, 'validateCallback');
}

const NONCE = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Checks that `nonce` is a CSP nonce value (base64 or base64url characters, optional `=` padding)
 * and returns it.
 * @throws TypeError quoting the bad nonce when it holds anything else.
 */
export function validateNonce(nonce: string): string {
  return checkNonce(nonce, 'validateNonce');
}

/** {@link validateNonce} for a caller that names itself in the message. @internal */
export function checkNonce(nonce: string, where: string): string {
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) {
    throw new TypeError(
      `${where}: nonce must be base64 or base64url characters, got ${typeof nonce === 'string' ? JSON.stringify(nonce) : describe(nonce)}`,
    );
  }
  return nonce;
}
