/**
 * Hostile input: over 100,000 generated messages (full Unicode, lone surrogates, HTML and script
 * fragments, object keys such as __proto__, very long strings; fixed seed) through the encoder,
 * evaluated in node:vm a batch at a time. Every value must come back exactly, and no chunk may hold
 * `</script`, `<!--` or `<script` before its own closing tag. Oversized messages get a
 * CometEncodeError, never a partial chunk, through the encoder, the stream operator and sendComet.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import vm from 'node:vm';
import { Comet, CometEncodeError, sendComet, type CometEncoder } from '../../src/index.js';
import { connect, getRequest, parseChunked } from './fixtures/helpers.js';
import { listen } from '../support/loopback.js';

const CB = 'parent.cometMessage';
const OPEN = `<script type="text/javascript">${CB}(`;
const CLOSE = ');</script>';
const SEED = 20261126;
const BATCH = 100;
const RUNS = 500; // × BATCH messages, for each of the two kinds

/** Any code point, surrogates included (fc.string's 'binary' unit would build an 80 MB table of them). */
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const fragment = fc.constantFrom(
  '</script>', '</SCRIPT ', '</scRipt\t', '<script>', '<!--', '-->', '<!-', '<![CDATA[', ']]>', '</', '<', '>', '/', '\\',
  "'", '"', '`', '${', '\\u2028', '\u2028', '\u2029', '\u0000', '\r\n', '\u007f', '\u0085', '\ud83d\ude00', '&lt;', '\u00a0',
  '\ufeff', '\uffff', '\\', '\\\\u003C', '<\\/script>', '</script', 'script', '__proto__',
);
const unit = fc.oneof(
  { weight: 4, arbitrary: codePoint },
  { weight: 2, arbitrary: fragment },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
);
const veryLong = fc
  .tuple(fc.array(unit, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1000, max: 12_000 }))
  .map(([parts, times]) => parts.join('').repeat(times).slice(0, 60_000));
const hostileString = fc.oneof(
  { weight: 40, arbitrary: fc.array(unit, { maxLength: 24 }).map((parts) => parts.join('')) },
  { weight: 10, arbitrary: fc.array(codePoint, { maxLength: 200 }).map((units) => units.join('')) },
  { weight: 1, arbitrary: veryLong },
);
const key = fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', '0', '-1'));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    hostileString,
    fc.array(tie('json'), { maxLength: 5 }),
    fc.dictionary(key, tie('json'), { maxKeys: 5 }),
  ),
}));

/** Fast per-chunk checks; returns a description of the first problem, or null. */
function unsafe(chunk: string): string | null {
  if (!chunk.startsWith(OPEN) || !chunk.endsWith(CLOSE)) return 'not one whole script chunk';
  const before = chunk.slice(0, -'</script>'.length).toLowerCase();
  if (before.includes('</script')) return 'holds </script before its closing tag';
  if (before.includes('<!--')) return 'holds <!-- before its closing tag';
  if (before.indexOf('<script', 1) !== -1) return 'holds <script after its opening tag';
  const message = chunk.slice(OPEN.length, -CLOSE.length);
  if (/[<>]/.test(message)) return 'message holds < or >';
  if (/[^\x00-\x7f]/.test(chunk)) return 'not pure ASCII';
  return null;
}

/**
 * Evaluates many chunks' script content in one go, in `context`, and returns what the callback
 * received. Compiled as a function: unlike vm.runInContext, that keeps the source out of V8's
 * script compilation cache, which would otherwise hold every batch's text for the rest of the run.
 */
function evaluate(context: vm.Context, received: unknown[], chunks: readonly string[]): unknown[] {
  received.length = 0;
  const body = chunks.map((c) => c.slice('<script type="text/javascript">'.length, -'</script>'.length)).join('\n');
  vm.compileFunction(body, [], { parsingContext: context })();
  return received;
}

describe('reliability: hostile input', function () {
  this.timeout(60_000);
  const received: unknown[] = [];
  const context = vm.createContext({ parent: { cometMessage: (v: unknown) => received.push(v) } });
  let messages = 0;

  after(() => {
    expect(messages, 'messages generated and checked').to.be.at.least(2 * RUNS * BATCH);
  });

  /**
   * Encodes one batch, checks every chunk is script-safe, runs them all in the vm context and checks
   * each message came back as `same` says.
   */
  function roundTrip<T>(encoder: CometEncoder<T>, batch: T[], same: (sent: T, got: unknown) => string | undefined): void {
    const chunks = batch.map((m, i) => encoder.encode(m, i));
    for (const [i, chunk] of chunks.entries()) {
      const problem = unsafe(chunk);
      if (problem) throw new Error(`message ${JSON.stringify(batch[i])}: ${problem}`);
    }
    const out = evaluate(context, received, chunks);
    if (out.length !== batch.length) throw new Error(`${out.length} callbacks for ${batch.length} messages`);
    for (let i = 0; i < batch.length; i++) {
      const problem = same(batch[i]!, out[i]);
      if (problem) throw new Error(problem);
    }
    messages += batch.length;
  }

  it(`${RUNS * BATCH} generated strings round-trip through Comet.string and stay script-safe`, () => {
    const encoder = Comet.encoder<string>('string', CB);
    fc.assert(
      fc.property(fc.array(hostileString, { minLength: BATCH, maxLength: BATCH }), (batch) =>
        roundTrip(encoder, batch, (sent, got) =>
          got === sent ? undefined : `message ${JSON.stringify(sent)} came back as ${JSON.stringify(got)}`,
        ),
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it(`${RUNS * BATCH} generated JSON values round-trip through Comet.json and stay script-safe`, () => {
    const encoder = Comet.encoder<unknown>('json', CB);
    fc.assert(
      fc.property(fc.array(json, { minLength: BATCH, maxLength: BATCH }), (batch) =>
        roundTrip(encoder, batch, (value, arrived) => {
          // JSON.stringify of what arrived equals that of what was sent: same keys (own, in order), same values
          const sent = JSON.stringify(value);
          const got = JSON.stringify(arrived);
          return got === sent ? undefined : `message ${sent} came back as ${got}`;
        }),
      ),
      { numRuns: RUNS, seed: SEED + 1, endOnFailure: true },
    );
  });

  it('an object key named __proto__ arrives as an own property, not as the prototype', () => {
    const encoder = Comet.encoder<unknown>('json', CB);
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":[{"__proto__":1}]}') as unknown;
    const [out] = evaluate(context, received, [encoder.encode(value)]) as [Record<string, unknown>];
    expect(JSON.stringify(out)).to.equal('{"__proto__":{"polluted":true},"a":[{"__proto__":1}]}');
    expect((out as { polluted?: unknown }).polluted).to.equal(undefined);
  });

  it('the stream operators give the same chunks as the encoder, after the initial chunk', async () => {
    const strings = fc.sample(hostileString, { numRuns: 2000, seed: SEED + 2 });
    const values = fc.sample(json, { numRuns: 2000, seed: SEED + 3 });
    const collect = async (it: AsyncIterable<string>): Promise<string[]> => {
      const out: string[] = [];
      for await (const c of it) out.push(c);
      return out;
    };
    async function* from<T>(items: T[]): AsyncGenerator<T> {
      yield* items;
    }
    const s = Comet.encoder<string>('string', CB);
    const j = Comet.encoder<unknown>('json', CB);
    expect(await collect(Comet.string(CB)(from(strings)))).to.deep.equal([Comet.initialHtmlChunk, ...strings.map((m, i) => s.encode(m, i))]);
    expect(await collect(Comet.json(CB)(from(values)))).to.deep.equal([Comet.initialHtmlChunk, ...values.map((m, i) => j.encode(m, i))]);
    messages += 4000;
  });

  it('maxMessageBytes: a too-large message is a CometEncodeError, never a partial chunk', () => {
    fc.assert(
      fc.property(fc.constantFrom('string' as const, 'json' as const), hostileString, fc.integer({ min: 1, max: 2000 }), (kind, text, max) => {
        const encoder = Comet.encoder<unknown>(kind, CB, { maxMessageBytes: max });
        let chunk: string;
        try {
          chunk = encoder.encode(text, 7);
        } catch (error) {
          expect(error).to.be.instanceOf(CometEncodeError);
          expect((error as CometEncodeError).code).to.equal('ERR_COMET_ENCODE');
          expect((error as CometEncodeError).index).to.equal(7);
          expect(Comet.encoder<unknown>(kind, CB).encode(text).length, 'refused only when too large').to.be.above(max);
          return;
        }
        expect(Buffer.byteLength(chunk)).to.be.at.most(max);
        expect(unsafe(chunk)).to.equal(null);
      }),
      { numRuns: 3000, seed: SEED + 4 },
    );
  });

  it('maxMessageBytes through Comet.json and sendComet: whole chunks, then a failed stream', async () => {
    const small = { n: 1 };
    const big = { n: 3, text: 'x'.repeat(500) };
    const max = 200;
    const chunks = Comet.json(CB, { maxMessageBytes: max });
    const seen: string[] = [];
    let failure: unknown;
    try {
      for await (const c of chunks((async function* () { yield* [small, small, big, small]; })())) seen.push(c);
    } catch (error) {
      failure = error;
    }
    const encoder = Comet.encoder<unknown>('json', CB);
    expect(seen).to.deep.equal([Comet.initialHtmlChunk, encoder.encode(small), encoder.encode(small)]);
    expect(failure).to.be.instanceOf(CometEncodeError);
    expect((failure as CometEncodeError).index).to.equal(2);

    const skipped: string[] = [];
    for await (const c of Comet.json(CB, { maxMessageBytes: max, onInvalid: 'skip' })((async function* () { yield* [small, big, small]; })())) skipped.push(c);
    expect(skipped).to.deep.equal([Comet.initialHtmlChunk, encoder.encode(small), encoder.encode(small)]);

    let rejected: unknown;
    const server = await listen((_req, res) => {
      sendComet(res, chunks((async function* () { yield* [small, small, big, small]; })())).catch((e: unknown) => (rejected = e));
    }, { backlog: 1024 });
    try {
      const socket = await connect(server.port);
      let raw = '';
      socket.on('data', (d: Buffer) => (raw += d.toString('latin1')));
      socket.write(getRequest('/'));
      await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const { body, complete } = parseChunked(raw);
      expect(complete, 'the client sees a failed stream').to.equal(false);
      expect(body).to.equal(Comet.initialHtmlChunk + encoder.encode(small) + encoder.encode(small));
      expect(rejected).to.be.instanceOf(CometEncodeError);
    } finally {
      await server.close();
    }
  });
});
