/**
 * hub.serve for both kinds of client (docs/protocol.md), over real sockets on 127.0.0.1: negotiation by
 * `Accept`, the SSE cursor from each of its sources, `open`/`reset`/`beat`/`rotate` events, `retry`,
 * `stop`, HEAD. Event streams are read with the WHATWG parser of test/support/event-stream.ts.
 */
import { expect } from 'chai';
import { Comet, cometHub, SSE } from '../../../src/index.js';
import { calls, CB, events, read, readEvents } from '../fixtures/serve.js';
import { edges } from './fixtures/edges.js';
import { sleep, until } from '../../support/timing.js';

const initialHtmlChunk = Comet.encoder('json', CB).initialChunk!;

const open = (epoch: string, lastId: number, since: number, missed = 0, reset = false) => ({
  type: 'open', epoch, lastId, since, missed, reset,
});

/** The `data` of an event, parsed. */
const info = (e: { data: string }): unknown => JSON.parse(e.data);

for (const edge of edges) {
  describe(`${edge.name}: Comet and Server-Sent Events from one hub`, function () {
    this.timeout(20_000);

    it('answers an Accept listing text/event-stream (any position, parameters, case; not with q=0) with SSE, everything else with Comet', async () => {
      const hub = cometHub(CB, { history: 5 });
      hub.publish(1);
      const s = await edge.serverFor(hub);
      try {
        for (const accept of ['text/event-stream', 'text/html, TEXT/Event-Stream;q=0.5', 'application/json,text/event-stream ; charset=utf-8']) {
          const { headers, body } = await read(s.port, '/live', (b) => events(b).length >= 1, 'GET', { accept });
          expect(headers['content-type'], accept).to.equal('text/event-stream; charset=utf-8');
          expect(headers.vary).to.equal('Accept');
          expect(events(body).map(info)).to.deep.equal([open(hub.epoch, 1, 1)]);
        }
        for (const accept of [undefined, '*/*', 'text/html,application/xhtml+xml', 'text/event-streams', 'text/*', 'text/event-stream;q=0', 'text/html, text/event-stream; Q=0.000']) {
          const { headers, body } = await read(s.port, '/live', (b) => calls(b).length >= 1, 'GET', accept === undefined ? {} : { accept });
          expect(headers['content-type'], accept).to.equal('text/html; charset=utf-8');
          expect(headers.vary).to.equal('Accept');
          expect(calls(body)).to.deep.equal([{ value: open(hub.epoch, 1, 1), id: 0 }]);
        }
      } finally {
        await s.close();
      }
    });

    it('writes Comet byte for byte as before: the initial chunk, the open script, then the encoder\'s chunks', async () => {
      const hub = cometHub<{ n: number }>(CB, { history: 5 });
      hub.publish({ n: 1 });
      hub.publish({ n: 2 });
      const s = await edge.serverFor(hub);
      try {
        const { body } = await read(s.port, `/c?epoch=${hub.epoch}&since=0`, (b) => calls(b).length >= 3, 'GET', { accept: 'text/html' });
        const chunks = Comet.encoder('json', CB, { initialChunk: null });
        expect(body).to.equal(
          initialHtmlChunk +
            chunks.encode(open(hub.epoch, 2, 0), -1, 0) +
            chunks.encode({ n: 1 }, 1, 1) +
            chunks.encode({ n: 2 }, 2, 2),
        );
        expect(hub.stats().encoded).to.deep.equal({ comet: 2, sse: 0 });
      } finally {
        await s.close();
      }
    });

    it('SSE: the open event first, then each message as an unnamed event with the id E:N, exactly as SSE.encoder writes it', async () => {
      const hub = cometHub<string>(CB, { kind: 'string', history: 5 });
      hub.publish('before');
      const s = await edge.serverFor(hub);
      try {
        const reading = readEvents(s.port, '/sse', 3);
        await until(() => hub.size === 1);
        hub.publish('two\nlines');
        hub.publish('three');
        const { status, headers, body } = await reading;
        expect(status).to.equal(200);
        expect(headers['cache-control']).to.equal('no-cache, no-transform');
        const message = SSE.encoder('string');
        expect(body).to.equal(
          `event: $open\ndata: ${JSON.stringify(open(hub.epoch, 1, 1))}\n\n` +
            message.encode('two\nlines', -1, `${hub.epoch}:2`) +
            message.encode('three', -1, `${hub.epoch}:3`),
        );
        expect(events(body).slice(1)).to.deep.equal([
          { type: 'message', data: 'two\nlines', lastEventId: `${hub.epoch}:2` },
          { type: 'message', data: 'three', lastEventId: `${hub.epoch}:3` },
        ]);
        expect(hub.stats().encoded).to.deep.equal({ comet: 0, sse: 2 });
      } finally {
        await s.close();
      }
    });

    it('reads the cursor from Last-Event-ID, else ?lastEventId=, else ?epoch=&since=; the first found wins', async () => {
      const hub = cometHub<number>(CB, { history: 10 });
      for (let i = 1; i <= 6; i++) hub.publish(i);
      const s = await edge.serverFor(hub);
      const E = hub.epoch;
      /** The ids replayed to a request (after its open event), and the open's since. */
      const replay = async (path: string, headers: Record<string, string> = {}) => {
        const { body } = await read(s.port, path, (b) => events(b).some((e) => e.lastEventId === `${E}:6`), 'GET', {
          accept: 'text/event-stream', ...headers,
        });
        const [first, ...rest] = events(body);
        return { since: (info(first!) as { since: number }).since, ids: rest.map((e) => e.lastEventId) };
      };
      try {
        expect(await replay('/sse', { 'last-event-id': `${E}:4` })).to.deep.equal({ since: 4, ids: [`${E}:5`, `${E}:6`] });
        expect(await replay(`/sse?lastEventId=${E}:3`)).to.deep.equal({ since: 3, ids: [`${E}:4`, `${E}:5`, `${E}:6`] });
        expect(await replay(`/sse?epoch=${E}&since=5`)).to.deep.equal({ since: 5, ids: [`${E}:6`] });
        // precedence
        expect(await replay(`/sse?lastEventId=${E}:1&epoch=${E}&since=2`, { 'last-event-id': `${E}:5` })).to.deep.equal({ since: 5, ids: [`${E}:6`] });
        expect(await replay(`/sse?lastEventId=${E}:4&epoch=${E}&since=1`)).to.deep.equal({ since: 4, ids: [`${E}:5`, `${E}:6`] });
        // an empty Last-Event-ID header counts as absent
        expect(await replay(`/sse?lastEventId=${E}:5`, { 'last-event-id': '' })).to.deep.equal({ since: 5, ids: [`${E}:6`] });
        // epochs may hold '-' and '_': the id splits at the colon
        expect(s.results.filter((r) => r === 'bad-request')).to.deep.equal([]);
      } finally {
        await s.close();
      }
    });

    it('another epoch: open with reset true, then a reset event with the new epoch, then what the history holds', async () => {
      const hub = cometHub<number>(CB, { history: 2 });
      for (const v of [1, 2, 3]) hub.publish(v);
      const s = await edge.serverFor(hub);
      try {
        const { body } = await readEvents(s.port, '/sse', 4, { 'last-event-id': 'an-older_run:40' });
        expect(events(body).map((e) => [e.type, info(e), e.lastEventId])).to.deep.equal([
          ['$open', open(hub.epoch, 3, 0, 1, true), ''],
          ['$reset', { type: 'reset', epoch: hub.epoch }, ''],
          ['message', 2, `${hub.epoch}:2`],
          ['message', 3, `${hub.epoch}:3`],
        ]);
      } finally {
        await s.close();
      }
    });

    it('a cursor of this epoch ahead of the hub replays nothing and gives only the ids after it', async () => {
      const hub = cometHub<number>(CB, { history: 10 });
      hub.publish(1);
      const s = await edge.serverFor(hub);
      try {
        const reading = readEvents(s.port, '/sse', 2, { 'last-event-id': `${hub.epoch}:3` });
        await until(() => hub.size === 1);
        for (const v of [2, 3, 4]) hub.publish(v);
        const { body } = await reading;
        expect(events(body).map((e) => [e.type, info(e)])).to.deep.equal([['$open', open(hub.epoch, 1, 3)], ['message', 4]]);
      } finally {
        await s.close();
      }
    });

    it('beats with a named beat event while idle, not with a comment', async () => {
      const hub = cometHub(CB);
      const s = await edge.serverFor(hub, { heartbeatMs: 30 });
      try {
        const { body } = await readEvents(s.port, '/sse', 3);
        expect(events(body).map((e) => [e.type, info(e)])).to.deep.equal([
          ['$open', open(hub.epoch, 0, 0)],
          ['$beat', { type: 'beat' }],
          ['$beat', { type: 'beat' }],
        ]);
        expect(body).to.not.include('\n:');
      } finally {
        await s.close();
      }
    });

    it('does not rotate SSE by default (past the 1 MiB at which Comet rotates); rotates with maxBytes given, with a rotate event', async () => {
      const hub = cometHub<string>(CB, { kind: 'string', limit: Infinity });
      const s = await edge.serverFor(hub, (req) => (req.url === '/rotating' ? { maxBytes: 600 } : {}));
      const big = 'x'.repeat(4096);
      try {
        const long = readEvents(s.port, '/sse', 1 + 300);
        await until(() => hub.size === 1);
        for (let i = 0; i < 300; i++) hub.publish(big);
        const { ended, body } = await long;
        expect(ended, 'ended by rotation').to.equal(false);
        expect(Buffer.byteLength(body)).to.be.greaterThan(1024 * 1024);
        await until(() => hub.size === 0);

        const rotating = readEvents(s.port, '/rotating', 1000);
        await until(() => hub.size === 1);
        for (let i = 0; i < 20 && hub.size > 0; i++) {
          hub.publish('m'.repeat(100));
          await sleep(5);
        }
        const rotated = await rotating;
        expect(rotated.ended).to.equal(true);
        const types = events(rotated.body).map((e) => e.type);
        expect(types[0]).to.equal('$open');
        expect(types.at(-1)).to.equal('$rotate');
        expect(types.filter((t) => t === 'message').length).to.be.within(4, 7);
        await until(() => s.results.includes('rotated'));
      } finally {
        await s.close();
      }
    });

    it('writes retry: <ms> first with the retry option (SSE only), and refuses a bad one at once', async () => {
      const hub = cometHub(CB);
      const s = await edge.serverFor(hub, { retry: 2500 });
      try {
        const { body } = await readEvents(s.port, '/sse', 1);
        expect(body.startsWith('retry: 2500\n\nevent: $open\n')).to.equal(true);
        const comet = await read(s.port, '/c', (b) => calls(b).length >= 1);
        expect(comet.body).to.not.include('retry');
      } finally {
        await s.close();
      }
      expect(() => edge.call(hub, { retry: -1 }, '/sse')).to.throw(RangeError, new RegExp(`${edge.says}options\\.retry must be a non-negative integer, got`));
      expect(() => edge.call(hub, { stop: 'yes' }, '/sse')).to.throw(TypeError, new RegExp(`${edge.says}stop must be a boolean or a function of the request, got a string$`));
      await until(() => hub.size === 0);
      expect(hub.stats().offered).to.equal(0);
    });

    it('stop: SSE GET and HEAD get 204, Comet the initial chunk and a stop control; both resolve stopped without subscribing', async () => {
      const hub = cometHub(CB, { history: 5 });
      hub.publish(1);
      const seen: string[] = [];
      const s = await edge.serverFor(hub, {
        stop: (req) => {
          seen.push(req.url!);
          return req.url!.startsWith('/out');
        },
      });
      try {
        const get = await read(s.port, '/out', undefined, 'GET', { accept: 'text/event-stream' });
        expect([get.status, get.body, get.ended, get.headers.vary]).to.deep.equal([204, '', true, 'Accept']);
        const head = await read(s.port, '/out', undefined, 'HEAD', { accept: 'text/event-stream' });
        expect([head.status, head.ended]).to.deep.equal([204, true]);
        const comet = await read(s.port, `/out?epoch=${hub.epoch}&since=0`);
        expect([comet.status, comet.ended, comet.headers['content-type']]).to.deep.equal([200, true, 'text/html; charset=utf-8']);
        expect(comet.body.startsWith(initialHtmlChunk)).to.equal(true);
        expect(calls(comet.body)).to.deep.equal([{ value: { type: 'stop' }, id: 0 }]);
        await until(() => s.results.length === 3);
        expect(s.results).to.deep.equal(['stopped', 'stopped', 'stopped']);
        expect(hub.stats().offered).to.equal(0);
        // a request stop() lets through is served
        const { body } = await readEvents(s.port, '/in', 2, { 'last-event-id': `${hub.epoch}:0` });
        expect(events(body).map((e) => e.type)).to.deep.equal(['$open', 'message']);
        expect(seen).to.deep.equal(['/out', '/out', `/out?epoch=${hub.epoch}&since=0`, '/in']);
      } finally {
        await s.close();
      }
      const always = cometHub(CB);
      const t = await edge.serverFor(always, { stop: true });
      try {
        expect((await read(t.port, '/', undefined, 'GET', { accept: 'text/event-stream' })).status).to.equal(204);
      } finally {
        await t.close();
      }
    });

    it('HEAD for SSE: the event-stream headers and an ended response, without subscribing', async () => {
      const hub = cometHub(CB, { history: 5 });
      hub.publish(1);
      const s = await edge.serverFor(hub);
      try {
        const { status, headers, body, ended } = await read(s.port, '/sse', undefined, 'HEAD', { accept: 'text/event-stream' });
        expect([status, ended, body]).to.deep.equal([200, true, '']);
        expect(headers['content-type']).to.equal('text/event-stream; charset=utf-8');
        expect(headers.vary).to.equal('Accept');
        await until(() => s.results.length === 1);
        expect(s.results).to.deep.equal(['head']);
        expect([hub.stats().offered, hub.size]).to.deep.equal([0, 0]);
      } finally {
        await s.close();
      }
    });

    it('adds Accept to a Vary header of the caller', async () => {
      const hub = cometHub(CB);
      const s = await edge.serverFor(hub, { headers: { vary: 'Origin' } });
      try {
        const { headers } = await readEvents(s.port, '/sse', 1);
        expect(headers.vary).to.equal('Origin, Accept');
      } finally {
        await s.close();
      }
    });
  });
}
