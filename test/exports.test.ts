import { expect } from 'chai';
import * as lib from '../src/index.js';
import { heartbeatChunk, toObservable, cometHeaders, type IterableObservable } from '../src/index.js';

describe('small exports', () => {
  it('heartbeatChunk is one newline, inert between Comet chunks', () => {
    expect(heartbeatChunk).to.equal('\n');
  });

  it('cometHeaders are frozen and name the four Comet headers', () => {
    expect(Object.isFrozen(cometHeaders)).to.equal(true);
    expect(Object.keys(cometHeaders)).to.deep.equal([
      'Content-Type',
      'Cache-Control',
      'X-Content-Type-Options',
      'X-Accel-Buffering',
    ]);
  });

  it('IterableObservable is a type only: toObservable is the one way to make one', async () => {
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    expect(lib).not.to.have.property('IterableObservable');
    const observable: IterableObservable<number> = toObservable(three());
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      observable.subscribe({ next: (v) => seen.push(v), error: reject, complete: resolve });
    });
    expect(seen).to.deep.equal([1, 2, 3]);
  });
});
