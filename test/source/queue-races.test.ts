import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import sinon from 'sinon';
import { pushQueue, type PushController, type PushHooks } from '../../src/source/index.js';
import { DONE, rest, settled } from './fixtures/helpers.js';

/** A queue with the given hooks (teardown is a spy unless given) and its controller. */
function queue<T>(hooks: Partial<PushHooks>, options?: Parameters<typeof pushQueue>[1]) {
  let ctl!: PushController<T>;
  const teardown = sinon.spy(hooks.teardown ?? (() => {}));
  const it = pushQueue<T>((c) => {
    ctl = c;
    return { ...hooks, teardown };
  }, options);
  return { it, ctl, teardown };
}

const thrower = (error: Error) => () => {
  throw error;
};

describe('pushQueue: callbacks that throw', () => {
  it('a delivered hook that throws on the buffered path: next() still resolves with the value, then the error, once', async () => {
    const boom = new Error('request failed');
    const q = queue<number>({ delivered: thrower(boom) });
    q.ctl.push(1);
    q.ctl.push(2);
    let first: Promise<IteratorResult<number>> | undefined;
    expect(() => (first = q.it.next())).to.not.throw();
    expect(await first).to.deep.equal({ value: 1, done: false });
    expect(await rest(q.it)).to.deep.equal({ values: [2], error: boom });
    expect(await q.it.next()).to.deep.equal(DONE);
    expect(q.teardown.callCount).to.equal(1);
    expect(q.ctl.closed).to.equal(true);
  });

  it('a delivered hook that throws on the direct path does not throw into the source', async () => {
    const boom = new Error('request failed');
    const q = queue<number>({ delivered: thrower(boom) });
    const waiting = q.it.next();
    expect(() => q.ctl.push(1)).to.not.throw();
    expect(await waiting).to.deep.equal({ value: 1, done: false });
    expect(await rest(q.it)).to.deep.equal({ values: [], error: boom });
    expect(q.teardown.callCount).to.equal(1);
  });

  it('pause() that throws fails the iterator after the buffered values', async () => {
    const boom = new Error('cannot pause');
    const q = queue<number>({ pause: thrower(boom), resume() {} }, { buffer: { limit: 2, overflow: 'pause' } });
    [1, 2, 3].forEach((v) => q.ctl.push(v));
    expect(await rest(q.it)).to.deep.equal({ values: [1, 2], error: boom });
    expect(q.teardown.callCount).to.equal(1);
  });

  it('resume() that throws fails the iterator after the values still buffered', async () => {
    const boom = new Error('cannot resume');
    const q = queue<number>({ pause() {}, resume: thrower(boom) }, { buffer: { limit: 4, overflow: 'pause' } });
    [1, 2, 3, 4].forEach((v) => q.ctl.push(v));
    expect(await rest(q.it)).to.deep.equal({ values: [1, 2, 3, 4], error: boom });
    expect(q.teardown.callCount).to.equal(1);
  });

  it("a teardown that throws when the source ends fails the iterator after the values; a source's own error wins", async () => {
    const broken = new Error('teardown failed');
    const ended = queue<number>({ teardown: thrower(broken) });
    ended.ctl.push(1);
    ended.ctl.end();
    expect(await rest(ended.it)).to.deep.equal({ values: [1], error: broken });
    const failed = queue<number>({ teardown: thrower(broken) });
    failed.ctl.fail('source error');
    expect(await rest(failed.it)).to.deep.equal({ values: [], error: 'source error' });
  });

  it('an overflowError factory that throws: its error is the overflow error', async () => {
    const thrown = new Error('factory failed');
    const q = queue<number>({}, { buffer: { limit: 1 }, overflowError: thrower(thrown) });
    q.ctl.push(1);
    q.ctl.push(2);
    expect(await rest(q.it)).to.deep.equal({ values: [1], error: thrown });
  });
});

describe('pushQueue: re-entrancy', () => {
  it('a resume() that pushes its backlog synchronously keeps the order and pauses again at the limit', async () => {
    let backlog = [5, 6, 7, 8, 9];
    let ctl!: PushController<number>;
    const pause = sinon.spy();
    const it = pushQueue<number>(
      (c) => {
        ctl = c;
        return {
          teardown() {},
          pause,
          resume() {
            const flush = backlog;
            backlog = [];
            for (const v of flush) ctl.push(v);
            if (backlog.length === 0) ctl.end();
          },
        };
      },
      { buffer: { limit: 4, overflow: 'pause' } },
    );
    [1, 2, 3, 4].forEach((v) => ctl.push(v));
    expect(pause.callCount).to.equal(1);
    expect(await rest(it)).to.deep.equal({ values: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(pause.callCount).to.equal(2);
    expect(it.stats.dropped).to.equal(0);
  });

  it('a delivered hook that pushes synchronously (a synchronous publisher) keeps the order across concurrent next() calls', async () => {
    let ctl!: PushController<number>;
    let sent = 0;
    const it = pushQueue<number>((c) => {
      ctl = c;
      return {
        teardown() {},
        delivered() {
          if (sent < 6) ctl.push(sent++);
          else ctl.end();
        },
      };
    });
    const pending = [it.next(), it.next(), it.next()];
    ctl.push(sent++);
    const first = await Promise.all(pending);
    expect(first).to.deep.equal([0, 1, 2].map((value) => ({ value, done: false })));
    expect(await rest(it)).to.deep.equal({ values: [3, 4, 5] });
  });

  it('a consumer that pushes the next value when it receives one gets them all, in order', async () => {
    let ctl!: PushController<number>;
    const it = pushQueue<number>((c) => void (ctl = c));
    const seen: number[] = [];
    const reading = (async () => {
      for await (const v of it) {
        seen.push(v);
        if (v < 4) ctl.push(v + 1);
        else ctl.end();
      }
    })();
    ctl.push(0);
    await reading;
    expect(seen).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('next() and return() called from inside the teardown leave the queue consistent', async () => {
    let ctl!: PushController<number>;
    const inner: unknown[] = [];
    const teardown = sinon.spy(() => {
      inner.push(it.return());
      inner.push(it.next());
    });
    const it = pushQueue<number>((c) => ((ctl = c), teardown));
    ctl.push(1);
    ctl.end();
    expect(teardown.callCount).to.equal(1);
    expect(await Promise.all(inner)).to.deep.equal([DONE, DONE]);
    expect(await it.next()).to.deep.equal(DONE);
  });
});

describe('pushQueue: abort around the end', () => {
  it('an abort after the end was delivered changes nothing, and the abort listener is gone', async () => {
    const ac = new AbortController();
    const q = queue<number>({}, { signal: ac.signal });
    q.ctl.push(1);
    q.ctl.end();
    expect(await rest(q.it)).to.deep.equal({ values: [1] });
    expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
    ac.abort(new Error('too late'));
    expect(await q.it.next()).to.deep.equal(DONE);
    expect(q.teardown.callCount).to.equal(1);
  });

  it('an abort after the source ended, before the consumer read to the end, discards the rest: the reason, then done', async () => {
    const ac = new AbortController();
    const q = queue<number>({}, { signal: ac.signal });
    q.ctl.push(1);
    q.ctl.fail(new Error('source error'));
    const reason = new Error('client left');
    ac.abort(reason);
    expect(await settled(q.it.next())).to.deep.equal({ ok: false, reason });
    expect(await q.it.next()).to.deep.equal(DONE);
    expect(q.teardown.callCount).to.equal(1);
    expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
  });

  it('return() removes the abort listener at once', async () => {
    const ac = new AbortController();
    const q = queue<number>({}, { signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).to.have.length(1);
    await q.it.return();
    expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
  });
});

describe('pushQueue: one rule for a teardown that throws', () => {
  const broken = new Error('teardown failed');

  it("throw(error) rejects with its own error, the teardown's does not replace it, and tears down once", async () => {
    const q = queue<number>({ teardown: thrower(broken) });
    const pending = q.it.next();
    const mine = new Error('mine');
    expect(await settled(q.it.throw(mine))).to.deep.equal({ ok: false, reason: mine });
    expect(await pending).to.deep.equal(DONE);
    expect(q.teardown.callCount).to.equal(1);
  });

  it("an abort delivers its reason, not the teardown's error", async () => {
    const ac = new AbortController();
    const q = queue<number>({ teardown: thrower(broken) }, { signal: ac.signal });
    const pending = settled(q.it.next());
    const reason = new Error('client left');
    ac.abort(reason);
    expect(await pending).to.deep.equal({ ok: false, reason });
    expect(q.teardown.callCount).to.equal(1);
  });

  it("an overflow delivers the overflow error, not the teardown's", async () => {
    const q = queue<number>({ teardown: thrower(broken) }, { buffer: { limit: 1 } });
    q.ctl.push(1);
    q.ctl.push(2);
    const { values, error } = await rest(q.it);
    expect(values).to.deep.equal([1]);
    expect(error).to.have.property('name', 'BufferOverflowError');
  });

  it('a teardown that throws while the source is starting (it ended at once) fails the iterator with that error', async () => {
    const it = pushQueue<number>((ctl) => {
      ctl.push(1);
      ctl.end();
      return thrower(broken);
    });
    expect(await rest(it)).to.deep.equal({ values: [1], error: broken });
  });
});
