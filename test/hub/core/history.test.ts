import { expect } from 'chai';
import fc from 'fast-check';
import { createHub } from '../../../src/hub/index.js';
import { collect } from '../../support/collect.js';

describe('createHub: history and since', () => {
  it('replays the messages after `since`, then continues live, without gap or duplicate', async () => {
    const hub = createHub<string>({ history: 10 });
    for (const v of ['a', 'b', 'c', 'd']) hub.publish(v);
    const s = hub.subscribe({ since: 2 });
    expect(s.missed).to.equal(0);
    hub.publish('e');
    hub.close();
    expect(await collect(s)).to.deep.equal(['c', 'd', 'e']);
    expect(s.lastId).to.equal(5);
  });

  it('since 0 replays the whole history; since = lastId replays nothing', async () => {
    const hub = createHub<number>({ history: 3 });
    for (let i = 1; i <= 3; i++) hub.publish(i * 10);
    const all = hub.subscribe({ since: 0 });
    const none = hub.subscribe({ since: 3 });
    hub.close();
    expect(await collect(all)).to.deep.equal([10, 20, 30]);
    expect(await collect(none)).to.deep.equal([]);
  });

  it('keeps only the last `history` messages and reports the ones it cannot replay', async () => {
    const hub = createHub<number>({ history: 3 });
    for (let i = 1; i <= 10; i++) hub.publish(i);
    const s = hub.subscribe({ since: 4 });
    expect(s.missed).to.equal(3);
    const t = hub.subscribe({ since: 7 });
    expect(t.missed).to.equal(0);
    hub.close();
    expect(await collect(s)).to.deep.equal([8, 9, 10]);
    expect(await collect(t)).to.deep.equal([8, 9, 10]);
  });

  it('a since beyond the last id (a client of an earlier run) replays the whole history', async () => {
    const hub = createHub<number>({ history: 5 });
    hub.publish(1);
    hub.publish(2);
    const s = hub.subscribe({ since: 900 });
    expect(s.missed).to.equal(0);
    hub.close();
    expect(await collect(s)).to.deep.equal([1, 2]);
  });

  it('without history, since replays nothing and reports what was missed', async () => {
    const hub = createHub<number>();
    for (let i = 1; i <= 4; i++) hub.publish(i);
    const s = hub.subscribe({ since: 1 });
    expect(s.missed).to.equal(3);
    hub.publish(5);
    hub.close();
    expect(await collect(s)).to.deep.equal([5]);
  });

  it('the initial item comes before the replay; replays count as delivered', async () => {
    const hub = createHub<string>({ history: 4, initial: 'init' });
    hub.publish('x');
    hub.publish('y');
    const s = hub.subscribe({ since: 1 });
    hub.publish('z');
    hub.close();
    expect(await collect(s)).to.deep.equal(['init', 'y', 'z']);
    expect(hub.stats().delivered).to.equal(2);
  });

  it('live messages wait under the subscriber limit while the replay is read', async () => {
    const hub = createHub<number>({ history: 10, policy: 'drop-oldest', limit: 2 });
    for (let i = 1; i <= 5; i++) hub.publish(i);
    const s = hub.subscribe({ since: 0 });
    for (let i = 6; i <= 9; i++) hub.publish(i);
    expect(s.stats.buffered).to.equal(2);
    hub.close();
    expect(await collect(s)).to.deep.equal([1, 2, 3, 4, 5, 8, 9]);
  });

  it('return() during the replay stops it and unsubscribes', async () => {
    const hub = createHub<number>({ history: 10 });
    for (let i = 1; i <= 5; i++) hub.publish(i);
    const s = hub.subscribe({ since: 0 });
    expect((await s.next()).value).to.equal(1);
    await s.return();
    expect(hub.size).to.equal(0);
    expect(await s.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('any interleaving of publishes and reconnects gives every message once, in order, or counts it in missed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.constant('publish' as const), fc.integer({ min: 0, max: 4 })), { maxLength: 60 }),
        async (history, steps) => {
          const hub = createHub<number>({ history, limit: Infinity });
          const seen: number[] = [];
          let sub = hub.subscribe({ since: 0 });
          const missed = new Set<number>();
          for (const step of steps) {
            if (step === 'publish') {
              hub.publish(hub.lastId + 1);
              continue;
            }
            // read `step` messages, then reconnect from the last id seen
            for (let i = 0; i < step; i++) {
              const r = await Promise.race([sub.next(), Promise.resolve(null)]);
              if (r === null || r.done) break;
              seen.push(r.value);
            }
            await sub.return();
            const since = seen.length === 0 ? 0 : seen[seen.length - 1]!;
            sub = hub.subscribe({ since });
            for (let id = since + 1; id <= since + sub.missed; id++) missed.add(id);
          }
          hub.close();
          seen.push(...(await collect(sub)));
          for (let i = 1; i < seen.length; i++) expect(seen[i]).to.be.greaterThan(seen[i - 1]!);
          // what was seen and what was reported missed are disjoint and together make every id
          expect([...seen, ...missed].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: hub.lastId }, (_, i) => i + 1));
        },
      ),
      { numRuns: 200 },
    );
  });
});
