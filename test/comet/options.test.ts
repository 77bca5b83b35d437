/** Comet.json's maxDepth, and unknown option names refused by every encoder and pass-through operator. */
import { expect } from 'chai';
import fc from 'fast-check';
import { Comet, CometEncodeError } from '../../src/index.js';
import { log, tap } from '../../src/debug/index.js';
import { collect, fromArray } from '../support/collect.js';

/** `depth` arrays, one inside the other, around `inner`. */
function nested(depth: number, inner: unknown = 0): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** How deep arrays and objects nest in a JSON value, counted on the value itself. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('Comet.json maxDepth', () => {
  const encoder = Comet.encoder('json', 'cb');

  it('accepts 500 levels by default and refuses 501 with a CometEncodeError naming the message', () => {
    expect(encoder.encode(nested(500), 3)).to.contain('[[[0]]]');
    expect(() => encoder.encode(nested(501), 3)).to.throw(CometEncodeError, 'message 3 nests arrays and objects more than maxDepth (500) deep');
  });

  it('counts objects and arrays alike, and not brackets inside strings', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 501; i++) deep = i % 2 ? { k: deep } : [deep];
    expect(() => encoder.encode(deep)).to.throw(CometEncodeError, 'maxDepth');
    const flat = { text: '[{'.repeat(2000), quoted: '"[\\"{'.repeat(500), list: Array.from({ length: 800 }, (_, i) => ({ i })) };
    expect(encoder.encode(flat)).to.be.a('string');
  });

  it('agrees with the depth of the value on generated JSON (limit 3)', () => {
    const small = Comet.encoder('json', 'cb', { maxDepth: 3 });
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const refused = (() => {
          try {
            small.encode(value);
            return false;
          } catch (error) {
            expect(error).to.be.instanceOf(CometEncodeError);
            return true;
          }
        })();
        expect(refused, JSON.stringify(value)).to.equal(depthOf(value) > 3);
      }),
      { numRuns: 500 },
    );
  });

  it("a deeper message is dropped under onInvalid: 'skip', the others are sent", async () => {
    const chunks = await collect(Comet.json('cb', { initialChunk: null, onInvalid: 'skip', maxDepth: 2 })(fromArray([[[1]], [[[1]]], [2]])));
    expect(chunks).to.deep.equal(['<script type="text/javascript">cb([[1]]);</script>', '<script type="text/javascript">cb([2]);</script>']);
  });

  it('fails the stream after the chunks before it, by default', async () => {
    const output = Comet.json('cb', { initialChunk: null, maxDepth: 1 })(fromArray([[1], [[1]]]));
    expect((await output.next()).value).to.equal('<script type="text/javascript">cb([1]);</script>');
    const error = await output.next().then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(CometEncodeError);
    expect((error as CometEncodeError).index).to.equal(1);
  });

  it('Infinity lifts the limit', () => {
    expect(Comet.encoder('json', 'cb', { maxDepth: Infinity }).encode(nested(3000))).to.contain('[[[0]]]');
  });

  for (const bad of [0, -1, 1.5, NaN, 2 ** 60]) {
    it(`refuses maxDepth ${String(bad)} at once with a RangeError, naming Comet.json`, () => {
      expect(() => Comet.json('cb', { maxDepth: bad })).to.throw(RangeError, 'Comet.json: options.maxDepth must be a positive integer');
    });
  }

  it('refuses maxDepth "10" at once with a TypeError, naming Comet.json', () => {
    expect(() => Comet.json('cb', { maxDepth: '10' as unknown as number })).to.throw(TypeError, 'Comet.json: options.maxDepth must be a positive integer or Infinity, got a string');
  });

  it('is an option of the JSON encoder only', () => {
    expect(() => Comet.string('cb', { maxDepth: 5 })).to.throw(TypeError, "Comet.string: unknown option 'maxDepth'");
    expect(() => Comet.encoder('flow', 'cb', { maxDepth: 5 })).to.throw(TypeError, "Comet.encoder: unknown option 'maxDepth'");
    expect(() => Comet.encoder('json', 'cb', { maxDepth: 5 })).not.to.throw();
  });
});

describe('unknown option names', () => {
  const misspelt = { initialChunck: null } as unknown as Record<string, never>;
  for (const [where, make] of [
    ['Comet.string', () => Comet.string('cb', misspelt)],
    ['Comet.json', () => Comet.json('cb', misspelt)],
    ['Comet.flow', () => Comet.flow('cb', misspelt)],
    ['Comet.encoder', () => Comet.encoder('json', 'cb', misspelt)],
  ] as const) {
    it(`${where} refuses one with a TypeError naming it and the function`, () => {
      expect(make).to.throw(TypeError, `${where}: unknown option 'initialChunck'`);
    });
  }

  it('tap refuses a plain observer with a member of another name', () => {
    expect(() => tap({ nxt: () => {} } as never)).to.throw(TypeError, "tap: unknown option 'nxt'");
    expect(() => tap({ next: () => {}, complete: () => {} } as never)).to.throw(TypeError, "tap: unknown option 'complete'");
  });

  it('tap accepts an instance of a class holding state of its own', async () => {
    class Counter {
      seen = 0;
      next(): void {
        this.seen++;
      }
    }
    const counter = new Counter();
    expect(await collect(tap<number>(counter)(fromArray([1, 2])))).to.deep.equal([1, 2]);
    expect(counter.seen).to.equal(2);
  });

  it('log refuses one, and a non-object options', () => {
    expect(() => log('x', { writer: () => {} } as never)).to.throw(TypeError, "log: unknown option 'writer'");
    expect(() => log('x', 5 as never)).to.throw(TypeError, 'log: options must be an object, got the number 5');
  });

  it('refuses bad option values with the function in the message', () => {
    expect(() => Comet.json('cb', { onInvalid: 'ignore' as 'skip' })).to.throw(TypeError, 'Comet.json: options.onInvalid must be "error" or "skip", got "ignore"');
    expect(() => Comet.string('cb', { initialChunk: 5 as never })).to.throw(TypeError, 'Comet.string: options.initialChunk must be a string or null, got the number 5');
    expect(() => Comet.flow('cb', { maxMessageBytes: 0 })).to.throw(RangeError, 'Comet.flow: options.maxMessageBytes must be a positive integer');
    expect(() => Comet.json('cb', { nonce: 'a b' })).to.throw(TypeError, 'Comet.json: nonce must be base64');
    expect(() => Comet.json('cb', 7 as never)).to.throw(TypeError, 'Comet.json: options must be an object');
  });
});
