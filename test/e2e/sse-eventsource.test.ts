/**
 * A real EventSource (no client library) against `hub.serve`, in Chromium, Firefox ESR and WebKitGTK:
 * hostile data arrives exact; cuts at random moments lose and repeat nothing, through `Last-Event-ID`;
 * the server's `retry` sets the reconnection delay; a `204` stops reconnection for good.
 */
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import { eachEngine } from './fixtures/harness/engines.js';
import { waitIn } from './fixtures/harness/harness.js';
import { generatedJson, generatedStrings, hasLoneSurrogate, hostileJson, hostileStrings, protoKeyJson } from './fixtures/hostile-messages.js';
import { publishWithCuts, rawEventSource, rawRecord, sseFixture } from './fixtures/sse-page.js';
import { sleep, until } from '../support/timing.js';

/** Compares message by message, so a failure names the first message that differs. */
function expectSame(received: unknown[], expected: readonly unknown[]): void {
  for (let i = 0; i < Math.min(received.length, expected.length); i++) {
    if (!isDeepStrictEqual(received[i], expected[i])) {
      expect.fail(`message ${i} differs: sent ${JSON.stringify(expected[i])?.slice(0, 200)}, received ${JSON.stringify(received[i])?.slice(0, 200)}`);
    }
  }
  expect(received.length, 'messages received').to.equal(expected.length);
}

/**
 * What a string is once it has crossed the event stream: every line break an LF, every lone surrogate
 * U+FFFD; and in Firefox, whose EventSource drops U+0000 from the data (WebKit and Chromium keep it), no NUL.
 */
const asEventData = (s: string, dropsNul: boolean): string => {
  const data = s.replace(/\r\n?/g, '\n').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return dropsNul ? data.replaceAll('\0', '') : data;
};

eachEngine('EventSource against hub.serve', (session, engine) => {
  const fx = sseFixture(session);

  for (const kind of ['json', 'string'] as const) {
    it(`hostile ${kind === 'json' ? 'strings and JSON values from a json hub' : 'strings from a string hub'} arrive exact, one event each`, async () => {
      const s = await fx.serve({ kind });
      const t = await fx.page();
      await rawEventSource(t, kind);
      await waitIn(t, 'return window.raw.opens === 1', 'the open event');
      const messages: unknown[] =
        kind === 'json' ? [...hostileStrings, ...hostileJson(), ...protoKeyJson(), ...generatedJson(500)] : [...hostileStrings, ...generatedStrings(500)];
      expect(messages.filter(hasLoneSurrogate).length, 'messages with lone surrogates').to.be.above(20);
      for (const m of messages) s.publish(m);
      await waitIn(t, `return window.raw.ids.length >= ${messages.length}`, 'every message', 30_000);
      const r = await rawRecord(t, true);
      expectSame(r.values, kind === 'json' ? messages.map((m) => JSON.parse(JSON.stringify(m))) : (messages as string[]).map((m) => asEventData(m, engine.name === 'Firefox')));
      expect(r.ids).to.deep.equal(messages.map((_, i) => `${s.epoch}:${i + 1}`));
      expect(await t.run('return typeof window.pwned')).to.equal('undefined');
    });
  }

  it('the server cuts the connection at 4 random moments: 1,500 messages, each exactly once, in order, through Last-Event-ID', async () => {
    const s = await fx.serve({ retry: 100, heartbeatMs: 250 });
    const t = await fx.page();
    await rawEventSource(t);
    await waitIn(t, 'return window.raw.opens === 1', 'the open event');
    const destroyed = await publishWithCuts(s, 1500, 4);
    await waitIn(t, 'return window.raw.ids.length >= 1500', 'message 1500', 30_000);
    await sleep(300);
    const r = await rawRecord(t, true);
    expect(destroyed, 'streams cut').to.equal(4);
    expect(r.values.map((v) => (v as { n: number }).n)).to.deep.equal(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(r.ids.every((id, i) => id === `${s.epoch}:${i + 1}`), 'ids E:N').to.equal(true);
    const streams = s.streams();
    expect(streams, 'one request per cut').to.have.length(1 + destroyed);
    expect(streams[0]!.lastEventId, 'the first request has no cursor').to.equal(null);
    for (const q of streams.slice(1)) expect(q.lastEventId, 'each reconnect sends Last-Event-ID').to.match(new RegExp(`^${s.epoch}:[1-9][0-9]*$`));
    expect(r.opens, 'an open event per response').to.equal(streams.length);
  });

  it('the server’s retry sets the reconnection delay (800 ms and 4,000 ms, against the browser’s default)', async function () {
    this.timeout(60_000);
    const delays: number[] = [];
    for (const retry of [800, 4000]) {
      const s = await fx.serve({ retry });
      const t = await fx.page();
      await rawEventSource(t);
      await waitIn(t, 'return window.raw.opens === 1', 'the open event');
      s.publish({ n: 1 });
      await waitIn(t, 'return window.raw.ids.length === 1', 'the message');
      const cut = Date.now();
      s.destroy();
      await until(() => s.streams().length === 2, { what: 'the reconnect', timeoutMs: retry + 5000 });
      delays.push(s.streams()[1]!.at - cut);
      await t.close();
      await s.close();
    }
    console.log(`      reconnection delays for retry 800 and 4000: ${delays.join(' ms, ')} ms`);
    expect(delays[0], 'retry 800').to.be.within(700, 2200);
    expect(delays[1], 'retry 4000').to.be.within(3900, 5800);
  });

  it('a 204 stops the EventSource for good: no further request within 10 × retry', async () => {
    const s = await fx.serve({ retry: 200 });
    const t = await fx.page();
    await rawEventSource(t);
    await waitIn(t, 'return window.raw.opens === 1', 'the open event');
    s.publish({ n: 1 });
    await waitIn(t, 'return window.raw.ids.length === 1', 'the message');
    s.stopping = true;
    s.destroy();
    await waitIn(t, 'return es.readyState === 2', 'the EventSource to close');
    const seen = s.requests.length;
    expect(s.requests.map((q) => [q.method, q.res.statusCode])).to.deep.equal([['GET', 200], ['GET', 204]]);
    await sleep(2000);
    expect(s.requests, 'no request after the 204').to.have.length(seen);
    expect((await rawRecord(t)).readyState).to.equal(2);
  });
});
