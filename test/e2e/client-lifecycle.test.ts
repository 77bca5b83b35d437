/**
 * connectComet over a long stream and at its end: the iframe's DOM stays small, the iframe waits for
 * the page's load, and close() or pagehide ends the stream on the server and leaves no timer. In all
 * three engines.
 */
import { expect } from 'chai';
import { clientFixture, connectIn, recorded, waitForId } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';
import { sleep, until } from '../support/timing.js';

/** What the page holds once the connection is closed: its state, timers, iframes and the callback. */
const LEFT = `return { state: conn.state, timers: window.liveTimers.size, frames: document.querySelectorAll('iframe').length,
  callback: typeof window.cometMessage }`;

eachEngine('connectComet lifecycle', (session) => {
  const fx = clientFixture(session);

  it('20,000 messages over one connection: the iframe keeps at most a script or two', async function () {
    this.timeout(120_000);
    // ~1.6 MB of chunks: past hub.serve's default rotation (1 MiB), so rotation is moved out of the way.
    const s = await fx.serve({ heartbeatMs: 1000, maxBytes: 8 * 1024 * 1024 });
    const t = await fx.connected({ livenessMs: 20_000 }, true);
    for (let id = 1; id <= 20_000; ) {
      for (const end = id + 500; id < end; id++) s.publish({ n: id });
      await sleep(20);
    }
    await waitForId(t, 20_000, 60_000);
    const r = await recorded(t);
    expect(r.count).to.equal(20_000);
    expect(r.wrong).to.equal(0);
    expect(s.requests, 'one connection').to.have.length(1);
    expect(r.maxScripts, 'script elements').to.be.at.most(2);
    expect(r.maxNodes, 'nodes in the iframe body').to.be.at.most(3);
  });

  it('close(): the server sees the stream end; no timer, iframe or callback is left', async () => {
    const s = await fx.serve({ heartbeatMs: 200 });
    const t = await fx.connected({ livenessMs: 5000 });
    expect(await t.run('return window.liveTimers.size')).to.equal(1);
    await t.run('conn.close()');
    await until(() => s.ended === 1 && s.open.size === 0, { what: 'the stream end on the server' });
    expect(await t.run(LEFT)).to.deep.equal({ state: 'closed', timers: 0, frames: 0, callback: 'undefined' });
    expect((await recorded(t)).states).to.deep.equal(['open', 'closed']);
    await sleep(300);
    expect(s.requests, 'no reconnect').to.have.length(1);
  });

  it('pagehide: the connection closes itself (server sees the end, no timer left), and leaving the page ends it', async () => {
    const s = await fx.serve({ heartbeatMs: 200 });
    const t = await fx.connected({ livenessMs: 5000 });
    await t.run("window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))");
    await until(() => s.ended === 1 && s.open.size === 0, { what: 'the stream end on the server' });
    expect(await t.run(LEFT)).to.deep.equal({ state: 'closed', timers: 0, frames: 0, callback: 'undefined' });
    await connectIn(t, { livenessMs: 5000 });
    await until(() => s.open.size === 1, { what: 'a second stream' });
    await t.goto(s.url + '/blank');
    await until(() => s.ended === 2 && s.open.size === 0, { what: 'the second stream’s end on the server' });
  });

  it('before the page’s load no iframe is made; at its load, the stream starts', async () => {
    const s = await fx.serve({ heartbeatMs: 200 });
    const t = await fx.open('/early');
    expect(await t.run('return window.early')).to.deep.equal({ frames: 0, readyState: 'interactive', atLoad: 1 });
    await until(() => s.requests.length === 1, { what: 'the stream request' });
    expect(s.slowAt, 'the image holding the load was answered').to.be.above(0);
    expect(s.requests[0]!.at, 'stream request time').to.be.at.least(s.slowAt);
    s.publish({ n: 1 });
    await waitIn(t, 'return window.rec.count === 1', 'the message');
  });
});
