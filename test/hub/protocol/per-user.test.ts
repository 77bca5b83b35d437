/**
 * Per-user and per-topic streams in one Express app: three logged-in users (a cookie session),
 * a topic per user (`user:<id>`) and a shared one (`news`), one `cometHub` whose `authorize` lets a
 * user read its own topic and `news`. Each user's streams (an iframe and an EventSource) carry its
 * own messages and the shared ones alone; asking for another user's topic is refused; a cross-site
 * page without the cookie reads its topics with a ticket.
 */
import { expect } from 'chai';
import express from 'express';
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { cometHub } from '../../../src/index.js';
import { listen, loopbackSuite } from '../../support/loopback.js';
import { until } from '../../support/timing.js';
import { calls, CB, events, read, type Read } from '../fixtures/serve.js';

const SSE = { accept: 'text/event-stream' };

/** The app: login sets a session cookie; /live serves the hub to whoever may read the topics asked for; /ticket gives a ticket of one's topics. */
function app() {
  const hub = cometHub<string>(CB, { kind: 'string', secret: randomBytes(32) });
  const sessions = new Map<string, string>();
  const userOf = (req: http.IncomingMessage): string | undefined => {
    const sid = /(?:^|;\s*)sid=([0-9a-f]{32})(?:;|$)/.exec(req.headers.cookie ?? '')?.[1];
    return sid === undefined ? undefined : sessions.get(sid);
  };
  const mayRead = (user: string | undefined, topic: string): boolean => user !== undefined && (topic === 'news' || topic === `user:${user}`);
  const web = express();
  web.post('/login/:user', (req, res) => {
    const sid = randomBytes(16).toString('hex');
    sessions.set(sid, req.params.user);
    res.cookie('sid', sid, { httpOnly: true, sameSite: 'lax' }).end();
  });
  web.get('/live', (req, res) => hub.serve(req, res, { authorize: (r, topics) => topics.every((t) => mayRead(userOf(r), t)) }));
  web.get('/ticket', (req, res) => {
    const user = userOf(req);
    if (user === undefined) return void res.status(401).end();
    res.json({ ticket: hub.ticket({ topics: [`user:${user}`, 'news'], ttlMs: 60_000, subject: user }) });
  });
  return { hub, web };
}

describe('per-user and per-topic streams: an Express app with three users', function () {
  this.timeout(20_000);

  const suite = loopbackSuite();

  it('each user\'s iframe and EventSource carry its own messages and the shared ones alone; another user\'s topic is refused; a ticket serves a page without the cookie', async () => {
    const { hub, web } = app();
    suite.server = await listen(web);
    const { port, url } = suite.server;
    const login = async (user: string): Promise<string> => {
      const r = await fetch(`${url}/login/${user}`, { method: 'POST' });
      expect(r.status).to.equal(200);
      return /^sid=[0-9a-f]{32}/.exec(r.headers.get('set-cookie')!)![0];
    };
    const users = ['1', '2', '3'];
    const cookies = new Map<string, string>();
    for (const user of users) cookies.set(user, await login(user));
    const cometEnd = (b: string) => calls(b).some((c) => c.value === 'end');
    const sseEnd = (b: string) => events(b).some((e) => e.data === 'end');

    // each user opens an iframe and an EventSource on its own topic and the shared one
    const streams = users.map((user) => {
      const path = `/live?topic=user:${user}&topic=news`;
      const cookie = cookies.get(user)!;
      return { user, comet: read(port, path, cometEnd, 'GET', { cookie }), sse: read(port, path, sseEnd, 'GET', { cookie, ...SSE }) };
    });
    await until(() => hub.size === 6);
    const published: [string, string][] = [
      ['n1', 'news'], ['a1', 'user:1'], ['b1', 'user:2'], ['c1', 'user:3'], ['n2', 'news'], ['b2', 'user:2'], ['a2', 'user:1'], ['c2', 'user:3'], ['end', 'news'],
    ];
    for (const [value, topic] of published) hub.publish(value, { topic });
    for (const { user, comet, sse } of streams) {
      const wanted = published.filter(([, topic]) => topic === 'news' || topic === `user:${user}`);
      const c = await comet;
      expect(c.status).to.equal(200);
      expect(calls(c.body).slice(1).map((m) => [m.value, m.topic]), `user ${user}, Comet`).to.deep.equal(wanted);
      const s = await sse;
      expect(s.status).to.equal(200);
      expect(events(s.body).slice(1).map((e) => [e.data, e.type]), `user ${user}, SSE`).to.deep.equal(wanted);
    }
    await until(() => hub.size === 0);

    // a user asking for another's topic, alone or beside its own, and a page without a session: 403, for both kinds
    const refusals: [string, string | undefined][] = [
      ['/live?topic=user:2', cookies.get('1')],
      ['/live?topic=user:1&topic=user:3', cookies.get('1')],
      ['/live?topic=news', undefined],
      ['/live?topic=user:1', undefined],
    ];
    for (const [path, cookie] of refusals) {
      const headers: http.OutgoingHttpHeaders = cookie === undefined ? {} : { cookie };
      const s: Read = await read(port, path, undefined, 'GET', { ...headers, ...SSE });
      expect([s.status, s.body], path).to.deep.equal([403, 'hub.serve: not authorized for these topics\n']);
      const c = await read(port, path, undefined, 'GET', headers);
      expect(c.status, path).to.equal(403);
      expect(calls(c.body), path).to.deep.equal([{ value: { type: 'stop', status: 403, reason: 'not authorized for these topics' }, id: 0 }]);
    }
    expect(hub.size).to.equal(0);

    // user 3's page embedded cross-site gets no cookie: the ticket its own page fetched serves it
    const { ticket } = (await (await fetch(`${url}/ticket`, { headers: { cookie: cookies.get('3')! } })).json()) as { ticket: string };
    expect((await fetch(`${url}/ticket`)).status).to.equal(401);
    const t = encodeURIComponent(ticket);
    const crossSite = read(port, `/live?topic=user:3&topic=news&ticket=${t}`, cometEnd);
    await until(() => hub.size === 1);
    for (const [value, topic] of [['a3', 'user:1'], ['c3', 'user:3'], ['n3', 'news'], ['end', 'news']] as const) hub.publish(value, { topic });
    const page = await crossSite;
    expect(page.status).to.equal(200);
    expect(calls(page.body).slice(1).map((m) => [m.value, m.topic])).to.deep.equal([['c3', 'user:3'], ['n3', 'news'], ['end', 'news']]);
    // the ticket is user 3's: not another user's topic
    const stolen = await read(port, `/live?topic=user:1&ticket=${t}`, undefined, 'GET', SSE);
    expect([stolen.status, stolen.body]).to.deep.equal([403, 'hub.serve: the ticket does not cover every topic asked for\n']);
  });
});
