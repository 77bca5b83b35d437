/**
 * connectComet refused, in Chromium, Firefox ESR and WebKitGTK: a 403 from `hub.serve`'s `authorize`
 * (one stream request, the client closed with onError, on both transports), an application's 401 before
 * the hub (learned by the HEAD probe), and a page whose callback differs from the server's (onError says
 * so within 3 attempts).
 */
import { expect } from 'chai';
import { sleep, until } from '../support/timing.js';
import { clientFixture, connectTopicsIn, topicRecord } from './fixtures/client-page.js';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';

const QUICK = { reconnect: { minMs: 20, maxMs: 100 }, livenessMs: 1000 };

eachEngine('connectComet refused', (session) => {
  const fx = clientFixture(session);

  for (const transport of ['iframe', 'eventsource'] as const) {
    it(`${transport}: a 403 from authorize: the server sees one stream request, and the client is closed with onError({ status: 403 })`, async () => {
      const s = await fx.serve({ heartbeatMs: 250, authorize: (topics) => !topics.includes('secret') });
      const t = await fx.open();
      await connectTopicsIn(t, 'c', { transport, topics: ['news', 'secret'], ...QUICK });
      await waitIn(t, "return window.conns.c.state === 'closed'", 'the closed state');
      const r = await topicRecord(t, 'c');
      // Comet learns it from the stop control in the body, with the reason; EventSource from a HEAD probe
      expect(r.errors).to.have.length(1);
      expect(r.errors[0]).to.include({ status: 403 });
      if (transport === 'iframe') expect(r.errors[0]).to.have.property('reason').that.is.a('string');
      expect(r.states.at(-1)).to.equal('closed');
      // at most the backoff and liveness of a client that would retry
      await sleep(300);
      expect(s.requests, 'GET requests of the stream').to.have.length(1);
      expect(s.heads, 'HEAD probes').to.have.length(transport === 'iframe' ? 0 : 1);
      expect(await t.run("return document.querySelectorAll('iframe').length")).to.equal(0);
    });

    it(`${transport}: an application's 401 before the hub: one request and one HEAD, then closed with onError({ status: 401 })`, async () => {
      const s = await fx.serve({ heartbeatMs: 250 });
      const t = await fx.open();
      await connectTopicsIn(t, 'c', { transport, topics: ['news'], ...QUICK }, '/denied');
      await waitIn(t, "return window.conns.c.state === 'closed'", 'the closed state');
      expect((await topicRecord(t, 'c')).errors).to.deep.equal([{ status: 401 }]);
      await sleep(300);
      expect(s.denied, 'the GET and the HEAD').to.equal(2);
    });
  }

  it('iframe: a callback that differs from the server’s: onError says so within 3 attempts, and the connection keeps trying', async () => {
    const s = await fx.serve({ heartbeatMs: 250 });
    const t = await fx.open();
    await t.run('window.notTheServers = function () {}');
    await connectTopicsIn(t, 'c', { callback: 'parent.notTheServers', ...QUICK });
    await waitIn(t, 'return window.recs.c.errors.length === 1', 'onError', 15_000);
    const r = await topicRecord(t, 'c');
    expect(r.errors).to.deep.equal([{ message: "no open control in 3 responses: does the callback match the server's?" }]);
    expect(r.opens).to.equal(0);
    // the first attempt, then one 'connecting' for each of the others
    expect(1 + r.statesAtError!.filter((state) => state === 'connecting').length, 'attempts before onError').to.equal(3);
    expect(s.heads.length, 'probes').to.be.at.least(3);
    await until(() => s.requests.length >= 4, { what: 'a fourth attempt' });
    await t.run('window.conns.c.close()');
    expect((await topicRecord(t, 'c')).errors, 'said once').to.have.length(1);
  });
});
