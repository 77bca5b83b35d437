/**
 * Signed tickets, over real sockets on 127.0.0.1: `hub.ticket({ topics, ttlMs, subject })` on a hub
 * made with a `secret`, and `serve` and `fetch` taking one from the `ticket` query parameter as the
 * authorization of its topics on its own (for a page that cannot send cookies). Expired, tampered,
 * foreign and misapplied tickets are refused with 403; the ticket never shows in what is answered.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { cometHub, type CometHub } from '../../../src/index.js';
import { until } from '../../support/timing.js';
import { calls, CB, events, read, readEvents, type Read } from '../fixtures/serve.js';

const SSE = { accept: 'text/event-stream' };
const SECRET = 'the secret of this application';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DAY = 24 * 3600 * 1000;

/** `text` with its character at `at` replaced by another of the base64url alphabet. */
function flip(text: string, at: number): string {
  const c = text[at]!;
  return text.slice(0, at) + BASE64URL[(BASE64URL.indexOf(c) + 17) % 64] + text.slice(at + 1);
}
import { edges, type EdgeServer, type Seen } from './fixtures/edges.js';

for (const edge of edges) {
  describe(`hub.ticket, taken by ${edge.name}`, function () {
    this.timeout(20_000);

    let hub: CometHub<string>;
    let authorize: sinon.SinonSpy<[Seen, readonly string[]], boolean>;
    let server: EdgeServer;
    /** Every body answered, to check that no ticket shows in any. */
    let bodies: string[];

    beforeEach(async () => {
      hub = cometHub<string>(CB, { kind: 'string', history: 10, secret: SECRET });
      // without a ticket nobody is let in
      authorize = sinon.spy((_req: Seen, _topics: readonly string[]) => false);
      server = await edge.serverFor(hub, { authorize });
      bodies = [];
    });
    afterEach(async () => {
      await server.close();
      hub.close();
    });

    const path = (ticket: string, ...topics: string[]) => `/live?${topics.map((t) => `topic=${t}&`).join('')}ticket=${encodeURIComponent(ticket)}`;

    /** Requests `p` as both kinds of client (refusals end at once), keeping the bodies. */
    async function both(p: string): Promise<[Read, Read]> {
      const sse = await read(server.port, p, undefined, 'GET', SSE);
      const comet = await read(server.port, p);
      bodies.push(sse.body, comet.body);
      return [sse, comet];
    }

    /** Expects `p` refused with 403 and `reason` by both kinds, and no subscription left. */
    async function refused(p: string, reason: string): Promise<void> {
      const [sse, comet] = await both(p);
      expect([sse.status, sse.body]).to.deep.equal([403, `${edge.name}: ${reason}\n`]);
      expect(comet.status).to.equal(403);
      expect(calls(comet.body)).to.deep.equal([{ value: { type: 'stop', status: 403, reason }, id: 0 }]);
      expect(hub.size).to.equal(0);
    }

    it('is short and opaque: two base64url parts joined by a dot, different for other topics, subjects or times', async () => {
      const one = hub.ticket({ topics: ['user:1', 'news'], ttlMs: 60_000, subject: '1' });
      expect(one).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect(one.length).to.be.below(200);
      const others = [
        hub.ticket({ topics: ['user:2', 'news'], ttlMs: 60_000, subject: '1' }),
        hub.ticket({ topics: ['user:1', 'news'], ttlMs: 60_000, subject: '2' }),
        hub.ticket({ topics: ['user:1'], ttlMs: 60_000, subject: '1' }),
      ];
      await until(() => hub.ticket({ topics: ['user:1', 'news'], ttlMs: 60_000, subject: '1' }) !== one);
      expect(new Set([one, ...others]).size).to.equal(4);
    });

    it('authorizes its topics on its own, for both kinds, without calling authorize; a part of its topics too', async () => {
      const ticket = hub.ticket({ topics: ['user:1', 'news'], ttlMs: 60_000, subject: 'user 1' });
      const comet = read(server.port, path(ticket, 'user:1', 'news'), (b) => calls(b).length >= 3);
      const sse = readEvents(server.port, path(ticket, 'news'), 2, SSE);
      await until(() => hub.size === 2);
      hub.publish('u1', { topic: 'user:1' });
      hub.publish('u2', { topic: 'user:2' });
      hub.publish('n1', { topic: 'news' });
      const c = await comet;
      expect(c.status).to.equal(200);
      expect(calls(c.body).slice(1)).to.deep.equal([{ value: 'u1', id: 1, topic: 'user:1' }, { value: 'n1', id: 3, topic: 'news' }]);
      const s = await sse;
      expect(s.status).to.equal(200);
      expect(events(s.body).slice(1).map((e) => [e.type, e.data])).to.deep.equal([['news', 'n1']]);
      bodies.push(c.body, s.body);
      expect(authorize.callCount).to.equal(0);
      for (const body of bodies) expect(body).not.to.include(ticket.split('.')[1]);
    });

    it('is refused with 403 for topics it does not cover (one more, or the default topic), without calling authorize', async () => {
      const ticket = hub.ticket({ topics: ['user:1'], ttlMs: 60_000 });
      await refused(path(ticket, 'user:1', 'user:2'), 'the ticket does not cover every topic asked for');
      await refused(path(ticket, 'user:2'), 'the ticket does not cover every topic asked for');
      await refused(path(ticket), 'the ticket does not cover every topic asked for');
      expect(authorize.callCount).to.equal(0);
      expect(server.results).to.deep.equal(Array(6).fill('forbidden'));
    });

    it('is refused with 403 once expired', async () => {
      const ticket = hub.ticket({ topics: ['news'], ttlMs: 1 });
      // made before this instant, valid for 1 ms: expired once the clock is past it
      const made = Date.now();
      await until(() => Date.now() > made + 1);
      await refused(path(ticket, 'news'), 'the ticket is not valid or has expired');
      expect(authorize.callCount).to.equal(0);
    });

    it('is refused with 403 when tampered with: a character of either part changed, a part cut off or taken from another ticket, or junk', async () => {
      const ticket = hub.ticket({ topics: ['news', 'user:1'], ttlMs: 60_000, subject: 'user 1' });
      const other = hub.ticket({ topics: ['news', 'user:2'], ttlMs: 60_000, subject: 'user 2' });
      const [fields, mac] = ticket.split('.') as [string, string];
      const dot = fields.length;
      const forged = [
        flip(ticket, 0), flip(ticket, dot >> 1), flip(ticket, dot - 2),
        flip(ticket, dot + 1), flip(ticket, dot + 20), flip(ticket, ticket.length - 2),
        fields, `${fields}.`, `.${mac}`, fields + mac, `${other.split('.')[0]}.${mac}`, `${fields}.${other.split('.')[1]}`,
        'junk', '.', '', 'a.b.c', `${ticket}.${mac}`,
      ];
      for (const t of forged) await refused(path(t, 'news'), 'the ticket is not valid or has expired');
      expect(authorize.callCount).to.equal(0);
    });

    it('is taken in its one spelling only: another last character of either part, or a trailing =, is refused', async () => {
      const ticket = hub.ticket({ topics: ['news'], ttlMs: 60_000 });
      const dot = ticket.indexOf('.');
      const spellings: string[] = [`${ticket}=`, `${ticket.slice(0, dot)}=.${ticket.slice(dot + 1)}`];
      for (const end of [dot - 1, ticket.length - 1]) for (const c of BASE64URL) if (c !== ticket[end]) spellings.push(ticket.slice(0, end) + c + ticket.slice(end + 1));
      const taken: string[] = [];
      for (const t of spellings) {
        const r = await read(server.port, path(t, 'news'), undefined, 'HEAD', SSE);
        if (r.status !== 403) taken.push(t);
      }
      expect(taken).to.deep.equal([]);
    });

    it('signed with another secret is refused with 403; one signed with the same secret (as a string or as bytes) on another hub is taken', async () => {
      const foreign = cometHub<string>(CB, { secret: 'another secret' }).ticket({ topics: ['news'], ttlMs: 60_000 });
      await refused(path(foreign, 'news'), 'the ticket is not valid or has expired');
      const sibling = cometHub<string>(CB, { secret: Buffer.from(SECRET, 'utf8') }).ticket({ topics: ['news'], ttlMs: 60_000 });
      const r = await readEvents(server.port, path(sibling, 'news'), 1, SSE);
      expect(r.status).to.equal(200);
    });

    it('two tickets in one request are refused with 403, even two valid ones', async () => {
      const ticket = hub.ticket({ topics: ['news'], ttlMs: 60_000 });
      await refused(`${path(ticket, 'news')}&ticket=${encodeURIComponent(ticket)}`, 'this ticket is not valid here');
    });

    it('on a hub without a secret: ticket() throws TypeError, and a request with a ticket is refused with 403', async () => {
      const plain = cometHub<string>(CB);
      expect(() => plain.ticket({ topics: ['news'], ttlMs: 60_000 })).to.throw(TypeError, /^hub\.ticket: this hub was made without a secret/);
      const ticket = hub.ticket({ topics: ['news'], ttlMs: 60_000 });
      const s = await edge.serverFor(plain);
      try {
        const sse = await read(s.port, path(ticket, 'news'), undefined, 'GET', SSE);
        expect([sse.status, sse.body]).to.deep.equal([403, `${edge.name}: this ticket is not valid here\n`]);
        const comet = await read(s.port, path(ticket, 'news'));
        expect(comet.status).to.equal(403);
        expect(calls(comet.body)).to.deep.equal([{ value: { type: 'stop', status: 403, reason: 'this ticket is not valid here' }, id: 0 }]);
        expect(plain.size).to.equal(0);
      } finally {
        await s.close();
      }
    });

    it('throws TypeError or RangeError naming hub.ticket for bad options, and never echoes the subject', () => {
      const typeErrors: unknown[] = [
        undefined, null, 'news', {},
        { topics: 'news', ttlMs: 1000 }, { topics: [], ttlMs: 1000 }, { topics: ['open'], ttlMs: 1000 }, { topics: ['a b'], ttlMs: 1000 }, { topics: [42], ttlMs: 1000 },
        { topics: ['news'], ttlMs: '1000' }, { topics: ['news'], ttlMs: 1000, subject: 42 }, { topics: ['news'], ttlMs: 1000, subject: 'não' },
        { topics: ['news'], ttlMs: 1000, subject: 'x'.repeat(257) }, { topics: ['news'], ttlMs: 1000, subject: 'a\nb' }, { topics: ['news'], ttlMs: 1000, ttl: 5 },
      ];
      for (const options of typeErrors.slice(3)) {
        expect(() => hub.ticket(options as never), JSON.stringify(options)).to.throw(TypeError, /^hub\.ticket: /);
      }
      for (const options of typeErrors.slice(0, 3)) {
        expect(() => hub.ticket(options as never), String(options)).to.throw(TypeError, /^hub\.ticket: options must be an object/);
      }
      for (const ttlMs of [0, -1, 0.5 - 1, NaN, Infinity, 30 * DAY + 1]) {
        expect(() => hub.ticket({ topics: ['news'], ttlMs }), String(ttlMs)).to.throw(RangeError, /^hub\.ticket: ttlMs must/);
      }
      expect(() => hub.ticket({ topics: ['news'] } as never)).to.throw(/^hub\.ticket: ttlMs must/);
      try {
        hub.ticket({ topics: ['news'], ttlMs: 1000, subject: 'private détail' });
        expect.fail('a subject of non-ASCII characters was taken');
      } catch (error) {
        expect((error as Error).message).not.to.include('private');
      }
    });

    it('lives up to 30 days, as documented', async () => {
      const month = hub.ticket({ topics: ['news'], ttlMs: 30 * DAY, subject: 'long' });
      const r = await readEvents(server.port, path(month, 'news'), 1, SSE);
      expect(r.status).to.equal(200);
      const longest = hub.ticket({ topics: ['news'], ttlMs: 25 * DAY });
      expect((await readEvents(server.port, path(longest, 'news'), 1, SSE)).status).to.equal(200);
    });

    it('never shows in a response body, whatever the answer (stream, 400, 403)', async () => {
      const ticket = hub.ticket({ topics: ['news'], ttlMs: 60_000, subject: 'user 1' });
      const [fields, mac] = ticket.split('.') as [string, string];
      const stream = readEvents(server.port, path(ticket, 'news'), 2, SSE);
      const comet = read(server.port, path(ticket, 'news'), (b) => calls(b).length >= 2);
      await until(() => hub.size === 2);
      hub.publish('n1', { topic: 'news' });
      bodies.push((await stream).body, (await comet).body);
      await both(path(ticket, 'news', 'open'));
      await both(`${path(ticket, 'news')}&epoch=E&since=x`);
      await both(path(ticket, 'user:2'));
      await both(path(flip(ticket, 3), 'news'));
      await both(`${path(ticket, 'news')}&ticket=${encodeURIComponent(ticket)}`);
      expect(bodies).to.have.length(12);
      for (const body of bodies) {
        expect(body).not.to.include(fields);
        expect(body).not.to.include(mac);
        expect(body).not.to.include('user 1');
      }
    });
  });
}
