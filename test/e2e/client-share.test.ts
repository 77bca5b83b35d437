/**
 * connectComet with `share: true` in three tabs of one browser: one stream on the server, the leader
 * relays to the others, and when the leader's tab closes another tab takes over from its last id
 * without losing a message. In all three engines.
 */
import { expect } from 'chai';
import { clientFixture, connectIn, recorded, upTo, waitForId } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn, type Tab } from './fixtures/harness/harness.js';
import { sleep } from '../support/timing.js';

eachEngine('connectComet share: true', (session) => {
  const fx = clientFixture(session);

  it('three tabs hold one stream; closing the leader hands over without loss', async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const tabs: Tab[] = [await fx.open(), await fx.open(), await fx.open()];
    const has = await tabs[0]!.run('return [!!navigator.locks, typeof BroadcastChannel]');
    expect(has, 'Web Locks and BroadcastChannel').to.deep.equal([true, 'function']);
    const options = { share: true, reconnect: { minMs: 20, maxMs: 100 }, livenessMs: 1000 };
    await connectIn(tabs[0]!, options);
    await waitIn(tabs[0]!, 'return conn.leader && window.rec.opens === 1', 'the first tab to lead');
    for (const tab of tabs.slice(1)) await connectIn(tab, options);
    await sleep(300);
    expect(await Promise.all(tabs.map((t) => t.run('return conn.leader'))), 'leaders').to.deep.equal([true, false, false]);
    expect(s.requests, 'stream requests').to.have.length(1);
    expect(s.open.size, 'streams open').to.equal(1);

    let id = 0;
    const publish = async (n: number): Promise<void> => {
      for (const end = id + n; id < end; ) {
        for (let k = 0; k < 5; k++) s.publish({ n: ++id });
        await sleep(10);
      }
    };
    await publish(100);
    await waitForId(tabs[1]!, 100);
    expect(s.maxOpen, 'most streams open at once before the handover').to.equal(1);
    const leaving = tabs.shift()!;
    await Promise.all([leaving.close(), publish(100)]);
    await publish(100);
    for (const tab of tabs) await waitForId(tab, 300);
    const [b, c] = await Promise.all(tabs.map((t) => recorded(t)));
    for (const r of [b!, c!]) {
      expect(r.ids, 'each message once, in order').to.deep.equal(upTo(300));
      expect(r.wrong).to.equal(0);
      expect(r.gaps).to.deep.equal([]);
    }
    expect([b!.leader, c!.leader].filter(Boolean), 'one new leader').to.have.length(1);
    expect(s.requests, 'one new stream request').to.have.length(2);
    const resumed = s.requests[1]!;
    expect(resumed.epoch).to.equal(s.epoch);
    expect(Number(resumed.since), 'the new leader resumes from its last id').to.be.within(100, 300);
    await sleep(200);
    expect(s.open.size, 'streams open after the handover').to.equal(1);
  });
});
