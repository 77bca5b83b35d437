/**
 * connectComet sharing a stream between the tabs of one browser: with `share: true` in three tabs, one
 * stream on the server, the leader relays to the others, and when the leader's tab closes another tab
 * takes over from its last id without losing a message; with share on by default, four tabs hold one
 * stream, on both transports; tabs of their own topics make the leader carry them all, each tab given
 * its own. In all three engines.
 */
import { expect } from 'chai';
import { clientFixture, connectIn, connectTopicsIn, publishTopics, recorded, topicRecord, upTo, waitForId } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn, type Tab } from './fixtures/harness/harness.js';
import { sleep, until } from '../support/timing.js';

eachEngine('connectComet share', (session) => {
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

  for (const transport of ['iframe', 'eventsource'] as const) {
    it(`${transport}: four tabs with share on by default hold one stream; each is given every message of its topics once, in order`, async () => {
      const s = await fx.serve({ heartbeatMs: 250 });
      const options = { transport, topics: ['news', 'alerts'], reconnect: { minMs: 20, maxMs: 100 }, livenessMs: 1000 };
      const tabs: Tab[] = [];
      for (let i = 0; i < 4; i++) {
        const tab = await fx.open();
        await connectTopicsIn(tab, 'c', options);
        tabs.push(tab);
      }
      await waitIn(tabs[0]!, 'return window.recs.c.opens === 1', 'the first tab’s open');
      for (const tab of tabs.slice(1)) await waitIn(tab, "return window.conns.c.state === 'open'", 'the state relayed');
      const { ids } = await publishTopics(s, ['news', 'alerts', 'other'], 300);
      const last = Math.max(ids.news!.at(-1) ?? 0, ids.alerts!.at(-1) ?? 0);
      for (const tab of tabs) await waitIn(tab, `return window.conns.c.lastId === ${last}`, 'the last message');
      const records = await Promise.all(tabs.map((tab) => topicRecord(tab, 'c')));
      for (const [i, r] of records.entries()) {
        expect([r.byTopic.news, r.byTopic.alerts, r.byTopic.other], `tab ${i}`).to.deep.equal([ids.news, ids.alerts, undefined]);
        expect(r.wrong, `tab ${i}`).to.equal(0);
      }
      expect(records.map((r) => r.leader), 'leaders').to.deep.equal([true, false, false, false]);
      expect(s.requests, 'one stream request').to.have.length(1);
      expect(s.maxOpen, 'streams open at once').to.equal(1);
    });
  }

  it('tabs of topics of their own: the leader carries them all, one reconnect for each tab that brings one; each tab is given its own', async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const tabs: Tab[] = [];
    for (let i = 0; i < 3; i++) {
      const tab = await fx.open();
      await connectTopicsIn(tab, 'c', { topics: ['news', `user:${i}`], reconnect: { minMs: 20, maxMs: 100 }, livenessMs: 1000 });
      tabs.push(tab);
      await until(() => s.requests.length === i + 1, { what: `stream request ${i + 1}` });
      await waitIn(tabs[0]!, `return window.recs.c.opens === ${i + 1}`, `open ${i + 1}`);
    }
    expect(s.requests.map((q) => q.topics)).to.deep.equal([['news', 'user:0'], ['news', 'user:0', 'user:1'], ['news', 'user:0', 'user:1', 'user:2']]);
    const topics = ['news', 'user:0', 'user:1', 'user:2', 'user:3'];
    const { ids } = await publishTopics(s, topics, 200);
    for (const [i, tab] of tabs.entries()) {
      const last = Math.max(ids.news!.at(-1) ?? 0, ids[`user:${i}`]!.at(-1) ?? 0);
      await waitIn(tab, `return window.conns.c.lastId === ${last}`, `tab ${i}’s last message`);
      const r = await topicRecord(tab, 'c');
      expect(r.byTopic, `tab ${i}`).to.deep.equal({ news: ids.news, [`user:${i}`]: ids[`user:${i}`] });
    }
    await until(() => s.open.size === 1, { what: 'one stream open' });
  });
});
