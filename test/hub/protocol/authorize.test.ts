/**
 * hub.serve and hub.fetch with topics and `authorize`, over real sockets on 127.0.0.1: the request's topics (its
 * repeated `topic` query parameters, or the `topics` option), who may read them (`authorize`, sync or
 * async: true, false or the topics allowed), and the refusals a client stops on (400, 403; 500 when
 * `authorize` fails), for both kinds of client and for HEAD. The callbacks see the request as both
 * edges give it (fixtures/edges.ts).
 */
import { expect } from 'chai';
import http from 'node:http';
import sinon from 'sinon';
import { cometHub, type CometHub } from '../../../src/index.js';
import { until } from '../../support/timing.js';
import { calls, CB, events, read, readEvents } from '../fixtures/serve.js';

const SSE = { accept: 'text/event-stream' };
const TOPIC_REASON = 'malformed topic: each must match [A-Za-z0-9_.:/@-]{1,200} and not be open, error or message';

/** The `data` of an event, parsed. */
const info = (e: { data: string }): unknown => JSON.parse(e.data);

const open = (epoch: string, lastId: number, topics?: string[]) => ({
  type: 'open', epoch, lastId, since: lastId, missed: 0, reset: false, ...(topics === undefined ? {} : { topics }),
});
import { edges, type EdgeServer, type Seen, type SuiteOptions } from './fixtures/edges.js';

for (const edge of edges) {
  describe(`${edge.name}: topics and authorize`, function () {
    this.timeout(20_000);

    let hub: CometHub<string>;
    let server: EdgeServer | undefined;
    const serve = async (options?: SuiteOptions | ((req: Seen) => SuiteOptions)) => {
      server = await edge.serverFor(hub, options);
      return server;
    };
    beforeEach(() => {
      hub = cometHub<string>(CB, { kind: 'string', history: 10 });
    });
    afterEach(async () => {
      await server?.close();
      server = undefined;
      hub.close();
    });

    /** Publishes each `[value, topic]` once `n` subscribers are there (no topic: the default one). */
    async function publishTo(n: number, messages: readonly (readonly [string, string?])[]): Promise<void> {
      await until(() => hub.size === n);
      for (const [value, topic] of messages) hub.publish(value, topic === undefined ? undefined : { topic });
    }

    describe('topics', () => {
      it('Comet: the repeated topic parameters (each once); a message of a named topic calls back with it as a third argument; open lists the topics', async () => {
        const s = await serve();
        const reading = read(s.port, '/live?topic=user:1&topic=news&topic=user:1', (b) => calls(b).length >= 3);
        await publishTo(1, [['u1', 'user:1'], ['d1'], ['o1', 'user:2'], ['n1', 'news']]);
        const { status, body } = await reading;
        expect(status).to.equal(200);
        expect(calls(body)).to.deep.equal([
          { value: open(hub.epoch, 0, ['user:1', 'news']), id: 0 },
          { value: 'u1', id: 1, topic: 'user:1' },
          { value: 'n1', id: 4, topic: 'news' },
        ]);
      });

      it('SSE: a message of a named topic is an event of that name, with the id E:N; $open lists the topics', async () => {
        const s = await serve();
        const reading = readEvents(s.port, '/live?topic=news&topic=user:1', 3, SSE);
        await publishTo(1, [['d1'], ['n1', 'news'], ['o1', 'user:2'], ['u1', 'user:1']]);
        const got = events((await reading).body);
        expect(got.map((e) => e.type)).to.deep.equal(['$open', 'news', 'user:1']);
        expect(info(got[0]!)).to.deep.equal(open(hub.epoch, 0, ['news', 'user:1']));
        expect(got.slice(1).map((e) => [e.data, e.lastEventId])).to.deep.equal([['n1', `${hub.epoch}:2`], ['u1', `${hub.epoch}:4`]]);
      });

      it('no topic: the default topic alone, its messages without a topic (Comet: two arguments; SSE: message events), and an open without topics', async () => {
        const s = await serve();
        const comet = read(s.port, '/live', (b) => calls(b).length >= 3);
        const sse = readEvents(s.port, '/live', 3, SSE);
        await publishTo(2, [['d1'], ['n1', 'news'], ['d2', '']]);
        expect(calls((await comet).body)).to.deep.equal([
          { value: open(hub.epoch, 0), id: 0 },
          { value: 'd1', id: 1 },
          { value: 'd2', id: 3 },
        ]);
        const got = events((await sse).body);
        expect(got.map((e) => [e.type, e.data])).to.deep.equal([['$open', JSON.stringify(open(hub.epoch, 0))], ['message', 'd1'], ['message', 'd2']]);
      });

      it('the topics option replaces the query\'s topics (its empty list: the default topic)', async () => {
        const s = await serve((req) => ({ topics: () => (req.url!.includes('none') ? [] : ['user:7']) }));
        const named = read(s.port, '/live?topic=news', (b) => calls(b).length >= 2);
        const none = read(s.port, '/live?none&topic=news', (b) => calls(b).length >= 2);
        await publishTo(2, [['n1', 'news'], ['u1', 'user:7'], ['d1']]);
        expect(calls((await named).body)).to.deep.equal([{ value: open(hub.epoch, 0, ['user:7']), id: 0 }, { value: 'u1', id: 2, topic: 'user:7' }]);
        expect(calls((await none).body)).to.deep.equal([{ value: open(hub.epoch, 0), id: 0 }, { value: 'd1', id: 3 }]);
      });

      it('answers a malformed topic 400, for both kinds, before authorize is called: SSE a text/plain reason, Comet one stop control', async () => {
        const authorize = sinon.spy(() => true);
        const s = await serve({ authorize });
        const bad = ['open', 'error', 'message', 'a%20b', '', 'x'.repeat(201), '%24beat', '%C3%BC', 'a%0A'];
        for (const topic of bad) {
          const path = `/live?topic=news&topic=${topic}`;
          const sse = await read(s.port, path, undefined, 'GET', SSE);
          expect([sse.status, sse.headers['content-type'], sse.body], topic).to.deep.equal([400, 'text/plain; charset=utf-8', `${edge.name}: ${TOPIC_REASON}\n`]);
          const comet = await read(s.port, path);
          expect([comet.status, comet.headers['content-type']], topic).to.deep.equal([400, 'text/html; charset=utf-8']);
          expect(calls(comet.body)).to.deep.equal([{ value: { type: 'stop', status: 400, reason: TOPIC_REASON }, id: 0 }]);
          expect(comet.body).to.equal(`<script type="text/javascript">${CB}(${JSON.stringify({ type: 'stop', status: 400, reason: TOPIC_REASON })},0);</script>`);
        }
        const fromOption = await edge.serverFor(hub, { topics: () => ['news', 'error'] });
        try {
          expect((await read(fromOption.port, '/live')).status).to.equal(400);
          expect(fromOption.results).to.deep.equal(['bad-request']);
        } finally {
          await fromOption.close();
        }
        expect(authorize.callCount).to.equal(0);
        expect(s.results).to.deep.equal(Array(bad.length * 2).fill('bad-request'));
        expect(hub.size).to.equal(0);
      });

      it('answers more topics than a subscription takes (1001) with 400, and takes 1000', async () => {
        const s = await serve();
        const query = (n: number) => Array.from({ length: n }, (_, i) => `topic=t${i}`).join('&');
        const many = await read(s.port, `/live?${query(1001)}`, undefined, 'GET', SSE);
        expect(many.status).to.equal(400);
        const thousand = await readEvents(s.port, `/live?${query(1000)}`, 1, SSE);
        expect(thousand.status).to.equal(200);
        expect((info(events(thousand.body)[0]!) as { topics: string[] }).topics).to.have.length(1000);
      });
    });

    describe('authorize', () => {
      it('is called once with the request and its topics (each once); true serves them all', async () => {
        const authorize = sinon.spy((_req: Seen, _topics: readonly string[]) => true);
        const s = await serve({ authorize });
        const reading = read(s.port, '/live?topic=a&topic=b&topic=a', (b) => calls(b).length >= 3);
        await publishTo(1, [['a1', 'a'], ['b1', 'b']]);
        expect(calls((await reading).body).slice(1)).to.deep.equal([{ value: 'a1', id: 1, topic: 'a' }, { value: 'b1', id: 2, topic: 'b' }]);
        expect(authorize.callCount).to.equal(1);
        expect(authorize.firstCall.args[0].url).to.equal('/live?topic=a&topic=b&topic=a');
        // the edge's own request: Node's for serve, the web Request for fetch
        expect(authorize.firstCall.args[0].native).to.be.instanceOf(edge.name === 'hub.serve' ? http.IncomingMessage : Request);
        expect(authorize.firstCall.args[1]).to.deep.equal(['a', 'b']);
        const plain = await readEvents(s.port, '/live', 1, SSE);
        expect(plain.status).to.equal(200);
        expect(authorize.secondCall.args[1]).to.deep.equal(['']);
      });

      it('returning the topics allowed serves those alone (those not asked for are not added), and open lists them', async () => {
        const s = await serve({ authorize: () => ['news', 'user:1', 'user:2'] });
        const comet = read(s.port, '/live?topic=user:1&topic=news&topic=user:3', (b) => calls(b).length >= 3);
        const sse = readEvents(s.port, '/live?topic=user:3&topic=news', 2, SSE);
        await publishTo(2, [['u3', 'user:3'], ['u2', 'user:2'], ['u1', 'user:1'], ['n1', 'news']]);
        expect(calls((await comet).body)).to.deep.equal([
          { value: open(hub.epoch, 0, ['user:1', 'news']), id: 0 },
          { value: 'u1', id: 3, topic: 'user:1' },
          { value: 'n1', id: 4, topic: 'news' },
        ]);
        const got = events((await sse).body);
        expect(info(got[0]!)).to.deep.equal(open(hub.epoch, 0, ['news']));
        expect(got.slice(1).map((e) => [e.type, e.data])).to.deep.equal([['news', 'n1']]);
      });

      it('may answer with a promise: resolved true or topics serves them, false refuses', async () => {
        const s = await serve({
          authorize: async (req) => {
            await new Promise((resolve) => setImmediate(resolve));
            return req.url!.includes('deny') ? false : req.url!.includes('some') ? ['news'] : true;
          },
        });
        const all = read(s.port, '/live?topic=news&topic=a', (b) => calls(b).length >= 3);
        const some = readEvents(s.port, '/live?topic=news&topic=a&some', 2, SSE);
        await publishTo(2, [['a1', 'a'], ['n1', 'news']]);
        expect(calls((await all).body).slice(1)).to.deep.equal([{ value: 'a1', id: 1, topic: 'a' }, { value: 'n1', id: 2, topic: 'news' }]);
        expect(events((await some).body).slice(1).map((e) => [e.type, e.data])).to.deep.equal([['news', 'n1']]);
        const denied = await read(s.port, '/live?topic=news&deny', undefined, 'GET', SSE);
        expect([denied.status, denied.body]).to.deep.equal([403, `${edge.name}: not authorized for these topics\n`]);
      });

      for (const [name, verdict] of [
        ['false', () => false],
        ['an empty list', () => []],
        ['only topics not asked for', () => ['other']],
        ['a promise of false', () => Promise.resolve(false)],
        ['a promise of an empty list', () => Promise.resolve([])],
      ] as const) {
        it(`returning ${name} refuses with 403: SSE a text/plain reason, Comet one stop control with the status and reason; no subscription is left`, async () => {
          const s = await serve({ authorize: verdict as SuiteOptions['authorize'] });
          const sse = await read(s.port, '/live?topic=news', undefined, 'GET', SSE);
          expect([sse.status, sse.headers['content-type'], sse.headers['cache-control'], sse.body]).to.deep.equal([
            403, 'text/plain; charset=utf-8', 'no-store', `${edge.name}: not authorized for these topics\n`,
          ]);
          const comet = await read(s.port, '/live?topic=news');
          expect([comet.status, comet.headers['content-type'], comet.headers.vary]).to.deep.equal([403, 'text/html; charset=utf-8', 'Accept']);
          expect(calls(comet.body)).to.deep.equal([{ value: { type: 'stop', status: 403, reason: 'not authorized for these topics' }, id: 0 }]);
          expect(s.results).to.deep.equal(['forbidden', 'forbidden']);
          expect(hub.size).to.equal(0);
          expect(hub.stats().topics).to.equal(0);
        });
      }

      for (const [name, authorize] of [
        ['throwing', () => {
          throw new Error('the session store is down');
        }],
        ['rejecting', () => Promise.reject(new Error('the session store is down'))],
      ] as const) {
        it(`${name}: 500 for both kinds, and the error is reported (serve rejects with it, fetch gives it to onEnd); no subscription is left`, async () => {
          const s = await serve({ authorize });
          for (const headers of [SSE, {}]) {
            const r = await read(s.port, '/live?topic=news', undefined, 'GET', headers);
            expect([r.status, r.headers['content-type'], r.body]).to.deep.equal([500, 'text/plain; charset=utf-8', `${edge.name}: the authorization failed\n`]);
          }
          await until(() => s.results.length === 2);
          expect(s.results).to.deep.equal(['failed: the session store is down', 'failed: the session store is down']);
          expect(hub.size).to.equal(0);
        });
      }

      it('HEAD is answered with the status of the same checks, and no body: 403, 400, 500, or 200', async () => {
        const s = await serve({
          authorize: (req) => {
            if (req.url!.includes('fail')) throw new Error('no');
            return !req.url!.includes('deny');
          },
        });
        for (const headers of [SSE, {}]) {
          const statuses: [number, string][] = [];
          for (const path of ['/live?topic=news&deny', '/live?topic=open', '/live?topic=news&fail', '/live?topic=news']) {
            const r = await read(s.port, path, undefined, 'HEAD', headers);
            expect(r.body).to.equal('');
            statuses.push([r.status, r.headers['content-type']!]);
          }
          const type = headers === SSE ? 'text/event-stream; charset=utf-8' : 'text/html; charset=utf-8';
          const refusal = headers === SSE ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8';
          expect(statuses).to.deep.equal([[403, refusal], [400, refusal], [500, 'text/plain; charset=utf-8'], [200, type]]);
        }
        expect(hub.size).to.equal(0);
      });
    });
  });
}
