import { expect } from 'chai';
import { IterableObservable, heartbeatChunk, toObservable, cometHeaders } from '../src/index.js';

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

  it('toObservable returns an IterableObservable that can be constructed directly too', async () => {
    async function* three() {
      yield 1;
      yield 2;
      yield 3;
    }
    expect(toObservable(three())).to.be.instanceOf(IterableObservable);
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      new IterableObservable(three()).subscribe({ next: (v) => seen.push(v), error: reject, complete: resolve });
    });
    expect(seen).to.deep.equal([1, 2, 3]);
  });
});
