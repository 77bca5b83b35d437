/**
 * hub.serve: the server half of the client protocol, over real sockets on 127.0.0.1. Each response
 * is read as the browser would run it: its scripts run in a fresh context whose `parent.cometMessage`
 * records every call.
 */
import { expect } from 'chai';
import type http from 'node:http';
import { createClient } from 'redis';
import { cometEncoding, cometHub, createHub, createRedisHub } from '../../../src/index.js';
import { redisForTests, type RedisServer } from '../../support/redis-server.js';
import { calls, CB, events, read, readEvents } from '../fixtures/serve.js';
import { edges } from './fixtures/edges.js';
import { sleep, until } from '../../support/timing.js';

for (const edge of edges) {
  describe(edge.name, function () {
    this.timeout(20_000);

    it('a first connect: the initial chunk, then open at the hub last id, then live messages as callback(value, id)', async () => {
      const hub = cometHub<{ n: number }>(CB, { history: 10 });
      hub.publish({ n: 1 });
      const s = await edge.serverFor(hub);
      try {
        const reading = read(s.port, '/comet', (body) => calls(body).length >= 2);
        await until(() => hub.size === 1);
        hub.publish({ n: 2 });
        const { body, headers } = await reading;
        expect(headers['content-type']).to.equal('text/html; charset=utf-8');
        expect(body.startsWith(' '.repeat(5120) + '<html><body><script')).to.equal(true);
        expect(calls(body)).to.deep.equal([
          { value: { type: 'open', epoch: hub.epoch, lastId: 1, since: 1, missed: 0, reset: false }, id: 0 },
          { value: { n: 2 }, id: 2 },
        ]);
        await until(() => s.results.length === 1);
        expect(s.results).to.deep.equal(['client-gone']);
        expect(hub.size).to.equal(0);
      } finally {
        await s.close();
      }
    });

    it('a cursor of this epoch replays exactly what came after it, in order; one that fell out of history counts missed', async () => {
      const hub = cometHub<number>(CB, { history: 3 });
      for (let i = 1; i <= 10; i++) hub.publish(i * 10);
      const s = await edge.serverFor(hub);
      try {
        const near = await read(s.port, `/comet?epoch=${hub.epoch}&since=8`, (b) => calls(b).length >= 3);
        expect(calls(near.body)).to.deep.equal([
          { value: { type: 'open', epoch: hub.epoch, lastId: 10, since: 8, missed: 0, reset: false }, id: 0 },
          { value: 90, id: 9 },
          { value: 100, id: 10 },
        ]);
        const far = await read(s.port, `/comet?since=2&epoch=${hub.epoch}&page=x`, (b) => calls(b).length >= 4);
        expect(calls(far.body)).to.deep.equal([
          { value: { type: 'open', epoch: hub.epoch, lastId: 10, since: 2, missed: 5, reset: false }, id: 0 },
          { value: 80, id: 8 },
          { value: 90, id: 9 },
          { value: 100, id: 10 },
        ]);
      } finally {
        await s.close();
      }
    });

    it('a cursor of another epoch gets reset and what the history holds; one ahead of this hub replays nothing and waits for it', async () => {
      const hub = cometHub<string>(CB, { history: 2, kind: 'string' });
      for (const v of ['a', 'b', 'c']) hub.publish(v);
      const s = await edge.serverFor(hub);
      try {
        const other = await read(s.port, '/comet?epoch=anOlderRun&since=3', (b) => calls(b).length >= 3);
        expect(calls(other.body)).to.deep.equal([
          { value: { type: 'open', epoch: hub.epoch, lastId: 3, since: 0, missed: 1, reset: true }, id: 0 },
          { value: 'b', id: 2 },
          { value: 'c', id: 3 },
        ]);
        await until(() => hub.size === 0);
        // ahead of this hub (one that has not caught up yet): nothing replayed, only ids after 5 given
        const reading = read(s.port, `/comet?epoch=${hub.epoch}&since=5`, (b) => calls(b).length >= 2);
        await until(() => hub.size === 1);
        for (const v of ['d', 'e', 'f']) hub.publish(v);
        expect(calls((await reading).body)).to.deep.equal([
          { value: { type: 'open', epoch: hub.epoch, lastId: 3, since: 5, missed: 0, reset: false }, id: 0 },
          { value: 'f', id: 6 },
        ]);
      } finally {
        await s.close();
      }
    });

    it('a malformed cursor is a 400 text/plain, never an exception, and subscribes nobody: Comet and SSE', async () => {
      const hub = cometHub(CB, { history: 5 });
      const s = await edge.serverFor(hub);
      try {
        const comet = ['?since=1', '?epoch=abc', '?epoch=abc&since=01', '?epoch=abc&since=-1', '?epoch=abc&since=1.5',
          '?epoch=a%20b&since=1', `?epoch=${'x'.repeat(65)}&since=1`, '?epoch=abc&since=9007199254740993',
          '?epoch=abc&since=1&since=2', '?epoch=abc&epoch=abd&since=1'];
        const sse = { accept: 'text/event-stream' };
        const bad: [string, Record<string, string>][] = [
          ...comet.map((query): [string, Record<string, string>] => [`/comet${query}`, {}]),
          ...comet.map((query): [string, Record<string, string>] => [`/sse${query}`, sse]),
          ['/sse?lastEventId=', sse],
          ['/sse?lastEventId=abc:1&lastEventId=abc:2', sse],
          ['/sse?lastEventId=abc', sse],
        ];
        for (const [path, headers] of bad) {
          const { status, headers: got, body, ended } = await read(s.port, path, undefined, 'GET', headers);
          expect(status, `${path} ${JSON.stringify(headers)}`).to.equal(400);
          expect(ended).to.equal(true);
          // SSE: the reason as text (an EventSource fails for good on the status); Comet: one stop control
          // carrying the status and the reason, since the iframe cannot see the status
          if (headers.accept === undefined) {
            expect(got['content-type']).to.equal('text/html; charset=utf-8');
            expect(body).to.match(/^<script type="text\/javascript">parent\.cometMessage\(\{"type":"stop","status":400,"reason":"malformed cursor: [^"]*"\},0\);<\/script>$/);
          } else {
            expect(got['content-type']).to.equal('text/plain; charset=utf-8');
            expect(body).to.include('malformed cursor');
          }
          expect(got.vary).to.equal('Accept');
        }
        expect(s.results).to.deep.equal(bad.map(() => 'bad-request'));
        expect(hub.stats().offered).to.equal(0);
        expect(hub.size).to.equal(0);
      } finally {
        await s.close();
      }
    });

    it('HEAD gets the Comet headers and an ended response, without subscribing', async () => {
      const hub = cometHub(CB, { history: 5 });
      hub.publish(1);
      let subscribed = 0;
      const subscribe = hub.subscribe.bind(hub);
      hub.subscribe = (options) => (subscribed++, subscribe(options));
      const s = await edge.serverFor(hub);
      try {
        const { status, headers, body, ended } = await read(s.port, '/comet', undefined, 'HEAD');
        expect([status, ended, body]).to.deep.equal([200, true, '']);
        expect(headers['content-type']).to.equal('text/html; charset=utf-8');
        await until(() => s.results.length === 1);
        expect(s.results).to.deep.equal(['head']);
        expect(subscribed).to.equal(0);
      } finally {
        await s.close();
      }
    });

    it('rotates after maxBytes at a message boundary with a rotate script, and beats while idle', async () => {
      const hub = cometHub<string>(CB, { kind: 'string', initialChunk: null });
      const s = await edge.serverFor(hub, { maxBytes: 300, heartbeatMs: 40 });
      try {
        const reading = read(s.port, '/comet', (b) => calls(b).some((c) => (c.value as { type?: string }).type === 'beat'));
        await until(() => hub.size === 1);
        const beat = calls((await reading).body);
        expect(beat[0]!.value).to.include({ type: 'open' });
        expect(beat.at(-1)).to.deep.equal({ value: { type: 'beat' }, id: 0 });

        await until(() => hub.size === 0);
        const rotating = read(s.port, '/comet');
        await until(() => hub.size === 1);
        // one message per turn, so each is its own write (messages waiting together are written as one chunk)
        for (let i = 0; i < 20 && hub.size > 0; i++) {
          hub.publish('m'.repeat(40) + i);
          await sleep(5);
        }
        const { body, ended } = await rotating;
        expect(ended).to.equal(true);
        const got = calls(body).filter((c) => c.id > 0);
        expect(got.length).to.be.within(2, 19);
        expect(got.map((c) => c.id)).to.deep.equal(got.map((_, i) => got[0]!.id + i));
        expect(calls(body).filter((c) => c.id === 0).map((c) => (c.value as { type: string }).type).slice(-1)).to.deep.equal(['rotate']);
        expect(body.endsWith('</script>')).to.equal(true);
        await until(() => s.results.includes('rotated'));
        await until(() => hub.size === 0);
      } finally {
        await s.close();
      }
    });

    it('counts maxBytes from after the open script: an idle response is not rotated by its initial chunk', async () => {
      const hub = cometHub<string>(CB, { kind: 'string' });
      // below the initial chunk's 5 KiB of padding: counted from the start, every response would rotate at
      // once with no message, and the client, reconnecting at once after a rotate, would loop
      const s = await edge.serverFor(hub, { maxBytes: 1000, heartbeatMs: 40 });
      try {
        const reading = read(s.port, '/comet', (b) => calls(b).some((c) => (c.value as { type?: string }).type === 'beat'));
        const idle = await reading;
        expect(idle.ended, 'ended before a heartbeat').to.equal(false);
        expect(calls(idle.body).map((c) => (c.value as { type: string }).type)).to.deep.equal(['open', 'beat']);
        await until(() => hub.size === 0);
        const rotating = read(s.port, '/comet');
        await until(() => hub.size === 1);
        for (let i = 0; i < 40 && hub.size > 0; i++) {
          hub.publish('m'.repeat(100) + i);
          await sleep(5);
        }
        const { body, ended } = await rotating;
        expect(ended).to.equal(true);
        const messages = calls(body).filter((c) => c.id > 0).length;
        expect(messages, 'messages before the rotation (~150 bytes each)').to.be.within(6, 8);
      } finally {
        await s.close();
      }
    });

    it('writes the nonce into the control scripts too', async () => {
      const hub = cometHub(CB, { nonce: 'r4nd0m' });
      const s = await edge.serverFor(hub);
      try {
        const { body } = await read(s.port, '/comet', (b) => calls(b).length >= 1);
        expect(body).to.include('<script type="text/javascript" nonce="r4nd0m">parent.cometMessage({"type":"open"');
      } finally {
        await s.close();
      }
    });

    it('is refused at once on a hub not made for Comet, and for unknown options or a bad request', () => {
      const plain = createHub<string>();
      // a hub of values has neither serve nor fetch, in its type and at run time
      // @ts-expect-error serve is not a member of Hub
      expect(plain.serve).to.equal(undefined);
      // @ts-expect-error fetch is not a member of Hub
      expect(plain.fetch).to.equal(undefined);
      expect('serve' in plain || 'fetch' in plain).to.equal(false);
      const hub = cometHub(CB);
      expect(() => edge.call(hub, { heartbeatMS: 5 })).to.throw(TypeError, new RegExp(`${edge.says}unknown option 'heartbeatMS'`));
      expect(() => edge.call(hub, { maxBytes: 0 })).to.throw(RangeError, new RegExp(`${edge.says}maxBytes must be a positive integer or Infinity, got 0$`));
      expect(() => edge.call(hub, 'fast')).to.throw(TypeError, new RegExp(`${edge.says}options must be an object, got a string$`));
      if (edge.name === 'hub.serve') {
        expect(() => hub.serve({} as http.IncomingMessage, {} as http.ServerResponse)).to.throw(TypeError, /^hub\.serve: req must be an http\.IncomingMessage, got a plain object$/);
      } else {
        expect(() => hub.fetch({ url: '/live' } as Request)).to.throw(TypeError, /^hub\.fetch: request must be a web Request, got a plain object$/);
        expect(() => hub.fetch(new Request('http://127.0.0.1/live'), { onEnd: 'log' as never })).to.throw(TypeError, /^hub\.fetch: onEnd must be a function, got a string$/);
      }
      expect(hub.size).to.equal(0);
    });

    describe('on a Redis hub made with cometEncoding', () => {
      let redis: { url: string; server: RedisServer | null };
      before(async () => {
        redis = await redisForTests();
      });
      after(async () => {
        await redis.server?.stop();
      });

      it('serves the same protocol, with ids from Redis and a replay from history', async () => {
        const client = createClient({ url: redis.url });
        client.on('error', () => {});
        await client.connect();
        const hub = await createRedisHub({ client, channel: `serve-${process.pid}-${Date.now()}`, history: 10, ...cometEncoding(CB) });
        const s = await edge.serverFor(hub);
        try {
          const first = await hub.publish({ n: 1 });
          const second = await hub.publish({ n: 2 });
          await until(() => hub.lastId === second);
          const { body } = await read(s.port, `/comet?epoch=${hub.epoch}&since=${first}`, (b) => calls(b).length >= 2);
          expect(calls(body)).to.deep.equal([
            { value: { type: 'open', epoch: hub.epoch, lastId: second, since: first, missed: 0, reset: false }, id: 0 },
            { value: { n: 2 }, id: second },
          ]);
        } finally {
          await s.close();
          await hub.close();
          await client.quit();
        }
      });

      it('serves SSE with ids from Redis, resuming from Last-Event-ID', async () => {
        const client = createClient({ url: redis.url });
        client.on('error', () => {});
        await client.connect();
        const hub = await createRedisHub({ client, channel: `serve-sse-${process.pid}-${Date.now()}`, history: 10, ...cometEncoding(CB) });
        const s = await edge.serverFor(hub);
        try {
          const first = await hub.publish({ n: 1 });
          const second = await hub.publish({ n: 2 });
          await until(() => hub.lastId === second);
          const { body } = await readEvents(s.port, '/sse', 2, { 'last-event-id': `${hub.epoch}:${first}` });
          expect(events(body).map((e) => [e.type, JSON.parse(e.data), e.lastEventId])).to.deep.equal([
            ['$open', { type: 'open', epoch: hub.epoch, lastId: second, since: first, missed: 0, reset: false }, ''],
            ['message', { n: 2 }, `${hub.epoch}:${second}`],
          ]);
          expect(hub.stats().encoded).to.deep.equal({ comet: 0, sse: 1 });
        } finally {
          await s.close();
          await hub.close();
          await client.quit();
        }
      });
    });
  });
}
