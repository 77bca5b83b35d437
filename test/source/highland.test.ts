import { expect } from 'chai';
import _ from 'highland';
import sinon from 'sinon';
import { fromHighland } from '../../src/source/index.js';
import { rest } from './fixtures/helpers.js';
import { turn } from '../support/timing.js';

type Step = unknown | Error | typeof _.nil;

/** A Highland stream that produces the given steps (an Error is pushed as a Highland error). */
function stream(steps: Step[]) {
  const pulls = { count: 0 };
  const s = _<unknown>((push, next) => {
    pulls.count++;
    const step = steps.shift();
    if (step === undefined || step === _.nil) return push(null, _.nil);
    if (step instanceof Error) push(step);
    else push(null, step);
    next();
  });
  return { s, pulls };
}

const ended = (s: unknown): boolean => (s as { ended: boolean }).ended;

describe('fromHighland', () => {
  it('pulls one value per next(), so nothing is produced ahead of the consumer', async () => {
    let produced = 0;
    const s = _<number>((push, next) => {
      push(null, ++produced);
      next();
    });
    const it = fromHighland<number>(s as never);
    for (let i = 0; i < 5; i++) await turn();
    expect(produced).to.equal(0);
    for (let consumed = 1; consumed <= 5; consumed++) {
      expect((await it.next()).value).to.equal(consumed);
      await turn();
      expect(produced).to.equal(consumed);
    }
    await it.return();
    expect(ended(s)).to.equal(true);
  });

  it('works through Highland transforms', async () => {
    const s = _([1, 2, 3, 4]).map((x: number) => x * 10).filter((x: number) => x !== 20);
    expect(await rest(fromHighland<number>(s as never))).to.deep.equal({ values: [10, 30, 40] });
  });

  it("errors 'throw' (default): fails with the first error after the values before it, and destroys the stream", async () => {
    const boom = new Error('boom');
    const { s } = stream([1, boom, 3]);
    const it = fromHighland(s as never);
    expect(await rest(it)).to.deep.equal({ values: [1], error: boom });
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
    expect(ended(s)).to.equal(true);
  });

  it("errors 'skip': reports each error through onError and goes on", async () => {
    const e1 = new Error('one');
    const e2 = new Error('two');
    const onError = sinon.spy();
    const { s } = stream([e1, 1, e2, 2]);
    expect(await rest(fromHighland(s as never, { errors: 'skip', onError }))).to.deep.equal({ values: [1, 2] });
    expect(onError.args).to.deep.equal([[e1], [e2]]);
  });

  it("errors 'skip' goes through 20000 errors in a row", async () => {
    const steps: Step[] = Array.from({ length: 20000 }, (_x, i) => new Error(String(i)));
    const { s } = stream([...steps, 'last']);
    let skipped = 0;
    const it = fromHighland(s as never, { errors: 'skip', onError: () => skipped++ });
    expect(await rest(it)).to.deep.equal({ values: ['last'] });
    expect(skipped).to.equal(20000);
  });

  it("errors 'skip' does not grow the stack when a stream answers pull() synchronously", async () => {
    let left = 50000;
    const eager = {
      __HighlandStream__: true as const,
      pull(cb: (err: unknown, x?: unknown) => void) {
        if (left-- > 0) cb(new Error('again'));
        else cb(null, 'value');
      },
      destroy() {},
    };
    const it = fromHighland(eager, { errors: 'skip' });
    expect((await it.next()).value).to.equal('value');
    await it.return();
  });

  it("errors 'skip': a pull() that throws after an error answered later fails the iterator, not the process", async () => {
    const boom = new Error('pull failed');
    let pulls = 0;
    const destroy = sinon.spy();
    const flaky = {
      __HighlandStream__: true as const,
      pull(cb: (err: unknown, x?: unknown) => void) {
        if (++pulls === 1) setImmediate(() => cb(new Error('skipped')));
        else throw boom;
      },
      destroy,
    };
    const it = fromHighland(flaky, { errors: 'skip' });
    expect(await it.next().catch((e: unknown) => e)).to.equal(boom);
    expect(await it.next()).to.deep.equal({ value: undefined, done: true });
    expect([pulls, destroy.callCount]).to.deep.equal([2, 1]);
  });

  it('fails with what onError throws', async () => {
    const thrown = new Error('from onError');
    const { s } = stream([1, new Error('x'), 2]);
    const it = fromHighland(s as never, {
      errors: 'skip',
      onError: () => {
        throw thrown;
      },
    });
    expect(await rest(it)).to.deep.equal({ values: [1], error: thrown });
    expect(ended(s)).to.equal(true);
  });

  it('return() destroys the stream and unlinks it from its source', async () => {
    const source = _<number>();
    const mapped = source.map((x: number) => x + 1);
    const it = fromHighland<number>(mapped as never);
    source.write(1);
    expect((await it.next()).value).to.equal(2);
    await it.return();
    expect(ended(mapped)).to.equal(true);
    expect((source as unknown as { _consumers: unknown[] })._consumers).to.have.length(0);
  });

  it('refuses what is not a Highland stream, and bad options, with TypeErrors', () => {
    expect(() => fromHighland({} as never)).to.throw(TypeError, /Highland stream.*got a plain object/);
    expect(() => fromHighland({ __HighlandStream__: true } as never)).to.throw(TypeError, /Highland stream/);
    const s = _([1]) as never;
    expect(() => fromHighland(s, { errors: 'ignore' as never })).to.throw(TypeError, /'throw' or 'skip'/);
    expect(() => fromHighland(s, { onError: 'log' as never })).to.throw(TypeError, /onError/);
  });
});
