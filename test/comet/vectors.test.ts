import { expect } from 'chai';
import { readFileSync, existsSync } from 'node:fs';
import { Comet } from '../../src/index.js';
import { collect, fromArray } from '../support/collect.js';
import { vectors, stringInput, sharedVectorsPath, fixtureVectorsPath } from '../support/vectors.js';

describe('Comet conformance vectors', () => {
  it('the committed fixture equals ../shared/comet-vectors.json when that is present', function () {
    if (!existsSync(sharedVectorsPath)) this.skip();
    expect(readFileSync(fixtureVectorsPath, 'utf8')).to.equal(readFileSync(sharedVectorsPath, 'utf8'));
  });

  it('initialHtmlChunk is 5 KiB of spaces then <html><body>', () => {
    expect(Comet.initialHtmlChunk).to.equal(vectors.initialHtmlChunk);
    expect(Comet.initialHtmlChunk).to.equal(' '.repeat(5120) + '<html><body>');
  });

  describe('Comet.string', () => {
    for (const v of vectors.string) {
      const input = stringInput(v);
      it(`encodes ${JSON.stringify(input)}`, async () => {
        const chunks = await collect(Comet.string(v.callback, { initialChunk: null })(fromArray([input])));
        expect(chunks).to.deep.equal([v.chunk]);
        expect(Comet.encoder('string', v.callback).encode(input)).to.equal(v.chunk);
      });
    }
  });

  describe('Comet.json', () => {
    for (const v of vectors.json) {
      it(`encodes ${JSON.stringify(v.input)}`, async () => {
        const chunks = await collect(Comet.json(v.callback, { initialChunk: null })(fromArray([v.input])));
        expect(chunks).to.deep.equal([v.chunk]);
      });
    }
  });

  it('a whole stream equals the stream vector byte for byte', async () => {
    const { callback, kind, inputs, output } = vectors.stream;
    const op = kind === 'json' ? Comet.json(callback) : Comet.string(callback);
    const chunks = await collect(op(fromArray(inputs as string[])));
    expect(chunks.join('')).to.equal(output);
    expect(chunks[0]).to.equal(Comet.initialHtmlChunk);
    expect(chunks).to.have.length(inputs.length + 1);
  });

  it('writes the nonce into the script tag', async () => {
    const { callback, nonce, input, chunk } = vectors.nonce;
    const chunks = await collect(Comet.string(callback, { nonce, initialChunk: null })(fromArray([input])));
    expect(chunks).to.deep.equal([chunk]);
  });

  describe('callback names', () => {
    for (const name of vectors.validCallbacks) {
      it(`accepts ${JSON.stringify(name)}`, () => {
        expect(() => Comet.string(name)).not.to.throw();
        expect(Comet.encoder('json', name).encode(1)).to.equal(`<script type="text/javascript">${name}(1);</script>`);
      });
    }
    for (const name of vectors.invalidCallbacks) {
      it(`rejects ${JSON.stringify(name)} with a TypeError quoting it`, () => {
        for (const make of [Comet.string, Comet.json, Comet.flow]) {
          expect(() => make(name)).to.throw(TypeError, JSON.stringify(name));
        }
      });
    }
  });
});
