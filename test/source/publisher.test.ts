import { expect } from 'chai';
import fc from 'fast-check';
import { fromPublisher, type Publisher, type Subscriber } from '../../src/source/index.js';
import { ScriptPublisher } from './fixtures/harnesses.js';
import { turn } from '../support/timing.js';

/** A publisher with an endless supply: it sends as much as is requested, at once. */
function endless(): ScriptPublisher & { sent: number } {
  const p = new ScriptPublisher() as ScriptPublisher & { sent: number };
  p.sent = 0;
  const flush = p.flush.bind(p);
  p.flush = () => {
    while (p.script.length < p.demand) p.script.push({ value: String(p.sent + p.script.length) });
    const before = p.demand;
    flush();
    p.sent += before - p.demand;
  };
  return p;
}

describe('fromPublisher', () => {
  it('requests prefetch (default 16) at once and tops up by half as the consumer takes values', async () => {
    const p = endless();
    const it = fromPublisher(p);
    expect(p.requests).to.deep.equal([16]);
    for (let i = 0; i < 7; i++) await it.next();
    expect(p.requests).to.deep.equal([16]);
    await it.next();
    expect(p.requests).to.deep.equal([16, 8]);
    for (let i = 0; i < 8; i++) await it.next();
    expect(p.requests).to.deep.equal([16, 8, 8]);
    await it.return();
    expect(p.cancels).to.equal(1);
  });

  it('never holds more than prefetch values requested but not yet taken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 12 }), async (prefetch, takes) => {
        const p = endless();
        const it = fromPublisher(p, { prefetch });
        let taken = 0;
        for (const n of takes) {
          for (let i = 0; i < n; i++) expect((await it.next()).value).to.equal(String(taken++));
          const requested = p.requests.reduce((a, b) => a + b, 0);
          expect(requested - taken).to.be.within(1, prefetch);
          expect(it.stats.buffered).to.equal(p.sent - taken);
        }
        await it.return();
      }),
      { numRuns: 60 },
    );
  });

  it('with prefetch 1 requests one value at a time', async () => {
    const p = endless();
    const it = fromPublisher(p, { prefetch: 1 });
    expect([(await it.next()).value, (await it.next()).value]).to.deep.equal(['0', '1']);
    expect(p.requests).to.deep.equal([1, 1, 1]);
  });

  it('works with a publisher that calls onSubscribe later', async () => {
    const p = new ScriptPublisher();
    const late: Publisher<string> = { subscribe: (s) => void setImmediate(() => p.subscribe(s)) };
    const it = fromPublisher(late);
    p.add({ value: 'a' });
    p.add({ end: true });
    const values: string[] = [];
    for await (const v of it) values.push(v);
    expect(values).to.deep.equal(['a']);
  });

  it('fails, and cancels, when the publisher sends more than requested (rule 1.1)', async () => {
    let cancelled = 0;
    const greedy: Publisher<number> = {
      subscribe(s) {
        s.onSubscribe({ request() {}, cancel: () => cancelled++ });
        for (let i = 0; i < 3; i++) s.onNext(i);
      },
    };
    const it = fromPublisher(greedy, { prefetch: 2 });
    expect(cancelled).to.equal(1);
    expect((await it.next()).value).to.equal(0);
    expect((await it.next()).value).to.equal(1);
    expect(await it.next().catch((e: Error) => e.message)).to.match(/beyond the demand requested \(rule 1\.1\)/);
  });

  it('cancels a second subscription (rule 2.5)', () => {
    let second = 0;
    const twice: Publisher<number> = {
      subscribe(s) {
        s.onSubscribe({ request() {}, cancel() {} });
        s.onSubscribe({ request() {}, cancel: () => second++ });
      },
    };
    fromPublisher(twice);
    expect(second).to.equal(1);
  });

  it('cancels a subscription that arrives after the consumer stopped', async () => {
    let subscriber!: Subscriber<number>;
    let cancelled = 0;
    const it = fromPublisher<number>({ subscribe: (s) => void (subscriber = s) });
    await it.return();
    subscriber.onSubscribe({ request() {}, cancel: () => cancelled++ });
    expect(cancelled).to.equal(1);
  });

  it('fails with what request() throws', async () => {
    const boom = new Error('request failed');
    const it = fromPublisher({
      subscribe(s: Subscriber<number>) {
        s.onSubscribe({
          request() {
            throw boom;
          },
          cancel() {},
        });
      },
    });
    await turn();
    expect(await it.next().catch((e: unknown) => e)).to.equal(boom);
  });

  it('refuses bad input: TypeError for a non-Publisher, Subscription or prefetch of another type, RangeError for a prefetch out of range', () => {
    expect(() => fromPublisher({} as never)).to.throw(TypeError, /Publisher.*got a plain object/);
    for (const prefetch of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => fromPublisher(new ScriptPublisher(), { prefetch })).to.throw(RangeError, /^fromPublisher: options\.prefetch must be a positive integer, got /);
    }
    for (const prefetch of ['16', null] as unknown[]) {
      expect(() => fromPublisher(new ScriptPublisher(), { prefetch: prefetch as number })).to.throw(TypeError, /^fromPublisher: options\.prefetch must be a positive integer, got /);
    }
    expect(() => fromPublisher({ subscribe: (s: Subscriber<number>) => s.onSubscribe(null as never) })).to.throw(
      TypeError,
      /onSubscribe needs a Subscription/,
    );
  });
});
