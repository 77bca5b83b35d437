/**
 * The SSE operators at their edges, as the Comet operators: a stop before the first pull, a stop
 * while a pull waits, an unencodable message over a source whose teardown hangs, the cut-off signal.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { fromEventEmitter, SSE, SSEEncodeError } from '../../src/index.js';
import { cutoffKey, cutoffOf } from '../../src/util/cutoff.js';
import { hangingReturn } from '../support/edges.js';
import { within } from '../support/timing.js';

const operators: [string, () => (source: AsyncIterable<unknown>) => AsyncIterableIterator<string>][] = [
  ['SSE.json', () => SSE.json({ retry: 10 })],
  ['SSE.string', () => SSE.string({ initial: 'x' }) as (source: AsyncIterable<unknown>) => AsyncIterableIterator<string>],
];

describe('SSE operators at their edges', () => {
  for (const [name, make] of operators) {
    it(`${name}: return() before the first next() tears a fromEventEmitter source down (0 listeners)`, async () => {
      const emitter = new EventEmitter();
      const output = make()(fromEventEmitter<unknown>(emitter, 'data'));
      expect(emitter.listenerCount('data')).to.equal(1);
      expect(await output.return!()).to.deep.equal({ done: true, value: undefined });
      expect(emitter.listenerCount('data')).to.equal(0);
      expect(await output.next()).to.deep.equal({ done: true, value: undefined });
    });

    it(`${name}: return() while a next() waits on the source reaches it at once; that next() resolves done`, async () => {
      const emitter = new EventEmitter();
      const output = make()(fromEventEmitter<unknown>(emitter, 'data'));
      await output.next(); // the opening
      const waiting = output.next();
      void output.return!();
      expect(emitter.listenerCount('data'), 'torn down at once').to.equal(0);
      expect(await within(waiting, 1000)).to.deep.equal({ done: true, value: undefined });
    });

    it(`${name} carries its source's cut-off signal`, () => {
      const signal = new AbortController().signal;
      const source = { [cutoffKey]: signal, async *[Symbol.asyncIterator]() {} };
      expect(cutoffOf(make()(source))).to.equal(signal);
      expect(cutoffOf(make()((async function* () {})()))).to.equal(undefined);
    });
  }

  it('an unencodable message fails the stream at once with an SSEEncodeError naming its position; the source return() was started', async () => {
    const { source, returned } = hangingReturn([1, 10n]);
    const output = SSE.json()(source);
    expect((await output.next()).value).to.equal('data: 1\n\n');
    const outcome = await within(output.next(), 1000);
    expect(outcome).to.be.instanceOf(SSEEncodeError);
    expect((outcome as SSEEncodeError).index).to.equal(1);
    expect(returned.callCount).to.equal(1);
    expect(await within(output.next(), 1000)).to.deep.equal({ done: true, value: undefined });
  });

  it('a source error passes through unchanged; a non-AsyncIterable source is a TypeError', async () => {
    const oops = new Error('source broke');
    const output = SSE.string()((async function* () {
      yield 'a';
      throw oops;
    })());
    expect((await output.next()).value).to.equal('data: a\n\n');
    expect(await within(output.next(), 1000)).to.equal(oops);
    expect(() => SSE.json()(5 as unknown as AsyncIterable<unknown>)).to.throw(TypeError, 'SSE.json: the source must be an AsyncIterable, got the number 5');
  });
});
