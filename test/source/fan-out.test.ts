import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { fromEventEmitter, type SourceIterator } from '../../src/source/index.js';
import { DONE, rest, settled } from './fixtures/helpers.js';
import { turn } from '../support/timing.js';

const COUNT = 1000;

/** Runs `body` with process warnings captured; returns them (after a turn, as Node emits them late). */
async function warningsDuring(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (warning: Error): void => void seen.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  try {
    await body();
    await turn();
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

const listeners = (ee: EventEmitter): number => ee.eventNames().reduce((n, e) => n + ee.listenerCount(e), 0);

describe(`fromEventEmitter: ${COUNT} iterators on one emitter`, () => {
  const ways: [string, (ee: EventEmitter, its: SourceIterator<unknown>[], acs: AbortController[]) => Promise<void>][] = [
    ['return()', async (_ee, its) => void (await Promise.all(its.map((it) => it.return())))],
    [
      'break',
      async (ee, its) => {
        const loops = its.map(async (it) => {
          for await (const _v of it) break;
        });
        ee.emit('tick', 1);
        await Promise.all(loops);
      },
    ],
    [
      'abort',
      async (_ee, its, acs) => {
        const pending = its.map((it) => settled(it.next()));
        for (const ac of acs) ac.abort(new Error('gone'));
        for (const outcome of await Promise.all(pending)) expect(outcome).to.have.property('ok', false);
      },
    ],
    [
      "the source's 'error' event",
      async (ee, its) => {
        const boom = new Error('boom');
        ee.emit('tick', 1);
        ee.emit('error', boom);
        for (const it of its) expect(await rest(it)).to.deep.equal({ values: [1], error: boom });
      },
    ],
    [
      "the source's 'end' event",
      async (ee, its) => {
        ee.emit('tick', 1);
        ee.emit('end');
        for (const it of its) expect(await rest(it)).to.deep.equal({ values: [1] });
      },
    ],
  ];
  for (const [way, finish] of ways) {
    it(`print no MaxListenersExceededWarning and leave 0 listeners, ending by ${way}`, async () => {
      const ee = new EventEmitter();
      // one signal per iterator, as one per client
      const acs = Array.from({ length: COUNT }, () => new AbortController());
      const warnings = await warningsDuring(async () => {
        const its = acs.map((ac) => fromEventEmitter(ee, 'tick', { signal: ac.signal }));
        expect(ee.listenerCount('tick')).to.equal(1);
        await finish(ee, its, acs);
        for (const it of its) expect(await it.next()).to.deep.equal(DONE);
      });
      expect(warnings, warnings.join("\n")).to.deep.equal([]);
      expect(listeners(ee)).to.equal(0);
    });
  }

  it('each iterator gets every value once, in order, from when it started', async () => {
    const ee = new EventEmitter();
    const first = fromEventEmitter<number>(ee, 'tick');
    ee.emit('tick', 1);
    const second = fromEventEmitter<number>(ee, 'tick');
    ee.emit('tick', 2);
    ee.emit('end');
    expect(await rest(first)).to.deep.equal({ values: [1, 2] });
    expect(await rest(second)).to.deep.equal({ values: [2] });
    expect(listeners(ee)).to.equal(0);
  });

  it('keeps the buffer, overflow policy and counters of each iterator its own', async () => {
    const ee = new EventEmitter();
    const dropping = fromEventEmitter<number>(ee, 'tick', { buffer: { limit: 2, overflow: 'drop-oldest' } });
    const failing = fromEventEmitter<number>(ee, 'tick', { buffer: { limit: 2 } });
    const roomy = fromEventEmitter<number>(ee, 'tick');
    for (let i = 1; i <= 3; i++) ee.emit('tick', i);
    expect(dropping.stats.dropped).to.equal(1);
    expect(roomy.stats.buffered).to.equal(3);
    expect((await rest(failing)).error).to.be.an('error').with.property('name', 'BufferOverflowError');
    expect(ee.listenerCount('tick')).to.equal(1);
    ee.emit('end');
    expect(await rest(dropping)).to.deep.equal({ values: [2, 3] });
    expect(await rest(roomy)).to.deep.equal({ values: [1, 2, 3] });
    expect(listeners(ee)).to.equal(0);
  });

  it('shares listeners only between iterators with the same end and error events and multiArgs', async () => {
    const ee = new EventEmitter();
    const plain = fromEventEmitter(ee, 'tick');
    const many = fromEventEmitter(ee, 'tick', { multiArgs: true });
    const other = fromEventEmitter(ee, 'tick', { endEvents: ['close'] });
    const again = fromEventEmitter(ee, 'tick');
    expect(ee.listenerCount('tick')).to.equal(3);
    ee.emit('tick', 1, 2);
    ee.emit('end');
    expect(await rest(plain)).to.deep.equal({ values: [1] });
    expect(await rest(again)).to.deep.equal({ values: [1] });
    expect(await rest(many)).to.deep.equal({ values: [[1, 2]] });
    expect(ee.listenerCount('tick')).to.equal(1);
    ee.emit('close');
    expect(await rest(other)).to.deep.equal({ values: [1] });
    expect(listeners(ee)).to.equal(0);
  });

  it('gives each multiArgs iterator its own array of arguments', async () => {
    const ee = new EventEmitter();
    const a = fromEventEmitter<unknown[]>(ee, 'tick', { multiArgs: true });
    const b = fromEventEmitter<unknown[]>(ee, 'tick', { multiArgs: true });
    ee.emit('tick', 1, 2);
    const [x, y] = [(await a.next()).value, (await b.next()).value];
    expect(x).to.deep.equal([1, 2]);
    expect(y).to.deep.equal([1, 2]);
    expect(x).to.not.equal(y);
    await Promise.all([a.return(), b.return()]);
    expect(listeners(ee)).to.equal(0);
  });
});
