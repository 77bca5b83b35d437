import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import { isPlainAbort, onAbort, toError } from '../../src/util/abort.js';
import { turn } from '../support/timing.js';

describe('onAbort', () => {
  it('runs at once, synchronously, for a signal that has already aborted, and registers nothing', () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const dispose = onAbort(controller.signal, () => calls++);
    expect(calls).to.equal(1);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    dispose();
    expect(calls).to.equal(1);
  });

  it('serves 1,000 watchers of one signal with one listener, in order, without a warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): number => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const order: number[] = [];
      const disposers = Array.from({ length: 1000 }, (_, i) => onAbort(controller.signal, () => order.push(i)));
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(1);
      disposers[500]!();
      controller.abort();
      await turn();
      expect(order).to.have.length(999);
      expect(order.indexOf(500)).to.equal(-1);
      expect(order).to.deep.equal([...order].sort((a, b) => a - b));
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
      expect(warnings.map((w) => w.name)).to.not.include('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('removes the signal listener with the last disposer, and a later watcher adds it again', () => {
    const controller = new AbortController();
    const a = onAbort(controller.signal, () => {});
    const b = onAbort(controller.signal, () => {});
    a();
    a();
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(1);
    b();
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    let ran = false;
    onAbort(controller.signal, () => (ran = true));
    controller.abort();
    expect(ran).to.equal(true);
  });

  it('runs each callback once, even one registered twice or disposed after it ran', () => {
    const controller = new AbortController();
    let calls = 0;
    const fn = (): number => calls++;
    const first = onAbort(controller.signal, fn);
    onAbort(controller.signal, fn);
    controller.abort();
    first();
    controller.signal.dispatchEvent(new Event('abort'));
    expect(calls).to.equal(2);
  });

  it('a watcher added while the others run (already aborted) runs at once', () => {
    const controller = new AbortController();
    const seen: string[] = [];
    onAbort(controller.signal, () => {
      seen.push('first');
      onAbort(controller.signal, () => seen.push('nested'));
    });
    controller.abort();
    expect(seen).to.deep.equal(['first', 'nested']);
  });

  it('is a no-op without a signal', () => {
    expect(onAbort(undefined, () => expect.fail('never'))).to.be.a('function');
  });
});

describe('toError', () => {
  it('keeps an Error and wraps anything else as an AbortError with the reason as cause', () => {
    const error = new RangeError('x');
    expect(toError(error)).to.equal(error);
    const wrapped = toError('shutting down');
    expect(wrapped).to.be.instanceOf(Error);
    expect(wrapped.name).to.equal('AbortError');
    expect(wrapped.message).to.equal('shutting down');
    expect(wrapped.cause).to.equal('shutting down');
    expect(toError(undefined).message).to.equal('The operation was aborted');
  });

  it('keeps a DOMException as it is: it is an Error', () => {
    const plain = AbortSignal.abort().reason as unknown;
    expect(plain).to.be.instanceOf(DOMException).and.instanceOf(Error);
    expect(toError(plain)).to.equal(plain);
    const timeout = new DOMException('late', 'TimeoutError');
    expect(toError(timeout)).to.equal(timeout);
  });

  it('wraps null, numbers and plain objects, each as its cause', () => {
    for (const reason of [null, 0, { code: 7 }]) {
      const wrapped = toError(reason);
      expect(wrapped).to.include({ name: 'AbortError', message: String(reason) });
      expect(wrapped.cause).to.equal(reason);
    }
  });
});

describe('isPlainAbort', () => {
  it("is true only for a DOMException named 'AbortError', as controller.abort() gives", () => {
    expect(isPlainAbort(AbortSignal.abort().reason)).to.equal(true);
    expect(isPlainAbort(new DOMException('late', 'TimeoutError'))).to.equal(false);
    const named = new Error('x');
    named.name = 'AbortError';
    expect(isPlainAbort(named)).to.equal(false);
    expect(isPlainAbort(toError('bye'))).to.equal(false);
    expect(isPlainAbort('AbortError')).to.equal(false);
    expect(isPlainAbort(undefined)).to.equal(false);
  });
});
