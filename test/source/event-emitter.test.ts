import { expect } from 'chai';
import { EventEmitter, getEventListeners } from 'node:events';
import { fromEventEmitter } from '../../src/source/index.js';
import { rest } from './fixtures/helpers.js';

/** Something with only on/off, as many event libraries have. */
class OnOff {
  handlers = new Map<string | symbol, Set<(...a: unknown[]) => void>>();
  on(e: string | symbol, fn: (...a: unknown[]) => void) {
    if (!this.handlers.has(e)) this.handlers.set(e, new Set());
    this.handlers.get(e)!.add(fn);
  }
  off(e: string | symbol, fn: (...a: unknown[]) => void) {
    this.handlers.get(e)?.delete(fn);
  }
  fire(e: string | symbol, ...args: unknown[]) {
    for (const fn of [...(this.handlers.get(e) ?? [])]) fn(...args);
  }
  get count() {
    return [...this.handlers.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** Something with only addListener/removeListener. */
class AddRemove {
  inner = new OnOff();
  addListener(e: string, fn: (...a: unknown[]) => void) {
    this.inner.on(e, fn);
  }
  removeListener(e: string, fn: (...a: unknown[]) => void) {
    this.inner.off(e, fn);
  }
}

describe('fromEventEmitter', () => {
  it('yields the argument arrays with multiArgs', async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter<unknown[]>(ee, 'data', { multiArgs: true });
    ee.emit('data', 1, 'two', null);
    ee.emit('data');
    ee.emit('end');
    expect(await rest(it)).to.deep.equal({ values: [[1, 'two', null], []] });
  });

  it('yields only the first argument by default', async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter(ee, 'data');
    ee.emit('data', 1, 2, 3);
    ee.emit('end');
    expect(await rest(it)).to.deep.equal({ values: [1] });
  });

  it('ends on any of endEvents and removes all its listeners', async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter(ee, 'data', { endEvents: ['end', 'close'] });
    expect([ee.listenerCount('end'), ee.listenerCount('close')]).to.deep.equal([1, 1]);
    ee.emit('data', 'a');
    ee.emit('close');
    expect(ee.eventNames()).to.deep.equal([]);
    expect(await rest(it)).to.deep.equal({ values: ['a'] });
  });

  it('listens to a custom errorEvent, or to none with null', async () => {
    const ee = new EventEmitter();
    const it = fromEventEmitter(ee, 'data', { errorEvent: 'failure' });
    expect(ee.listenerCount('error')).to.equal(0);
    ee.emit('failure', 'bad');
    expect(await rest(it)).to.deep.equal({ values: [], error: 'bad' });
    const quiet = new EventEmitter();
    fromEventEmitter(quiet, 'data', { errorEvent: null, endEvents: [] });
    expect(quiet.eventNames()).to.deep.equal(['data']);
  });

  it('accepts symbol event names', async () => {
    const ee = new EventEmitter();
    const tick = Symbol('tick');
    const it = fromEventEmitter(ee, tick);
    ee.emit(tick, 7);
    await it.return();
    expect(ee.listenerCount(tick)).to.equal(0);
  });

  it('works with on/off and with addListener/removeListener', async () => {
    const a = new OnOff();
    const itA = fromEventEmitter(a, 'data');
    expect(a.count).to.equal(3);
    a.fire('data', 1);
    a.fire('end');
    expect(await rest(itA)).to.deep.equal({ values: [1] });
    expect(a.count).to.equal(0);
    const b = new AddRemove();
    const itB = fromEventEmitter(b, 'data');
    b.inner.fire('data', 2);
    b.inner.fire('error', 'oops');
    expect(await rest(itB)).to.deep.equal({ values: [2], error: 'oops' });
    expect(b.inner.count).to.equal(0);
  });

  it('fails an EventTarget iterator with the error event’s error, or the event itself', async () => {
    const target = new EventTarget();
    const it = fromEventEmitter(target, 'message');
    const boom = new Error('boom');
    target.dispatchEvent(Object.assign(new Event('error'), { error: boom }));
    expect(await rest(it)).to.deep.equal({ values: [], error: boom });
    expect(getEventListeners(target, 'message')).to.have.length(0);
    const bare = fromEventEmitter(target, 'message');
    const event = new Event('error');
    target.dispatchEvent(event);
    expect((await rest(bare)).error).to.equal(event);
  });

  it('refuses bad input with TypeErrors naming what was given', () => {
    const ee = new EventEmitter();
    expect(() => fromEventEmitter(null as never, 'data')).to.throw(TypeError, /EventEmitter.*got null/);
    expect(() => fromEventEmitter({ on() {} } as never, 'data')).to.throw(TypeError, /got a plain object/);
    expect(() => fromEventEmitter(ee, 42 as never)).to.throw(TypeError, /event must be a string or a symbol, got the number 42/);
    expect(() => fromEventEmitter(new EventTarget(), Symbol('x') as never)).to.throw(TypeError, /string for an EventTarget/);
    expect(() => fromEventEmitter(ee, 'data', { endEvents: 'end' as never })).to.throw(TypeError, /endEvents must be an array/);
    expect(() => fromEventEmitter(ee, 'data', { endEvents: [1 as never] })).to.throw(TypeError, /endEvents/);
    expect(() => fromEventEmitter(ee, 'data', { errorEvent: 0 as never })).to.throw(TypeError, /errorEvent/);
    expect(() => fromEventEmitter(ee, 'end')).to.throw(TypeError, /also an end or error event/);
    expect(() => fromEventEmitter(ee, 'data', { endEvents: ['end', 'error'] })).to.throw(TypeError, /both end the iterator and fail it/);
    expect(() => fromEventEmitter(ee, 'data', { multiArgs: 1 as never })).to.throw(TypeError, /multiArgs/);
    expect(() => fromEventEmitter(ee, 'data', { buffer: { limit: 0 } })).to.throw(RangeError, /limit/);
    expect(ee.eventNames()).to.deep.equal([]);
  });
});
