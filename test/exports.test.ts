import { expect } from 'chai';
import * as lib from '../src/index.js';
import { Comet, SSE, toObservable, type IterableObservable } from '../src/index.js';

const cometHeaders = Comet.headers;

describe('small exports', () => {
  it('the deprecated heartbeatChunk is still one newline, inert between Comet chunks', () => {
    expect(lib.heartbeatChunk).to.equal('\n');
  });

  it('SSE.headers are frozen and name the event-stream type', () => {
    expect(Object.isFrozen(SSE.headers)).to.equal(true);
    expect(SSE.headers['Content-Type']).to.equal('text/event-stream; charset=utf-8');
  });

  it('Comet.headers are frozen and name the four Comet headers', () => {
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
