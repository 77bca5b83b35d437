/**
 * Escaping of Comet messages into JavaScript source that is pure ASCII and cannot end,
 * comment out or escape the `<script>` element it is written into.
 */

const HEX = '0123456789ABCDEF';

/** `\uXXXX` with upper-case hex for one UTF-16 code unit. */
export function unicodeEscape(unit: number): string {
  return '\\u' + HEX[(unit >> 12) & 15] + HEX[(unit >> 8) & 15] + HEX[(unit >> 4) & 15] + HEX[unit & 15];
}

/**
 * Replacement for each ASCII unit in a single-quoted string literal (undefined: kept as is).
 * commons-lang3 `escapeEcmaScript` plus `<` and `>`; DEL (U+007F) stays raw, as there.
 */
const STRING_ASCII: (string | undefined)[] = [];
for (let c = 0; c < 0x20; c++) STRING_ASCII[c] = unicodeEscape(c);
Object.assign(STRING_ASCII, {
  0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r',
  0x22: '\\"', 0x27: "\\'", 0x2f: '\\/', 0x5c: '\\\\', 0x3c: '\\u003C', 0x3e: '\\u003E',
});

/** Finds the first unit to escape (a plain test is twice as fast as a replace that finds nothing on short strings). */
const STRING_SPECIAL_TEST = /['"\\/<>\u0000-\u001f\u0080-\uffff]/;
const STRING_SPECIAL = new RegExp(STRING_SPECIAL_TEST.source, 'g');

function replaceStringUnit(unit: string): string {
  const c = unit.charCodeAt(0);
  return c < 0x80 ? (STRING_ASCII[c] as string) : unicodeEscape(c);
}

/**
 * Escapes a string for the inside of a single-quoted JavaScript literal: the result is pure ASCII,
 * holds no `<` or `>`, and every UTF-16 unit (lone surrogates included) survives evaluation.
 */
export function escapeJsString(s: string): string {
  return STRING_SPECIAL_TEST.test(s) ? s.replace(STRING_SPECIAL, replaceStringUnit) : s;
}

/**
 * What to rewrite in `JSON.stringify` output: an escaped backslash (kept, and skipped so the `u`
 * after it is not taken for an escape), a `\uXXXX` escape (hex made upper-case, as Jackson writes it),
 * `<`, `>` and every non-ASCII unit.
 */
const JSON_SPECIAL = /\\\\|\\u[0-9a-f]{4}|[<>\u0080-\uffff]/g;

function replaceJsonToken(token: string): string {
  if (token.length === 1) return unicodeEscape(token.charCodeAt(0));
  return token.length === 2 ? token : '\\u' + token.slice(2).toUpperCase();
}

/**
 * An own `"__proto__"` key. In a JavaScript object literal it would set the prototype instead of
 * making a key, so it is written as a computed key. A `"` right after `{` or `,` always opens a key
 * in `JSON.stringify` output (inside strings every `"` is escaped), so nothing else matches.
 */
const PROTO_KEY = /([{,])"__proto__":/g;

/**
 * True when `JSON.stringify` output needs no rewriting: ASCII, no `<` `>`, no `\\u` escape, no `__proto__`.
 * Native searches: faster than one JavaScript pass even on short texts. (`'__pro'` rather than the
 * whole key: V8 builds a skip table per call for needles of seven or more characters.)
 */
function isPlainJson(json: string): boolean {
  return (
    Buffer.byteLength(json) === json.length &&
    json.indexOf('<') === -1 &&
    json.indexOf('>') === -1 &&
    json.indexOf('\\u') === -1 &&
    json.indexOf('__pro') === -1
  );
}

/**
 * Makes `JSON.stringify` output pure ASCII and script-safe: non-ASCII units, `<` and `>` become
 * `\uXXXX` (upper-case hex), the lower-case escapes `JSON.stringify` writes for control characters
 * and lone surrogates are upper-cased (so the bytes equal Play's `Json.asciiStringify` wherever
 * Play's are safe), and own `"__proto__"` keys become computed keys `["__proto__"]`, so they stay
 * keys when the text runs as JavaScript.
 */
export function asciiJson(json: string): string {
  if (isPlainJson(json)) return json;
  if (json.indexOf('__proto__') !== -1) json = json.replace(PROTO_KEY, '$1["__proto__"]:');
  return json.replace(JSON_SPECIAL, replaceJsonToken);
}

const UNSAFE_SCRIPT = /<\/script|<!--|<script/i;

/**
 * True when an already-encoded expression could end the script element or move the HTML
 * tokenizer into a comment or script-data escape state.
 */
export function isUnsafeInScript(expression: string): boolean {
  return UNSAFE_SCRIPT.test(expression);
}
