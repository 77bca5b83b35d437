/**
 * The adapter contract, run once per adapter: order and early values, error after the buffered values,
 * teardown on every early end, and nothing left behind (listeners, subscriptions, references).
 */
import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import type { Factory, Harness } from './harnesses.js';
import { DONE, rest, settled, tick } from './helpers.js';

/** Reads until `count` values arrived or the iterator is done. */
async function collect(h: Harness, count: number): Promise<string[]> {
  const items: unknown[] = [];
  while (h.decode(items).length < count) {
    const r = await h.it.next();
    if (r.done) break;
    items.push(r.value);
  }
  return h.decode(items);
}

/** Reads to the end: the decoded values and the error, if the iterator failed. */
async function drain(h: Harness): Promise<{ values: string[]; error?: unknown }> {
  const { values, error } = await rest(h.it);
  return { values: h.decode(values), error };
}

/** Collects `tags` registered in a FinalizationRegistry, forcing collections with `--expose-gc`. */
async function collected(register: (registry: FinalizationRegistry<string>) => Promise<void>, want: number): Promise<string[]> {
  const tags: string[] = [];
  const registry = new FinalizationRegistry<string>((tag) => tags.push(tag));
  await register(registry);
  const gc = (globalThis as { gc?: () => void }).gc;
  expect(gc, 'run mocha with --expose-gc').to.be.a('function');
  for (let i = 0; i < 30 && tags.length < want; i++) {
    await tick();
    gc?.();
  }
  return tags.sort();
}

/** Registers the shared contract cases for one adapter. */
export function conformance(name: string, factory: Factory, takesSignal: boolean): void {
  describe(`${name}: adapter contract`, () => {
    it('keeps values emitted before the first next(), in order, and later ones after them', async () => {
      const h = factory({});
      h.emit('a', 'b', 'c');
      expect(await collect(h, 3)).to.deep.equal(['a', 'b', 'c']);
      h.emit('d', 'e');
      expect(await collect(h, 2)).to.deep.equal(['d', 'e']);
      await h.it.return();
    });

    it('settles concurrent next() calls in call order', async () => {
      const h = factory({});
      const pending = [h.it.next(), h.it.next(), h.it.next()];
      h.emit('a', 'b');
      h.end();
      const results = await Promise.all(pending);
      const firstDone = results.findIndex((r) => r.done);
      expect(results.slice(firstDone).every((r) => r.done)).to.equal(true);
      expect(h.decode(results.slice(0, firstDone).map((r) => r.value))).to.deep.equal(['a', 'b']);
    });

    it('ends after the values emitted before the end, then stays done', async () => {
      const h = factory({});
      h.emit('a', 'b');
      h.end();
      expect(await drain(h)).to.deep.equal({ values: ['a', 'b'], error: undefined });
      expect(await h.it.next()).to.deep.equal(DONE);
      await tick();
      expect(h.attached()).to.equal(0);
    });

    it('delivers an error after the values before it, exactly once, then is done', async () => {
      const h = factory({});
      const boom = new Error('boom');
      h.emit('a', 'b');
      h.fail(boom);
      const { values, error } = await drain(h);
      expect(values).to.deep.equal(['a', 'b']);
      expect(error).to.equal(boom);
      // exactly once: the next call is done, not the error again
      expect(await h.it.next()).to.deep.equal(DONE);
      expect(await h.it.next()).to.deep.equal(DONE);
      await tick();
      expect(h.attached()).to.equal(0);
    });

    it('return() settles a pending next() with done and tears the source down', async () => {
      const h = factory({});
      expect(h.attached()).to.be.greaterThan(0);
      const pending = h.it.next();
      expect(await h.it.return()).to.deep.equal(DONE);
      expect(await pending).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
      h.emit('late');
      expect(await h.it.next()).to.deep.equal(DONE);
    });

    it('return() before the first next() tears the source down at once', async () => {
      const h = factory({});
      expect(h.attached()).to.be.greaterThan(0);
      const returning = h.it.return();
      expect(h.attached()).to.equal(0);
      expect(await returning).to.deep.equal(DONE);
      expect(await h.it.next()).to.deep.equal(DONE);
    });

    it('return() discards buffered values', async () => {
      const h = factory({});
      h.emit('a', 'b', 'c');
      await h.it.return();
      expect(await h.it.next()).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
    });

    it('a break in for await tears the source down', async () => {
      const h = factory({});
      h.emit('a', 'b');
      const seen: unknown[] = [];
      for await (const v of h.it) {
        seen.push(v);
        break;
      }
      expect(h.decode(seen)[0]).to.equal('a');
      expect(h.attached()).to.equal(0);
    });

    it('an error thrown in the loop body tears the source down', async () => {
      const h = factory({});
      h.emit('a');
      const boom = new Error('downstream');
      const outcome = await settled(
        (async () => {
          for await (const _v of h.it) throw boom;
        })(),
      );
      expect(outcome).to.deep.equal({ ok: false, reason: boom });
      expect(h.attached()).to.equal(0);
    });

    it('throw() rejects with its argument, settles a pending next() with done, tears down', async () => {
      const h = factory({});
      const pending = h.it.next();
      const boom = new Error('thrown in');
      expect(await settled(h.it.throw(boom))).to.deep.equal({ ok: false, reason: boom });
      expect(await pending).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
    });

    it('Symbol.asyncDispose tears down like return()', async () => {
      const h = factory({});
      const pending = h.it.next();
      expect(await h.it[Symbol.asyncDispose]()).to.equal(undefined);
      expect(await pending).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
    });

    it('leaves the consumer collectable after return(), with nothing attached', async () => {
      let keep: object | undefined;
      const tags = await collected(async (registry) => {
        const h = factory({});
        keep = h.source;
        const consumer = {
          seen: [] as unknown[],
          async run(it: AsyncIterable<unknown>) {
            for await (const v of it) this.seen.push(v);
          },
        };
        registry.register(h.it, 'iterator');
        registry.register(consumer, 'consumer');
        h.emit('a', 'b');
        const running = consumer.run(h.it); // takes a and b, then waits
        await tick();
        await h.it.return();
        await running;
        expect(h.decode(consumer.seen)).to.deep.equal(['a', 'b']);
        expect(h.attached()).to.equal(0);
      }, 2);
      expect(tags).to.deep.equal(['consumer', 'iterator']);
      expect(keep).to.not.equal(undefined);
    });

    it('leaves the iterator collectable after the source ends', async () => {
      let keep: object | undefined;
      const tags = await collected(async (registry) => {
        const h = factory({});
        keep = h.source;
        registry.register(h.it, 'iterator');
        h.emit('a');
        h.end();
        expect((await drain(h)).values).to.deep.equal(['a']);
        await tick();
        expect(h.attached()).to.equal(0);
      }, 1);
      expect(tags).to.deep.equal(['iterator']);
      expect(keep).to.not.equal(undefined);
    });

    if (!takesSignal) return;

    it('abort rejects the pending next() with the reason, then is done, and tears down', async () => {
      const ac = new AbortController();
      const h = factory({ signal: ac.signal });
      const pending = h.it.next();
      const reason = new Error('stop');
      ac.abort(reason);
      expect(await settled(pending)).to.deep.equal({ ok: false, reason });
      expect(await h.it.next()).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
    });

    it('an abort after the end was delivered changes nothing and finds no listener left', async () => {
      const ac = new AbortController();
      const h = factory({ signal: ac.signal });
      h.emit('a');
      h.end();
      expect(await drain(h)).to.deep.equal({ values: ['a'], error: undefined });
      expect(getEventListeners(ac.signal, 'abort')).to.have.length(0);
      ac.abort(new Error('too late'));
      expect(await h.it.next()).to.deep.equal(DONE);
      await tick();
      expect(h.attached()).to.equal(0);
    });

    it('abort discards buffered values: the next call rejects with the reason', async () => {
      const ac = new AbortController();
      const h = factory({ signal: ac.signal });
      h.emit('a', 'b');
      await tick();
      ac.abort('why');
      const outcome = await settled(h.it.next());
      expect(outcome.ok).to.equal(false);
      expect(outcome.ok ? undefined : outcome.reason).to.be.instanceOf(Error).and.include({ name: 'AbortError', message: 'why', cause: 'why' });
      expect(await h.it.next()).to.deep.equal(DONE);
      expect(h.attached()).to.equal(0);
    });

    it('an already-aborted signal: the first next() rejects with the reason and nothing stays attached', async () => {
      const reason = new Error('aborted before');
      const h = factory({ signal: AbortSignal.abort(reason) });
      expect(h.attached()).to.equal(0);
      expect(await settled(h.it.next())).to.deep.equal({ ok: false, reason });
      expect(await h.it.next()).to.deep.equal(DONE);
    });
  });
}
