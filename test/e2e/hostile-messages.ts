/**
 * Messages chosen to break a forever iframe: HTML and script fragments, every quote, backslashes,
 * line terminators JavaScript and JSON disagree on, lone surrogates, control characters, very long
 * strings, and JSON whose keys and values hold all of these. Plus seeded fast-check samples.
 */
import fc from 'fast-check';

/** Seed of every generated sample, so a failure reproduces. */
export const SEED = 20_240_611;

const CONTROL_CHARS = Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)).join('');
const C1_CHARS = Array.from({ length: 0x21 }, (_, c) => String.fromCharCode(0x7f + c)).join('');

/** Strings that try to end the script element, the literal, or the HTML tokenizer's state. */
export const hostileStrings: readonly string[] = [
  '</script>',
  '</SCRIPT >',
  '</script',
  '</script><script>parent.pwned = 1</script>',
  '<!--<script>',
  '<!--',
  '-->',
  '<script>',
  '<\\/script>',
  ']]>',
  '<![CDATA[',
  '<!DOCTYPE html>',
  '&lt;&amp;&#x3C;',
  "'",
  '"',
  '`',
  '‘’“”„«»‹›＂＇',
  '${parent.pwned = 1}',
  "'); parent.pwned = 1; ('",
  '"); parent.pwned = 1; ("',
  "\\'); parent.pwned = 1; //",
  '\\',
  '\\\\',
  '\\u0041',
  '\\x41\\0',
  '\u2028',
  '\u2029',
  'line\u2028separator\u2029paragraph',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  'a\ud800b',
  'a\udc00b',
  '\udc00\ud800',
  '\ud83d',
  '\ude00\ud83d',
  '\0',
  'NUL\0inside',
  CONTROL_CHARS,
  C1_CHARS,
  '\r\n\t\b\f\v',
  '\u0085\u00a0\ufeff\ufffe\uffff',
  '😀',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'ﬀ Ａ Ω é é',
  '',
  ' ',
  '</script><!--'.repeat(Math.ceil(102_400 / 13)).slice(0, 102_400),
  ('😀\u2028\ud800<\\\'"' + 'x'.repeat(57)).repeat(1600),
  'a'.repeat(102_400),
];

/** JSON values whose keys and values hold the hostile strings, at several depths. */
export function hostileJson(): unknown[] {
  const nested: unknown = hostileStrings.slice(0, 20).reduceRight<unknown>((inner, key) => ({ [key]: [key, inner] }), null);
  let deep: unknown = '</script>';
  for (let depth = 0; depth < 100; depth++) deep = depth % 2 === 0 ? [deep] : { '<!--': deep };
  return [
    '</script>',
    null,
    true,
    false,
    0,
    -1.5e300,
    5e-324,
    Number.MAX_SAFE_INTEGER,
    [],
    {},
    Object.fromEntries(hostileStrings.slice(0, 47).map((s, i) => [s, hostileStrings[(i + 1) % 47]])),
    hostileStrings.slice(0, 47),
    { '</script>': '<!--<script>', nested: { '\u2028': ['\ud800', '\udc00', '-->'], '\\': { "'": '"' } } },
    nested,
    deep,
    { constructor: '</script>', toString: '-->', hasOwnProperty: '\u2029', valueOf: null },
    { long: hostileStrings[hostileStrings.length - 2] },
  ];
}

/** A JSON object with an own `__proto__` key, as `JSON.parse` makes it. */
export function protoKeyJson(): unknown[] {
  return [
    JSON.parse('{"__proto__": {"polluted": "</script>"}, "a": 1}'),
    JSON.parse('[{"b": {"__proto__": null}}, {"__proto__": ["<!--"]}]'),
  ];
}

/** One UTF-16 code unit of any value, a code point of any plane, or a hostile fragment. */
const anyUnit: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  fc.constantFrom('</script>', '<!--', '-->', '<script>', '</', '\u2028', '\u2029', "'", '"', '\\', '\0', ']]>'),
);

/** `count` seeded strings: full Unicode through `unit: 'binary'`, and any code unit sequence with lone surrogates. */
export function generatedStrings(count: number): string[] {
  const half = Math.ceil(count / 2);
  return [
    ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { seed: SEED, numRuns: half }),
    ...fc.sample(fc.string({ unit: anyUnit, maxLength: 40 }), { seed: SEED + 1, numRuns: count - half }),
  ];
}

/** `count` seeded JSON values (`fc.jsonValue`) whose strings use the same units. */
export function generatedJson(count: number): unknown[] {
  const half = Math.ceil(count / 2);
  return [
    ...fc.sample(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), { seed: SEED + 2, numRuns: half }),
    ...fc.sample(fc.jsonValue({ stringUnit: anyUnit, maxDepth: 4 }), { seed: SEED + 3, numRuns: count - half }),
  ];
}

/** True when `value` holds a string (or key) with a lone surrogate anywhere. */
export function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  }
  return false;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
