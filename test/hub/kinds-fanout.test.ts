/**
 * One hub, 50 Comet (forever iframe) clients and 50 SSE (EventSource) clients on
 * real sockets; each body is read the way its browser reads it (Comet scripts run, event streams
 * parsed by the WHATWG algorithm); all see the same ids and values, and the hub framed each
 * message once per kind.
 */
import { expect } from 'chai';
import { cometHub, type Serving } from '../../src/index.js';
import { calls, CB, events, read, serverFor } from './fixtures/serve.js';
import { until } from '../support/timing.js';

const CLIENTS = 50;

/** Hostile and plain values: script ends, line breaks of every kind, separators, non-BMP, a lone surrogate. */
const VALUES: unknown[] = [
  'plain', '</script><script>alert(1)</script>', 'a\nb\rc\r\nd', '\u2028\u2029', 'data: forged\n\nid: x', '😀 é',
  '\ud800', { nested: ['<!--', '-->'], n: 1.5 }, [null, true, 0], '', { __proto__x: 1 }, 42,
];

interface Seen {
  ids: number[];
  values: unknown[];
}

/** Opens `n` clients of one kind; each resolves with what it saw once it has `count` messages. */
function clients(port: number, sse: boolean, n: number, count: number): Promise<Seen>[] {
  return Array.from({ length: n }, (_, i) => {
    if (sse) {
      // the open event and `count` messages: each event ends with a blank line
      const reading = read(port, `/live?c=${i}`, (b) => b.split('\n\n').length > count + 1, 'GET', { accept: 'text/event-stream' });
      return reading.then(({ body }) => {
        const [open, ...messages] = events(body);
        expect(open!.type).to.equal('$open');
        return {
          ids: messages.map((e) => Number(e.lastEventId.slice(e.lastEventId.indexOf(':') + 1))),
          values: messages.map((e) => JSON.parse(e.data) as unknown),
        };
      });
    }
    const reading = read(port, `/live?c=${i}`, (b) => b.split('</script>').length > count + 1, 'GET', { accept: 'text/html' });
    return reading.then(({ body }) => {
      const [open, ...messages] = calls(body);
      expect((open!.value as { type: string }).type).to.equal('open');
      return { ids: messages.map((c) => c.id), values: messages.map((c) => c.value) };
    });
  });
}

/** Serves `hub`, opens the clients, waits until all subscribed, publishes VALUES, returns what each saw. */
async function fanOut(hub: Serving & { readonly size: number; publish(value: unknown): unknown }, comet: number, sse: number): Promise<{ comet: Seen[]; sse: Seen[] }> {
  const s = await serverFor(hub.serve.bind(hub));
  try {
    const iframes = clients(s.port, false, comet, VALUES.length);
    const sources = clients(s.port, true, sse, VALUES.length);
    await until(() => hub.size === comet + sse);
    for (const value of VALUES) hub.publish(value);
    return { comet: await Promise.all(iframes), sse: await Promise.all(sources) };
  } finally {
    await s.close();
  }
}

describe('one hub, 50 Comet and 50 SSE clients over real sockets', function () {
  this.timeout(30_000);

  it('both kinds see the same ids and values, and each message was framed once per kind', async () => {
    const hub = cometHub(CB);
    hub.publish('before anyone listens');
    const seen = await fanOut(hub, CLIENTS, CLIENTS);
    const ids = VALUES.map((_, i) => i + 2);
    const values = JSON.parse(JSON.stringify(VALUES)) as unknown[];
    expect(seen.comet).to.have.length(CLIENTS);
    expect(seen.sse).to.have.length(CLIENTS);
    for (const client of [...seen.comet, ...seen.sse]) {
      expect(client.ids).to.deep.equal(ids);
      expect(client.values).to.deep.equal(values);
    }
    // the lone surrogate arrived as itself through both
    expect(seen.sse[0]!.values[6]).to.equal('\ud800');
    expect(seen.comet[0]!.values[6]).to.equal('\ud800');
    expect(hub.stats().encoded).to.deep.equal({ comet: VALUES.length, sse: VALUES.length });
    expect(hub.stats().delivered).to.equal(2 * CLIENTS * VALUES.length);
  });

  it('with only Comet clients no SSE event is made, and with only SSE clients no Comet chunk', async () => {
    const iframes = cometHub(CB);
    const onlyComet = await fanOut(iframes, CLIENTS, 0);
    expect(onlyComet.comet.every((c) => c.ids.length === VALUES.length)).to.equal(true);
    expect(iframes.stats().encoded).to.deep.equal({ comet: VALUES.length, sse: 0 });

    const sources = cometHub(CB);
    const onlySSE = await fanOut(sources, 0, CLIENTS);
    expect(onlySSE.sse.every((c) => c.ids.length === VALUES.length)).to.equal(true);
    expect(sources.stats().encoded).to.deep.equal({ comet: 0, sse: VALUES.length });
  });
});
