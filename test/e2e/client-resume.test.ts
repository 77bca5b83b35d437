/**
 * connectComet against a server that cuts, rotates, restarts and stalls: every message exactly once, in
 * order; a new epoch is a reset; a silent stream is dead after livenessMs. In all three engines.
 */
import { expect } from 'chai';
import { clientFixture, recorded, upTo, waitForId } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';
import { sleep, until } from '../support/timing.js';

eachEngine('connectComet resuming', (session) => {
  const fx = clientFixture(session);

  it('2,000 messages through 5 socket destructions and a rotation every 16 KiB: each exactly once, in order', async () => {
    const s = await fx.serve({ maxBytes: 16 * 1024, heartbeatMs: 250 });
    // Chromium and Firefox fire no load event for a cut connection: livenessMs is what notices it.
    const t = await fx.connected({ reconnect: { minMs: 20, maxMs: 200 }, livenessMs: 1000 });
    // 200 batches of 10 messages, 5 ms apart; the socket is destroyed after 5 random batches.
    const cuts = new Set<number>();
    while (cuts.size < 5) cuts.add(10 + Math.floor(Math.random() * 180));
    let destroyed = 0;
    for (let batch = 0, id = 1; batch < 200; batch++) {
      for (const end = id + 10; id < end; id++) s.publish({ n: id });
      if (cuts.has(batch)) {
        // a stream may end by rotation between finding it and cutting it: cut until one was cut
        const before = destroyed;
        await until(() => (destroyed += s.destroy()) > before, { what: 'a stream to cut' });
      }
      await sleep(5);
    }
    await waitForId(t, 2000, 30_000);
    const r = await recorded(t);
    expect(destroyed, 'streams destroyed').to.equal(5);
    expect(r.ids).to.deep.equal(upTo(2000));
    expect(r.wrong, 'values not matching their id').to.equal(0);
    expect(r.gaps).to.deep.equal([]);
    // 2,000 chunks of ~75 bytes make up to ~9 rotations of 16 KiB, fewer when cuts land first (each cut
    // response starts its count again, and a replay after a cut comes as one large chunk): at least one.
    expect(s.rotations, 'rotations').to.be.at.least(1);
    // Every cut and every rotation the client saw made one new request (a cut may land on a rotation).
    expect(s.requests.length, 'stream requests').to.be.within(1 + destroyed, 1 + destroyed + s.rotations);
    expect(s.requests.slice(1).every((q) => q.epoch === s.epoch && q.since !== null), 'every reconnect carries the cursor').to.equal(true);
    // Each request opened, but the last one may still be on its way.
    expect(r.opens, 'opens').to.be.within(s.requests.length - 1, s.requests.length);
  });

  it('a server restarted on the same port with a new epoch: the client reconnects and onGap reports reset', async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const t = await fx.connected({ reconnect: { minMs: 20, maxMs: 200 }, livenessMs: 1000 });
    for (let i = 1; i <= 3; i++) s.publish({ n: i });
    await waitForId(t, 3);
    const before = s.epoch;
    await s.restart();
    expect(s.epoch).to.not.equal(before);
    await waitIn(t, 'return window.rec.gaps.length === 1', 'onGap');
    expect(s.requests.at(-1)).to.include({ epoch: before, since: '3' });
    for (let i = 1; i <= 2; i++) s.publish({ n: i });
    await waitIn(t, 'return window.rec.ids.length === 5', 'the new epoch’s messages');
    const r = await recorded(t);
    expect(r.gaps).to.deep.equal([{ reset: true }]);
    expect(r.ids).to.deep.equal([1, 2, 3, 1, 2]);
    expect(r.lastId).to.equal(2);
    expect(r.states).to.include.members(['waiting', 'connecting', 'open']);
  });

  it('a stalled stream (no chunk, no heartbeat, not closed): the client reconnects within livenessMs', async () => {
    const livenessMs = 1500;
    const s = await fx.serve({ heartbeatMs: 200 });
    const t = await fx.connected({ reconnect: { minMs: 20, maxMs: 100 }, livenessMs });
    s.publish({ n: 1 });
    await waitForId(t, 1);
    // Heartbeats alone keep it alive past livenessMs.
    await sleep(livenessMs + 500);
    expect(s.requests).to.have.length(1);
    const stalled = Date.now();
    s.stall();
    await until(() => s.requests.length === 2, { what: 'the reconnect', timeoutMs: livenessMs + 5000 });
    const after = s.requests[1]!.at - stalled;
    expect(after, 'ms from the stall to the reconnect').to.be.within(livenessMs - 250, livenessMs + 100 + 1000);
    expect(s.requests[1]).to.include({ epoch: s.epoch, since: '1' });
    s.publish({ n: 2 });
    await waitForId(t, 2);
    expect((await recorded(t)).ids).to.deep.equal([1, 2]);
  });
});
