import { expect } from 'chai';
import { Comet, CometEncodeError, Concurrent, Enumerator, Iteratee, LegacyComet, Streams } from '../../src/index.js';
import { collect, fromArray } from '../support/collect.js';
import { stringInput, vectors } from '../support/vectors.js';

/** The chunks an enumerator of `inputs` gives through `Comet.apply`, called on the root export. */
function legacyChunks<E>(inputs: E[], callback: string, options?: Parameters<typeof Comet.apply>[1]): Promise<string[]> {
  return Enumerator.enumerate(inputs).through(Comet.apply<E>(callback, options)).run(Iteratee.getChunks<string>());
}

describe('legacy Comet.apply (also LegacyComet.apply)', () => {
  describe('equals Comet.string on every string vector', () => {
    for (const v of vectors.string) {
      const input = stringInput(v);
      it(`encodes ${JSON.stringify(input)}`, async () => {
        const legacy = await legacyChunks([input], v.callback, { initialChunk: null });
        const modern = await collect(Comet.string(v.callback, { initialChunk: null })(fromArray([input])));
        expect(legacy).to.deep.equal([v.chunk]);
        expect(legacy).to.deep.equal(modern);
      });
    }
  });

  describe("equals Comet.json on every JSON vector (message: 'json')", () => {
    for (const v of vectors.json) {
      it(`encodes ${JSON.stringify(v.input)}`, async () => {
        const legacy = await legacyChunks([v.input], v.callback, { initialChunk: null, message: 'json' });
        const modern = await collect(Comet.json(v.callback, { initialChunk: null })(fromArray([v.input])));
        expect(legacy).to.deep.equal([v.chunk]);
        expect(legacy).to.deep.equal(modern);
      });
    }
  });

  it('equals the whole stream vector, initial chunk first', async () => {
    const { callback, kind, inputs, output } = vectors.stream;
    const legacy = await legacyChunks(inputs, callback, { message: kind });
    const modern = await collect((kind === 'json' ? Comet.json(callback) : Comet.string(callback))(fromArray(inputs as string[])));
    expect(legacy[0]).to.equal(Comet.initialHtmlChunk);
    expect(legacy).to.deep.equal(modern);
    expect(legacy.join('')).to.equal(output);
  });

  it('equals the nonce vector', async () => {
    const { callback, nonce, input, chunk } = vectors.nonce;
    expect(await legacyChunks([input], callback, { initialChunk: null, nonce })).to.deep.equal([chunk]);
  });

  it('sends a given initial chunk, or none, before the first element', async () => {
    expect(await legacyChunks<string>([], 'cb', { initialChunk: '<!-- start -->' })).to.deep.equal(['<!-- start -->']);
    expect(await legacyChunks<string>([], 'cb', { initialChunk: null })).to.deep.equal([]);
  });

  it('gives the same bytes through Streams.enumeratorToSource as Comet.string on the same messages', async () => {
    const messages = ['kiki', '</script>', '\u2028'];
    const legacy = await collect(Streams.enumeratorToSource(Enumerator.enumerate(messages).through(Comet.apply('parent.cometMessage'))));
    const modern = await collect(Comet.string('parent.cometMessage')(fromArray(messages)));
    expect(legacy.join('')).to.equal(modern.join(''));
  });

  it('validates the callback when created, as Comet.string does', () => {
    for (const bad of vectors.invalidCallbacks) {
      expect(() => Comet.apply(bad), JSON.stringify(bad)).to.throw(TypeError);
      expect(() => LegacyComet.apply(bad), JSON.stringify(bad)).to.throw(TypeError);
      expect(() => Comet.string(bad), JSON.stringify(bad)).to.throw(TypeError);
    }
    for (const good of vectors.validCallbacks) expect(() => Comet.apply(good)).to.not.throw();
    expect(() => Comet.apply('cb', { message: 'xml' as never })).to.throw(TypeError, "Comet.apply: options.message must be 'string', 'json' or a function, got a string");
  });

  it('an unknown option name is a TypeError naming it, at the call', () => {
    expect(() => Comet.apply('cb', { initialchunk: null } as never)).to.throw(
      TypeError,
      "Comet.apply: unknown option 'initialchunk' (known options: 'message', 'initialChunk', 'nonce', 'onInvalid', 'maxMessageBytes', 'maxDepth')",
    );
    expect(() => Comet.apply('cb', 'json' as never)).to.throw(TypeError, 'Comet.apply: options must be an object, got a string');
    expect(() => Comet.apply('cb', { initialChunk: null, message: 'json', nonce: undefined })).to.not.throw();
  });

  it('the other legacy functions that take options refuse unknown names too', () => {
    expect(() => Concurrent.broadcast({ bufer: { limit: 1 } } as never)).to.throw(TypeError, "Concurrent.broadcast: unknown option 'bufer'");
    expect(() => Concurrent.unicast(() => {}, undefined, undefined, { limit: 1 } as never)).to.throw(TypeError, "Concurrent.unicast: unknown option 'limit'");
    const publisher = { subscribe() {} };
    expect(() => Streams.publisherToEnumerator(publisher, { preFetch: 4 } as never)).to.throw(TypeError, "Streams.publisherToEnumerator: unknown option 'preFetch'");
    expect(() => Streams.publisherToEnumerator(publisher, { prefetch: 0 })).to.throw(RangeError, 'Streams.publisherToEnumerator: options.prefetch must be a positive integer, got 0');
    expect(() => Streams.publisherToEnumerator(publisher, { prefetch: 4 })).to.not.throw();
  });

  it('a custom message function works like Comet.flow and refuses script-breaking output', async () => {
    const toCall = (v: { n: number }): string => `{n:${v.n}}`;
    const legacy = await legacyChunks([{ n: 1 }, { n: 2 }], 'cb', { initialChunk: null, message: toCall });
    const modern = await collect(Comet.flow('cb', { initialChunk: null })(fromArray(['{n:1}', '{n:2}'])));
    expect(legacy).to.deep.equal(modern);
    expect(legacy[0]).to.equal('<script type="text/javascript">cb({n:1});</script>');
    const err = await legacyChunks(['x'], 'cb', { initialChunk: null, message: () => '"</script>"' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CometEncodeError);
    expect((err as CometEncodeError).index).to.equal(0);
  });

  it('a message that cannot be encoded fails the run with CometEncodeError at its index, or is skipped', async () => {
    const err = await legacyChunks<unknown>(['ok', 42], 'cb', { initialChunk: null }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CometEncodeError);
    expect((err as CometEncodeError).index).to.equal(1);
    const skipped = await legacyChunks<unknown>(['a', 42, 'b'], 'cb', { initialChunk: null, onInvalid: 'skip' });
    const modern = await collect(Comet.string('cb', { initialChunk: null, onInvalid: 'skip' })(fromArray(['a', 42 as never, 'b'])));
    expect(skipped).to.deep.equal(modern);
    expect(skipped).to.have.length(2);
  });
});
