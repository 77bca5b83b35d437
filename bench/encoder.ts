/**
 * Encoder throughput: Comet.json and Comet.string against bare JSON.stringify of the same messages
 * (the floor for JSON) and a naive encoder (JSON.stringify, regex escaping, concatenation), for small
 * (~60 B) and large (~10 KB) messages, through `Comet.encoder(kind, cb).encode(msg)` and through the
 * stream operator; beside them the SSE encoder (`SSE.encoder(kind).encode`, and `SSE.json()` for
 * JSON) of the same messages.
 */
import { library, type Library } from './lib/library.js';
import { interleave, type Candidate } from './lib/timing.js';
import { formatMBps, formatRate, formatRatio, spread, verdict } from './lib/stats.js';
import { settingsFromArgv, type BenchSettings, type BenchTable } from './lib/types.js';

const CALLBACK = 'parent.cometMessage';
const WORDS = 'the quick brown fox jumps over lazy dog price update market open close volume trade order'.split(' ');

function prose(length: number, seed: number): string {
  let s = '';
  for (let i = seed; s.length < length; i++) s += WORDS[(i * 7 + seed) % WORDS.length] + (i % 11 === 10 ? '. ' : ' ');
  return s.slice(0, length);
}

/** Sets of messages, each several distinct ones so no call is served from a cache. */
function messageSets(): { label: string; kind: 'json' | 'string'; messages: unknown[] }[] {
  const n = 256;
  const smallJson = Array.from({ length: n }, (_, i) => ({ id: i, user: `u${i % 97}`, text: prose(14, i), ts: 1700000000 + i }));
  const largeJson = Array.from({ length: n / 8 }, (_, k) => ({
    id: k,
    items: Array.from({ length: 110 }, (_, i) => ({ sku: `A-${1000 + i}`, qty: (i * 7 + k) % 13, price: 12.5 + i, name: prose(24, i + k) })),
  }));
  const smallText = Array.from({ length: n }, (_, i) => prose(60, i));
  const largeText = Array.from({ length: n / 8 }, (_, i) => prose(10 * 1024, i));
  const escapedText = largeText.map((s, i) => s.replace(/ (\w)/g, (m, c: string, at: number) => (at % 97 === i % 7 ? ` "${c}</b>'` : m)));
  return [
    { label: 'JSON ~60 B', kind: 'json', messages: smallJson },
    { label: 'JSON ~10 KB', kind: 'json', messages: largeJson },
    { label: 'ASCII text 60 B', kind: 'string', messages: smallText },
    { label: 'ASCII text 10 KB', kind: 'string', messages: largeText },
    { label: 'text 10 KB, some quotes and tags', kind: 'string', messages: escapedText },
  ];
}

const NAIVE_UNSAFE = /[<>\u2028\u2029]/g;
const naiveEscape = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** What a hand-rolled encoder typically does: stringify, one regex pass, concatenation. */
function naiveEncode(message: unknown): string {
  return '<script type="text/javascript">' + CALLBACK + '(' + JSON.stringify(message).replace(NAIVE_UNSAFE, naiveEscape) + ');</script>';
}

async function* over<T>(messages: readonly T[], n: number): AsyncGenerator<T> {
  for (let i = 0; i < n; i++) yield messages[i % messages.length]!;
}

let sink = 0;

/**
 * Consumes a result the way a transport would need it: flat. Concatenation gives V8 a rope whose
 * `.length` is free; reading a character in the middle flattens it, so every candidate pays for
 * the copy it would pay for on the way to the socket.
 */
function use(s: string): number {
  return s.charCodeAt(s.length >> 1);
}

/** The SSE rows of a message set: the single-message encoder, and for JSON the stream operator. */
function sseCandidates(SSE: Library['SSE'], kind: 'json' | 'string', messages: unknown[]): Candidate[] {
  const encoder = SSE.encoder<unknown>(kind);
  const len = messages.length;
  const rows: Candidate[] = [
    { name: `SSE.encoder('${kind}').encode`, run: (n) => { for (let i = 0; i < n; i++) sink += use(encoder.encode(messages[i % len], i)); } },
  ];
  if (kind === 'json') {
    const operator = SSE.json();
    rows.push({ name: 'SSE.json() stream operator', run: async (n) => { for await (const c of operator(over(messages, n))) sink += c.length; } });
  }
  return rows;
}

function candidates(Comet: Library['Comet'], kind: 'json' | 'string', messages: unknown[]): Candidate[] {
  const encoder = Comet.encoder<unknown>(kind, CALLBACK);
  const operator = kind === 'json' ? Comet.json(CALLBACK, { initialChunk: null }) : Comet.string(CALLBACK, { initialChunk: null });
  const len = messages.length;
  return [
    { name: 'JSON.stringify (bare)', run: (n) => { for (let i = 0; i < n; i++) sink += use(JSON.stringify(messages[i % len])!); } },
    { name: 'naive encoder', run: (n) => { for (let i = 0; i < n; i++) sink += use(naiveEncode(messages[i % len])); } },
    { name: `Comet.encoder('${kind}').encode`, run: (n) => { for (let i = 0; i < n; i++) sink += use(encoder.encode(messages[i % len], i)); } },
    {
      name: 'for await + JSON.stringify (bare)',
      run: async (n) => { for await (const m of over(messages, n)) sink += use(JSON.stringify(m)!); },
    },
    {
      name: `Comet.${kind}() stream operator`,
      run: async (n) => { for await (const c of (operator as (s: AsyncIterable<unknown>) => AsyncIterable<string>)(over(messages, n))) sink += c.length; },
    },
  ];
}

/** Runs the encoder benchmark and returns its table. */
export async function run(settings: BenchSettings = settingsFromArgv()): Promise<BenchTable> {
  const rounds = settings.quick ? 3 : 9;
  const batchMs = settings.quick ? 60 : 150;
  const { Comet, SSE } = await library();
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const set of messageSets()) {
    const payload = set.messages.reduce<number>((sum, m) => sum + (set.kind === 'json' ? JSON.stringify(m)!.length : (m as string).length), 0) / set.messages.length;
    const rates = await interleave([...candidates(Comet, set.kind, set.messages), ...sseCandidates(SSE, set.kind, set.messages)], { rounds, batchMs });
    const syncBase = rates[0]!.perSecond;
    const asyncBase = rates[3]!.perSecond;
    // the stream rows (for await, the operators) are also compared with the for-await loop
    const streaming = (name: string): boolean => name.startsWith('for await') || name.endsWith('stream operator');
    for (const r of rates) {
      const stream = streaming(r.name);
      rows.push([set.label, r.name, formatRate(r.perSecond), formatMBps(r.perSecond * payload), formatRatio(r.perSecond / syncBase), stream ? formatRatio(r.perSecond / asyncBase) : '', spread(r.samples)]);
    }
    const comet = rates[2]!.perSecond;
    const sse = rates[5]!.perSecond;
    if (set.kind === 'json') {
      notes.push(`${set.label}: Comet.json encode = ${(comet / syncBase).toFixed(3)}× bare JSON.stringify (target ≥ 0.70×: ${verdict(comet / syncBase >= 0.7)}).`);
      notes.push(`${set.label}: SSE json encode = ${(sse / syncBase).toFixed(3)}× bare JSON.stringify (target ≥ 0.70×${payload < 1000 ? '' : ', set for ~60 B'}: ${verdict(sse / syncBase >= 0.7)}).`);
    } else if (set.label.startsWith('ASCII')) {
      const mbps = (comet * payload) / 1e6;
      notes.push(`${set.label}: Comet.string encode = ${mbps.toFixed(0)} MB/s of message text (target ≥ 300 MB/s: ${verdict(mbps >= 300)}${payload < 1000 ? '; for 60 B messages the fixed per-message cost dominates, the target is judged on 10 KB text' : ''}).`);
    }
  }
  notes.push('SSE rows: `SSE.encoder(kind).encode(message, i)` without an id or event, and `SSE.json()` over the same async source; a JSON event is `data: ` + JSON.stringify + two LF; a string event needs no escaping, only a search for CR and LF (none in these texts) and one concatenation.');
  notes.push('MB/s counts message payload bytes (the JSON text, or the string\'s length), the same figure for every row of a message size, so MB/s ratios equal message/s ratios.');
  notes.push('"vs JSON.stringify" compares with the bare synchronous loop; "vs for-await" compares stream rows with a for-await loop over the same async source calling JSON.stringify.');
  notes.push('Every result is flattened (one character read from its middle) so string concatenation cannot hide its copy in a rope.');
  notes.push(`Medians of ${rounds} interleaved rounds of ~${batchMs} ms per candidate; spread is half the min-max range over the median.`);
  if (sink === -1) notes.push('');
  return {
    title: 'Encoder throughput',
    columns: ['messages', 'encoder', 'messages/s', 'MB/s', 'vs JSON.stringify', 'vs for-await', 'spread'],
    rows,
    notes,
  };
}
