import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import { BufferOverflowError } from '../../src/errors.js';
import { pushQueue, type PushController, type PushHooks } from '../../src/source/index.js';
import { DONE, rest } from './fixtures/helpers.js';
import { turn } from '../support/timing.js';

/** A queue whose controller and hook spies the test drives directly. */
function queue<T>(options?: Parameters<typeof pushQueue>[1], extra: Partial<PushHooks> = {}) {
  let ctl!: PushController<T>;
  const hooks = { ...extra, teardown: sinon.spy() };
  const it = pushQueue<T>((c) => {
    ctl = c;
    return hooks;
  }, options);
  return { it, ctl, hooks };
}

describe('pushQueue', () => {
  describe('arguments', () => {
    for (const limit of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      it(`refuses buffer.limit ${String(limit)} with a RangeError, before calling start`, () => {
        const start = sinon.spy();
        expect(() => pushQueue(start, { buffer: { limit } })).to.throw(RangeError, /^pushQueue: options\.buffer\.limit must be/);
        expect(start.callCount).to.equal(0);
      });
    }

    for (const limit of ['8', null] as unknown[]) {
      it(`refuses buffer.limit ${String(limit)} with a TypeError (not a number), before calling start`, () => {
        const start = sinon.spy();
        expect(() => pushQueue(start, { buffer: { limit: limit as number } })).to.throw(TypeError, /^pushQueue: options\.buffer\.limit must be/);
        expect(start.callCount).to.equal(0);
      });
    }

    it('accepts Infinity and defaults to 1024', async () => {
      const unbounded = queue<number>({ buffer: { limit: Infinity } });
      for (let i = 0; i < 5000; i++) unbounded.ctl.push(i);
      expect(unbounded.it.stats.buffered).to.equal(5000);
      const bounded = queue<number>();
      for (let i = 0; i < 1025; i++) bounded.ctl.push(i);
      expect((await rest(bounded.it)).error).to.be.instanceOf(BufferOverflowError).with.property('limit', 1024);
    });

    it('refuses bad options and a bad start with TypeErrors', () => {
      expect(() => pushQueue(42 as never)).to.throw(TypeError, /start must be a function, got the number 42/);
      expect(() => pushQueue(() => {}, 'x' as never)).to.throw(TypeError, /options must be an object/);
      expect(() => pushQueue(() => {}, { buffer: { overflow: 'drop' as never } })).to.throw(TypeError, /'drop'/);
      expect(() => pushQueue(() => {}, { signal: {} as never })).to.throw(TypeError, /AbortSignal/);
      expect(() => pushQueue(() => {}, { overflowError: 1 as never })).to.throw(TypeError, /overflowError/);
      expect(() => pushQueue(() => 7 as never)).to.throw(TypeError, /teardown/);
    });

    it("refuses 'pause' when the hooks lack pause/resume, tearing the source down once", () => {
      const teardown = sinon.spy();
      expect(() => pushQueue(() => ({ teardown }), { buffer: { overflow: 'pause' } })).to.throw(TypeError, /pause\(\) and resume\(\)/);
      expect(teardown.callCount).to.equal(1);
    });
  });

  describe('start and teardown', () => {
    it('calls start synchronously and keeps what it pushes', async () => {
      const order: string[] = [];
      const it = pushQueue<number>((ctl) => {
        order.push('start');
        ctl.push(1);
        ctl.push(2);
      });
      order.push('returned');
      expect(order).to.deep.equal(['start', 'returned']);
      expect(await it.next()).to.deep.equal({ value: 1, done: false });
      expect(await it.next()).to.deep.equal({ value: 2, done: false });
    });

    const paths: [string, (q: ReturnType<typeof queue<number>>) => unknown][] = [
      ['end()', (q) => q.ctl.end()],
      ['fail()', (q) => q.ctl.fail(new Error('x'))],
      ['an overflow error', (q) => [1, 2, 3].forEach((v) => q.ctl.push(v))],
      ['return()', (q) => q.it.return()],
      ['throw()', (q) => q.it.throw(new Error('x')).catch(() => {})],
    ];
    for (const [name, end] of paths) {
      it(`tears the source down exactly once on ${name}, then ignores everything`, async () => {
        const q = queue<number>({ buffer: { limit: 2 } });
        expect(q.ctl.closed).to.equal(false);
        end(q);
        expect(q.hooks.teardown.callCount).to.equal(1);
        expect(q.ctl.closed).to.equal(true);
        q.ctl.push(9);
        q.ctl.end();
        q.ctl.fail(new Error('late'));
        await rest(q.it);
        await q.it.return();
        await q.it.throw(new Error('again')).catch(() => {});
        expect(q.hooks.teardown.callCount).to.equal(1);
      });
    }

    it('tears down once on abort', async () => {
      const ac = new AbortController();
      const q = queue<number>({ signal: ac.signal });
      ac.abort();
      ac.abort();
      await q.it.return();
      expect(q.hooks.teardown.callCount).to.equal(1);
    });

    it('never starts when the signal is already aborted', async () => {
      const start = sinon.spy();
      const it = pushQueue(start, { signal: AbortSignal.abort('early') });
      expect(start.callCount).to.equal(0);
      expect(await it.next().catch((e: unknown) => e)).to.be.instanceOf(Error).and.include({ name: 'AbortError', message: 'early', cause: 'early' });
      expect(await it.next()).to.deep.equal(DONE);
    });

    it('calls the teardown returned by start after start, when the source ended during start', () => {
      const teardown = sinon.spy();
      const it = pushQueue<number>((ctl) => {
        ctl.push(1);
        ctl.end();
        expect(teardown.callCount).to.equal(0);
        return teardown;
      });
      expect(teardown.callCount).to.equal(1);
      expect(it.stats.buffered).to.equal(1);
    });

    it('rejects return() with a teardown error after settling pending next() calls', async () => {
      const boom = new Error('teardown failed');
      const it = pushQueue<number>(() => () => {
        throw boom;
      });
      const pending = it.next();
      expect(await it.return().catch((e: unknown) => e)).to.equal(boom);
      expect(await pending).to.deep.equal(DONE);
    });

    it('return(value) resolves with that value', async () => {
      expect(await queue<number>().it.return('bye')).to.deep.equal({ value: 'bye', done: true });
    });
  });

  describe('end and error', () => {
    it('settles the first pending next() with the error and the others with done', async () => {
      const q = queue<number>();
      const boom = new Error('boom');
      const pending = [q.it.next(), q.it.next(), q.it.next()].map((p) => p.catch((e: unknown) => e));
      q.ctl.fail(boom);
      expect(await Promise.all(pending)).to.deep.equal([boom, DONE, DONE]);
    });

    it('delivers values, then the error once, then done', async () => {
      const q = queue<number>();
      q.ctl.push(1);
      q.ctl.fail('reason');
      expect(await rest(q.it)).to.deep.equal({ values: [1], error: 'reason' });
      expect(await q.it.next()).to.deep.equal(DONE);
    });
  });

  describe('stats and order', () => {
    it('counts live: buffered, dropped, highWaterMark', async () => {
      const q = queue<number>({ buffer: { limit: 2, overflow: 'drop-oldest' } });
      const stats = q.it.stats;
      expect(stats).to.equal(q.it.stats);
      q.ctl.push(1);
      q.ctl.push(2);
      q.ctl.push(3);
      expect([stats.buffered, stats.dropped, stats.highWaterMark]).to.deep.equal([2, 1, 2]);
      await q.it.next();
      expect([stats.buffered, stats.dropped, stats.highWaterMark]).to.deep.equal([1, 1, 2]);
    });

    it('keeps order through any interleaving of pushes and pulls (ring buffer wrap-around)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.boolean(), { maxLength: 300 }), async (ops) => {
          const q = queue<number>({ buffer: { limit: Infinity } });
          const got: number[] = [];
          let pushed = 0;
          const pending: Promise<void>[] = [];
          for (const isPush of ops) {
            if (isPush) q.ctl.push(pushed++);
            else pending.push(q.it.next().then((r) => void (r.done || got.push(r.value))));
          }
          q.ctl.end();
          await Promise.all(pending);
          got.push(...(await rest(q.it)).values);
          expect(got).to.deep.equal(Array.from({ length: pushed }, (_, i) => i));
        }),
        { numRuns: 100 },
      );
    });

    it('calls delivered once per value handed to the consumer, on both paths', async () => {
      const delivered = sinon.spy();
      const q = queue<number>({}, { delivered });
      const waiting = q.it.next();
      q.ctl.push(1); // straight to the waiting consumer
      q.ctl.push(2); // buffered
      expect(delivered.callCount).to.equal(1);
      expect(await waiting).to.deep.equal({ value: 1, done: false });
      await q.it.next();
      expect(delivered.callCount).to.equal(2);
    });
  });

  it('holds no reference to the source once the end is delivered', async () => {
    const tags: string[] = [];
    const registry = new FinalizationRegistry<string>((t) => tags.push(t));
    let ctl!: PushController<number>;
    const it = (() => {
      const source = { name: 'source' };
      registry.register(source, 'source');
      return pushQueue<number>((c) => {
        ctl = c;
        return { teardown: () => void source.name, delivered: () => void source.name };
      });
    })();
    ctl.push(1);
    ctl.end();
    expect((await rest(it)).values).to.deep.equal([1]);
    for (let i = 0; i < 30 && tags.length === 0; i++) {
      await turn();
      (globalThis as { gc?: () => void }).gc?.();
    }
    expect(tags).to.deep.equal(['source']);
    expect(it.stats.highWaterMark).to.equal(1);
  });
});
