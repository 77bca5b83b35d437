/**
 * The push queue's batch read (`takeBuffered`), which the hub's coalescing reads a burst with in
 * one step, and that step as a subscriber sees it.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { createHub } from '../../src/hub/index.js';
import { queueIn, type PushController, type PushHooks } from '../../src/source/queue.js';
import type { OverflowPolicy } from '../../src/source/types.js';
import { DONE } from './fixtures/helpers.js';

/** A queue the test pushes into, with spied hooks. */
function queue<T>(limit = 16, overflow: OverflowPolicy = 'error', extra: Partial<PushHooks> = {}) {
  let ctl!: PushController<T>;
  const hooks = { ...extra, teardown: sinon.spy() };
  const it = queueIn<T>(
    'test',
    (c) => {
      ctl = c;
      return hooks;
    },
    { buffer: { limit, overflow } },
  );
  return { it, ctl, hooks };
}

/** How many microtask turns `promise` takes to settle (up to `max`). */
async function turnsToSettle(promise: Promise<unknown>, max = 100): Promise<number> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  for (let turns = 0; turns < max; turns++) {
    if (settled) return turns;
    await Promise.resolve();
  }
  return max;
}

describe('push queue: takeBuffered', () => {
  it('moves every buffered value into out, oldest first, and returns how many', async () => {
    const { it, ctl } = queue<number>();
    for (const n of [1, 2, 3]) ctl.push(n);
    const out = [0];
    expect(it.takeBuffered(out)).to.equal(3);
    expect(out).to.deep.equal([0, 1, 2, 3]);
    expect(it.stats.buffered).to.equal(0);
    expect(it.takeBuffered(out), 'nothing waiting: nothing moved').to.equal(0);
    ctl.push(4);
    expect(await it.next()).to.deep.equal({ value: 4, done: false });
  });

  it('tells delivered once per value, and resumes a paused source as next() would', () => {
    const calls: string[] = [];
    const { it, ctl } = queue<number>(4, 'pause', {
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
      delivered: () => calls.push('delivered'),
    });
    for (const n of [1, 2, 3, 4]) ctl.push(n);
    expect(calls).to.deep.equal(['pause']);
    expect(it.takeBuffered([])).to.equal(4);
    expect(calls).to.deep.equal(['pause', 'delivered', 'delivered', 'resume', 'delivered', 'delivered']);
  });

  it('leaves the end and an error to next(): only values are moved', async () => {
    const ended = queue<number>();
    ended.ctl.push(1);
    ended.ctl.end();
    const out: number[] = [];
    expect(ended.it.takeBuffered(out)).to.equal(1);
    expect(out).to.deep.equal([1]);
    expect(await ended.it.next()).to.deep.equal(DONE);

    const failed = queue<number>();
    const oops = new Error('source broke');
    failed.ctl.push(1);
    failed.ctl.fail(oops);
    expect(failed.it.takeBuffered([])).to.equal(1);
    const error = await failed.it.next().then(() => null, (e: unknown) => e);
    expect(error).to.equal(oops);
  });

  it('stops when a hook ends the queue meanwhile (the consumer returned: the rest is discarded)', async () => {
    let consumer!: { return(): Promise<unknown> };
    const { it, ctl, hooks } = queue<number>(16, 'error', { delivered: () => void consumer.return() });
    consumer = it;
    for (const n of [1, 2, 3]) ctl.push(n);
    const out: number[] = [];
    expect(it.takeBuffered(out)).to.equal(1);
    expect(out).to.deep.equal([1]);
    expect(hooks.teardown.callCount).to.equal(1);
    expect(await it.next()).to.deep.equal(DONE);
  });
});

describe('hub coalescing: a burst is one step', () => {
  it('one next() gathers every waiting message in one synchronous read of the queue', async () => {
    const hub = createHub<string, string>({ encode: (v) => v, coalesce: (parts) => parts.join('') });
    const sub = hub.subscribe();
    const first = sub.next(); // waiting: the first message goes straight to it
    hub.publish('m0');
    expect(await first).to.deep.equal({ value: 'm0', done: false });
    for (let i = 1; i <= 200; i++) hub.publish(`m${i}`);
    const read = sub.next();
    // a read of the queue per waiting message would take hundreds of turns
    expect(await turnsToSettle(read)).to.be.at.most(3);
    const expected = Array.from({ length: 200 }, (_, i) => `m${i + 1}`).join('');
    expect(await read).to.deep.equal({ value: expected, done: false });
    expect(sub.lastId).to.equal(201);
    expect(hub.stats()).to.include({ delivered: 201, waiting: 0 });
    hub.close();
  });
});
