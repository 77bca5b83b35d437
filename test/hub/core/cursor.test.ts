/**
 * Cursors with epochs, in the core every hub shares: `subscribe({ since, epoch })`, the
 * subscription's `epoch` and `reset`, and the core's replaceable epoch (what a Redis hub sets).
 */
import { expect } from 'chai';
import { createHub } from '../../../src/hub/index.js';
import { HubCore } from '../../../src/hub/core/core.js';
import { take } from '../fixtures/take.js';

/** A hub with ids 1..n published (values id * 10) and a history of `history`. */
function published(n: number, history: number) {
  const hub = createHub<number>({ history });
  for (let i = 1; i <= n; i++) hub.publish(i * 10);
  return hub;
}

describe('hub cursors: subscribe({ since, epoch })', () => {
  it('with this hub\'s epoch: replays exactly what came after since, then goes on live', async () => {
    const hub = published(5, 10);
    const sub = hub.subscribe({ since: 3, epoch: hub.epoch });
    expect([sub.epoch, sub.reset, sub.missed]).to.deep.equal([hub.epoch, false, 0]);
    hub.publish(60);
    expect(await take(sub, 3)).to.deep.equal([40, 50, 60]);
    expect(sub.lastId).to.equal(6);
  });

  it('with this hub\'s epoch and a since that fell out of history: what is left, and missed counts the rest', async () => {
    const hub = published(10, 3);
    const sub = hub.subscribe({ since: 2, epoch: hub.epoch });
    expect([sub.reset, sub.missed]).to.deep.equal([false, 5]);
    expect(await take(sub, 3)).to.deep.equal([80, 90, 100]);
  });

  it('with this hub\'s epoch and a since beyond its last id: nothing replayed, only ids after since given, as the hub reaches them', async () => {
    const hub = published(3, 10);
    const sub = hub.subscribe({ since: 5, epoch: hub.epoch });
    expect([sub.reset, sub.missed]).to.deep.equal([false, 0]);
    for (const v of [40, 50, 60, 70]) hub.publish(v);
    expect(sub.stats.buffered).to.equal(2);
    expect(await take(sub, 2)).to.deep.equal([60, 70]);
    expect(sub.lastId).to.equal(7);
    // the ids it was not given were never offered to it
    expect(hub.stats().offered).to.equal(2);
  });

  it('with another epoch: all the history, reset true, missed counting what came before it', async () => {
    const hub = published(5, 3);
    const sub = hub.subscribe({ since: 4, epoch: 'anEarlierRun' });
    expect([sub.epoch, sub.reset, sub.missed]).to.deep.equal([hub.epoch, true, 2]);
    expect(await take(sub, 3)).to.deep.equal([30, 40, 50]);
  });

  it('without an epoch, as before: a since beyond the last id replays the whole history', async () => {
    const hub = published(3, 10);
    const ahead = hub.subscribe({ since: 99 });
    expect([ahead.reset, ahead.missed]).to.deep.equal([false, 0]);
    expect(await take(ahead, 3)).to.deep.equal([10, 20, 30]);
    const plain = hub.subscribe();
    expect([plain.epoch, plain.reset, plain.missed]).to.deep.equal([hub.epoch, false, 0]);
  });

  it('refuses a malformed epoch, and an epoch without since, at once', () => {
    const hub = published(1, 1);
    expect(() => hub.subscribe({ since: 1, epoch: 'a b' })).to.throw(TypeError, /^subscribe: epoch must match \[A-Za-z0-9_-\]\{1,64\}, got "a b"$/);
    expect(() => hub.subscribe({ since: 1, epoch: 'x'.repeat(65) })).to.throw(TypeError, /^subscribe: epoch must match/);
    expect(() => hub.subscribe({ since: 1, epoch: 7 as unknown as string })).to.throw(TypeError, /got the number 7$/);
    expect(() => hub.subscribe({ epoch: hub.epoch })).to.throw(TypeError, /^subscribe: epoch needs since/);
    expect(hub.size).to.equal(0);
  });
});

describe('HubCore.setEpoch (the epoch a Redis hub sets from Redis)', () => {
  const settings = { history: 10, historyTotal: Infinity, limit: 100, policy: 'drop-oldest' as const, initial: undefined, coalesce: undefined };

  it('replaces the epoch, drops the history of the old one and sets the last id; old cursors then reset', async () => {
    const core = new HubCore<string>(settings);
    for (let id = 1; id <= 4; id++) core.emit(id, `m${id}`);
    const old = core.epoch;
    core.setEpoch('fromRedis-1', 0);
    expect([core.epoch, core.lastId]).to.deep.equal(['fromRedis-1', 0]);
    core.emit(1, 'n1');
    const stale = core.subscribe({ since: 4, epoch: old });
    expect([stale.epoch, stale.reset, stale.missed]).to.deep.equal(['fromRedis-1', true, 0]);
    expect(await take(stale, 1)).to.deep.equal(['n1']);
    const current = core.subscribe({ since: 0, epoch: 'fromRedis-1' });
    expect(current.reset).to.equal(false);
    expect(await take(current, 1)).to.deep.equal(['n1']);
  });

  it('frees subscribers waiting for an id of the old epoch', async () => {
    const core = new HubCore<string>(settings);
    core.emit(1, 'a');
    const ahead = core.subscribe({ since: 50, epoch: core.epoch });
    core.emit(2, 'b');
    expect(ahead.stats.buffered).to.equal(0);
    core.setEpoch('next');
    core.emit(3, 'c');
    expect(await take(ahead, 1)).to.deep.equal(['c']);
  });

  it('refuses an epoch a cursor could not carry', () => {
    const core = new HubCore<string>(settings);
    expect(() => core.setEpoch('E:1')).to.throw(TypeError, /^setEpoch: epoch must match/);
    expect(() => core.setEpoch('ok', -1)).to.throw(RangeError, /^setEpoch: lastId must be a non-negative integer/);
  });
});
