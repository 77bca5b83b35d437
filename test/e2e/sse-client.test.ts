/**
 * connectComet on the EventSource transport against `hub.serve`, in Chromium, Firefox ESR and WebKitGTK:
 * cuts at random moments (transport 'eventsource' and 'auto'), the server's stop on both transports,
 * 'auto' falling back to the iframe where EventSource is missing, and share: true.
 */
import { expect } from 'chai';
import { connectIn, recorded, upTo, waitForId } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn, type Tab } from './fixtures/harness/harness.js';
import { publishWithCuts, sseFixture } from './fixtures/sse-page.js';
import { sleep } from '../support/timing.js';

eachEngine('connectComet over EventSource', (session) => {
  const fx = sseFixture(session);
  const connected = async (options: Record<string, unknown>): Promise<Tab> => {
    const t = await fx.page();
    await connectIn(t, { reconnect: { minMs: 20, maxMs: 200 }, livenessMs: 2000, ...options });
    await waitIn(t, 'return window.rec.opens === 1', 'the first open');
    return t;
  };
  /** Two tabs on share: true over EventSource: the first leads, the second follows. */
  const shared = async (): Promise<[Tab, Tab]> => {
    const a = await connected({ transport: 'eventsource', share: true });
    const b = await fx.page();
    await connectIn(b, { reconnect: { minMs: 20, maxMs: 200 }, livenessMs: 2000, transport: 'eventsource', share: true });
    await sleep(300);
    expect(await Promise.all([a, b].map((t) => t.run('return conn.leader'))), 'leaders').to.deep.equal([true, false]);
    return [a, b];
  };

  for (const transport of ['eventsource', 'auto'] as const) {
    it(`transport '${transport}': 4 cuts at random moments, 1,500 messages each exactly once, in order`, async () => {
      const s = await fx.serve({ retry: 100, heartbeatMs: 250 });
      const t = await connected({ transport });
      expect(await t.run('return conn.transport')).to.equal('eventsource');
      const destroyed = await publishWithCuts(s, 1500, 4);
      await waitForId(t, 1500, 30_000);
      await sleep(300);
      const r = await recorded(t);
      expect(destroyed).to.equal(4);
      expect(r.ids).to.deep.equal(upTo(1500));
      expect(r.wrong, 'values not matching their id').to.equal(0);
      expect(r.gaps).to.deep.equal([]);
      const streams = s.streams();
      expect(s.streams(false), 'no Comet request').to.have.length(0);
      expect(streams.length, 'one request per cut').to.equal(1 + destroyed);
      const cursors = streams.slice(1).map((q) => q.lastEventId ?? new URLSearchParams(q.query).get('lastEventId'));
      expect(cursors.every((c) => c !== null && c.startsWith(`${s.epoch}:`)), `every reconnect has a cursor: ${cursors}`).to.equal(true);
      expect(streams.slice(1).some((q) => q.lastEventId !== null), 'the browser’s own reconnect, with Last-Event-ID').to.equal(true);
    });
  }

  it('a stalled stream (no event, no beat, not closed): a new EventSource with ?lastEventId=E:N within livenessMs', async () => {
    const s = await fx.serve({ heartbeatMs: 200 });
    const t = await connected({ transport: 'eventsource', livenessMs: 1500 });
    s.publish({ n: 1 });
    await waitForId(t, 1);
    // beats alone keep it alive past livenessMs
    await sleep(2000);
    expect(s.streams(), 'no reconnect while beats come').to.have.length(1);
    const stalled = Date.now();
    s.stall();
    await waitIn(t, 'return window.rec.opens === 2', 'the second open', 10_000);
    const next = s.streams()[1]!;
    expect(next.at - stalled, 'ms from the stall to the new request').to.be.within(1500 - 250, 1500 + 200 + 1000);
    expect(next.lastEventId, 'a new EventSource sends no header').to.equal(null);
    expect(new URLSearchParams(next.query).get('lastEventId')).to.equal(`${s.epoch}:1`);
    s.publish({ n: 2 });
    await waitForId(t, 2);
    expect((await recorded(t)).ids).to.deep.equal([1, 2]);
  });

  it('a 204: one HEAD probe tells it from a failure, and the connection closes for good', async () => {
    const s = await fx.serve({ retry: 200 });
    const t = await connected({ transport: 'eventsource' });
    s.publish({ n: 1 });
    await waitForId(t, 1);
    s.stopping = true;
    s.destroy();
    await waitIn(t, "return conn.state === 'closed'", 'the closed state');
    expect(s.requests.map((q) => [q.method, q.sse, q.res.statusCode])).to.deep.equal([['GET', true, 200], ['GET', true, 204], ['HEAD', true, 204]]);
    await sleep(2000);
    expect(s.requests, 'no request after the stop').to.have.length(3);
    expect((await recorded(t)).states.at(-1)).to.equal('closed');
  });

  it('a server error is not a stop: the client reconnects after its backoff and resumes', async () => {
    const s = await fx.serve({ retry: 200 });
    const t = await connected({ transport: 'eventsource' });
    s.publish({ n: 1 });
    await waitForId(t, 1);
    s.failing = 2;
    s.destroy();
    s.publish({ n: 2 });
    await waitForId(t, 2, 15_000);
    expect(s.requests.map((q) => [q.method, q.res.statusCode]).slice(1, 3)).to.deep.equal([['GET', 503], ['HEAD', 503]]);
    expect((await recorded(t)).ids).to.deep.equal([1, 2]);
  });

  it("the Comet stop control closes the iframe transport for good", async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const t = await connected({ transport: 'iframe', livenessMs: 1000 });
    s.stopping = true;
    s.destroy();
    await waitIn(t, "return conn.state === 'closed'", 'the closed state', 15_000);
    const seen = s.requests.length;
    expect(s.requests.at(-1)).to.include({ method: 'GET', sse: false });
    await sleep(1500);
    expect(s.requests, 'no request after the stop').to.have.length(seen);
    expect(await t.run("return document.querySelectorAll('iframe').length")).to.equal(0);
  });

  it("transport 'auto' takes the iframe when EventSource is deleted from the page", async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const t = await fx.page();
    await t.run('delete window.EventSource');
    expect(await t.run('return typeof EventSource')).to.equal('undefined');
    await connectIn(t, { transport: 'auto' });
    await waitIn(t, 'return window.rec.opens === 1', 'the first open');
    expect(await t.run('return conn.transport')).to.equal('iframe');
    for (let n = 1; n <= 3; n++) s.publish({ n });
    await waitForId(t, 3);
    expect((await recorded(t)).ids).to.deep.equal([1, 2, 3]);
    expect(s.requests.map((q) => [q.method, q.sse])).to.deep.equal([['GET', false]]);
  });

  it('share: true over EventSource: two tabs, one stream; the leader’s tab closes and the other resumes without loss', async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const [a, b] = await shared();
    for (let n = 1; n <= 50; n++) s.publish({ n });
    await waitForId(b, 50);
    await a.close();
    for (let n = 51; n <= 100; n++) s.publish({ n });
    await waitForId(b, 100);
    const r = await recorded(b);
    expect(r.ids).to.deep.equal(upTo(100));
    expect(r.leader).to.equal(true);
    expect(s.streams(), 'one stream, then one for the new leader').to.have.length(2);
    expect(new URLSearchParams(s.streams()[1]!.query).get('lastEventId')).to.match(new RegExp(`^${s.epoch}:([5-9][0-9]|100)$`));
  });

  it('share: true and the server’s stop: the leader closes for good and so does every tab that follows it', async () => {
    const s = await fx.serve({ retry: 200 });
    const [a, b] = await shared();
    s.stopping = true;
    s.destroy();
    for (const t of [a, b]) await waitIn(t, "return conn.state === 'closed'", 'the closed state');
    const seen = s.requests.length;
    await sleep(1500);
    expect(s.requests, 'no request after the stop').to.have.length(seen);
    expect(s.requests.every((q) => q.res.statusCode === 204 || q === s.requests[0]), 'only 204s after the first').to.equal(true);
  });
});
