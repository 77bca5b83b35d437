import { expect } from 'chai';
import sinon from 'sinon';
import { Comet, CometEncodeError } from '../../src/index.js';
import { validateCallback, validateNonce } from '../../src/comet/callback.js';
import { escapeJsString, asciiJson } from '../../src/comet/escape.js';
import { collect, fromArray } from '../support/collect.js';
import { sleep, turn } from '../support/timing.js';

const open = '<script type="text/javascript">';

describe('Comet encoder', () => {
  describe('JSON values it cannot encode', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: [string, unknown][] = [
      ['undefined', undefined],
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['a BigInt', 10n],
      ['a cycle', cyclic],
      ['a nested BigInt', { a: [1, 2n] }],
    ];
    for (const [label, value] of bad) {
      it(`fail with CometEncodeError naming the position for ${label}, after the good chunks`, async () => {
        const it = Comet.json('cb', { initialChunk: null })(fromArray([1, 2, value, 4]));
        expect(await it.next()).to.deep.equal({ done: false, value: `${open}cb(1);</script>` });
        expect(await it.next()).to.deep.equal({ done: false, value: `${open}cb(2);</script>` });
        const error = await it.next().then(() => null, (e: unknown) => e);
        expect(error).to.be.instanceOf(CometEncodeError);
        expect((error as CometEncodeError).index).to.equal(2);
        expect((error as CometEncodeError).code).to.equal('ERR_COMET_ENCODE');
        expect((error as Error).message).to.contain('message 2');
        expect(await it.next()).to.deep.equal({ done: true, value: undefined });
      });
    }

    it("are dropped with onInvalid: 'skip' and the stream goes on", async () => {
      const chunks = await collect(Comet.json('cb', { initialChunk: null, onInvalid: 'skip' })(fromArray([1, undefined, 10n, 3])));
      expect(chunks).to.deep.equal([`${open}cb(1);</script>`, `${open}cb(3);</script>`]);
    });

    it('an encode error returns the source, so it is torn down', async () => {
      const cleanup = sinon.spy();
      async function* source() {
        try {
          yield 1;
          yield undefined;
          yield 3;
        } finally {
          cleanup();
        }
      }
      const it = Comet.json('cb', { initialChunk: null })(source());
      await it.next();
      await it.next().catch(() => undefined);
      expect(cleanup.calledOnce).to.equal(true);
    });
  });

  it('Comet.string refuses non-string messages with CometEncodeError', async () => {
    const it = Comet.string('cb', { initialChunk: null })(fromArray([42 as unknown as string]));
    const error = await it.next().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(CometEncodeError);
    expect((error as Error).message).to.contain('must be a string');
  });

  describe('Comet.flow', () => {
    it('wraps trusted expressions as they are', async () => {
      const chunks = await collect(Comet.flow('cb', { initialChunk: null })(fromArray(['{"a":1}', '[1,2]', "'x'"])));
      expect(chunks).to.deep.equal([`${open}cb({"a":1});</script>`, `${open}cb([1,2]);</script>`, `${open}cb('x');</script>`]);
    });
    for (const expr of ['"</script>"', "'<!--'", '"<SCRIPT>"', '"</ScRiPt "']) {
      it(`refuses ${expr}`, () => {
        expect(() => Comet.encoder('flow', 'cb').encode(expr, 7)).to.throw(CometEncodeError, 'message 7');
      });
    }
  });

  describe('maxMessageBytes', () => {
    it('fails an oversized message with CometEncodeError and no partial chunk', async () => {
      const small = `${open}cb('ok');</script>`;
      const it = Comet.string('cb', { initialChunk: null, maxMessageBytes: small.length })(fromArray(['ok', 'too long']));
      expect((await it.next()).value).to.equal(small);
      const error = await it.next().then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(CometEncodeError);
      expect((error as Error).message).to.match(/over maxMessageBytes \(\d+\)/);
    });
    it('counts bytes, not UTF-16 units, for flow expressions', () => {
      const encoder = Comet.encoder('flow', 'cb', { maxMessageBytes: `${open}cb('é');</script>`.length });
      expect(() => encoder.encode("'é'")).to.throw(CometEncodeError);
      expect(encoder.encode("'e'")).to.equal(`${open}cb('e');</script>`);
    });
    for (const bad of [0, -1, 1.5, NaN]) {
      it(`rejects maxMessageBytes ${String(bad)} with a RangeError`, () => {
        expect(() => Comet.string('cb', { maxMessageBytes: bad })).to.throw(RangeError, /^Comet\.string: options\.maxMessageBytes must be/);
      });
    }
    it("rejects maxMessageBytes '10' with a TypeError", () => {
      expect(() => Comet.string('cb', { maxMessageBytes: '10' as unknown as number })).to.throw(TypeError, /^Comet\.string: options\.maxMessageBytes must be/);
    });
  });

  describe('options', () => {
    it('initialChunk replaces or removes the first chunk', async () => {
      expect(await collect(Comet.string('cb', { initialChunk: '<!doctype html>' })(fromArray(['a'])))).to.deep.equal([
        '<!doctype html>',
        `${open}cb('a');</script>`,
      ]);
      expect(await collect(Comet.string('cb', { initialChunk: null })(fromArray([])))).to.deep.equal([]);
      expect(await collect(Comet.string('cb')(fromArray([])))).to.deep.equal([Comet.initialHtmlChunk]);
    });
    it('rejects bad option values at creation', () => {
      expect(() => Comet.string('cb', { onInvalid: 'ignore' as 'skip' })).to.throw(TypeError, 'onInvalid');
      expect(() => Comet.string('cb', { initialChunk: 5 as unknown as string })).to.throw(TypeError, 'initialChunk');
      expect(() => Comet.encoder('html' as 'json', 'cb')).to.throw(TypeError, '"html"');
    });
    for (const nonce of ['', 'a b', 'a"b', '<x>', 'abc===', "a'"]) {
      it(`rejects nonce ${JSON.stringify(nonce)} with a TypeError quoting it`, () => {
        expect(() => Comet.json('cb', { nonce })).to.throw(TypeError, JSON.stringify(nonce));
        expect(() => validateNonce(nonce)).to.throw(TypeError);
      });
    }
    it('accepts base64 and base64url nonces', () => {
      expect(validateNonce('aGVsbG8=')).to.equal('aGVsbG8=');
      expect(validateNonce('a-b_c')).to.equal('a-b_c');
    });
    it('validateCallback returns the name and rejects non-strings', () => {
      expect(validateCallback('parent.cb')).to.equal('parent.cb');
      expect(() => validateCallback(42 as unknown as string)).to.throw(TypeError, 'number');
      expect(() => validateCallback('café')).to.throw(TypeError, 'café');
    });
  });

  describe('stream teardown', () => {
    it('return() on the output reaches an idle source at once', async () => {
      const returned = sinon.spy();
      let release: (() => void) | undefined;
      const source: AsyncIterableIterator<string> = {
        next: () => new Promise<IteratorResult<string>>((resolve) => { release = () => resolve({ done: true, value: undefined }); }),
        return: async () => { returned(); release?.(); return { done: true, value: undefined }; },
        [Symbol.asyncIterator]() { return this; },
      };
      const it = Comet.string('cb')(source);
      await it.next();
      const pending = it.next();
      await turn();
      await it.return!();
      expect(returned.calledOnce).to.equal(true);
      expect(await pending).to.deep.equal({ done: true, value: undefined });
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });
    it('throw() on the output reaches the source and rethrows', async () => {
      const cleanup = sinon.spy();
      async function* source() { try { yield 'a'; yield 'b'; } finally { cleanup(); } }
      const it = Comet.string('cb', { initialChunk: null })(source());
      await it.next();
      const boom = new Error('boom');
      await it.throw!(boom).then(() => expect.fail('should throw'), (e) => expect(e).to.equal(boom));
      expect(cleanup.calledOnce).to.equal(true);
    });
    it('an error from the source reaches the consumer after the chunks before it', async () => {
      const boom = new Error('source failed');
      async function* source() { yield 'a'; throw boom; }
      const it = Comet.string('cb', { initialChunk: null })(source());
      expect((await it.next()).value).to.equal(`${open}cb('a');</script>`);
      await it.next().then(() => expect.fail('should reject'), (e) => expect(e).to.equal(boom));
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });
    it('concurrent next() calls settle in order, each with its own message', async () => {
      async function* slow() {
        for (const [v, ms] of [['a', 15], ['b', 1], ['c', 8]] as const) {
          await sleep(ms);
          yield v;
        }
      }
      const it = Comet.string('cb', { initialChunk: 'I' })(slow());
      const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next(), it.next()]);
      expect(results.map((r) => r.value)).to.deep.equal([
        'I', `${open}cb('a');</script>`, `${open}cb('b');</script>`, `${open}cb('c');</script>`, undefined, undefined,
      ]);
      expect(results.map((r) => r.done)).to.deep.equal([false, false, false, false, true, true]);
      // A later call, once all of those settled, is still answered in order.
      expect(await it.next()).to.deep.equal({ done: true, value: undefined });
    });
    it('rejects a non-iterable input with a TypeError', () => {
      expect(() => Comet.string('cb')(42 as unknown as AsyncIterable<string>)).to.throw(TypeError, 'AsyncIterable');
    });
  });

  it('keeps an own "__proto__" key a key, not the prototype, when the chunk runs', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":[{"__proto__":"s"}],"b":"{\\"__proto__\\":1"}');
    const chunk = Comet.encoder('json', 'cb').encode(value);
    expect(chunk).to.equal(
      `${open}cb({["__proto__"]:{"x":1},"a":[{["__proto__"]:"s"}],"b":"{\\"__proto__\\":1"});</script>`,
    );
    let received: unknown;
    new Function('cb', chunk.slice(open.length, -'</script>'.length))((v: unknown) => { received = v; });
    expect(Object.keys(received as object)).to.deep.equal(['__proto__', 'a', 'b']);
    expect(received).to.deep.equal(value);
  });

  describe('escaping helpers', () => {
    it('escapeJsString leaves plain ASCII alone (same string)', () => {
      const s = 'hello world 123 ~!@#$%^&*()_+-=[]{}|;:,.?';
      expect(escapeJsString(s)).to.equal(s);
    });
    it('escapeJsString keeps DEL raw, as commons-lang3 does', () => {
      expect(escapeJsString('\u007f')).to.equal('\u007f');
    });
    it('asciiJson does not take an escaped backslash followed by u for an escape', () => {
      expect(asciiJson(JSON.stringify('\\u00ab'))).to.equal('"\\\\u00ab"');
      expect(asciiJson(JSON.stringify('\u001f\udfff'))).to.equal('"\\u001F\\uDFFF"');
    });
  });
});
